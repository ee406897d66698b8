#!/usr/bin/env bash
# Runs schemathesis, a property-based API tester nobody here wrote, against the simulator
# with the demo data, and checks what it finds against schemathesis_500s.txt: the operations
# where a 500 is Harbor's own answer. schemathesis generates requests from Harbor's spec,
# valid and invalid (its examples, coverage and fuzzing phases), and reports each operation
# that answered 500 at least once (its `not_a_server_error` check). Two passes, each against
# a fresh simulator: "wide" generates every path value (most name nothing: each operation's
# checks and 404s), "demo" takes them from schemathesis_demo.toml, the demo's project,
# repository, users and the rest (what the handlers do with a resource that exists).
#
# Fails (exit 1) when an operation not in the baseline answers 500, when schemathesis reports
# an error (a request that got no answer, an operation it could not test), when the
# simulator panicked or died, or when a refused write changed the state (the simulator runs
# with --check-transactions: Harbor rolls every refused write back). A baseline operation that did not answer 500 this run is only
# listed: the search is random, and a short run does not reach every case. Not in CI for that
# reason: the same seed gives the same requests, but a run is minutes long and a new release of
# schemathesis searches differently. CONFORMANCE.md ("A property-based tester nobody here
# wrote") has the runs and what each accepted 500 is.
#
#   bash harbor-sim/compat/schemathesis.sh                # seed 1, 20 examples an operation; ~2.5 min
#   bash harbor-sim/compat/schemathesis.sh 7 200          # seed 7, 200 examples an operation
#   PHASES=examples,coverage,fuzzing,stateful MAX_TIME=1200 bash harbor-sim/compat/schemathesis.sh
#
# The stateful phase (sequences of calls along the links schemathesis infers) reports its 500s
# by sequence, not by operation: the script names the operation from the last call's method and
# path. The scenarios it counts as "errored" (a link it could not follow) are not in its report.
#
# Needs python3 (schemathesis is installed by install.sh into $ST_VENV, target/st-venv) and
# Harbor's spec at $HARBOR_SPEC (../shared/harbor/swagger.yaml by default).
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=${1:-1}
examples=${2:-20}
PORT=${PORT:-18302}
PHASES=${PHASES:-examples,coverage,fuzzing}
export ST_VENV=${ST_VENV:-target/st-venv}
spec=${HARBOR_SPEC:-../shared/harbor/swagger.yaml}
baseline=harbor-sim/compat/schemathesis_500s.txt
[ -f "$spec" ] || { echo "schemathesis.sh: Harbor's spec is not at $spec (set HARBOR_SPEC)" >&2; exit 2; }

bash harbor-sim/compat/install.sh schemathesis
cargo build -q -p harbor-sim --release

root=$(pwd)
spec=$(realpath "$spec")
schemathesis=$(realpath "$ST_VENV")/bin/schemathesis
scratch=$(mktemp -d)
sim=
trap '[ -z "$sim" ] || kill $sim 2>/dev/null || true; rm -rf "$scratch"' EXIT

# One pass: a fresh simulator, schemathesis against it, its JUnit report and the simulator's
# state after it (alive, panics) under $scratch/$name. schemathesis runs in $scratch, where
# it keeps its cache (.schemathesis/), not in the checkout. Its exit status is 1 whenever
# anything failed, baseline operations included: the report decides.
#   `filter_too_much`: without it, schemathesis gives up on the operations whose path
#   patterns it finds hard to satisfy (the repository and artifact paths) instead of testing
#   them. No example database: it would replay earlier runs' failures, so that a run
#   depended on the runs before it.
pass() { # name [schemathesis option before `run`...]
  local name=$1
  shift
  mkdir "$scratch/$name"
  RUST_LOG=warn "$root/target/release/harbor-sim" --port "$PORT" --check-transactions >"$scratch/$name/sim.log" 2>&1 &
  sim=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/api/v2.0/ping" >/dev/null && break
    sleep 0.1
  done
  SIM_TRIVY_UUID=$(curl -sf -u admin:Harbor12345 "http://127.0.0.1:$PORT/api/v2.0/scanners" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["uuid"])')
  export SIM_TRIVY_UUID
  (cd "$scratch" && "$schemathesis" "$@" run "$spec" \
    --url "http://127.0.0.1:$PORT/api/v2.0" -a admin:Harbor12345 -c not_a_server_error \
    -n "$examples" --seed "$seed" --phases "$PHASES" -w 2 ${MAX_TIME:+--max-time "$MAX_TIME"} \
    --suppress-health-check=filter_too_much --generation-database=none \
    --report junit --report-junit-path "$name/junit.xml" >"$name/out.txt" 2>&1) || true
  echo "$name: $(grep -E "^  [0-9]+ generated" "$scratch/$name/out.txt" | sed 's/^ *//')"
  if kill -0 "$sim" 2>/dev/null; then echo yes >"$scratch/$name/alive"; else echo no >"$scratch/$name/alive"; fi
  grep -c "panicked at" "$scratch/$name/sim.log" >"$scratch/$name/panics" || true
  grep "harbor_sim::transaction" "$scratch/$name/sim.log" >"$scratch/$name/refusals_changed" || true
  kill "$sim" 2>/dev/null || true
  wait "$sim" 2>/dev/null || true
  sim=
}
# Every path value generated, then the demo's (schemathesis_demo.toml).
pass wide
pass demo --config-file "$root/harbor-sim/compat/schemathesis_demo.toml"

