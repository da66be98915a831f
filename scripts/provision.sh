#!/usr/bin/env bash
# Installs and starts what kfc needs on a Debian/Ubuntu host: a Docker engine with BuildKit
# (Debian's docker.io), mmdebstrap for the root base, Debian's docker-registry for local
# publishing tests, and Chromium for browser tests. Idempotent: safe to run again.
#   scripts/provision.sh            engine, buildx + base tools
#   scripts/provision.sh --all      also registry, chromium, shellcheck and the referee tools
#                                   (scripts/provision-referees.sh): what CI and tests need
set -euo pipefail

want_all=false
[[ "${1:-}" == "--all" ]] && want_all=true

log() { printf 'provision: %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi

packages=(docker.io mmdebstrap ca-certificates curl python3-venv)
if $want_all; then
  packages+=(docker-registry apache2-utils chromium shellcheck)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  # Host tools with their recommends (fonts for Chromium, pigz/xz for docker, debootstrap
  # helpers for mmdebstrap): image size rules apply to images, not to the build host.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
if /usr/bin/docker version >/dev/null 2>&1; then
  log "docker engine already answering"
else
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    $SUDO systemctl start docker
  else
    log "starting dockerd (log: /var/log/kfc-dockerd.log)"
    $SUDO sh -c 'nohup dockerd >/var/log/kfc-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do
    /usr/bin/docker version >/dev/null 2>&1 && break
    sleep 1
  done
  if ! /usr/bin/docker version >/dev/null 2>&1; then
    log "dockerd did not answer within 60 s; see /var/log/kfc-dockerd.log"
    exit 1
  fi
  log "docker engine is up"
fi

# kfc build's client: docker-buildx (Debian trixie's, pinned), run as /usr/libexec/kfc/docker-buildx.
bash "$(dirname "${BASH_SOURCE[0]}")/provision-buildx.sh"

# Host tools in a hash-locked venv (uv for kfc lock, pip for kfc fetch's wheelhouse): tools/requirements.txt.
bash "$(dirname "${BASH_SOURCE[0]}")/provision-tools.sh"

# The field's own tools that referee kfc's output: hadolint, dive, Trivy, and buildkitd (the remote
# builder test), in ${KFC_REFEREES_DIR:-/opt/kfc-referees}/bin.
if $want_all; then
  bash scripts/provision-referees.sh
fi
