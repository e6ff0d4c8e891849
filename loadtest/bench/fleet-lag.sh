#!/usr/bin/env bash
# The fleet's apply-lag benchmark: starts a three-member etcd cluster on loopback (Debian's
# etcd-server; temporary data directories, removed afterwards), then runs
# `meridian scenario fleet-lag`: N admin changes written through one router while two others
# watch, with write time and apply lag reported in OUT/fleet-lag.md.
#
#   loadtest/bench/fleet-lag.sh [--changes 1000] [--out loadtest/bench/results/fleet-lag-DATE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
changes=1000
out="$here/results/fleet-lag-$(date -u +%Y-%m-%d)"
while [ $# -gt 0 ]; do
    case "$1" in
        --changes) changes="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "fleet-lag.sh: unknown argument $1 (expected --changes N, --out DIR)" >&2; exit 2 ;;
    esac
done
command -v etcd >/dev/null || { echo "fleet-lag.sh: etcd not found; install Debian's etcd-server" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
    {
        for pid in "${pids[@]}"; do kill -9 "$pid" || true; done
        wait || true
    } 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
client=(); peer=()
for i in 0 1 2; do client+=("$(free_port)"); peer+=("$(free_port)"); done
cluster="m0=http://127.0.0.1:${peer[0]},m1=http://127.0.0.1:${peer[1]},m2=http://127.0.0.1:${peer[2]}"
for i in 0 1 2; do
    etcd --name "m$i" --data-dir "$work/m$i" \
        --listen-client-urls "http://127.0.0.1:${client[$i]}" --advertise-client-urls "http://127.0.0.1:${client[$i]}" \
        --listen-peer-urls "http://127.0.0.1:${peer[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer[$i]}" \
        --initial-cluster "$cluster" --initial-cluster-token "fleet-lag-$$" --initial-cluster-state new \
        >"$work/m$i.log" 2>&1 &
    pids+=("$!")
done
endpoints="http://127.0.0.1:${client[0]},http://127.0.0.1:${client[1]},http://127.0.0.1:${client[2]}"
for _ in $(seq 1 100); do
    if ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1; then break; fi
    sleep 0.2
done
ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health
echo "fleet-lag.sh: etcd $(etcd --version | head -1 | awk '{print $3}') at $endpoints; $changes changes; report in $out" >&2
"$root/meridian" scenario fleet-lag --etcd "$endpoints" --changes "$changes" --out "$out"
