#!/usr/bin/env bash
# Side-by-side benchmark: the same nginx backend reached directly, through nginx (reverse proxy),
# through HAProxy and through Meridian, interleaved A B C D A B C D ..., at fixed open-loop rates
# below saturation and in a closed loop for throughput. Writes every run's JSON/hgrm/SVG and a
# summary (loadtest/bench/results/DATE/summary.md) with medians over the rounds, the latency each
# proxy adds over the direct path, ratios to direct and to nginx, and CPU time per request.
# With --tls (or the targets nginx-tls, meridian-tls) nginx and Meridian also terminate TLS with
# the same self-signed EC P-256 certificate, proxying to the same plaintext backend, and the
# summary gets an "HTTPS (TLS termination)" table. With --http2 (or the targets nginx-h2,
# meridian-h2) h2load drives nginx (`listen ... http2`) and Meridian over h2c, 20 connections x 10
# streams in a closed loop, once a round, for an "HTTP/2 (h2c)" table. With --access-logs (or the
# targets nginx-logs-on, meridian-logs-on) nginx writes its default `combined` access log and
# Meridian its default JSON access log to files, beside the logs-off rows. Every open-loop run's
# per-second medians give the "worst second" table (a 1 s window with a median over 1 ms).
#
#   loadtest/bench/side-by-side.sh                          # 2k, 5k, 10k req/s, 30 s each, 3 rounds (~30 min)
#   loadtest/bench/side-by-side.sh --rates 2000,5000 --duration 10s --rounds 1 --sat-duration 10s   # a quick look
#   loadtest/bench/side-by-side.sh --tls                    # the four plaintext targets plus nginx-tls, meridian-tls
#   loadtest/bench/side-by-side.sh --targets nginx-tls,meridian-tls   # HTTPS only (direct is added as the baseline)
#   loadtest/bench/side-by-side.sh --http2 --access-logs   # plus the h2c and the access-logs-on rows
#
# Options (defaults in brackets):
#   --rates LIST          open-loop rates, comma separated [2000,5000,10000]
#   --duration D          measured time of each open-loop run [30s]
#   --warmup D            warm-up of each run, left out of the figures [5s]
#   --rounds N            rounds of A B C D [3]
#   --connections N       keep-alive connections of the open-loop runs [64]
#   --concurrency N       closed-loop (saturation) concurrency [64]
#   --sat-duration D      measured time of each closed-loop run; 0s skips them [20s]
#   --prime D             discarded closed-loop run per target before round 1 (JIT, pools) [10s]
#   --targets LIST        any of direct,nginx,haproxy,meridian,nginx-tls,meridian-tls,nginx-h2,meridian-h2,
#                         nginx-logs-on,meridian-logs-on [the first four]; with a -tls target, direct is added
#                         when missing (the HTTPS table is relative to it)
#   --tls                 add nginx-tls and meridian-tls to the targets
#   --http2               add nginx-h2 and meridian-h2: h2c from h2load, closed loop only (--h2-duration)
#   --h2-duration D       -h2 targets: measured time of the h2load closed loop, once a round; 0s skips it [20s]
#   --h2-connections N    -h2 targets: h2load connections [20]
#   --h2-streams N        -h2 targets: concurrent streams per connection (h2load -m) [10]
#   --access-logs         add nginx-logs-on and meridian-logs-on: access logs on, to a file (nginx's default
#                         `combined` format, Meridian's default JSON lines); every other target logs nothing
#                         (but see --access-log)
#   --handshake-duration D  TLS targets: measured time of a closed loop with a new connection (a full
#                         handshake) per request, once a round; 0s skips it [10s]
#   --access-log off|file Meridian's access log: off (like the others), or to a file in the work dir [off]
#   --proxy-cpu LIST      CPUs the proxies are pinned to, e.g. 0 or 0,1 (taskset -c); each proxy still
#                         gets one worker or event loop, so a second CPU is for the JVM's GC and JIT [0]
#   --client-cpu LIST     CPUs of the load generator and the backend [1]
#   --base-port N         backend on N, nginx N+1, HAProxy N+2, Meridian N+3, nginx-tls N+4,
#                         meridian-tls N+5, nginx-h2 N+6, meridian-h2 N+7, nginx-logs-on N+8,
#                         meridian-logs-on N+9 (loopback) [28480]
#   --out DIR             results directory [loadtest/bench/results/DATE]
#   --no-install          do not apt-get install nginx/haproxy/h2load when missing (fail instead)
#
# Fairness: every proxy gets one CPU (taskset) and one worker (nginx worker_processes 1, HAProxy
# nbthread 1, Meridian server.event-loops 1); all keep-alive to the backend (nginx keepalive 64,
# HAProxy http-reuse always, Meridian's pool); no access logs by default. The Meridian JVM runs
# with the flags the ./meridian launcher uses (none beyond $MERIDIAN_JAVA_OPTS) on its one CPU;
# its JIT and GC threads share that CPU and count in its CPU time. TLS: both terminators use the
# same certificate and key, offer TLS 1.2 and 1.3 and negotiate TLS 1.3 with the load generator
# (which verifies the certificate with --ca and offers ALPN http/1.1); the client keeps its
# connections alive, so handshakes are amortised except in the --handshake-duration runs. HTTP/2:
# h2load (Debian's nghttp2-client) pinned like the load generator, h2c with prior knowledge to
# both; the -h2 targets proxy HTTP/1.1 to the same backend like the others.
# $LOADGEN_JAVA_OPTS adds flags to the load generator's JVM (for example -Xlog:safepoint to look
# into a slow second); its output goes to runs/NAME.txt.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rates="2000,5000,10000"
duration="30s"
warmup="5s"
rounds=3
connections=64
concurrency=64
sat_duration="20s"
prime="10s"
base_port=28480
targets="direct,nginx,haproxy,meridian"
tls=0
handshake_duration="10s"
h2_duration="20s"
http2=0
access_logs=0
h2_connections=20
h2_streams=10
access_log="off"
proxy_cpu=0
client_cpu=1
out=""
install=1

