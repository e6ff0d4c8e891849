#!/usr/bin/env bash
# Kept as run for the figures in src/docs/performance.md (issue 18); paths are this machine's.
# Throwaway: system calls per request of the nginx proxy and of Meridian, same backend and pinning as
# side-by-side.sh, counted with perf's syscall tracepoints (low overhead) during an open-loop run.
# Usage: syscalls.sh RATE SECONDS OUTDIR
set -euo pipefail
root=/work/main
rate=${1:-5000}; secs=${2:-10}; out=${3:-/tmp/syscalls}
mkdir -p "$out"
. "$root/loadtest/bench/bench-lib.sh"
meridian_jars
work=$(mktemp -d /tmp/sysc.XXXX)
export WORK=$work BACKEND_PORT=28580 MERIDIAN_PORT=28583 NGINX_PORT=28581 NGINX_NAME=nginx NGINX_LISTEN="" NGINX_ACCESS_LOG=off
export MERIDIAN_NAME=meridian ACCESS_LOG="{enabled: false}" BODY="$(printf 'x%.0s' $(seq 1 199))"
mkdir -p $work/backend $work/nginx
render $root/loadtest/bench/templates/backend-nginx.conf $work/backend/nginx.conf
render $root/loadtest/bench/templates/proxy-nginx.conf $work/nginx/nginx.conf
render $root/loadtest/bench/templates/meridian.yaml $work/meridian.yaml
pids=(); trap stop_pids EXIT INT TERM
wait_port() { for _ in $(seq 1 200); do curl -fsS -o /dev/null http://127.0.0.1:$1/ 2>/dev/null && return 0; sleep 0.1; done; exit 1; }
taskset -c 1 nginx -p $work/backend -c $work/backend/nginx.conf & pids+=($!)
wait_port $BACKEND_PORT
taskset -c 0 nginx -p $work/nginx -c $work/nginx/nginx.conf & pids+=($!)
taskset -c 0 java -Dio.netty.leakDetection.level=disabled -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -jar $router_jar run --config $work/meridian.yaml > $out/meridian.log 2>&1 & mpid=$!; pids+=($mpid)
wait_port $NGINX_PORT; wait_port $MERIDIAN_PORT
nginx_worker=$(pgrep -P $(cat $work/nginx/nginx.pid) nginx | head -1)
for target in meridian nginx; do
  if [ $target = meridian ]; then port=$MERIDIAN_PORT; pid=$mpid; else port=$NGINX_PORT; pid=$nginx_worker; fi
  # 20 s warm-up (JIT), then count during secs of the measured part.
  taskset -c 1 java -Xms1g -Xmx1g -jar $loadtest_jar loadgen -q --target http://127.0.0.1:$port --path / \
     --rate $rate --connections 64 --warmup 20s --duration $((secs + 4))s --out $out/$target-load > $out/$target-load.txt 2>&1 &
  lg=$!
  sleep 22
  perf record -F 1999 -o $out/$target.perf.data -p $pid -- sleep $secs 2>/dev/null
  wait $lg || true
done
stop_pids; pids=()
sleep 1
for t in meridian nginx; do perf report -i $out/$t.perf.data --no-children --sort dso,sym --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60 > $out/$t-top.txt; perf report -i $out/$t.perf.data --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15 > $out/$t-dso.txt; done
rm -rf $work
