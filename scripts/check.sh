#!/usr/bin/env bash
# The static checks, one entry point for .ci/run and the GitHub workflow: types, house style
# (Biome, lines <= 120 characters), dead code (knip), output/ in sync, Dockerfile lint (kfc lint, hadolint),
# Kubeflow manifests in sync, workflow lint, and the layers of src/ (dependency-cruiser).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==== check: %s\n' "$*"; "$@"; }

step npm run --silent typecheck
step npm run --silent lint
step node scripts/line-length.mjs
step npx knip
step npx depcruise src --config .dependency-cruiser.cjs
step npx kfc generate --check
step npx kfc lint
step npx kfc hadolint
step npx kfc kubeflow --check
step bash scripts/actionlint.sh