while [ $# -gt 0 ]; do
    case "$1" in
        --rates) rates="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --concurrency) concurrency="$2"; shift 2 ;;
        --sat-duration) sat_duration="$2"; shift 2 ;;
        --prime) prime="$2"; shift 2 ;;
        --base-port) base_port="$2"; shift 2 ;;
        --targets) targets="$2"; shift 2 ;;
        --tls) tls=1; shift ;;
        --http2) http2=1; shift ;;
        --h2-duration) h2_duration="$2"; shift 2 ;;
        --h2-connections) h2_connections="$2"; shift 2 ;;
        --h2-streams) h2_streams="$2"; shift 2 ;;
        --access-logs) access_logs=1; shift ;;
        --handshake-duration) handshake_duration="$2"; shift 2 ;;
        --access-log) access_log="$2"; shift 2 ;;
        --proxy-cpu) proxy_cpu="$2"; shift 2 ;;
        --client-cpu) client_cpu="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --no-install) install=0; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "side-by-side: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$access_log" in off | file) ;; *) echo "side-by-side: --access-log off|file" >&2; exit 2 ;; esac

if [ "$tls" = 1 ]; then
    case ",$targets," in *,nginx-tls,*) ;; *) targets="$targets,nginx-tls" ;; esac
    case ",$targets," in *,meridian-tls,*) ;; *) targets="$targets,meridian-tls" ;; esac
fi
if [ "$http2" = 1 ]; then
    case ",$targets," in *,nginx-h2,*) ;; *) targets="$targets,nginx-h2" ;; esac
    case ",$targets," in *,meridian-h2,*) ;; *) targets="$targets,meridian-h2" ;; esac
fi
if [ "$access_logs" = 1 ]; then
    case ",$targets," in *,nginx-logs-on,*) ;; *) targets="$targets,nginx-logs-on" ;; esac
    case ",$targets," in *,meridian-logs-on,*) ;; *) targets="$targets,meridian-logs-on" ;; esac
fi
case ",$targets," in
    *-tls,*)
        case ",$targets," in
            *,direct,*) ;;
            *) echo "side-by-side: adding target direct: the HTTPS table is relative to the plaintext direct path" >&2
               targets="direct,$targets" ;;
        esac ;;
esac

