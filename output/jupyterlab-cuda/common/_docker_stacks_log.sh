#!/bin/bash
# /usr/local/bin/_docker_stacks_log.sh — the log helper of start.sh, run-hooks.sh and any hook or
# script of yours (`source /usr/local/bin/_docker_stacks_log.sh`), at the path docker-stacks documents.
#
#   _log [LEVEL] MESSAGE...   LEVEL: INFO (the default when the first word is not a level),
#                             WARNING, ERROR, FATAL, DEBUG
#   _log_info / _log_warn / _log_error / _log_debug MESSAGE...
#   _log_fatal MESSAGE...     logs at FATAL, then exits the shell with status 1
#
# One line per call, on stderr (a command's stdout stays its own): `LEVEL[YYYY-MM-DD HH:MM:SS] message`.
# JUPYTER_DOCKER_STACKS_QUIET=<non-empty> drops INFO and DEBUG; WARNING, ERROR and FATAL always show.
# When stderr is a terminal and NO_COLOR is unset, FATAL (bold red), ERROR (red), WARNING (yellow) and
# DEBUG (cyan) are coloured. Safe under `set -euo pipefail`; no program is forked (bash's own clock).
# Meant to be sourced: it only defines functions.

_log() {
    local level=INFO colour=''
    case "${1:-}" in
        INFO | WARNING | ERROR | FATAL | DEBUG)
            level="$1"
            shift
            ;;
    esac
    if [[ -n "${JUPYTER_DOCKER_STACKS_QUIET:-}" && ("${level}" == INFO || "${level}" == DEBUG) ]]; then
        return 0
    fi
    local line
    printf -v line '%s[%(%Y-%m-%d %H:%M:%S)T] %s' "${level}" -1 "$*"
    if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
        case "${level}" in
            FATAL) colour='1;31' ;;
            ERROR) colour='31' ;;
            WARNING) colour='33' ;;
            DEBUG) colour='36' ;;
        esac
    fi
    if [[ -n "${colour}" ]]; then
        printf '\033[0;%sm%s\033[0m\n' "${colour}" "${line}" >&2
    else
        printf '%s\n' "${line}" >&2
    fi
}

_log_info() { _log INFO "$@"; }
_log_warn() { _log WARNING "$@"; }
_log_error() { _log ERROR "$@"; }
_log_debug() { _log DEBUG "$@"; }
_log_fatal() {
    _log FATAL "$@"
    exit 1
}
