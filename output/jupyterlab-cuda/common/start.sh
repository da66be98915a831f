#!/bin/bash
# start.sh [CMD...] — the ENTRYPOINT of every kfc image (`tini -g -- start.sh`), so ANY command
# gets the same start; no command → bash.
#
# jupyter/docker-stacks semantics ("Common Features" of its documentation):
#   started as root: refit the jovyan user to NB_USER (rename; home copied, or linked when
#   /home/jovyan is a mounted volume), NB_UID, NB_GID (+NB_GROUP); CHOWN_HOME=1|yes
#   (+CHOWN_HOME_OPTS), CHOWN_EXTRA=a,b (+CHOWN_EXTRA_OPTS); GRANT_SUDO=1|yes; then run CMD as
#   NB_USER through sudo, $CONDA_DIR/bin first on sudo's secure_path. NB_USER=root NB_UID=0
#   NB_GID=0 runs CMD as root with HOME=/home/root.
#   started as another uid: add a missing /etc/passwd entry (/etc/passwd is g+w for gid 0) and
#   warn about what only root could apply.
#   hooks (run-hooks.sh): /usr/local/bin/start-notebook.d as the starting user, first;
#   /usr/local/bin/before-notebook.d as root when started as root (else as the user), last.
#   JUPYTER_ENV_VARS_TO_UNSET=A,B unset before CMD.
#   start.sh given as the CMD too (the old habit): runs that command directly, with a WARNING.
#   Every message goes through /usr/local/bin/_docker_stacks_log.sh: stderr, levels,
#   JUPYTER_DOCKER_STACKS_QUIET=1 keeps WARNING/ERROR/FATAL only; a FATAL ends the start (status 1).
# Kubeflow semantics (the seed's start-custom.sh):
#   INFINITY_SLEEP=<non-empty> → do nothing but sleep (debug: exec into the container);
#   KF_LANG=fr|en → LANG/LC_ALL fr_CA.UTF-8 | en_US.UTF-8;
#   NB_NAMESPACE, or the <ns> of NB_PREFIX=/notebook/<ns>/<name> (Notebooks v1) or
#   /workspace/connect/<ns>/<workspace>/<port>/ (Notebooks 2.0), is exported as NB_NAMESPACE;
#   the home (an empty volume on Kubeflow) is seeded by kfc-seed-home as the user, never overwriting.
# Jupyter's runtime files (server info, kernel connections) go to /tmp (JUPYTER_RUNTIME_DIR),
# not the home: a full or read-only home volume must not stop the server.
set -euo pipefail

# Logging: `LEVEL[YYYY-MM-DD HH:MM:SS] message` on stderr, so a command's stdout is only its own.
# shellcheck source=resources/common/_docker_stacks_log.sh
source /usr/local/bin/_docker_stacks_log.sh
_log_info "Entered start.sh with args:" "$@"

_truthy() { [[ "${1:-}" == "1" || "${1:-}" == "yes" ]]; }
# Root asked to stay root (NB_USER=root with root's own ids): no sudo, the home moves to /home/root.
_stays_root() {
    [[ "${NB_USER}" == "root" && "${NB_UID}" == "$(id -u "${NB_USER}")" && "${NB_GID}" == "$(id -g "${NB_USER}")" ]]
}

