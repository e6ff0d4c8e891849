#!/usr/bin/env bash
# Runs the failover scenarios before (base c2afda5 + the scenario variant) and after (branch failover).
set -u
cd /tmp/scen
run() { # label jar name args...
  local label=$1 jar=$2; shift 2
  mkdir -p /tmp/scen/$label
  echo "=== $(date -u +%T) $label $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> /tmp/scen/run.log
  java -jar /tmp/scen/$jar.jar scenario "$@" --out /tmp/scen/$label >> /tmp/scen/$label.log 2>&1
  echo "=== $(date -u +%T) $label done rc=$? (load $(cut -d' ' -f1-3 /proc/loadavg))" >> /tmp/scen/run.log
}
for s in "black-hole" "brownout" "region-outage" "region-outage --reset-connections" "slow-region --routing-mode latency-aware"; do
  run before before $s
  run after after $s
done
echo "ALL DONE $(date -u +%T)" >> /tmp/scen/run.log
