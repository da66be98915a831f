# shellcheck shell=bash
# Sourced by kfc-seed-home (as NB_USER, HOME set): the JupyterLab / VS Code part of KF_LANG.
# Debian has no JupyterLab French language pack and neither npm nor Debian has VS Code's, so the UI
# language is switched only when a pack is present (e.g. one the user installed in the home);
# the locale (LANG/LC_ALL fr_CA.UTF-8) is switched by start.sh in every case.

kfc_lab_setting="${HOME}/.jupyter/lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings"

kfc_lab_has_fr() {
    local d
    for d in "${CONDA_DIR:-/opt/conda}"/lib/python3*/site-packages /usr/lib/python3/dist-packages \
        "${HOME}"/.local/lib/python3*/site-packages; do
        [[ -d "${d}/jupyterlab_language_pack_fr_FR" ]] && return 0
    done
    return 1
}

case "${KF_LANG:-}" in
    fr*)
        if kfc_lab_has_fr; then
            kfc_write_if_changed "${kfc_lab_setting}" '{ "locale": "fr_FR" }'
        fi
        kfc_code_server="${HOME}/.local/share/code-server"
        if compgen -G "${kfc_code_server}/extensions/ms-ceintl.vscode-language-pack-fr-*" > /dev/null; then
            kfc_write_if_changed "${kfc_code_server}/User/argv.json" '{ "locale": "fr" }'
        fi
        ;;
    en*)
        if [[ -f "${kfc_lab_setting}" ]] && grep -q fr_FR "${kfc_lab_setting}"; then
            kfc_write_if_changed "${kfc_lab_setting}" '{ "locale": "en" }'
        fi
        ;;
esac
