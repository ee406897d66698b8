#!/usr/bin/env bash
# Harbor's own API tests (goharbor/harbor, `tests/apitests/python`) against the simulator:
# the tests Harbor's CI runs against a freshly installed Harbor, unchanged, from a Harbor
# checkout you give (they are not part of this repository, and CI has no copy of them).
#
#   bash harbor-sim/compat/harbor_apitests.sh /path/to/harbor            # the default set
#   bash harbor-sim/compat/harbor_apitests.sh /path/to/harbor test_p2p   # named tests
#   HARBOR_SRC=/path/to/harbor bash harbor-sim/compat/harbor_apitests.sh
#   LOG_DIR=/tmp/logs bash ...   # keeps each test's output, the simulator's and the stand-in's
#
# The tests import `v2_swagger_client`, the client Harbor's CI generates from the checkout's
# spec (see below). The simulator runs on loopback with its demo data, prepared as the fresh
# Harbor with Trivy of Harbor's CI: no scan-all schedule, GC's time window 0, and the hosts
# the tests register as replication registries reachable. Tests run in the CI's order.
#
# The default set is every test that needs nothing this script cannot stand in for: the
# Docker daemon and CLI are docker_standin.py, Harbor's HTTPS is plain HTTP (see the curl
# below). Left out: tests that need cosign, notation, oras, helm, podman, ctr or
# `docker manifest`, an LDAP server, Harbor's metrics port, a syslog endpoint or the
# internet (compat/README.md lists them). The permission scripts run as Harbor's robot suite
# runs them: test_system_permission.py with a system robot holding every system and project
# permission, test_project_permission.py with a project robot holding every project
# permission on a project with hello-world:latest. One line per test, then a summary; the
# exit status is non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
HARBOR_SRC=${1:-${HARBOR_SRC:-}}
[ $# -gt 0 ] && shift
if [ -z "$HARBOR_SRC" ] || [ ! -f "$HARBOR_SRC/tests/apitests/python/library/base.py" ]; then
  echo "usage: $0 /path/to/a/goharbor/harbor/checkout [test_name ...]" >&2
  echo "  (no tests/apitests/python/library/base.py under '${HARBOR_SRC}')" >&2
  exit 2
fi
HARBOR_SRC=$(cd "$HARBOR_SRC" && pwd)
VENV=${VENV:-target/compat-venv}
PORT=${PORT:-18123}
DEFAULT_TESTS="test_user_crud test_assign_sys_admin test_banner_message
  test_add_member_to_private_project test_edit_project_creation test_health_check
  test_project_level_cve_allowlist test_webhook_crud test_p2p test_add_replication_rule
  test_log_rotation test_job_service_dashboard test_system_permission test_project_permission
  test_sys_cve_allowlists test_user_view_logs test_add_sys_label_to_tag
  test_copy_artifact_outside_project test_del_repo test_manage_project_member
  test_project_quota test_push_image_with_special_name test_quota_sorting test_registry_api
  test_retain_image_last_pull_time test_retention test_robot_account
  test_sbom_generation_of_image_artifact test_scan_data_export test_scan_image_artifact
  test_scan_image_artifact_in_public_project test_stop_sbom_generation_of_image_artifact
  test_stop_scan_image_artifact test_system_level_scan_all test_system_level_stop_scan_all
  test_tag_crud test_tag_immutability test_user_limited_guest_get_repository"
tests=${*:-$DEFAULT_TESTS}
# In the order Harbor's CI runs them (its API_DB.robot), when the checkout has it: the tests
# share one Harbor, and some count what the ones before left (test_garbage_collection, first
# there, expects to free its own images only). Tests it does not list come last.
robot="$HARBOR_SRC/tests/robot-cases/Group0-BAT/API_DB.robot"
if [ -f "$robot" ]; then
  tests=$(for t in $tests; do
    at=$(grep -n "apitests/python/$t\.py" "$robot" | head -1 | cut -d: -f1)
    echo "${at:-999999} $t"
  done | sort -s -n -k1,1 | cut -d' ' -f2)
fi

. harbor-sim/compat/clients.env
export PIP_DISABLE_PIP_VERSION_CHECK=1
work=$(mktemp -d)
# The client the tests import as `v2_swagger_client`: Harbor's CI generates it from the
# checkout's own spec with openapi-generator 4.3.1 (`make swagger_client`); so does this
# script when the checkout has the spec and Java is here (the generator comes from PyPI's
# openapi-generator-cli, which carries the jar). Otherwise, or with CLIENT=alias,
# harbor-api-client stands in under that name (an older generator's client: some tests read
# its answers differently, see compat/README.md).
spec="$HARBOR_SRC/api/v2.0/swagger.yaml"
if [ "${CLIENT:-}" != alias ] && [ -f "$spec" ] && command -v java > /dev/null; then
  CLIENT=generated
  VENV=${APITESTS_VENV:-target/apitests-venv}
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "openapi-generator-cli==$OPENAPI_GENERATOR_VERSION" \
    "docker==$DOCKER_PY_VERSION"
  jar=$("$VENV/bin/python" -c 'import os, openapi_generator_cli as g
print(os.path.join(os.path.dirname(g.__file__), "openapi-generator.jar"))')
  rm -rf target/apitests-client
  java -jar "$jar" generate -i "$spec" -g python -o target/apitests-client \
    --package-name v2_swagger_client > "$work/generator.log" 2>&1 ||
    { cat "$work/generator.log" >&2; exit 1; }
  "$VENV/bin/pip" install -q ./target/apitests-client
else
  CLIENT=alias
  VENV=$VENV bash harbor-sim/compat/install.sh python
  "$VENV/bin/pip" install -q "docker==$DOCKER_PY_VERSION"
fi
echo "v2_swagger_client: $CLIENT"
cargo build -q -p harbor-sim --bin harbor-sim
python=$(cd "$VENV/bin" && pwd)/python
sim_pid="" docker_pid="" made_busybox=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  [ -n "$docker_pid" ] && kill "$docker_pid" 2>/dev/null && rm -f "$DOCKER_SOCK"
  [ -n "$made_busybox" ] && rm -f "$made_busybox"
  [ -n "${LOG_DIR:-}" ] && mkdir -p "$LOG_DIR" && cp "$work"/*.log "$LOG_DIR"/
  rm -rf "$work"
}
trap cleanup EXIT

# With CLIENT=alias, `import v2_swagger_client` (and its submodules) finds
# harbor-api-client's modules.
mkdir -p "$work/shim/v2_swagger_client"
cat > "$work/shim/v2_swagger_client/__init__.py" <<'EOF'
import importlib, pkgutil, sys
import harbor_client
for info in pkgutil.walk_packages(harbor_client.__path__, "harbor_client."):
    sys.modules["v2_swagger_client" + info.name[len("harbor_client"):]] = importlib.import_module(info.name)
sys.modules[__name__] = harbor_client
EOF

# --check-transactions: a refused write that changed the state (Harbor rolls those back) is
# logged, and fails the run below.
target/debug/harbor-sim --port "$PORT" --check-transactions > "$work/sim.log" 2>&1 &
sim_pid=$!

# The tests that push or pull use the Docker SDK on /var/run/docker.sock (a path they fix) and
# the `docker` CLI; with no Docker engine here, docker_standin.py answers for both. It
# refuses to start over a socket a live daemon answers on (then that daemon serves the tests),
# and the base image the tests `docker load` from /busybox.tar is written only if absent.
standin=$(pwd)/harbor-sim/compat/docker_standin.py
DOCKER_SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
"$python" "$standin" serve "$DOCKER_SOCK" 2> "$work/docker.log" &
docker_pid=$!
for _ in $(seq 50); do
  [ -S "$DOCKER_SOCK" ] && break
  kill -0 "$docker_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$docker_pid" 2>/dev/null || { docker_pid=""; sed 's/^/  /' "$work/docker.log"; }
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec "%s" "%s" cli "$@"\n' "$python" "$standin" > "$work/bin/docker"
chmod +x "$work/bin/docker"
# Harbor's CI Harbor serves HTTPS, and a few tests read its registry API with `curl
# https://$HARBOR_HOST/v2/...`; the simulator serves plain HTTP on that host and port, so
# this curl sends those requests there over http://, and any other as it is.
real_curl=$(command -v curl)
cat > "$work/bin/curl" <<EOF
#!/usr/bin/env bash
args=()
for a in "\$@"; do args+=("\${a/#https:\/\/127.0.0.1:$PORT\//http://127.0.0.1:$PORT/}"); done
exec "$real_curl" "\${args[@]}"
EOF
chmod +x "$work/bin/curl"
if [ ! -e /busybox.tar ] && [ -w / ]; then
  "$python" "$standin" busybox-tar /busybox.tar && made_busybox=/busybox.tar
fi
export DOCKER_HOST="unix://$DOCKER_SOCK" PATH="$work/bin:$PATH"
api="http://127.0.0.1:$PORT/api/v2.0"
for _ in $(seq 100); do
  curl -sf "$api/ping" > /dev/null && break
  sleep 0.1
done
admin=(-s -o /dev/null -u admin:Harbor12345)
# Harbor's CI network reaches the Harbor itself and registry.goharbor.io, which
# test_system_permission.py registers.
for host in 127.0.0.1 registry.goharbor.io; do
  curl "${admin[@]}" -X PUT "http://127.0.0.1:$PORT/_sim/reachable/$host"
done
# Harbor's CI installs its Harbor with GC_TIME_WINDOW_HOURS=0 (tests/ci/api_common_install.sh).
curl "${admin[@]}" -X PUT "http://127.0.0.1:$PORT/_sim/gc-time-window" -d '{"hours":0}'
curl "${admin[@]}" -X PUT -H 'Content-Type: application/json' "$api/system/scanAll/schedule" \
  -d '{"schedule":{"type":"None"}}'

# A robot for the permission scripts: `system` with every system and project permission,
# or `project` with every permission of project $2. Prints "name secret".
robot() {
  "$python" - "$api" "$1" "${2:-}" <<'EOF'
import sys, requests
api, level, project = sys.argv[1:4]
auth = ("admin", "Harbor12345")
perms = requests.get(api + "/permissions", auth=auth).json()
if level == "system":
    access = [{"kind": "system", "namespace": "/", "access": perms["system"]},
              {"kind": "project", "namespace": "*", "access": perms["project"]}]
else:
    access = [{"kind": "project", "namespace": project, "access": perms["project"]}]
r = requests.post(api + "/robots", auth=auth, json={"name": "apitests-" + level, "level": level,
                                                    "duration": -1, "permissions": access})
r.raise_for_status()
print(r.json()["name"], r.json()["secret"])
EOF
}

client_path=$(pwd)/target/apitests-client
[ "$CLIENT" = alias ] && client_path=$work/shim
export HARBOR_HOST="127.0.0.1:$PORT" HARBOR_HOST_SCHEMA=http SWAGGER_CLIENT_PATH="$client_path"
export PYTHONPATH="$client_path:$HARBOR_SRC/tests/apitests/python:$HARBOR_SRC/tests/apitests/python/library"
export HARBOR_BASE_URL=$api ADMIN_USER_NAME=admin ADMIN_PASSWORD=Harbor12345
passed=0 failed=0
for t in $tests; do
  log="$work/$t.log"
  case $t in
    test_system_permission)
      read -r name secret < <(robot system)
      (cd "$HARBOR_SRC" && USER_NAME=$name PASSWORD=$secret RESOURCES=all \
        timeout 300 "$python" "tests/apitests/python/$t.py") > "$log" 2>&1 && rc=0 || rc=$?
      ;;
    test_project_permission)
      curl "${admin[@]}" -H 'Content-Type: application/json' "$api/projects" \
        -d '{"project_name":"apitests-perm","metadata":{"public":"false"}}'
      curl "${admin[@]}" -X POST \
        "$api/projects/apitests-perm/repositories/hello-world/artifacts?from=library/nginx:latest"
      project_id=$(curl -s -u admin:Harbor12345 "$api/projects/apitests-perm" |
        "$python" -c 'import json, sys; print(json.load(sys.stdin)["project_id"])')
      read -r name secret < <(robot project apitests-perm)
      (cd "$HARBOR_SRC" && USER_NAME=$name PASSWORD=$secret RESOURCES=all PROJECT_ID=$project_id \
        PROJECT_NAME=apitests-perm SOURCE_ARTIFACT_NAME=hello-world SOURCE_ARTIFACT_TAG=latest \
        timeout 300 "$python" "tests/apitests/python/$t.py") > "$log" 2>&1 && rc=0 || rc=$?
      ;;
    *)
      (cd "$HARBOR_SRC" && timeout 300 "$python" "tests/apitests/python/$t.py") > "$log" 2>&1 \
        && rc=0 || rc=$?
      ;;
  esac
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1))
    echo "$t: ok"
  else
    failed=$((failed + 1))
    echo "$t: FAILED (exit $rc)"
    grep -E "^(\w+Error|Exception|AssertionError|\w+(\.\w+)+Exception)" "$log" | head -3 | cut -c1-300 | sed 's/^/  /'
  fi
done
echo "$((passed + failed)) tests: $passed ok, $failed failed"
changed=$(grep -c "harbor_sim::transaction" "$work/sim.log" || true)
if [ "$changed" != 0 ]; then
  echo "$changed refused writes changed the simulator's state (Harbor rolls those back):"
  grep "harbor_sim::transaction" "$work/sim.log" | head -20 | cut -c1-300 | sed 's/^/  /'
fi
[ "$failed" = 0 ] && [ "$changed" = 0 ]