# Ports on loopback.
backend_port=$base_port
nginx_port=$((base_port + 1))
haproxy_port=$((base_port + 2))
meridian_port=$((base_port + 3))
nginx_tls_port=$((base_port + 4))
meridian_tls_port=$((base_port + 5))
nginx_h2_port=$((base_port + 6))
meridian_h2_port=$((base_port + 7))
nginx_logs_on_port=$((base_port + 8))
meridian_logs_on_port=$((base_port + 9))
for port in $backend_port $nginx_port $haproxy_port $meridian_port $nginx_tls_port $meridian_tls_port \
    $nginx_h2_port $meridian_h2_port $nginx_logs_on_port $meridian_logs_on_port; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "side-by-side: port $port is taken (by: $(ss -ltnpH "sport = :$port" | sed 's/.*users://'))); pick others with --base-port" >&2
        exit 1
    fi
done

# --- tools --------------------------------------------------------------------------------------
need_install=()
command -v nginx >/dev/null 2>&1 || need_install+=(nginx-light)
command -v haproxy >/dev/null 2>&1 || need_install+=(haproxy)
case ",$targets," in *-h2,*) command -v h2load >/dev/null 2>&1 || need_install+=(nghttp2-client) ;; esac
if [ ${#need_install[@]} -gt 0 ]; then
    if [ "$install" = 0 ]; then
        echo "side-by-side: missing ${need_install[*]}; install with: sudo apt-get update && sudo apt-get install -y ${need_install[*]}" >&2
        exit 1
    fi
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "side-by-side: not root and no sudo; as root run: apt-get update && apt-get install -y ${need_install[*]}" >&2
            exit 1
        fi
        sudo=(sudo)
    fi
    echo "side-by-side: installing ${need_install[*]} from Debian..." >&2
    ${sudo[@]+"${sudo[@]}"} apt-get update -qq
    ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_install[@]}" >&2
fi
tools="taskset java python3 curl"
case ",$targets," in *-tls,*) tools="$tools openssl" ;; esac
for tool in $tools; do
    command -v "$tool" >/dev/null 2>&1 || { echo "side-by-side: $tool not found" >&2; exit 1; }
done
cpus="$(nproc --all)"
for cpu in ${proxy_cpu//,/ } ${client_cpu//,/ }; do
    case "$cpu" in
        '' | *[!0-9]*) echo "side-by-side: --proxy-cpu and --client-cpu take CPU numbers (0 or 0,1), not '$cpu'" >&2; exit 2 ;;
    esac
    if [ "$cpu" -ge "$cpus" ]; then
        echo "side-by-side: CPU $cpu requested, the machine has $cpus (0 to $((cpus - 1)))" >&2
        exit 1
    fi
done

# shellcheck source=bench-lib.sh
. "$root/loadtest/bench/bench-lib.sh"
meridian_jars

stamp="$(date +%Y-%m-%d-%H%M)"
out="${out:-$root/loadtest/bench/results/$stamp}"
mkdir -p "$out/runs"
work="$(mktemp -d /tmp/meridian-bench.XXXXXX)"
templates="$root/loadtest/bench/templates"

pids=()
trap stop_pids EXIT INT TERM


wait_for_port() { # port name [https|h2c]
    local url="http://127.0.0.1:$1/" curl_tls=()
    if [ "${3:-}" = https ]; then
        url="https://127.0.0.1:$1/"
        curl_tls=(--cacert "$TLS_CERT")
    elif [ "${3:-}" = h2c ]; then
        curl_tls=(--http2-prior-knowledge)
    fi
    for _ in $(seq 1 200); do
        if curl -fsS ${curl_tls[@]+"${curl_tls[@]}"} -o /dev/null "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "side-by-side: $2 did not answer on port $1; its log:" >&2
    tail -n 30 "$work/$2.log" >&2 || true
    exit 1
}

