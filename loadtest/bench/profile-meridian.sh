#!/usr/bin/env bash
# Profiles Meridian with Java Flight Recorder under the side-by-side benchmark's load: the same
# nginx backend and pinning (Meridian on one CPU, generator and backend on the other), an
# open-loop run at a fixed rate, a JFR recording (settings=profile) of the measured part, then a
# summary of where the CPU time and the allocations go (profile.md beside the .jfr).
#
#   loadtest/bench/profile-meridian.sh                   # 10000 req/s, 30 s recorded
#   loadtest/bench/profile-meridian.sh --rate 5000 --duration 60s --out /tmp/profile
#
# Options: --rate N [10000], --duration D (recorded, after a 15 s warm-up) [30s], --connections N [64],
# --access-log off|file [off], --proxy-cpu N [0], --client-cpu N [1], --base-port N [28490],
# --out DIR [loadtest/bench/results/profile-DATE].
# Needs nginx (see side-by-side.sh), java with jfr, python3.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rate=10000
duration=30s
connections=64
access_log=off
proxy_cpu=0
client_cpu=1
base_port=28490
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rate) rate="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --access-log) access_log="$2"; shift 2 ;;
        --proxy-cpu) proxy_cpu="$2"; shift 2 ;;
        --client-cpu) client_cpu="$2"; shift 2 ;;
        --base-port) base_port="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "profile-meridian: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
for tool in nginx taskset java jfr python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "profile-meridian: $tool not found (nginx: see side-by-side.sh)" >&2; exit 1; }
done
# shellcheck source=bench-lib.sh
. "$root/loadtest/bench/bench-lib.sh"
meridian_jars
seconds="${duration%s}"
out="${out:-$root/loadtest/bench/results/profile-$(date +%Y-%m-%d-%H%M)}"
mkdir -p "$out"
work="$(mktemp -d /tmp/meridian-profile.XXXXXX)"
templates="$root/loadtest/bench/templates"
pids=()
trap stop_pids EXIT INT TERM

export WORK="$work" BACKEND_PORT="$base_port" MERIDIAN_PORT="$((base_port + 3))" MERIDIAN_NAME=meridian NGINX_PORT=0 HAPROXY_PORT=0
export BODY="$(printf 'x%.0s' $(seq 1 199))"
if [ "$access_log" = file ]; then
    export ACCESS_LOG="{enabled: true, file: $work/meridian-access.jsonl}"
else
    export ACCESS_LOG="{enabled: false}"
fi
mkdir -p "$work/backend"
render "$templates/backend-nginx.conf" "$work/backend/nginx.conf"
render "$templates/meridian.yaml" "$work/meridian.yaml"
wait_for_port() {
    for _ in $(seq 1 200); do
        curl -fsS -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "profile-meridian: nothing answers on port $1" >&2
    exit 1
}

taskset -c "$client_cpu" nginx -p "$work/backend" -c "$work/backend/nginx.conf" >"$work/backend.log" 2>&1 &
pids+=($!)
wait_for_port "$BACKEND_PORT"
# JFR starts recording after the warm-up (delay) and stops after the measured part.
# shellcheck disable=SC2086 # MERIDIAN_JAVA_OPTS is a list of flags, as in ./meridian
taskset -c "$proxy_cpu" java ${MERIDIAN_JAVA_OPTS:-} -XX:+FlightRecorder \
    "-XX:StartFlightRecording=delay=17s,duration=${seconds}s,filename=$out/meridian.jfr,settings=profile" \
    -jar "$router_jar" run --config "$work/meridian.yaml" >"$out/meridian.log" 2>&1 &
meridian_pid=$!
pids+=($meridian_pid)
wait_for_port "$MERIDIAN_PORT"
echo "profile-meridian: $rate req/s for 15 s warm-up + ${duration} (recorded)" >&2
taskset -c "$client_cpu" java -Xms1g -Xmx1g -jar "$loadtest_jar" loadgen -q \
    --target "http://127.0.0.1:$MERIDIAN_PORT" --path / --rate "$rate" --connections "$connections" \
    --warmup 15s --duration "$((seconds + 4))s" --out "$out/load" --title "meridian under JFR, $rate req/s" \
    >"$out/load.txt" 2>&1
for _ in $(seq 1 100); do
    [ -s "$out/meridian.jfr" ] && break
    sleep 0.2
done
stop_pids
pids=()

jfr summary "$out/meridian.jfr" >"$out/jfr-summary.txt"
jfr print --json --events jdk.ExecutionSample "$out/meridian.jfr" >"$work/samples.json"
jfr print --json --events jdk.ObjectAllocationSample "$out/meridian.jfr" >"$work/allocations.json"
jfr print --json --events jdk.GarbageCollection "$out/meridian.jfr" >"$work/gc.json"
jfr print --json --events jdk.NativeMethodSample "$out/meridian.jfr" >"$work/native.json"
python3 "$root/loadtest/bench/jfr-hotspots.py" "$work/samples.json" "$work/allocations.json" "$work/gc.json" \
    --native "$work/native.json" --title "Meridian under $rate req/s (JFR, settings=profile, ${duration})" \
    --load "$out/load.txt" >"$out/profile.md"
rm -rf "$work"
echo "profile-meridian: wrote $out/profile.md and $out/meridian.jfr" >&2
