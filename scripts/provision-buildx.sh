#!/usr/bin/env bash
# docker-buildx, the client kfc build runs (`buildx bake`), from Debian trixie, pinned: a trixie apt
# source whose packages are all at priority -1 (never installed) except docker-buildx, so nothing else
# on the host upgrades. Idempotent. Called by scripts/provision.sh and scripts/provision-referees.sh.
set -euo pipefail
log() { printf 'provision-buildx: %s\n' "$*" >&2; }
SUDO=
[[ $(id -u) -ne 0 ]] && SUDO=sudo

# Debian puts the plugin in /usr/libexec/docker/cli-plugins, where it would take over the host's plain
# `docker build` too. kfc runs buildx as a program of its own (it reads DOCKER_HOST and DOCKER_CONFIG
# as the CLI does; src/engine/buildx.ts), so the package's binary is diverted (dpkg-divert, the Debian
# way to move a packaged file) to /usr/libexec/kfc/docker-buildx and the CLI is left as it was.
# Set KFC_BUILDX to use another buildx.
buildx_plugin=/usr/libexec/docker/cli-plugins/docker-buildx
buildx_kfc=/usr/libexec/kfc/docker-buildx
if ! dpkg-divert --list "$buildx_plugin" | grep -q "$buildx_kfc"; then
  $SUDO mkdir -p "$(dirname "$buildx_kfc")"
  $SUDO dpkg-divert --package kfc --add --rename --divert "$buildx_kfc" "$buildx_plugin"
fi
if ! dpkg-query -W -f='${Status}' docker-buildx 2>/dev/null | grep -q 'install ok installed'; then
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
  if [[ "$codename" != trixie ]]; then
    log "adding a pinned Debian trixie source for docker-buildx only (host: ${codename:-unknown})"
    $SUDO tee /etc/apt/sources.list.d/kfc-trixie-buildx.sources >/dev/null <<'EOF'
# kfc (scripts/provision-buildx.sh): docker-buildx comes from trixie; every other trixie package is
# pinned to -1 in /etc/apt/preferences.d/kfc-trixie-buildx, so nothing else is taken from here.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    $SUDO tee /etc/apt/preferences.d/kfc-trixie-buildx >/dev/null <<'EOF'
Package: *
Pin: release n=trixie
Pin-Priority: -1

Package: docker-buildx
Pin: release n=trixie
Pin-Priority: 500
EOF
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-buildx >/dev/null
  log "installed docker-buildx $(dpkg-query -W -f='${Version}' docker-buildx) as $buildx_kfc"
fi

