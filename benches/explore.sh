#!/usr/bin/env bash
# benches/explore.sh — `pay-conformance explore` side by side with Schemathesis on the TTPay
# double, in one run: the clean double and every TTPay fault (`pay-conformance faults`), each
# tool against its own fresh `serve --fault NAME` (so neither sees the other's orders); which
# faults each finds, and the requests it spent.
#
#   benches/explore.sh [--max-examples N] [--seed S] [--timeout SECONDS] [--jobs N]
#                      [--faults a,b,…] [--json FILE]
#
#   --max-examples N  explore: cases per endpoint (3 endpoints); Schemathesis: `-n`, cases per
#                     operation and phase (4 operations: query is POST and GET) [100]
#   --explore-max-examples N  explore's alone, e.g. to match Schemathesis's request count
#                     [--max-examples]
#   --explore-also N,…  explore again at these --max-examples too (each against its own fresh
#                     serve): what more cases buy it, e.g. as many requests as Schemathesis sends
#   --seed S          both tools' seed, and serve's [1]
#   --timeout SECONDS per tool and fault: a run past it is killed and counted as not finding [180]
#   --jobs N          faults run at the same time (each: two serves, one tool at a time) [2]
#   --faults LIST     only these faults (comma-separated); the clean double always runs
#   --json FILE       the results [benches/explore.json]
#
# What "found" means:
#   explore       exit 1 with at least one finding (its clean run must exit 0);
#   Schemathesis  a failing check (or an error, e.g. a dropped connection) on an operation that
#                 it does not report on the clean double: failures are compared as
#                 (ST code, operation); the clean double runs twice and the union is the baseline,
#                 so Schemathesis's false positives on the clean double are never finds.
# Requests: what each tool sent in the run (explore: `requests` + `shrink_requests` of its JSON;
# Schemathesis: every request its `requests` adapter sent, probes and shrinking included, counted
# by benches/schemathesis/hooks.py).
#
# Schemathesis runs `--checks all --mode all` (every phase), `-w 1`, no example database, through
# benches/schemathesis/hooks.py (signs the exact bytes sent; see there). It is installed from
# PyPI into benches/schemathesis/.venv when that is missing (requirements.txt pins the version).
# Loopback only; nothing here runs in `cargo test`.
#   PAY_CONFORMANCE=path  use this binary (default: `cargo build --release`, then target/release)
#   SCHEMATHESIS_VENV=dir a virtualenv that already holds schemathesis (skips the install)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
max_examples=100
explore_max_examples=""
explore_also=""
seed=1
run_timeout=180
parallel=2
only=""
json="$here/explore.json"
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples) max_examples=$2; shift 2 ;;
    --explore-max-examples) explore_max_examples=$2; shift 2 ;;
    --explore-also) explore_also=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --timeout) run_timeout=$2; shift 2 ;;
    --jobs) parallel=$2; shift 2 ;;
    --faults) only=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
