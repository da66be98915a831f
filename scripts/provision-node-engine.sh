#!/usr/bin/env bash
# The cold-node benchmark's node engine and layer writer (issue 26, `kfc node-pull --cold`):
# - Debian trixie's dockerd (Docker 26: it pulls zstd layers, which the host's 20.10 cannot), unpacked from
#   its .deb into /usr/libexec/kfc/node-engine, never installed: the build engine stays Debian 12's. apt
#   fetches the .deb through the pinned trixie source scripts/provision-buildx.sh adds, and checks it
#   against trixie's signed index. It runs on the host's containerd, runc and docker-init.
# - skopeo from the host's Debian: it writes an image from the build engine as OCI with gzip or zstd layers.
# Idempotent: skipped when both are present.
set -euo pipefail
log() { printf 'provision-node-engine: %s\n' "$*" >&2; }
SUDO=
[[ $(id -u) -ne 0 ]] && SUDO=sudo

dir=/usr/libexec/kfc/node-engine
install_skopeo() {
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends skopeo >/dev/null
}
if ! command -v skopeo >/dev/null; then
  log "installing skopeo"
  install_skopeo || { $SUDO apt-get update -qq && install_skopeo; }
fi

if [[ ! -x $dir/dockerd ]]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
  pkg=docker.io
  [[ $codename != trixie ]] && pkg=docker.io/trixie
  # apt-get download runs as _apt when it can: the folder must be theirs to write.
  chmod 777 "$work"
  (cd "$work" && apt-get download -qq "$pkg" 2>/dev/null) ||
    { $SUDO apt-get update -qq && (cd "$work" && apt-get download -qq "$pkg"); }
  deb=$(ls "$work"/docker.io_*.deb)
  dpkg-deb -x "$deb" "$work/root"
  $SUDO mkdir -p "$dir"
  $SUDO install -m 0755 "$work/root/usr/sbin/dockerd" "$work/root/usr/sbin/docker-proxy" "$dir/"
  dpkg-deb -f "$deb" Version | $SUDO tee "$dir/VERSION" >/dev/null
fi
version=$("$dir/dockerd" --version)
major=$(sed -E 's/^Docker version ([0-9]+)\..*/\1/' <<<"$version")
if ((major < 23)); then
  log "$dir/dockerd is $version: it cannot pull zstd layers (Docker 23 or later does); remove $dir and run again"
  exit 1
fi
log "node engine: $version ($dir); $(skopeo --version)"
