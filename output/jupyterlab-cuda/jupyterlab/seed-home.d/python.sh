# shellcheck shell=bash
# Sourced by kfc-seed-home (as NB_USER, HOME set): the users' package index.
# KFC_PIP_INDEX_URL (set by the platform, e.g. a site's Artifactory mirror) becomes the index of the
# user's pip and uv, written into their own config files only when they have not chosen an index
# there: the user's choice always wins. (The platform does not set PIP_INDEX_URL itself: pip gives
# that variable precedence over every config file, so users could not choose another index.)

kfc_seed_index() {
    local url="${KFC_PIP_INDEX_URL:-}" pip_conf="${HOME}/.config/pip/pip.conf" uv_toml="${HOME}/.config/uv/uv.toml"
    [[ -n "${url}" ]] || return 0
    if ! grep -qsE '^[[:space:]]*index-url[[:space:]]*=' "${pip_conf}"; then
        mkdir -p "${pip_conf%/*}"
        if grep -qs '^\[global\]' "${pip_conf}"; then
            sed -i "/^\[global\]/a index-url = ${url}" "${pip_conf}"
        else
            printf '[global]\nindex-url = %s\n' "${url}" >> "${pip_conf}"
        fi
    fi
    if ! grep -qsE '^[[:space:]]*(\[\[index\]\]|index-url[[:space:]]*=)' "${uv_toml}"; then
        mkdir -p "${uv_toml%/*}"
        printf '[[index]]\nurl = "%s"\ndefault = true\n' "${url}" >> "${uv_toml}"
    fi
}
kfc_seed_index
