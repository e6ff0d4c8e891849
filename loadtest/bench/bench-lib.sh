# What the benchmark scripts beside this file share; sourced after `root` is set, not run.
# shellcheck shell=bash

# Sets router_jar and loadtest_jar, building them first when one is missing.
meridian_jars() {
    router_jar="$root/router/target/meridian.jar"
    loadtest_jar="$root/loadtest/target/meridian-loadtest.jar"
    if [ ! -f "$router_jar" ] || [ ! -f "$loadtest_jar" ]; then
        echo "${0##*/}: building the jars (./mvnw -q -DskipTests install)..." >&2
        (cd "$root" && ./mvnw -q -B -DskipTests install) >&2
    fi
}

# Stops every process in the array pids (TERM), then waits for each: the EXIT/INT/TERM trap.
stop_pids() {
    for pid in ${pids[@]+"${pids[@]}"}; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in ${pids[@]+"${pids[@]}"}; do
        wait "$pid" 2>/dev/null || true
    done
}

# render TEMPLATE OUTPUT: substitutes @NAME@ placeholders from the environment.
render() {
    python3 - "$1" "$2" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'@([A-Z_]+)@', lambda m: os.environ[m.group(1)], text)
open(sys.argv[2], 'w').write(text)
PY
}
