#!/bin/bash
# start-notebook.sh [ARGS...] — the Jupyter server, the Kubeflow way, through start.sh.
#   listens on 0.0.0.0:${JUPYTER_PORT:-8888}, everything under ${NB_PREFIX:-/} (ServerApp.base_url);
#   token: $JUPYTER_TOKEN if set, else none; no password; allow_origin='*'; embeddable in an
#   iframe (CSP frame-ancestors, from $CONDA_DIR/etc/jupyter/jupyter_server_config.json);
#   DOCKER_STACKS_JUPYTER_CMD (default lab), DEFAULT_JUPYTER_URL (default /lab),
#   NOTEBOOK_ARGS (word-split) and ARGS are appended; RESTARTABLE=yes restarts the server when it exits.
# Nothing slow here (no pip, no npm): the start time budget is 2 s to $NB_PREFIX/api/status.
set -euo pipefail

jupyter_cmd="${DOCKER_STACKS_JUPYTER_CMD:-lab}"
args=(
    "${jupyter_cmd}"
    --no-browser
    --ip=0.0.0.0
    --port="${JUPYTER_PORT:-8888}"
    --ServerApp.base_url="${NB_PREFIX:-/}"
    --ServerApp.allow_origin='*'
    --ServerApp.allow_remote_access=True
    --PasswordIdentityProvider.hashed_password=''
)
if [[ -z "${JUPYTER_TOKEN:-}" ]]; then
    # With JUPYTER_TOKEN set, jupyter-server reads it from the environment itself.
    args+=(--IdentityProvider.token='')
fi
if [[ -n "${DEFAULT_JUPYTER_URL:-}" || "${jupyter_cmd}" == "lab" || "${jupyter_cmd}" == "server" ]]; then
    args+=(--ServerApp.default_url="${DEFAULT_JUPYTER_URL:-/lab}")
fi
if [[ -n "${NOTEBOOK_ARGS:-}" ]]; then
    read -r -a notebook_args <<< "${NOTEBOOK_ARGS}"
    args+=("${notebook_args[@]}")
fi
args+=("$@")

# `jupyter lab` would start one python only to exec jupyter-lab: call jupyter-lab directly.
cmd=(jupyter "${args[@]}")
if command -v "jupyter-${jupyter_cmd}" > /dev/null; then
    cmd=("jupyter-${jupyter_cmd}" "${args[@]:1}")
fi
if [[ "${RESTARTABLE:-}" == "yes" ]]; then
    cmd=(run-one-constantly "${cmd[@]}")
fi
exec /usr/local/bin/start.sh "${cmd[@]}"