if [[ $# -eq 0 ]]; then
    cmd=("bash")
else
    cmd=("$@")
fi

# CMD ["start.sh", ...] from before start.sh was the ENTRYPOINT: do not refit twice. (docker-stacks'
# marker: an environment variable, which sudo passes on, unlike bash's $_.)
if [[ "${_START_SH_EXECUTED:-}" == 1 ]]; then
    _log_warn "start.sh is the default ENTRYPOINT, do not include it in CMD"
    _log_info "Executing the command:" "${cmd[@]}"
    exec "${cmd[@]}"
fi
export _START_SH_EXECUTED=1

unset_explicit_env_vars() {
    local env_var
    if [[ -n "${JUPYTER_ENV_VARS_TO_UNSET:-}" ]]; then
        for env_var in ${JUPYTER_ENV_VARS_TO_UNSET//,/ }; do
            _log_info "Unset ${env_var} due to JUPYTER_ENV_VARS_TO_UNSET"
            unset "${env_var}"
        done
        unset JUPYTER_ENV_VARS_TO_UNSET
    fi
}

# Kubeflow: language and namespace (exported, so the server, kernels and terminals inherit them).
kubeflow_env() {
    case "${KF_LANG:-}" in
        "") ;;
        fr*) export LANG=fr_CA.UTF-8 LC_ALL=fr_CA.UTF-8 LANGUAGE=fr_CA:fr ;;
        en*) export LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8 LANGUAGE=en_US:en ;;
        *) _log_warn "KF_LANG=${KF_LANG} is not fr or en: keeping LANG=${LANG:-}" ;;
    esac
    # Notebooks v1: /notebook/<ns>/<name>; Notebooks 2.0: /workspace/connect/<ns>/<workspace>/<port>/.
    if [[ -z "${NB_NAMESPACE:-}" && "${NB_PREFIX:-}" =~ ^/(notebook|workspace/connect)/([^/]+)/ ]]; then
        export NB_NAMESPACE="${BASH_REMATCH[2]}"
    fi
}

if [[ -n "${INFINITY_SLEEP:-}" ]]; then
    _log_info "INFINITY_SLEEP is set: not starting '${cmd[*]}'; sleeping forever (debug mode)"
    exec sleep infinity
fi

NB_USER="${NB_USER:-jovyan}"
NB_UID="${NB_UID:-1000}"
NB_GID="${NB_GID:-100}"
export NB_USER NB_UID NB_GID

# NOTE: this hook runs as the user the container was started with.
# shellcheck disable=SC1091
source /usr/local/bin/run-hooks.sh /usr/local/bin/start-notebook.d

kubeflow_env