# --- processes ----------------------------------------------------------------------------------
export WORK="$work" BACKEND_PORT="$backend_port" NGINX_PORT="$nginx_port" HAPROXY_PORT="$haproxy_port"
export MERIDIAN_PORT="$meridian_port" BODY="$(printf 'x%.0s' $(seq 1 199))"
export NGINX_TLS_PORT="$nginx_tls_port" MERIDIAN_TLS_PORT="$meridian_tls_port"
export TLS_CERT="$work/tls/cert.pem" TLS_KEY="$work/tls/key.pem"
if [ "$access_log" = file ]; then
    export ACCESS_LOG="{enabled: true, file: $work/meridian-access.jsonl}"
    export ACCESS_LOG_TLS="{enabled: true, file: $work/meridian-tls-access.jsonl}"
else
    export ACCESS_LOG="{enabled: false}"
    export ACCESS_LOG_TLS="{enabled: false}"
fi

# One self-signed EC P-256 certificate for 127.0.0.1 and localhost, used by both TLS terminators;
# the load generator trusts it (--ca) and checks the name. Its key in PKCS#8.
tls_info="none"
case ",$targets," in
    *-tls,*)
        mkdir -p "$work/tls"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
            -keyout "$work/tls/key-generated.pem" -out "$TLS_CERT" 2>"$work/tls/openssl.log"
        openssl pkcs8 -topk8 -nocrypt -in "$work/tls/key-generated.pem" -out "$TLS_KEY"
        chmod 600 "$work/tls/key-generated.pem" "$TLS_KEY"
        tls_info="self-signed EC P-256 (prime256v1) for 127.0.0.1/localhost, $(openssl version | cut -d' ' -f1-2); nginx-tls: ssl_protocols TLSv1.2 TLSv1.3, ssl_session_cache shared:SSL:10m; meridian-tls: listen.tls (provider auto); client: loadgen --ca (verified), ALPN http/1.1; new connection per request: closed loop, concurrency $concurrency, Connection: close, ${handshake_duration} measured after ${warmup} warm-up"
        ;;
esac

mkdir -p "$work/backend"
render "$templates/backend-nginx.conf" "$work/backend/nginx.conf"
# render_nginx NAME PORT LISTEN-SUFFIX ACCESS-LOG: proxy-nginx.conf for one nginx target.
render_nginx() {
    mkdir -p "$work/$1"
    NGINX_NAME="$1" NGINX_PORT="$2" NGINX_LISTEN="$3" NGINX_ACCESS_LOG="$4" \
        render "$templates/proxy-nginx.conf" "$work/$1/nginx.conf"
}
# render_meridian NAME PORT ACCESS-LOG: meridian.yaml for one Meridian target.
render_meridian() {
    MERIDIAN_NAME="$1" MERIDIAN_PORT="$2" ACCESS_LOG="$3" render "$templates/meridian.yaml" "$work/$1.yaml"
}
render_nginx nginx "$nginx_port" "" off
render_nginx nginx-h2 "$nginx_h2_port" " http2" off
render_nginx nginx-logs-on "$nginx_logs_on_port" "" "$work/nginx-logs-on/access.log combined"
render "$templates/haproxy.cfg" "$work/haproxy.cfg"
render_meridian meridian "$meridian_port" "$ACCESS_LOG"
render_meridian meridian-h2 "$meridian_h2_port" "${ACCESS_LOG/meridian-access/meridian-h2-access}"
render_meridian meridian-logs-on "$meridian_logs_on_port" "{enabled: true, file: $work/meridian-logs-on-access.jsonl}"
mkdir -p "$work/nginx-tls"
render "$templates/proxy-nginx-tls.conf" "$work/nginx-tls/nginx.conf"
render "$templates/meridian-tls.yaml" "$work/meridian-tls.yaml"

taskset -c "$client_cpu" nginx -p "$work/backend" -c "$work/backend/nginx.conf" >"$work/backend.log" 2>&1 &
pids+=($!)
backend_pid=$!
wait_for_port "$backend_port" backend
body_bytes="$(curl -fsS "http://127.0.0.1:$backend_port/" | wc -c)"

declare -A target_port=([direct]=$backend_port [nginx]=$nginx_port [haproxy]=$haproxy_port [meridian]=$meridian_port
    [nginx-tls]=$nginx_tls_port [meridian-tls]=$meridian_tls_port [nginx-h2]=$nginx_h2_port
    [meridian-h2]=$meridian_h2_port [nginx-logs-on]=$nginx_logs_on_port [meridian-logs-on]=$meridian_logs_on_port)