# The virtualenv's Python: it has PyYAML (a dependency of schemathesis) to read the spec.
"$(dirname "$schemathesis")/python" - "$scratch" "$baseline" "$spec" wide demo <<'PY'
import re
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import yaml

scratch, baseline_path, spec_path, *passes = sys.argv[1:]
baseline = {}
for line in open(baseline_path):
    if line.strip() and not line.startswith("#"):
        method, path, where = line.split()
        baseline[f"{method} {path}"] = where

# The stateful phase reports its failures under one test case, "Stateful tests", each with
# the curl commands of its sequence of calls: the last one's method and path name the
# operation (the template with the fewest parameters that matches, as a router picks).
spec = yaml.safe_load(open(spec_path))
templates = sorted(
    ((method.upper(), path) for path, ops in spec["paths"].items() for method in ops if method != "parameters"),
    key=lambda op: op[1].count("{"),
)
def operation_of(account):
    calls = re.findall(r"curl -X (\w+) .*?'?(https?://\S+?)'?$", account, re.M)
    if not calls:
        return None
    method, url = calls[-1]
    path = urlsplit(url).path.removeprefix("/api/v2.0")
    for m, template in templates:
        if m == method and re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), path):
            return f"{m} {template}"
    return f"{method} {path}"

server_errors, failures = {}, []  # operation -> (pass, schemathesis's account); what fails
for name in passes:
    read = lambda file: open(f"{scratch}/{name}/{file}").read().strip()
    try:
        root = ET.parse(f"{scratch}/{name}/junit.xml").getroot()
    except (OSError, ET.ParseError) as e:
        print(read("out.txt")[-3000:])
        failures.append(f"{name}: schemathesis wrote no report ({e}); the end of its output is above")
        continue
    for case in root.iter("testcase"):
        for outcome in case:
            op = case.attrib["name"]
            text = (outcome.text or "") + outcome.attrib.get("message", "")
            if case.attrib["name"] == "Stateful tests":
                op = operation_of(outcome.text or "") or op
            if outcome.tag == "failure" and "ST101" in text:
                server_errors.setdefault(op, (name, outcome.text or ""))
            elif outcome.tag in ("failure", "error"):
                first = text.strip().splitlines()[0] if text.strip() else outcome.tag
                failures.append(f"{name}: schemathesis error: {op}: {first}")
    if read("alive") != "yes":
        failures.append(f"{name}: the simulator was no longer running at the end")
    if read("panics") != "0":
        failures.append(f"{name}: the simulator's log has {read('panics')} panics (\"panicked at\")")
    changed = read("refusals_changed").splitlines()
    for line in changed[:20]:
        failures.append(f"{name}: a refused write changed the state: {line}")
    if len(changed) > 20:
        failures.append(f"{name}: and {len(changed) - 20} more refused writes that changed the state")

new = sorted(server_errors.keys() - baseline.keys())
accepted = sorted(server_errors.keys() & baseline.keys())
unseen = sorted(baseline.keys() - server_errors.keys())
print(f"{len(server_errors)} operations answered 500: {len(accepted)} as Harbor does (baseline), "
      f"{len(new)} not in the baseline")
for op in accepted:
    print(f"  500 as Harbor: {op}  ({baseline[op]}; first in pass {server_errors[op][0]})")
for op in unseen:
    print(f"  baseline operation without a 500 this run: {op}")
for op in new:
    # schemathesis's own account: the answer and a curl command that reproduces it.
    name, account = server_errors[op]
    print(f"  NEW 500 ({name}): {op}\n" + "\n".join("      " + l for l in account.strip().splitlines()))
for failure in failures:
    print(f"  {failure}")
if new or failures:
    sys.exit(1)
print("ok: every 500 is one Harbor answers too; no panic; no refused write changed the state")
PY
