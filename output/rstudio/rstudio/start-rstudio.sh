#!/bin/bash
# start-rstudio.sh — CMD of the rstudio image, run by start.sh as NB_USER.
# RStudio Server listens on 127.0.0.1:8787 and believes it is served at $NB_PREFIX/
# (--www-root-path): rserver itself serves at /, so nginx on 8888 strips the prefix. rserver is
# restarted when it exits (run-one-constantly); nginx is the container's main process.
# rserver normally runs as root with state in /var; here everything it writes is in /tmp.
set -euo pipefail
run_dir="${KFC_RSTUDIO_RUN:-/tmp/kfc-rstudio}"
prefix="${NB_PREFIX:-}"
prefix="${prefix%/}"
if [[ ! "${prefix}" =~ ^(/[A-Za-z0-9._~-]+)*$ ]]; then
    echo "start-rstudio: NB_PREFIX='${NB_PREFIX}' must be /segment/... of letters, digits, . _ ~ -" >&2
    exit 2
fi
mkdir -p "${run_dir}/nginx"
chmod 700 "${run_dir}"
printf '%s\n' 'provider=sqlite' "directory=${run_dir}" > "${run_dir}/database.conf"
no_prefix=()
[[ -n "${prefix}" ]] || no_prefix=(-e '/#kfc-if-prefix$/d')
sed "${no_prefix[@]}" -e "s|@NB_PREFIX@|${prefix}|g" -e "s|@RUN@|${run_dir}|g" \
    /etc/kfc/rstudio/nginx.conf.template > "${run_dir}/nginx.conf"

run-one-constantly /usr/lib/rstudio-server/bin/rserver \
    --server-daemonize=0 \
    --server-user="$(id -un)" \
    --auth-none=1 \
    --www-address=127.0.0.1 \
    --www-port=8787 \
    --www-root-path="${prefix}/" \
    --server-data-dir="${run_dir}" \
    --server-pid-file="${run_dir}/rserver.pid" \
    --secure-cookie-key-file="${run_dir}/secure-cookie-key" \
    --database-config-file="${run_dir}/database.conf" &
exec nginx -e stderr -c "${run_dir}/nginx.conf"
