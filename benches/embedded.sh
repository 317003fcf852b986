#!/usr/bin/env bash
# benches/embedded.sh — CPU of the embedded runs of both providers, for each binary given:
#   benches/embedded.sh [RUNS=10] BINARY...
# Each binary runs `run --provider ttpay` and `run --provider wechatpay` RUNS times, alternating
# binaries so that load from elsewhere falls on all alike; prints the median and min of user+sys
# CPU (from `perf stat`) and wall per binary and provider. Needs `perf` (linux-perf).
set -euo pipefail
runs=${1:-10}
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
for _ in $(seq "$runs"); do
  for bin in "$@"; do
    for provider in ttpay wechatpay; do
      out="$tmp/$(basename "$bin").$provider"
      perf stat -x, -e user_time,system_time,duration_time "$bin" run --provider "$provider" \
        >/dev/null 2>"$tmp/stat" || true
      awk -F, '/user_time|system_time|duration_time/ {v[$3]=$1} END {printf "%.2f %.2f\n", (v["user_time"]+v["system_time"])/1e6, v["duration_time"]/1e6}' \
        "$tmp/stat" >>"$out"
    done
  done
done
printf "%-28s %-10s %12s %12s %12s\n" binary provider "median CPU" "min CPU" "median wall"
for bin in "$@"; do
  for provider in ttpay wechatpay; do
    out="$tmp/$(basename "$bin").$provider"
    cpu=$(cut -d' ' -f1 "$out" | sort -n)
    wall=$(cut -d' ' -f2 "$out" | sort -n)
    med() { awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    printf "%-28s %-10s %9s ms %9s ms %9s ms\n" "$(basename "$bin")" "$provider" \
      "$(echo "$cpu" | med)" "$(echo "$cpu" | head -1)" "$(echo "$wall" | med)"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
