#!/bin/bash
# run-hooks.sh DIR — jupyter/docker-stacks' hook runner, meant to be SOURCED
# (`source /usr/local/bin/run-hooks.sh DIR`) so that variables exported by hooks reach the caller:
#   *.sh          sourced (errexit/nounset off while it runs); a non-zero status is logged
#   executables   run; a non-zero exit is logged
#   anything else ignored (logged)
# A failing hook never stops the start: "<hook> has failed, continuing execution".
# Logs go to stdout; JUPYTER_DOCKER_STACKS_QUIET=<non-empty> silences all but WARNING/ERROR lines.
# No `set -euo pipefail` here: this file runs inside the caller's shell and keeps its options.

_kfc_hooks_log() {
    if [[ "$*" == "ERROR:"* || "$*" == "WARNING:"* || -z "${JUPYTER_DOCKER_STACKS_QUIET:-}" ]]; then
        echo "$@"
    fi
}

_kfc_run_hooks() {
    local _kfc_dir _kfc_f _kfc_status _kfc_opts
    if [[ "$#" -ne 1 ]]; then
        echo "ERROR: run-hooks.sh: should pass exactly one directory (got $#)" >&2
        return 1
    fi
    _kfc_dir="$1"
    if [[ ! -d "${_kfc_dir}" ]]; then
        echo "ERROR: run-hooks.sh: directory ${_kfc_dir} doesn't exist or is not a directory" >&2
        return 1
    fi
    _kfc_hooks_log "Running hooks in: ${_kfc_dir} as uid: $(id -u) gid: $(id -g)"
    for _kfc_f in "${_kfc_dir}/"*; do
        [[ -e "${_kfc_f}" ]] || continue # an empty directory
        case "${_kfc_f}" in
            *.sh)
                _kfc_hooks_log "Sourcing shell script: ${_kfc_f}"
                _kfc_opts="$(set +o)" # the caller's options (errexit, nounset, pipefail), restored below
                set +euo pipefail
                _kfc_status=0
                # shellcheck disable=SC1090
                source "${_kfc_f}" || _kfc_status=$?
                eval "${_kfc_opts}"
                if [[ ${_kfc_status} -ne 0 ]]; then
                    _kfc_hooks_log "${_kfc_f} has failed, continuing execution"
                fi
                ;;
            *)
                if [[ -x "${_kfc_f}" ]]; then
                    _kfc_hooks_log "Running executable: ${_kfc_f}"
                    _kfc_status=0
                    "${_kfc_f}" || _kfc_status=$?
                    if [[ ${_kfc_status} -ne 0 ]]; then
                        _kfc_hooks_log "${_kfc_f} has failed, continuing execution"
                    fi
                else
                    _kfc_hooks_log "Ignoring non-executable: ${_kfc_f}"
                fi
                ;;
        esac
    done
    _kfc_hooks_log "Done running hooks in: ${_kfc_dir}"
}

if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
    # Executed rather than sourced: hooks still run, but their exports end with this process.
    _kfc_run_hooks "$@"
    exit $?
fi
_kfc_run_hooks "$@"
