#!/usr/bin/env bash
# Kept as run for the figures in src/docs/performance.md (issue 18); paths are this machine's. perf reports: perf report -n --stdio --sort dso,sym; grouped by perf-groups.py.
# Throwaway for issue 18: where Meridian's CPU goes on full TLS handshakes and on h2c, sampled with
# perf record (a perf map for the JIT), same backend and pinning as side-by-side.sh.
# Usage: profile-tls-h2.sh OUTDIR
set -euo pipefail
root=/work/main
out=${1:-/tmp/prof-tls-h2}; secs=10
mkdir -p "$out"
. "$root/loadtest/bench/bench-lib.sh"
meridian_jars
work=$(mktemp -d /tmp/proftls.XXXX)
export WORK=$work BACKEND_PORT=28680 MERIDIAN_PORT=28683 MERIDIAN_TLS_PORT=28685 MERIDIAN_NAME=meridian
export ACCESS_LOG="{enabled: false}" ACCESS_LOG_TLS="{enabled: false}" BODY="$(printf 'x%.0s' $(seq 1 199))"
export TLS_CERT=$work/cert.pem TLS_KEY=$work/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout $work/k.pem -out $TLS_CERT 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in $work/k.pem -out $TLS_KEY
mkdir -p $work/backend
render $root/loadtest/bench/templates/backend-nginx.conf $work/backend/nginx.conf
render $root/loadtest/bench/templates/meridian.yaml $work/meridian.yaml
render $root/loadtest/bench/templates/meridian-tls.yaml $work/meridian-tls.yaml
pids=(); trap stop_pids EXIT INT TERM
wait_port() { for _ in $(seq 1 300); do curl -ksS -o /dev/null $1 2>/dev/null && return 0; sleep 0.1; done; exit 1; }
taskset -c 1 nginx -p $work/backend -c $work/backend/nginx.conf & pids+=($!)
wait_port http://127.0.0.1:$BACKEND_PORT/
# sample NAME PID LOAD-PID: 17 s into the load, samples PID for secs (perf record) and its CPU ticks,
# then waits for the load and stops PID.
sample() {
  local name=$1 pid=$2 load=$3 st0 st1
  sleep 17
  read -r -a st0 < /proc/$pid/stat
  perf record -F 1999 -o $out/$name.perf.data -p $pid -- sleep $secs 2>/dev/null
  read -r -a st1 < /proc/$pid/stat
  echo "$name utime_ticks=$(( ${st1[13]} - ${st0[13]} )) stime_ticks=$(( ${st1[14]} - ${st0[14]} ))" | tee -a $out/cpu.txt
  wait $load || true
  kill $pid; wait $pid || true
}
jvm=(-Dio.netty.leakDetection.level=disabled -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit)
taskset -c 0 java "${jvm[@]}" -jar $router_jar run --config $work/meridian-tls.yaml > $out/meridian-tls.log 2>&1 & tpid=$!; pids+=($tpid)
wait_port https://127.0.0.1:$MERIDIAN_TLS_PORT/
# Handshakes: a new connection per request, closed loop of 64, 15 s warm-up, 10 s sampled.
taskset -c 1 java -Xms1g -Xmx1g -jar $loadtest_jar loadgen -q --target https://127.0.0.1:$MERIDIAN_TLS_PORT --ca $TLS_CERT \
  --path / --closed --concurrency 64 --warmup 15s --duration $((secs + 5))s -H 'Connection: close' --out $out/handshake-load > $out/handshake-load.txt 2>&1 & lg=$!
sample handshake $tpid $lg
taskset -c 0 java "${jvm[@]}" -jar $router_jar run --config $work/meridian.yaml > $out/meridian-h2.log 2>&1 & hpid=$!; pids+=($hpid)
wait_port http://127.0.0.1:$MERIDIAN_PORT/
# h2c: h2load, 20 connections x 10 streams, 15 s warm-up, 10 s sampled.
taskset -c 1 h2load -t 1 -c 20 -m 10 -D $((secs + 20)) --warm-up-time 15 http://127.0.0.1:$MERIDIAN_PORT/ > $out/h2-load.txt 2>&1 & lg=$!
sample h2c $hpid $lg
stop_pids; pids=()
cp /tmp/perf-$tpid.map /tmp/perf-$hpid.map $out/ 2>/dev/null || true
rm -rf $work
