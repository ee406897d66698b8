#!/usr/bin/env bash
# Installs the third-party Harbor clients of the compatibility runs, at the releases
# clients.env names: the Python ones (harborapi, harbor-api-client, and the registry client
# oras, from PyPI) into the virtualenv $VENV, the npm one (@hapic/harbor) into $NODE_DIR, and
# the registry client skopeo from Debian's packages (apt-get, as root; without root it says
# so and the test that runs skopeo is skipped).
# By default those are target/compat-venv and target/compat-node, where harbor-sim/tests/third_party_clients.rs
# looks for them. `.ci/run`, run.sh and run_others.sh call it; running it again changes nothing.
# The kind `schemathesis` (never installed by default: only schemathesis.sh uses it) puts the
# API tester in a virtualenv of its own, $ST_VENV (target/st-venv), apart from the clients'.
#
#   bash harbor-sim/compat/install.sh               # every kind of client
#   bash harbor-sim/compat/install.sh python        # only the Python clients (no npm needed)
#   bash harbor-sim/compat/install.sh schemathesis  # the tester schemathesis.sh runs
#   HARBORAPI=/path/to/harborapi.whl bash harbor-sim/compat/install.sh python
set -euo pipefail
cd "$(dirname "$0")/../.."
. harbor-sim/compat/clients.env
VENV=${VENV:-target/compat-venv}
NODE_DIR=${NODE_DIR:-target/compat-node}
ST_VENV=${ST_VENV:-target/st-venv}
# pip requirements; either may name a wheel or another release instead.
HARBORAPI=${HARBORAPI:-harborapi==$HARBORAPI_VERSION}
HARBOR_API_CLIENT=${HARBOR_API_CLIENT:-harbor-api-client==$HARBOR_API_CLIENT_VERSION}
ORAS=${ORAS:-oras==$ORAS_VERSION}

kinds=${*:-python node skopeo}
for kind in $kinds; do
  case $kind in
    python)
      [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
      PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install -q "$HARBORAPI" "$HARBOR_API_CLIENT" "$ORAS"
      ;;
    node)
      # npm asks the registry even for what is installed: skip it when both releases are there,
      # so that a second run needs no network.
      have=$(cd "$NODE_DIR" 2>/dev/null && node -p \
        'require("@hapic/harbor/package.json").version + " " + require("hapic/package.json").version' \
        2>/dev/null || true)
      [ "$have" = "$HAPIC_HARBOR_VERSION $HAPIC_VERSION" ] ||
        npm install --prefix "$NODE_DIR" --no-audit --no-fund --legacy-peer-deps --silent \
          "@hapic/harbor@$HAPIC_HARBOR_VERSION" "hapic@$HAPIC_VERSION"
      ;;
    skopeo)
      # A skopeo already on the PATH stays: another release is the test's to refuse, with
      # both versions in its message.
      if command -v skopeo >/dev/null; then
        true
      elif [ "$(id -u)" != 0 ]; then
        echo "install.sh: skopeo is not installed and this is not root: the skopeo test will be skipped" >&2
      else
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q --no-install-recommends "skopeo=$SKOPEO_VERSION*" >/dev/null ||
          { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "skopeo=$SKOPEO_VERSION*" >/dev/null; }
      fi
      ;;
    schemathesis)
      [ -x "$ST_VENV/bin/python" ] || python3 -m venv "$ST_VENV"
      PIP_DISABLE_PIP_VERSION_CHECK=1 "$ST_VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
      ;;
    *)
      echo "install.sh: unknown kind '$kind' (python, node, skopeo or schemathesis)" >&2
      exit 2
      ;;
  esac
done
