#!/usr/bin/env bash
# The static checks, one entry point for .ci/run and the GitHub workflow: types, house style
# (Biome, lines <= 120 characters), dead code (knip), output/ in sync, Dockerfile lint (kfc lint, hadolint),
# Kubeflow manifests in sync, workflow lint, and the layers of src/ (dependency-cruiser).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==== check: %s\n' "$*"; "$@"; }

# tsc checks incrementally: its build info (each file's content hash and diagnostics; tsc ignores one from another
# version or unreadable) is kept outside the clone, so a clean clone re-checks only what changed (22 -> 6 CPU-s
# when nothing did). Kept only after tsc passes, replaced whole (a copy, then a rename).
tsc_store=${KFC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kfc}/tsc
mkdir -p .kfc
if [[ -f $tsc_store/tsbuildinfo && ! -f .kfc/tsc.tsbuildinfo ]]; then
  cp "$tsc_store/tsbuildinfo" .kfc/tsc.tsbuildinfo
fi
step npm run --silent typecheck
if mkdir -p "$tsc_store" 2>/dev/null && cp .kfc/tsc.tsbuildinfo "$tsc_store/.tsbuildinfo.$$" 2>/dev/null; then
  mv -f "$tsc_store/.tsbuildinfo.$$" "$tsc_store/tsbuildinfo"
else
  echo "check: $tsc_store is not writable: tsc's build info is not kept (fix: KFC_CACHE_DIR=<a writable folder>)" >&2
fi
step npm run --silent lint
step node scripts/line-length.mjs
step npx knip
step npx depcruise src --config .dependency-cruiser.cjs
step npx kfc generate --check
step npx kfc lint
step npx kfc hadolint
step npx kfc kubeflow --check
step bash scripts/actionlint.sh