declare -A target_pid=([direct]=$backend_pid)
IFS=',' read -r -a target_list <<<"$targets"
for target in "${target_list[@]}"; do
    case "$target" in
        direct) ;;
        nginx | nginx-h2 | nginx-logs-on)
            taskset -c "$proxy_cpu" nginx -p "$work/$target" -c "$work/$target/nginx.conf" >"$work/$target.log" 2>&1 &
            pids+=($!); target_pid[$target]=$! ;;
        haproxy)
            taskset -c "$proxy_cpu" haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
            pids+=($!); target_pid[haproxy]=$! ;;
        meridian | meridian-h2 | meridian-logs-on)
            # shellcheck disable=SC2086 # MERIDIAN_JAVA_OPTS is a list of flags, as in ./meridian
            taskset -c "$proxy_cpu" java ${MERIDIAN_JAVA_OPTS:-} -jar "$router_jar" run --config "$work/$target.yaml" \
                >"$work/$target.log" 2>&1 &
            pids+=($!); target_pid[$target]=$! ;;
        nginx-tls)
            taskset -c "$proxy_cpu" nginx -p "$work/nginx-tls" -c "$work/nginx-tls/nginx.conf" >"$work/nginx-tls.log" 2>&1 &
            pids+=($!); target_pid[nginx-tls]=$! ;;
        meridian-tls)
            # shellcheck disable=SC2086 # as for meridian
            taskset -c "$proxy_cpu" java ${MERIDIAN_JAVA_OPTS:-} -jar "$router_jar" run --config "$work/meridian-tls.yaml" \
                >"$work/meridian-tls.log" 2>&1 &
            pids+=($!); target_pid[meridian-tls]=$! ;;
        *) echo "side-by-side: unknown target $target (expected direct, nginx, haproxy, meridian, nginx-tls, meridian-tls," \
               "nginx-h2, meridian-h2, nginx-logs-on, meridian-logs-on)" >&2; exit 2 ;;
    esac
    case "$target" in
        direct) ;;
        *-tls) wait_for_port "${target_port[$target]}" "$target" https ;;
        *-h2) wait_for_port "${target_port[$target]}" "$target" h2c ;;
        *) wait_for_port "${target_port[$target]}" "$target" ;;
    esac
done

# What each TLS target negotiates with a client offering what the load generator offers.
tls_negotiated=""
for target in "${target_list[@]}"; do
    case "$target" in
        *-tls)
            tls_negotiated="$tls_negotiated
tls $target: $(openssl s_client -connect "127.0.0.1:${target_port[$target]}" -alpn http/1.1 -CAfile "$TLS_CERT" </dev/null 2>/dev/null \
                | grep -E '^(New,|ALPN protocol|Verify return code)' | tr '\n' ' ' | sed 's/ *$//')" ;;
    esac
done

# CPU ticks (user + system, all threads) of a process and its children.
cpu_ticks() {
    local total=0 pid
    for pid in "$1" $(pgrep -P "$1" || true); do
        if [ -r "/proc/$pid/stat" ]; then
            # Fields after the command name: state is 3rd, utime 14th, stime 15th (1-based, whole line).
            total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
        fi
    done
    echo "$total"
}

# cpu_begin / cpu_end FILE: the current target's CPU ticks and the wall time between the two calls,
# written to FILE as JSON (with the load average at the end).
cpu_begin() {
    before_ticks="$(cpu_ticks "${target_pid[$current_target]}")"
    start="$(date +%s.%N)"
}
cpu_end() {
    local end after_ticks
    end="$(date +%s.%N)"
    after_ticks="$(cpu_ticks "${target_pid[$current_target]}")"
    printf '{"target": "%s", "cpuTicks": %d, "ticksPerSecond": %d, "wallSeconds": %s, "loadavg": "%s"}\n' \
        "$current_target" $((after_ticks - before_ticks)) "$(getconf CLK_TCK)" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')" "$(cut -d' ' -f1-3 /proc/loadavg)" >"$1"
}

