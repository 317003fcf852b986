#!/usr/bin/env bash
# Cross-check, with no Rust: the two official-community SDKs (wechatpayv3 2.0.4, wechatpay-axios-plugin
# 0.9.6) against the independent WeChat Pay Global server tests/independent/wechatpay.py, in both
# platform modes (public key `PUB_KEY_ID_…`, and platform certificate downloaded and decrypted by
# the SDK). Loopback only; every step is under `timeout`.
#
#   bash tests/sdk/crosscheck.sh [--markdown]
#
# Installs what is missing first: `pip install --target tests/sdk/.python -r tests/sdk/requirements.txt`
# (used through PYTHONPATH, so the system Python stays as it is) and `npm ci --prefix tests/sdk`.
# Prints one table row per case; exit 0 when every SDK answered as recorded below (EXPECT),
# 1 when one did not (then the SDK's behaviour changed, or the server broke), 2 on setup failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
server="$root/tests/independent/wechatpay.py"
pydeps="$here/.python"
markdown=0
[ "${1:-}" = "--markdown" ] && markdown=1

say() { printf '%s\n' "$*" >&2; }

# ---- SDKs ----------------------------------------------------------------------------------
if ! PYTHONPATH="$pydeps" timeout 30 python3 -c 'import wechatpayv3' 2>/dev/null; then
  say "installing wechatpayv3 into $pydeps"
  timeout 300 python3 -m pip install --quiet --disable-pip-version-check --target "$pydeps" \
    -r "$here/requirements.txt" >&2 || { say "pip install failed"; exit 2; }
fi
if [ ! -f "$here/node_modules/wechatpay-axios-plugin/package.json" ]; then
  say "installing wechatpay-axios-plugin into $here/node_modules"
  timeout 300 npm ci --prefix "$here" --no-audit --no-fund >&2 || { say "npm ci failed"; exit 2; }
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# ---- keys ----------------------------------------------------------------------------------
timeout 60 python3 "$server" --make-keys "$work/keys" >/dev/null
keys="$work/keys"
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$keys/config.json" "$1"; }
merchant() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0][sys.argv[2]])' "$keys/merchants.json" "$1"; }
apiv3="$(field apiv3_key)"; pubid="$(field public_key_id)"; paid="$(field paid_out_trade_no)"
mchid="$(merchant mchid)"; appid="$(merchant appid)"; serial="$(merchant serial_no)"

