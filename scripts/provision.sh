#!/usr/bin/env bash
# Installs and starts what kfc needs on a Debian/Ubuntu host: a Docker engine with BuildKit
# (Debian's docker.io), mmdebstrap for the root base, Debian's docker-registry for local
# publishing tests, and Chromium for browser tests. Idempotent: safe to run again.
#   scripts/provision.sh            engine, buildx + base tools
#   scripts/provision.sh --all      also registry, chromium, shellcheck and the referee tools
#                                   (scripts/provision-referees.sh): what CI and tests need
#   scripts/provision.sh --all --later   the same, with the long Go builds (Trivy, cosign, BuildKit) left
#                                   running in the background (.ci/run: npm test waits for them before
#                                   its first user of them)
set -euo pipefail

want_all=false
referees_args=()
for arg in "$@"; do
  case "$arg" in
    --all) want_all=true ;;
    --later) referees_args=(--later) ;;
    *) printf 'provision: unknown option %s (fix: --all, --later)\n' "$arg" >&2; exit 2 ;;
  esac
done

log() { printf 'provision: %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi

packages=(docker.io mmdebstrap ca-certificates curl python3-venv zstd)
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

# BuildKit's cache GC keeps 10% of the disk by default: less than the family's cache (the GPU layers alone
# are ~14 GB), so a build of the family evicted the parent's records mid-run and rebuilt it with other
# bytes. Keep 40% of the space the engine can use (used + free: the size df shows can be far larger),
# 20-60 GB, or KFC_BUILD_CACHE_KEEP, in /etc/docker/daemon.json, merged into what is there; a running
# engine is restarted once when this changes it.
daemon_json=/etc/docker/daemon.json
keep="${KFC_BUILD_CACHE_KEEP:-$(df -Pk / | awk 'NR==2 { g = int(($3 + $4) / 1048576 * 0.4); if (g > 60) g = 60;
  if (g < 20) g = 20; print g "GB" }')}"
engine_config_changed=false
if $SUDO python3 - "$daemon_json" "$keep" <<'EOF'
import json, os, sys
path, keep = sys.argv[1], sys.argv[2]
conf = json.load(open(path)) if os.path.exists(path) else {}
gc = conf.setdefault("builder", {}).setdefault("gc", {})
if gc.get("enabled") is True and gc.get("defaultKeepStorage") == keep:
    sys.exit(1)
gc.update({"enabled": True, "defaultKeepStorage": keep})
os.makedirs(os.path.dirname(path), exist_ok=True)
tmp = path + ".kfc-tmp"
with open(tmp, "w") as f:
    json.dump(conf, f, indent=2)
    f.write("\n")
os.replace(tmp, path)
EOF
then
  engine_config_changed=true
  log "build cache GC keeps $keep ($daemon_json)"
fi
if $engine_config_changed && /usr/bin/docker version >/dev/null 2>&1; then
  log "restarting the docker engine for $daemon_json"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    $SUDO systemctl restart docker
  else
    # The engine's own pid file: a node-pull engine (another dockerd) is left alone.
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    if [[ -n "$pid" ]]; then
      $SUDO kill -TERM "$pid"
      for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
      done
    fi
  fi
fi

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
  bash scripts/provision-referees.sh "${referees_args[@]}"
  # The cold-node benchmark's node engine (trixie's dockerd, pulls zstd) and skopeo (writes gzip/zstd layers).
  bash "$(dirname "${BASH_SOURCE[0]}")/provision-node-engine.sh"
fi
