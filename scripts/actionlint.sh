#!/usr/bin/env bash
# actionlint over .github/workflows (built by scripts/provision-referees.sh into $KFC_REFEREES_DIR/bin).
# Outside CI a missing binary is a notice; in CI (CI=true) it is a failure: a check that cannot
# run must not pass.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${ACTIONLINT:-$(command -v actionlint || true)}"
referees_bin="${KFC_REFEREES_DIR:-/opt/kfc-referees}/bin/actionlint"
[ -z "$bin" ] && [ -x "$referees_bin" ] && bin="$referees_bin"
if [ -z "$bin" ]; then
  if [ "${CI:-}" = true ]; then
    echo "actionlint: not installed (fix: bash scripts/provision.sh, or set ACTIONLINT=/path/to/actionlint)" >&2
    exit 1
  fi
  echo "actionlint: NOT RUN, not installed (fix: bash scripts/provision.sh); CI fails without it" >&2
  exit 0
fi
files=(.github/workflows/*.yml)
# actionlint runs shellcheck on every run: block when it is installed.
"$bin" -no-color "${files[@]}"
echo "actionlint: ${#files[@]} workflow file(s) clean"
