#!/bin/sh
# The peer's own virtualenv (never Tessera's): bench/.peer-venv, or $PEER_VENV.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${PEER_VENV:-$here/../.peer-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
echo "peer virtualenv ready: $venv"
