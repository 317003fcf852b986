#!/usr/bin/env bash
# benches/soak.sh — memory of a long-running `serve`: REQUESTS requests (default 1,000,000) of
# the load generator's mix (creates of fresh orders and queries) at --max-orders 5000; the RSS
# of `serve` is read from /proc after the first 100,000 requests and at the end. Nothing here
# runs in `cargo test`.
#
#   benches/soak.sh [REQUESTS=1000000] [MAX_SECONDS=600] [PROVIDER=ttpay] [VIA=serve|proxy]
#
# VIA=proxy: the load goes through `proxy --upstream <serve>` (every exchange judged, the
# double's merchants known to it), and the RSS read is the proxy's.
#
# PROVIDER is any provider `bench --provider` measures (ttpay, wechatpay: every WeChat Pay
# request and answer RSA-signed, so a million take far longer than TTPay's).
#
# Stops at MAX_SECONDS even if REQUESTS are not reached, and says so. Loopback only; stops what
# it started on exit.
#   PAY_CONFORMANCE=path  use this binary (default: `cargo build --release`, then target/release)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
want=${1:-1000000}
budget=${2:-600}
provider=${3:-ttpay}
via=${4:-serve}
tmp=$(mktemp -d)
pid=
serve_pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

bin=${PAY_CONFORMANCE:-}
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --release --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/pay-conformance"
fi

"$bin" serve --provider "$provider" --port 0 --max-orders 5000 >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$tmp/serve.log" 2>/dev/null && break
  sleep 0.1
done
url=$(head -1 "$tmp/serve.log" | awk '{print $NF}')
if [ "$via" = proxy ]; then
  serve_pid=$pid
  # The double's merchants, as serve printed them: the proxy verifies every signature.
  eval "$(grep '^export' "$tmp/serve.log" | sed 's/  #.*//')"
  "$bin" proxy --provider "$provider" --upstream "$url" --listen 127.0.0.1:0 \
    --response-signatures strict >"$tmp/proxy.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    grep -q "Ctrl-C" "$tmp/proxy.log" 2>/dev/null && break
    sleep 0.1
  done
  url=$(head -1 "$tmp/proxy.log" | sed 's/.*listening on \([^,]*\),.*/\1/')
fi
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

echo "soak: $provider at $url, want $want requests within $budget s; nproc $(nproc); $(uptime)"
echo "requests,rss_kib,seconds"
echo "0,$(rss),0"
done_requests=0
rss_100k=
start=$(date +%s)
while [ "$done_requests" -lt "$want" ]; do
  elapsed=$(( $(date +%s) - start ))
  if [ "$elapsed" -ge "$budget" ]; then
    echo "stopped at the time budget: $done_requests of $want requests in $elapsed s"
    break
  fi
  # 16 connections, 5 s per round; the first round ends near 100k on a loaded 2-core machine,
  # so the 100k figure is read at the first round boundary past it.
  "$bin" bench --provider "$provider" --only load --target "serve=$url" --connections 16 --duration 5 \
    --json "$tmp/round.json" >/dev/null
  n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(l["requests"] for t in d["load"] for l in t["levels"]) + sum(t["orders_created"] for t in d["load"]))' "$tmp/round.json")
  errors=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(l["errors"] for t in d["load"] for l in t["levels"]))' "$tmp/round.json")
  done_requests=$((done_requests + n))
  now_rss=$(rss)
  echo "$done_requests,$now_rss,$(( $(date +%s) - start )),errors=$errors"
  if [ -z "$rss_100k" ] && [ "$done_requests" -ge 100000 ]; then
    rss_100k=$now_rss
    requests_100k=$done_requests
  fi
done
end_rss=$(rss)
if [ -n "$rss_100k" ]; then
  echo "rss after $requests_100k requests: $rss_100k KiB; after $done_requests: $end_rss KiB"
  python3 -c "import sys; a,b=int(sys.argv[1]),int(sys.argv[2]); print(f'growth {100*(b-a)/a:+.1f} % (limit +20 %)')" "$rss_100k" "$end_rss"
else
  echo "rss after $done_requests requests: $end_rss KiB (fewer than 100k: no growth figure)"
fi
curl -s "$url/_control/health" || true
echo
if [ "$via" = proxy ]; then
  kill -TERM "$pid"; wait "$pid" || true; pid=
  tail -4 "$tmp/proxy.log"
fi