loadgen() { # name title loadgen-args... (the target is $current_target)
    local name="$1" title="$2"
    shift 2
    local port="${target_port[$current_target]}"
    local before_ticks start url="http://127.0.0.1:$port" tls_args=()
    case "$current_target" in
        *-tls) url="https://127.0.0.1:$port"; tls_args=(--ca "$TLS_CERT") ;;
    esac
    cpu_begin
    # shellcheck disable=SC2086 # LOADGEN_JAVA_OPTS is a list of flags
    taskset -c "$client_cpu" java -Xms1g -Xmx1g ${LOADGEN_JAVA_OPTS:-} -jar "$loadtest_jar" loadgen -q \
        --target "$url" ${tls_args[@]+"${tls_args[@]}"} --path / --warmup "$warmup" \
        --out "$out/runs/$name" --title "$title" "$@" >"$out/runs/$name.txt" 2>&1 \
        || { echo "side-by-side: run $name failed:" >&2; tail -n 20 "$out/runs/$name.txt" >&2; exit 1; }
    cpu_end "$out/runs/$name.cpu.json"
    grep -E '^(requests|errors)' "$out/runs/$name.txt" | tr '\n' ' ' | sed "s/^/  $name: /"
    echo
}

# h2load against the current -h2 target: name title duration. A closed loop of h2c streams
# (prior knowledge), --warm-up-time left out of its figures; its output goes to runs/NAME.h2load.txt
# (the summariser reads "finished in S s, N req/s" -- S includes the warm-up, N and the "requests:"
# line do not), CPU as for loadgen.
h2load_run() {
    local name="$1" title="$2" h2_for="$3"
    local port="${target_port[$current_target]}" before_ticks start
    cpu_begin
    { echo "# $title"
      taskset -c "$client_cpu" h2load -t 1 -c "$h2_connections" -m "$h2_streams" -D "$h2_for" \
          --warm-up-time "$warmup" "http://127.0.0.1:$port/"; } >"$out/runs/$name.h2load.txt" 2>&1 \
        || { echo "side-by-side: run $name failed:" >&2; tail -n 20 "$out/runs/$name.h2load.txt" >&2; exit 1; }
    cpu_end "$out/runs/$name.h2load.cpu.json"
    grep -E '^(finished|requests:)' "$out/runs/$name.h2load.txt" | tr '\n' ' ' | sed "s/^/  $name: /"
    echo
}

h2_info="none"
case ",$targets," in
    *-h2,*) h2_info="h2c with prior knowledge, $(h2load --version | head -1): $h2_connections connections x $h2_streams streams, closed loop, ${h2_duration} measured after ${warmup} warm-up, once a round; nginx-h2: listen ... http2; meridian-h2: the plaintext listener (server.http2 on)" ;;
esac

cat >"$out/setup.txt" <<EOF
date:        $(date -Iseconds)
machine:     $(nproc --all) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
kernel:      $(uname -r)
java:        $(java -version 2>&1 | head -1)
nginx:       $(nginx -v 2>&1 | sed 's/^nginx version: //')
haproxy:     $(haproxy -v | head -1)
meridian:    $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown) $(cd "$root" && git status --porcelain 2>/dev/null | grep -q . && echo '(with local changes)')
pinning:     proxies on CPU $proxy_cpu; load generator and backend on CPU $client_cpu
backend:     nginx, 1 worker, GET / -> 200 with a ${body_bytes}-byte body, port $backend_port
rates:       $rates req/s open loop, $connections connections, ${duration} measured after ${warmup} warm-up
saturation:  closed loop, concurrency $concurrency, ${sat_duration} measured after ${warmup} warm-up
rounds:      $rounds, targets interleaved: ${target_list[*]}
access log:  meridian $access_log; nginx and haproxy off; nginx-logs-on: access_log FILE combined; meridian-logs-on: access-log {enabled: true, file: FILE} (JSON lines)
tls:         $tls_info$tls_negotiated
http2:       $h2_info
meridian JVM: java ${MERIDIAN_JAVA_OPTS:-} -jar router/target/meridian.jar (taskset -c $proxy_cpu)
loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)
EOF
cp "$work/backend/nginx.conf" "$out/backend-nginx.conf"
cp "$work/nginx/nginx.conf" "$out/proxy-nginx.conf"
cp "$work/haproxy.cfg" "$out/haproxy.cfg"
cp "$work/meridian.yaml" "$out/meridian.yaml"
for target in "${target_list[@]}"; do
    case "$target" in
        nginx-h2 | nginx-logs-on) cp "$work/$target/nginx.conf" "$out/proxy-$target.conf" ;;
        meridian-h2 | meridian-logs-on) cp "$work/$target.yaml" "$out/$target.yaml" ;;
    esac