explore_max_examples=${explore_max_examples:-$max_examples}
case "$json" in /*) ;; *) json="$PWD/$json" ;; esac

tmp=$(mktemp -d)
: >"$tmp/pids"
cleanup() {
  # Every process group this script started (serves, tools), then the job subshells.
  while read -r pid; do kill -- "-$pid" 2>/dev/null || true; done <"$tmp/pids"
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bin=${PAY_CONFORMANCE:-}
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --release --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/pay-conformance"
fi
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac

venv=${SCHEMATHESIS_VENV:-$here/schemathesis/.venv}
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "installing benches/schemathesis/requirements.txt into $venv ..." >&2
  if ! { python3 -m venv "$venv" &&
         timeout 600 "$venv/bin/pip" install --quiet -r "$here/schemathesis/requirements.txt"; } \
      >"$tmp/pip.log" 2>&1; then
    cat "$tmp/pip.log" >&2
    exit 2
  fi
fi
st_version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))')

# The document Schemathesis reads: the one `pay-conformance openapi` prints (schemas/ttpay inside).
doc="$tmp/ttpay.openapi.json"
"$bin" openapi --output "$doc"

# The built-in merchants of each serve (read from its banner), nobody else's.
for name in $(compgen -e | grep '^TTPAY_' || true); do unset "$name"; done

"$bin" faults --provider ttpay >"$tmp/faults.txt"
targets=(clean clean-again)
while read -r name _; do
  if [ -z "$only" ] || [[ ",$only," == *",$name,"* ]]; then targets+=("$name"); fi
done <"$tmp/faults.txt"

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

# start_serve DIR NAME FAULT: a fresh double in its own process group; sets `url`, `serve_pid`.
start_serve() {
  local fault_args=()
  [ "$3" = clean ] || [ "$3" = clean-again ] || fault_args=(--fault "$3")
  setsid "$bin" serve --provider ttpay --port 0 --seed "$seed" "${fault_args[@]}" \
    >"$1/$2.serve.log" 2>&1 &
  serve_pid=$!
  echo "$serve_pid" >>"$tmp/pids"
  wait_for "$1/$2.serve.log" "listening on" 20
  url=$(head -1 "$1/$2.serve.log" | awk '{print $NF}')
}
stop_serve() { kill -- "-$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; }

# run_tool DIR NAME CMD…: CMD in its own process group under the per-run timeout; writes
# NAME.rc (124: timed out) and NAME.ms.
run_tool() {
  local dir=$1 name=$2 start rc=0
  shift 2
  start=$(date +%s%N)
  setsid timeout --kill-after=5 "$run_timeout" "$@" >"$dir/$name.log" 2>&1 &
  local pid=$!
  echo "$pid" >>"$tmp/pids"
  wait "$pid" || rc=$?
  echo "$rc" >"$dir/$name.rc"
  echo $((($(date +%s%N) - start) / 1000000)) >"$dir/$name.ms"
}

run_target() {
  local target=$1 dir="$tmp/runs/$1"
  mkdir -p "$dir"
  # (a) explore against a serve with the fault; the credentials are the ones it prints.
  start_serve "$dir" explore "$target"
  (
    eval "$(grep '^export' "$dir/explore.serve.log")"
    run_tool "$dir" explore "$bin" explore --provider ttpay --base-url "$url" \
      --max-examples "$explore_max_examples" --seed "$seed" --rate-limit 1000000 \
      --response-signatures strict --json "$dir/explore.json" --save "$dir/explore-cases.json"
  )
  stop_serve
  local n
  for n in ${explore_also//,/ }; do
    start_serve "$dir" "explore-$n" "$target"
    (
      eval "$(grep '^export' "$dir/explore-$n.serve.log")"
      run_tool "$dir" "explore-$n" "$bin" explore --provider ttpay --base-url "$url" \
        --max-examples "$n" --seed "$seed" --rate-limit 1000000 --response-signatures strict \
        --json "$dir/explore-$n.json" --save "$dir/explore-$n-cases.json"
    )
    stop_serve
  done
  # (b) Schemathesis against a fresh serve with the same fault, in this run's own directory: its
  # `.schemathesis/` cache (requests it replays first) and `.hypothesis/` stay with this run.
  start_serve "$dir" st "$target"
  (
    eval "$(grep '^export' "$dir/st.serve.log")"
    cd "$dir"
    run_tool "$dir" st env SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here/schemathesis" \
      PYTHONDONTWRITEBYTECODE=1 \
      TTPAY_ST_COUNT="$dir/st.count" "$venv/bin/schemathesis" run "$doc" --url "$url" \
      --checks all --mode all --max-examples "$max_examples" --seed "$seed" \
      --continue-on-failure --workers 1 --generation-database none --request-timeout 10 \
      --no-color --report json --report-json-path "$dir/st.json"
  )
  stop_serve
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
t0=$(date +%s)
echo "explore vs schemathesis $st_version: ${#targets[@]} runs of each (clean twice + faults)," \
  "--max-examples $max_examples (explore $explore_max_examples), seed $seed, $parallel at a time, timeout ${run_timeout}s" >&2
n=0
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  run_target "$target" &
  n=$((n + 1))
  printf '\r  %d/%d started (%s s)' "$n" "${#targets[@]}" $(($(date +%s) - t0)) >&2
done
wait
printf '\r  %d runs done in %s s\n' "${#targets[@]}" $(($(date +%s) - t0)) >&2

python3 - "$tmp" "$json" "$st_version" "$max_examples" "$explore_max_examples" "$explore_also" "$seed" "$parallel" "$run_timeout" \
  "$started" "$load_before" "$(nproc)" "$(($(date +%s) - t0))" "${targets[@]}" <<'PY'
import json, os, re, sys

(tmp, out, st_version, max_examples, explore_max_examples, explore_also, seed, jobs, run_timeout, started, load_before, nproc,
 wall_s, *targets) = sys.argv[1:]
rules = {}
for line in open(os.path.join(tmp, "faults.txt")):
    parts = line.split(None, 2)
    if len(parts) >= 2:
        rules[parts[0]] = parts[1]


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


also = [n for n in explore_also.split(",") if n]


def explore(dir, name="explore"):
    rc = int(read(f"{dir}/{name}.rc", "-1"))
    try:
        report = json.load(open(f"{dir}/{name}.json"))
    except (OSError, ValueError):
        report = None
    if report is None:
        return {"exit": rc, "found": False, "requests": None, "rules": [], "findings": 0,
                "ms": int(read(f"{dir}/{name}.ms", "0")), "note": "no JSON report"}
    findings = report.get("findings") or []
    return {
        "exit": report.get("exit", rc),
        "found": report.get("exit") == 1 and len(findings) > 0,
        "requests": report.get("requests", 0) + report.get("shrink_requests", 0),
        "rules": sorted({f.get("rule") for f in findings if f.get("rule")}),
        "findings": len(findings),
        "where": sorted({f"{f.get('rule')} {f.get('endpoint')}" for f in findings}),
        "first_after": min((f["requests_before"] for f in findings if "requests_before" in f),
                           default=None),
        "ms": int(read(f"{dir}/{name}.ms", "0")),
    }


def schemathesis(dir):
    rc = int(read(f"{dir}/st.rc", "-1"))
    count = os.path.getsize(f"{dir}/st.count") if os.path.exists(f"{dir}/st.count") else 0
    res = {"exit": rc, "requests": count, "ms": int(read(f"{dir}/st.ms", "0")),
           "failures": [], "errors": []}
    try:
        report = json.load(open(f"{dir}/st.json"))
    except (OSError, ValueError):
        res["note"] = "timed out" if rc == 124 else "no JSON report"
        return res
    for f in report.get("failures") or []:
        for op in f.get("operations") or []:
            res["failures"].append([f"{f.get('code')} {f.get('type')}", op])
    # The JSON report names no operation for an error (a dropped connection, …): read them from
    # the ERRORS section of its output, `____ POST /path ____` then the error's title.
    errors, section, op = set(), False, None
    for line in (read(f"{dir}/st.log", "") or "").splitlines():
        if line.startswith("====="):
            section = " ERRORS " in line
            continue
        m = re.match(r"^_+ (\S+ \S+) _+$", line)
        if section and m:
            op = m.group(1)
        elif section and op and line.strip():
            errors.add((f"error: {line.strip()}", op))
            op = None
    if not errors and report.get("errors"):
        errors = {(f"error: {e.get('title')}", "?") for e in report["errors"]}
    res["errors"] = sorted(list(e) for e in errors)
    res["generated"] = (report.get("test_cases") or {}).get("generated")
    res["complete"] = report.get("complete")
    return res


runs = {t: {"explore": explore(f"{tmp}/runs/{t}"), "schemathesis": schemathesis(f"{tmp}/runs/{t}"),
            **{f"explore@{n}": explore(f"{tmp}/runs/{t}", f"explore-{n}") for n in also}}
        for t in targets}


def keys(st):
    return {tuple(x) for x in st["failures"] + st["errors"]}


# A tool that did not run is no result: stop rather than report it as finding nothing.
for t in ("clean", "clean-again"):
    for tool in ("explore", "schemathesis"):
        if not runs[t][tool].get("requests"):
            sys.exit(f"{tool} sent no request to the {t} double (exit {runs[t][tool].get('exit')}): "
                     "see its log under the run's temporary directory; nothing is reported")
clean_st = keys(runs["clean"]["schemathesis"])
again_st = keys(runs["clean-again"]["schemathesis"])
baseline = clean_st | again_st
rows = []
for t in targets:
    if t.startswith("clean"):
        continue
    ex, st = runs[t]["explore"], runs[t]["schemathesis"]
    new = sorted(keys(st) - baseline)
    st["new"] = [list(k) for k in new]
    st["found"] = bool(new)
    fault_rules = rules.get(t, "").split(",")
    ex["on_fault_rule"] = any(r in fault_rules for r in ex["rules"])
    rows.append({"fault": t, "rules": rules.get(t, ""), "explore": ex, "schemathesis": st,
                 **{f"explore@{n}": runs[t][f"explore@{n}"] for n in also}})


def total(tool):
    req = sum((r[tool]["requests"] or 0) for r in rows)
    found = sum(1 for r in rows if r[tool]["found"])
    return {"found": found, "of": len(rows), "requests": req,
            "requests_per_found": round(req / found) if found else None,
            "requests_in_finding_runs": sum((r[tool]["requests"] or 0) for r in rows if r[tool]["found"]),
            "ms": sum(r[tool]["ms"] for r in rows)}


result = {
    "started": started, "wall_s": int(wall_s), "nproc": int(nproc), "load_before": load_before,
    "load_after": read("/proc/loadavg", "?").split()[:3] if read("/proc/loadavg") else "?",
    "schemathesis_version": st_version, "max_examples": int(max_examples),
    "explore_max_examples": int(explore_max_examples), "explore_also": [int(n) for n in also],
    "seed": int(seed),
    "jobs": int(jobs), "timeout_s": int(run_timeout),
    "clean": {"explore": runs["clean"]["explore"], "schemathesis": runs["clean"]["schemathesis"],
              **{f"explore@{n}": runs["clean"][f"explore@{n}"] for n in also},
              **{f"explore@{n}_again": runs["clean-again"][f"explore@{n}"] for n in also},
              "explore_again": runs["clean-again"]["explore"],
              "schemathesis_again": runs["clean-again"]["schemathesis"],
              "schemathesis_baseline": sorted(list(k) for k in baseline),
              "schemathesis_repeat_differs": sorted(list(k) for k in clean_st ^ again_st)},
    "totals": {"explore": total("explore"), "schemathesis": total("schemathesis"),
               **{f"explore@{n}": total(f"explore@{n}") for n in also}},
    "faults": rows,
}
result["load_after"] = " ".join(result["load_after"]) if isinstance(result["load_after"], list) else "?"


def compact(row):
    """A fault's row as written: Schemathesis's failures as a count (the new ones are listed)."""
    st = dict(row["schemathesis"])
    st["failing"] = len(st.pop("failures")) + len(st["errors"])
    return {**row, "schemathesis": st}


with open(out, "w") as f:
    head = json.dumps({k: v for k, v in result.items() if k != "faults"}, indent=1)
    f.write(head[:-2] + ',\n "faults": [\n')
    f.write(",\n".join("  " + json.dumps(compact(r)) for r in result["faults"]))
    f.write("\n ]\n}\n")


def short(new):
    return "; ".join(f"{k if k.startswith('error') else k.split()[0]} {op}" for k, op in new)


print(f"explore vs schemathesis {st_version}: --max-examples {max_examples} "
      f"(explore {explore_max_examples}), seed {seed}; "
      f"nproc {nproc}; load {load_before} -> {result['load_after']}; {started}; {wall_s} s")
c = result["clean"]
for name in ("clean", "clean-again"):
    ex, st = runs[name]["explore"], runs[name]["schemathesis"]
    print(f"{name:<12} explore exit {ex['exit']}, {ex['findings']} findings, {ex['requests']} requests | "
          f"schemathesis exit {st['exit']}, {len(keys(st))} failing (check, operation), "
          f"{st['requests']} requests")
for n in also:
    for name in ("clean", "clean-again"):
        ex = runs[name][f"explore@{n}"]
        print(f"{name:<12} explore@{n} exit {ex['exit']}, {ex['findings']} findings, "
              f"{ex['requests']} requests")
print("schemathesis on the clean double (its false positives): "
      + (short(c["schemathesis_baseline"]) or "none"))
if c["schemathesis_repeat_differs"]:
    print("  differing between the two clean runs: " + short(c["schemathesis_repeat_differs"]))
print()
print(f"{'fault':<34} {'rules':<12} {'explore':<22} {'req':>6} {'1st':>5}   "
      + "".join(f"{'@' + n:<5} {'req':>6}   " for n in also)
      + f"{'st':<5} {'req':>6}  schemathesis's new failing checks")
for r in rows:
    ex, st = r["explore"], r["schemathesis"]
    ex_cell = ("yes " + ",".join(ex["rules"]) + ("" if ex["on_fault_rule"] else " (*)")) if ex["found"] \
        else f"no (exit {ex['exit']})"
    st_cell = "yes" if st["found"] else ("no" if "note" not in st else st["note"])
    first = ex.get("first_after")
    print(f"{r['fault']:<34} {r['rules'][:12]:<12} {ex_cell[:22]:<22} {str(ex['requests']):>6} "
          f"{'' if first is None else first:>5}   "
          + "".join(f"{'yes' if r[f'explore@{n}']['found'] else 'no':<5} "
                    f"{str(r[f'explore@{n}']['requests']):>6}   " for n in also)
          + f"{st_cell:<5} {st['requests']:>6}  {short(st.get('new', []))}")
print()
for tool in ["explore", *(f"explore@{n}" for n in also), "schemathesis"]:
    t = result["totals"][tool]
    print(f"{tool:<12} found {t['found']}/{t['of']}; {t['requests']} requests in all "
          f"({t['requests_per_found']} per found fault), {t['requests_in_finding_runs']} in the "
          f"runs that found one; {t['ms'] / 1000:.1f} s")
only_st = [r["fault"] for r in rows if r["schemathesis"]["found"] and not r["explore"]["found"]]
neither = [r["fault"] for r in rows if not r["schemathesis"]["found"] and not r["explore"]["found"]]
print("found by schemathesis only: " + (", ".join(only_st) or "none"))
print("found by neither: " + (", ".join(neither) or "none"))
if also:
    only_st_all = [r["fault"] for r in rows if r["schemathesis"]["found"]
                   and not any(r[k]["found"] for k in ["explore", *(f"explore@{n}" for n in also)])]
    print("found by schemathesis and by no explore run: " + (", ".join(only_st_all) or "none"))
print("(*) explore's findings name none of the fault's rules; req = requests of the run (explore:"
      " with shrinking); 1st = explore's requests before its first finding")
print(f"JSON: {out}")
PY
