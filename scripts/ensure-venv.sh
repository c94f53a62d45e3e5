#!/usr/bin/env bash
# Creates the project's Python venv (.venv) with the tools the tests use — moto_server, the local
# AWS endpoint, and cfn-lint — when they are missing. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
missing=()
[ -x "$venv/bin/moto_server" ] || missing+=("moto[server]")
[ -x "$venv/bin/cfn-lint" ] || missing+=("cfn-lint")
if [ "${#missing[@]}" -gt 0 ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${missing[@]}"
fi
