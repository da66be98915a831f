#!/usr/bin/env bash
# Installs kfc's host tools (uv, pip, and whatever tools/requirements.txt pins) into a venv,
# hash-checked: /opt/kfc-tools, or KFC_TOOLS_DIR. Idempotent: skips when the venv already holds
# exactly this requirements file; reinstalls when the file changed. Called by scripts/provision.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
req="$root/tools/requirements.txt"
dir="${KFC_TOOLS_DIR:-/opt/kfc-tools}"
stamp="$dir/.kfc-requirements.sha256"
log() { printf 'provision-tools: %s\n' "$*" >&2; }

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  log "host tools in $dir are current"
  exit 0
fi

python="$(command -v python3 || true)"
[[ -x /usr/bin/python3 ]] && python=/usr/bin/python3
[[ -n "$python" ]] || { log "python3 is needed (apt-get install python3 python3-venv)"; exit 1; }

# The stamp is written last: an interrupted install is redone by the next run.
rm -rf "$dir"
"$python" -m venv "$dir"
# --no-deps + --require-hashes: exactly the locked files, nothing resolved at install time.
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
  --no-warn-script-location -r "$req"
printf '%s\n' "$want" >"$stamp"
log "installed host tools into $dir: $("$dir/bin/uv" --version)"