done
case ",$targets," in
    *-tls,*)
        cp "$work/nginx-tls/nginx.conf" "$out/proxy-nginx-tls.conf"
        cp "$work/meridian-tls.yaml" "$out/meridian-tls.yaml"
        cp "$TLS_CERT" "$out/tls-cert.pem" ;;
esac
cat "$out/setup.txt" >&2

# --- runs ---------------------------------------------------------------------------------------
# Prime each target (JIT, pools, caches) with a closed-loop run whose figures are discarded.
for current_target in "${target_list[@]}"; do
    echo "priming $current_target..." >&2
    case "$current_target" in
        *-h2) h2load_run "prime-$current_target" "priming" "$prime" >&2 ;;
        *) loadgen "prime-$current_target" "priming" --closed --concurrency "$concurrency" --duration "$prime" >&2 ;;
    esac
done

IFS=',' read -r -a rate_list <<<"$rates"
for round in $(seq 1 "$rounds"); do
    for rate in "${rate_list[@]}"; do
        for current_target in "${target_list[@]}"; do
            case "$current_target" in *-h2) continue ;; esac
            echo "round $round, $rate req/s, $current_target" >&2
            loadgen "$current_target-rate$rate-round$round" "$current_target, $rate req/s, round $round" \
                --rate "$rate" --connections "$connections" --duration "$duration" >&2
        done
    done
    if [ "$sat_duration" != "0s" ] && [ "$sat_duration" != "0" ]; then
        for current_target in "${target_list[@]}"; do
            case "$current_target" in *-h2) continue ;; esac
            echo "round $round, saturation, $current_target" >&2
            loadgen "$current_target-saturation-round$round" "$current_target, closed loop $concurrency, round $round" \
                --closed --concurrency "$concurrency" --duration "$sat_duration" >&2
        done
    fi
    if [ "$h2_duration" != "0s" ] && [ "$h2_duration" != "0" ]; then
        for current_target in "${target_list[@]}"; do
            case "$current_target" in *-h2) ;; *) continue ;; esac
            echo "round $round, h2c closed loop, $current_target" >&2
            h2load_run "$current_target-saturation-round$round" \
                "$current_target, h2c, $h2_connections connections x $h2_streams streams, round $round" "$h2_duration" >&2
        done
    fi
    if [ "$handshake_duration" != "0s" ] && [ "$handshake_duration" != "0" ]; then
        for current_target in "${target_list[@]}"; do
            case "$current_target" in *-tls) ;; *) continue ;; esac
            echo "round $round, new connection per request, $current_target" >&2
            # Connection: close on every request: the server closes after each response and the
            # load generator reconnects, so every request pays a full TLS handshake (no resumption).
            loadgen "$current_target-handshake-round$round" \
                "$current_target, closed loop $concurrency, new connection per request, round $round" \
                --closed --concurrency "$concurrency" --duration "$handshake_duration" -H 'Connection: close' >&2
        done
    fi
done

echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/setup.txt"
# The logs-on targets' access logs, counted to show they were written (the files stay in the work dir).
for log in "$work/nginx-logs-on/access.log" "$work/meridian-logs-on-access.jsonl"; do
    if [ -f "$log" ]; then echo "access log written: ${log#"$work"/}, $(wc -l <"$log") lines" >>"$out/setup.txt"; fi
done
for target in "${target_list[@]}"; do
    [ "$target" = direct ] && continue
    cp "$work/$target.log" "$out/$target.log" 2>/dev/null || true
done
stop_pids
pids=()

# --- summary ------------------------------------------------------------------------------------
java -jar "$loadtest_jar" scenario bench-report "$out"
echo "side-by-side: wrote $out/summary.md" >&2
