#!/usr/bin/env bash
# benches/proxy.sh — what `proxy` adds: the load generator's signed TTPay mix at 16 connections
# (and 1 and 64) straight to `serve`, through `proxy --pass-through` (forwarding only) and
# through `proxy --upstream <serve>` (every exchange judged, signatures verified), in one run:
# req/s, p50, p99. Then the same three at a fixed offered rate (RATE requests per second over
# 16 connections, latency from when each request was due): the latency the proxy adds below
# saturation, where the two cores are not also running the load generator flat out. Then the
# proxy's memory over a long run: benches/soak.sh … ttpay proxy. Loopback only; nothing here
# runs in `cargo test`.
#
#   benches/proxy.sh [SECONDS_PER_LEVEL=5] [PROVIDER=ttpay] [RATE=2000, 0: skip that pass]
#   PAY_CONFORMANCE=path  use this binary (default: `cargo build --release`, then target/release)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${1:-5}
provider=${2:-ttpay}
rate=${3:-2000}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

bin=${PAY_CONFORMANCE:-}
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --release --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/pay-conformance"
fi

wait_for() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.1; done; }

"$bin" serve --provider "$provider" --port 0 >"$tmp/serve.log" 2>&1 &
pids+=($!)
wait_for "$tmp/serve.log" "listening on"
serve=$(head -1 "$tmp/serve.log" | awk '{print $NF}')
eval "$(grep '^export' "$tmp/serve.log" | sed 's/  #.*//')"
"$bin" proxy --provider "$provider" --upstream "$serve" --listen 127.0.0.1:0 \
  --response-signatures strict >"$tmp/proxy.log" 2>&1 &
pids+=($!)
wait_for "$tmp/proxy.log" "Ctrl-C"
proxy=$(head -1 "$tmp/proxy.log" | sed 's/.*listening on \([^,]*\),.*/\1/')
"$bin" proxy --provider "$provider" --upstream "$serve" --listen 127.0.0.1:0 --pass-through \
  >"$tmp/plain.log" 2>&1 &
pids+=($!)
wait_for "$tmp/plain.log" "Ctrl-C"
plain=$(head -1 "$tmp/plain.log" | sed 's/.*listening on \([^,]*\),.*/\1/')

echo "proxy bench: $provider, serve $serve, proxy $proxy; nproc $(nproc); $(uptime)"
"$bin" bench --provider "$provider" --only load --target "serve=$serve" \
  --target "pass-through=$plain" --target "proxy=$proxy" \
  --connections 1,16,64 --duration "$seconds" --json "$here/proxy.json"
if [ "$rate" != 0 ]; then
  "$bin" bench --provider "$provider" --only load --target "serve=$serve" \
    --target "pass-through=$plain" --target "proxy=$proxy" \
    --connections 16 --rate "$rate" --duration "$seconds" --json "$here/proxy-rate.json"
fi
kill -TERM "${pids[1]}"; wait "${pids[1]}" || true
tail -4 "$tmp/proxy.log"
