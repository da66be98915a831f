#!/bin/bash
# run-hooks.sh DIR — jupyter/docker-stacks' hook runner, meant to be SOURCED
# (`source /usr/local/bin/run-hooks.sh DIR`), so that what the hooks export reaches the caller.
# In DIR, in name order:
#   *.sh          sourced in the caller's shell, errexit/nounset/pipefail off (a hook that turns
#                 errexit on itself gets it: a failing command there ends the sourcing shell)
#   executables   run
#   anything else ignored (logged)
# A hook that returns or exits non-zero is logged — "<hook> has failed, continuing execution" — and the
# next one runs. Zero or two arguments, or a DIR that is missing or not a directory: one ERROR line and
# status 1. The caller's shell options are restored afterwards. Logs go to stderr through
# /usr/local/bin/_docker_stacks_log.sh (JUPYTER_DOCKER_STACKS_QUIET hides INFO).
# No `set -euo pipefail` here: this file runs inside the caller's shell and keeps its options.
# Executed instead of sourced, it still runs the hooks, but their exports end with it.

if ! declare -F _log_info _log_error > /dev/null; then
    # shellcheck source=resources/common/_docker_stacks_log.sh
    source /usr/local/bin/_docker_stacks_log.sh
fi

if [[ $# -ne 1 ]]; then
    _log_error "Should pass exactly one directory to run-hooks.sh (got $# arguments)"
    # `return` when sourced; executed, `return` is refused and `exit` ends the script.
    # shellcheck disable=SC2317
    return 1 2> /dev/null || exit 1
fi
if [[ ! -d "$1" ]]; then
    _log_error "Directory $1 doesn't exist or is not a directory (run-hooks.sh)"
    # shellcheck disable=SC2317
    return 1 2> /dev/null || exit 1
fi

# The caller's options (start.sh has errexit, nounset and pipefail on), put back at the end. The hooks
# run at the top level of this file, not in a function, so `declare` in a hook stays global.
_kfc_hooks_opts="$(set +o)"
if [[ $- == *e* ]]; then
    _kfc_hooks_opts+=$'\nset -e' # a command substitution runs with errexit off, so $(set +o) misses it
fi
_kfc_hooks_dir="$1"
set +euo pipefail

_log_info "Running hooks in: ${_kfc_hooks_dir} as uid: $(id -u) gid: $(id -g)"
for _kfc_hook in "${_kfc_hooks_dir}/"*; do
    [[ -e "${_kfc_hook}" ]] || continue # nothing matched: an empty directory
    _kfc_hook_status=0
    case "${_kfc_hook}" in
        *.sh)
            _log_info "Sourcing shell script: ${_kfc_hook}"
            # Not in a `||` or `if`: those would switch off a `set -e` the hook itself asks for.
            # shellcheck disable=SC1090
            source "${_kfc_hook}"
            _kfc_hook_status=$?
            set +euo pipefail # whatever the hook switched on stays with it
            ;;
        *)
            if [[ ! -x "${_kfc_hook}" ]]; then
                _log_info "Ignoring non-executable: ${_kfc_hook}"
                continue
            fi
            _log_info "Running executable: ${_kfc_hook}"
            "${_kfc_hook}"
            _kfc_hook_status=$?
            ;;
    esac
    if [[ ${_kfc_hook_status} -ne 0 ]]; then
        _log_error "${_kfc_hook} has failed, continuing execution"
    fi
done
_log_info "Done running hooks in: ${_kfc_hooks_dir}"

eval "${_kfc_hooks_opts}"
unset _kfc_hooks_opts _kfc_hooks_dir _kfc_hook _kfc_hook_status
