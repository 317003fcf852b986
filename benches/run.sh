#!/usr/bin/env bash
# The benchmarks, in one command: the four parts of `pay-conformance bench` (suite, latency,
# pacing, serve load), then `serve` side by side with Stoplight Prism. Figures go to
# benches/bench.json and benches/prism.json; copy them into benches/RESULTS.md with the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
(cd "$root" && cargo build --release --quiet)
bin="${CARGO_TARGET_DIR:-$root/target}/release/pay-conformance"
echo "== machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') memory, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== pay-conformance bench"
"$bin" bench --json "$here/bench.json"
echo "== serve vs Stoplight Prism"
PAY_CONFORMANCE="$bin" "$here/prism.sh" --json "$here/prism.json"