if [[ "$(id -u)" == 0 ]]; then
    # Refit the jovyan user to the desired user (NB_USER).
    if id jovyan &> /dev/null; then
        if [[ "${NB_USER}" != "jovyan" ]] && id -u "${NB_USER}" &> /dev/null; then
            _log_info "Using the existing user ${NB_USER} (e.g. root): jovyan is not renamed"
        elif [[ "${NB_USER}" != "jovyan" ]]; then
            usermod --home "/home/${NB_USER}" --login "${NB_USER}" jovyan
            _log_info "Updated the jovyan user:"
            _log_info "- username: jovyan       -> ${NB_USER}"
            _log_info "- home dir: /home/jovyan -> /home/${NB_USER}"
        fi
    elif ! id -u "${NB_USER}" &> /dev/null; then
        _log_fatal "Neither the jovyan user nor '${NB_USER}' exists." \
            "This could be the result of stopping and starting, the container" \
            "with a different NB_USER environment variable."
    fi
    # NB_USER gets NB_UID and the primary group NB_GID (named NB_GROUP), and stays in users (100).
    if [[ "${NB_UID}" != "$(id -u "${NB_USER}")" || "${NB_GID}" != "$(id -g "${NB_USER}")" ]]; then
        _log_info "Update ${NB_USER}'s UID:GID to ${NB_UID}:${NB_GID}"
        if [[ "${NB_GID}" != "$(id -g "${NB_USER}")" ]]; then
            groupadd --force --gid "${NB_GID}" --non-unique "${NB_GROUP:-${NB_USER}}"
        fi
        userdel "${NB_USER}"
        useradd --no-log-init --home "/home/${NB_USER}" --shell /bin/bash --uid "${NB_UID}" \
            --gid "${NB_GID}" --groups 100 --non-unique "${NB_USER}"
    fi
    cp_opts=(-a)
    if _stays_root; then
        sed -i "s|/root|/home/root|g" /etc/passwd
        cp_opts=(-a --no-preserve=ownership)
    fi
    # Move the jovyan home to the desired user's home: a copy, as docker-stacks does, except when
    # /home/jovyan is a mounted volume (Kubeflow's home): then a link, so the data stays on it.
    if [[ "${NB_USER}" != "jovyan" ]]; then
        if [[ ! -e "/home/${NB_USER}" ]]; then
            if mountpoint -q /home/jovyan; then
                _log_info "/home/jovyan is a mounted volume: linking /home/${NB_USER} to it"
                ln -s /home/jovyan "/home/${NB_USER}"
            else
                _log_info "Attempting to copy /home/jovyan to /home/${NB_USER}..."
                mkdir "/home/${NB_USER}"
                if cp "${cp_opts[@]}" /home/jovyan/. "/home/${NB_USER}/"; then
                    _log_info "Success!"
                else
                    _log_warn "Failed to copy data from /home/jovyan to /home/${NB_USER}!"
                    _log_info "Attempting to symlink /home/jovyan to /home/${NB_USER}..."
                    rm -rf "/home/${NB_USER:?}" # only our partial copy
                    if ln -s /home/jovyan "/home/${NB_USER}"; then
                        _log_info "Success creating symlink!"
                    else
                        _log_fatal "Failed copy data from /home/jovyan to /home/${NB_USER} or to create symlink!"
                    fi
                fi
            fi
        fi
        if [[ "${PWD}/" == "/home/jovyan/"* ]]; then
            new_wd="/home/${NB_USER}/${PWD:13}"
            _log_info "Changing working directory to ${new_wd}"
            cd "${new_wd}"
        fi
    fi
    # Optionally give the user its home and/or extra folders.
    if _truthy "${CHOWN_HOME:-}"; then
        chown_note="${CHOWN_HOME_OPTS:+ (chown options: ${CHOWN_HOME_OPTS})}"
        _log_info "Ensuring /home/${NB_USER} is owned by ${NB_UID}:${NB_GID}${chown_note}"
        # shellcheck disable=SC2086
        chown ${CHOWN_HOME_OPTS:-} "${NB_UID}:${NB_GID}" "/home/${NB_USER}"
    fi
    if [[ -n "${CHOWN_EXTRA:-}" ]]; then
        for extra_dir in ${CHOWN_EXTRA//,/ }; do
            chown_note="${CHOWN_EXTRA_OPTS:+ (chown options: ${CHOWN_EXTRA_OPTS})}"
            _log_info "Ensuring ${extra_dir} is owned by ${NB_UID}:${NB_GID}${chown_note}"
            # shellcheck disable=SC2086
            chown ${CHOWN_EXTRA_OPTS:-} "${NB_UID}:${NB_GID}" "${extra_dir}"
        done
    fi
    # ${CONDA_DIR}/bin first on sudo's secure_path (so `sudo pip`, `sudo jupyter` are the env's).
    secure_path_match='^Defaults\s+secure_path\s*=\s*"?([^"]+)"?'
    secure_path_rule="s#${secure_path_match}#Defaults secure_path=\"${CONDA_DIR:-/opt/conda}/bin:\1\"#p"
    sed -nr "${secure_path_rule}" /etc/sudoers > /etc/sudoers.d/path
    if _truthy "${GRANT_SUDO:-}"; then
        _log_info "Granting ${NB_USER} passwordless sudo rights!"
        echo "${NB_USER} ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers.d/added-by-start-script
    fi

    user_home="/home/${NB_USER}"
    export JUPYTER_RUNTIME_DIR="${JUPYTER_RUNTIME_DIR:-/tmp/jupyter-runtime-${NB_UID}}"
    if _stays_root; then
        HOME="${user_home}" kfc-seed-home ||
            _log_warn "kfc-seed-home failed (status $?): the home may lack some defaults"
    else
        sudo --preserve-env --set-home --user "${NB_USER}" PATH="${PATH}" kfc-seed-home ||
            _log_warn "kfc-seed-home failed (status $?): the home may lack some defaults"
    fi

    # NOTE: this hook runs as root.
    # shellcheck disable=SC1091
    source /usr/local/bin/run-hooks.sh /usr/local/bin/before-notebook.d
    unset_explicit_env_vars

    _log_info "Running as ${NB_USER}:" "${cmd[@]}"
    if _stays_root; then
        HOME="${user_home}" exec "${cmd[@]}"
    else
        # --preserve-env keeps the container's environment (minus JUPYTER_ENV_VARS_TO_UNSET);
        # sudo's secure_path and env_reset would still drop these three.
        exec sudo --preserve-env --set-home --user "${NB_USER}" \
            LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" \
            PATH="${PATH}" \
            PYTHONPATH="${PYTHONPATH:-}" \
            "${cmd[@]}"
    fi
else
    if _truthy "${GRANT_SUDO:-}"; then
        _log_warn "container must be started as root to grant sudo permissions!"
    fi
    jovyan_uid="$(id -u jovyan 2> /dev/null || true)"
    jovyan_gid="$(id -g jovyan 2> /dev/null || true)"
    # A uid without an /etc/passwd entry (OpenShift, `--user 123456:0`): add one, since some
    # software insists on a user name; /etc/passwd is group-writable for gid 0.
    if ! whoami &> /dev/null; then
        _log_info "There is no entry in /etc/passwd for our UID=$(id -u). Attempting to fix..."
        if [[ -w /etc/passwd ]]; then
            _log_info "Renaming old jovyan user to nayvoj (${jovyan_uid}:${jovyan_gid})"
            # sed --in-place would create a file in /etc, which only root may: use our own temp file.
            passwd_tmp="$(mktemp)"
            sed --expression="s/^jovyan:/nayvoj:/" /etc/passwd > "${passwd_tmp}"
            echo "${NB_USER}:x:$(id -u):$(id -g):,,,:/home/jovyan:/bin/bash" >> "${passwd_tmp}"
            cat "${passwd_tmp}" > /etc/passwd
            rm -f "${passwd_tmp}"
            _log_info "Added new ${NB_USER} user ($(id -u):$(id -g)). Fixed UID!"
            if [[ "${NB_USER}" != "jovyan" ]]; then
                _log_warn "user is ${NB_USER} but home is /home/jovyan." \
                    "You must run as root to rename the home directory!"
            fi
        else
            _log_warn "unable to fix missing /etc/passwd entry because we don't have write permission." \
                "Try setting gid=0 with \"--user=$(id -u):0\"."
        fi
    fi
    # Warn about what only root could have applied.
    if [[ "${NB_USER}" != "jovyan" && "${NB_USER}" != "$(id -un 2> /dev/null || true)" ]]; then
        _log_warn "container must be started as root to change the desired user's name with NB_USER=\"${NB_USER}\"!"
    fi
    if [[ "${NB_UID}" != "${jovyan_uid}" && "${NB_UID}" != "$(id -u)" ]]; then
        _log_warn "container must be started as root to change the desired user's id with NB_UID=\"${NB_UID}\"!"
    fi
    if [[ "${NB_GID}" != "${jovyan_gid}" && "${NB_GID}" != "$(id -g)" ]]; then
        _log_warn "container must be started as root to change the desired user's group id" \
            "with NB_GID=\"${NB_GID}\"!"
    fi
    if [[ ! -w /home/jovyan ]]; then
        _log_warn "no write access to /home/jovyan." \
            "Try starting the container with group 'users' (100), e.g. using \"--group-add=users\"."
    fi

    export JUPYTER_RUNTIME_DIR="${JUPYTER_RUNTIME_DIR:-/tmp/jupyter-runtime-$(id -u)}"
    kfc-seed-home || _log_warn "kfc-seed-home failed (status $?): the home may lack some defaults"

    # NOTE: this hook runs as the user the container was started with.
    # shellcheck disable=SC1091
    source /usr/local/bin/run-hooks.sh /usr/local/bin/before-notebook.d
    unset_explicit_env_vars

    _log_info "Executing the command:" "${cmd[@]}"
    exec "${cmd[@]}"
fi