start_server() { # mode [--deviate NAME]
  local mode="$1"; shift
  local signing=(--platform-cert "$keys/platform.cert.pem")
  [ "$mode" = pubkey ] && signing+=(--public-key-id "$pubid")
  : >"$work/server.out"
  python3 "$server" --port 0 --merchants "$keys/merchants.json" --platform-key "$keys/platform.key.pem" \
    "${signing[@]}" --apiv3-key "$apiv3" --paid-out-trade-no "$paid" "$@" \
    >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  local i
  for i in $(seq 100); do
    if grep -q '^listening on ' "$work/server.out"; then
      base="$(head -1 "$work/server.out" | sed 's/^listening on //')"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  say "server did not start: $(cat "$work/server.err")"; exit 2
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

run_sdk() { # sdk mode out_trade_no extra-args...
  local sdk="$1" mode="$2" otn="$3"; shift 3
  local platform=(--platform-cert "$keys/platform.cert.pem")
  [ "$mode" = pubkey ] && platform=(--platform-public-key "$keys/platform.pub.pem" --public-key-id "$pubid")
  local common=(--base-url "$base" --mchid "$mchid" --appid "$appid" --serial-no "$serial"
    --private-key "$keys/merchant1.key.pem" --apiv3-key "$apiv3" --out-trade-no "$otn" "${platform[@]}" "$@")
  if [ "$sdk" = py ]; then
    PYTHONPATH="$pydeps" timeout 60 python3 "$here/wechatpayv3_close.py" "${common[@]}" || true
  else
    timeout 60 node "$here/axios_close.js" "${common[@]}" || true
  fi
}

# ---- cases ---------------------------------------------------------------------------------
# case id | deviation ("-" = none) | which order | what CONTRACT says | recorded outcome py | axios
# outcome: accepted = SDK returned the 2xx; rejected = SDK refused the 2xx answer; a code = the
# SDK surfaced that error code of a non-2xx answer.
EXPECT=$(cat <<'EOF'
fresh|-|new|W2: 204 accepted|accepted|accepted
paid|-|paid|W4: ORDERPAID|ORDERPAID|ORDERPAID
unsigned-204|unsigned-204|new|W7 deviation: reject|rejected|rejected
bad-signature|bad-signature|new|W7 deviation: reject|rejected|rejected
sign-no-final-newline|sign-no-final-newline|new|W7 deviation: reject|rejected|rejected
stale-response-timestamp|stale-response-timestamp|new|W7 deviation: reject|accepted|rejected
unknown-serial|unknown-serial|new|W7 deviation: reject|rejected|rejected
no-signature-type|no-signature-type|new|W7 observation only|rejected|accepted
no-request-id|no-request-id|new|W7 deviation (Request-ID)|accepted|accepted
close-200-with-body|close-200-with-body|new|W2 deviation (200, not 204)|accepted|accepted
close-200-empty|close-200-empty|new|W2 deviation (200, not 204)|accepted|accepted
close-paid-ok|close-paid-ok|paid|W4 deviation (no ORDERPAID)|accepted|accepted
EOF
)

results="$work/results"
: >"$results"
n=0
for mode in pubkey cert; do
  while IFS='|' read -r id deviation order _rule _py _axios; do
    if [ "$deviation" = "-" ]; then start_server "$mode"; else start_server "$mode" --deviate "$deviation"; fi
    for sdk in py axios; do
      n=$((n + 1))
      extra=(--query)
      if [ "$order" = new ]; then otn="XC${n}T$(date +%s)"; extra+=(--create); else otn="$paid"; fi
      # certificate mode, no deviation: let each SDK download + decrypt the certificate list itself
      [ "$mode" = cert ] && [ "$deviation" = "-" ] && extra+=(--download-certs)
      line="$(run_sdk "$sdk" "$mode" "$otn" "${extra[@]}")"
      [ -n "$line" ] || line='{"ok":false,"rejected":false,"status":null,"code":null,"error":"driver printed nothing"}'
      printf '%s\t%s\t%s\t%s\n' "$id" "$mode" "$sdk" "$line" >>"$results"
    done
    stop_server
  done <<<"$EXPECT"
done

# ---- table ---------------------------------------------------------------------------------
EXPECT="$EXPECT" MARKDOWN="$markdown" python3 - "$results" <<'PY'
import json, os, sys
expect = {}
order = []
for row in os.environ['EXPECT'].strip().splitlines():
    cid, dev, _o, rule, py, ax = row.split('|')
    expect[cid] = {'rule': rule, 'py': py, 'axios': ax}
    order.append(cid)
got = {}
for line in open(sys.argv[1]):
    cid, mode, sdk, js = line.rstrip('\n').split('\t', 3)
    got[(cid, mode, sdk)] = json.loads(js)

def outcome(r):
    if r.get('ok'):
        return 'accepted', f"accepted {r.get('status')}"
    if r.get('rejected'):
        err = r.get('error') or ''
        head, _, rest = err.partition(': ')
        why = head if head.startswith('EV3_') else (rest or head).strip()[:48]
        return 'rejected', f"rejected ({why})" if why else 'rejected'
    if r.get('code'):
        return r['code'], f"{r['code']} {r.get('status')}"
    return 'error', f"error: {(r.get('error') or '')[:60]}"

cols = [('pubkey', 'py'), ('pubkey', 'axios'), ('cert', 'py'), ('cert', 'axios')]
heads = ['case (--deviate)', 'CONTRACT', 'wechatpayv3 pubkey', 'axios pubkey', 'wechatpayv3 cert', 'axios cert']
rows, bad = [], 0
for cid in order:
    cells = [cid, expect[cid]['rule']]
    for mode, sdk in cols:
        r = got.get((cid, mode, sdk), {'error': 'missing'})
        verdict, text = outcome(r)
        if verdict != expect[cid][sdk]:
            bad += 1
            text += f" UNEXPECTED (recorded: {expect[cid][sdk]})"
            sys.stderr.write(f"{cid} {mode} {sdk}: {json.dumps(r)}\n")
        else:
            steps = r.get('steps') or []
            if any(s.get('step') == 'query' and s.get('trade_state') for s in steps):
                text += ' →' + next(s['trade_state'] for s in steps if s.get('step') == 'query')
        cells.append(text)
    rows.append(cells)
if os.environ['MARKDOWN'] == '1':
    print('| ' + ' | '.join(heads) + ' |')
    print('|' + '---|' * len(heads))
    for c in rows:
        print('| ' + ' | '.join(c) + ' |')
else:
    widths = [max(len(x) for x in col) for col in zip(heads, *rows)]
    for c in [heads] + rows:
        print('  '.join(x.ljust(w) for x, w in zip(c, widths)).rstrip())
total = len(rows) * len(cols)
print(f"\n{total - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
