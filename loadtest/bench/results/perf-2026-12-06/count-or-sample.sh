#!/usr/bin/env bash
# Kept as run for the figures in src/docs/performance.md (issue 18); paths are this machine's.
# Throwaway: system calls per request of the nginx proxy and of Meridian, same backend and pinning as
# side-by-side.sh, counted with perf's syscall tracepoints (low overhead) during an open-loop run.
# Usage: count-or-sample.sh RATE SECONDS OUTDIR [count|record]: count system calls (perf stat on the syscall
# tracepoints, and user/system time from /proc) or sample the CPU (perf record; the JVM dumps a perf map at exit).
set -euo pipefail
root=/work/main
rate=${1:-5000}; secs=${2:-10}; out=${3:-/tmp/syscalls}; mode=${4:-count}
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
  if [ $mode = record ]; then
    perf record -F 1999 -o $out/$target.perf.data -p $pid -- sleep $secs 2>/dev/null
  else
    read -r -a st0 < /proc/$pid/stat
    perf stat -x, -e 'raw_syscalls:sys_enter' -e 'syscalls:sys_enter_epoll_wait' -e 'syscalls:sys_enter_epoll_pwait' \
       -e 'syscalls:sys_enter_epoll_ctl' -e 'syscalls:sys_enter_read' -e 'syscalls:sys_enter_write' -e 'syscalls:sys_enter_writev' \
       -e 'syscalls:sys_enter_readv' -e 'syscalls:sys_enter_recvfrom' -e 'syscalls:sys_enter_sendto' -e 'syscalls:sys_enter_futex' \
       -e 'syscalls:sys_enter_sendmsg' -e 'syscalls:sys_enter_recvmsg' -e "syscalls:sys_enter_epoll_pwait2" -e "syscalls:sys_enter_timerfd_settime" -e "syscalls:sys_enter_eventfd2" -e "syscalls:sys_enter_setsockopt" -e "syscalls:sys_enter_getsockopt" \
       --per-thread -p $pid -o $out/$target-perf.csv -- sleep $secs
    read -r -a st1 < /proc/$pid/stat
    echo "$target utime_ticks=$(( ${st1[13]} - ${st0[13]} )) stime_ticks=$(( ${st1[14]} - ${st0[14]} ))" | tee -a $out/cpu.txt
  fi
  wait $lg || true
done
stop_pids; pids=()
rm -rf $work
