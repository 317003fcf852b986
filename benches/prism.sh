#!/usr/bin/env bash
# benches/prism.sh — `pay-conformance serve` side by side with Stoplight Prism mocking the same
# OpenAPI document: one load generator (`pay-conformance bench --only load`) measures both in one
# run and prints the ratio prism ÷ serve at each level.
#
#   benches/prism.sh [more `bench` flags, e.g. --duration 3 --json benches/prism.json]
#
# Installs @stoplight/prism-cli from the npm registry into a temp dir (nothing else is
# downloaded), listens only on 127.0.0.1, and stops everything it started on exit.
#   PAY_CONFORMANCE=path  use this binary (default: `cargo build --release`, then target/release)
#   PRISM_PREFIX=dir      an npm prefix that already holds @stoplight/prism-cli (skips the install)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bin=${PAY_CONFORMANCE:-}
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --release --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/pay-conformance"
fi

prefix=${PRISM_PREFIX:-$tmp/npm}
prism="$prefix/node_modules/.bin/prism"
if [ ! -x "$prism" ]; then
  echo "installing @stoplight/prism-cli into $prefix ..." >&2
  if ! timeout 300 npm install --prefix "$prefix" --no-audit --no-fund @stoplight/prism-cli \
      >"$tmp/npm.log" 2>&1; then
    cat "$tmp/npm.log" >&2
    exit 2
  fi
fi
prism_version=$("$prism" --version)

# The document Prism mocks: the one `pay-conformance openapi` prints (schemas/ttpay inside).
doc="$tmp/ttpay.openapi.json"
"$bin" openapi --output "$doc"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for LOG TEXT SECONDS: until TEXT shows in LOG, or fail.
wait_for() {
  for _ in $(seq $((${3} * 10))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no \"$2\" in $1 after $3 s:" >&2
  cat "$1" >&2
  return 1
}

serve_port=$(free_port)
# The built-in merchants: the generator signs with them.
for name in $(compgen -e | grep '^TTPAY_' || true); do unset "$name"; done
setsid "$bin" serve --port "$serve_port" >"$tmp/serve.log" 2>&1 &
pids+=($!)
wait_for "$tmp/serve.log" "listening on" 20

prism_port=$(free_port)
# Per-request logging off (`serve` does not log requests either); no dynamic examples.
setsid "$prism" mock --host 127.0.0.1 --port "$prism_port" --verboseLevel warn "$doc" \
  >"$tmp/prism.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$prism_port") 2>/dev/null && break
  sleep 0.1
done

echo "prism $prism_version mocking \`pay-conformance openapi\` on 127.0.0.1:$prism_port;" \
  "pay-conformance serve on 127.0.0.1:$serve_port"
"$bin" bench --only load \
  --target "serve=http://127.0.0.1:$serve_port" \
  --target "prism=http://127.0.0.1:$prism_port" "$@"
