#!/bin/bash
# start-remote-desktop.sh — CMD of the remote-desktop image, run by start.sh as NB_USER (the home is
# already seeded, KF_LANG already applied to LANG/LANGUAGE).
# Renders the nginx front for $NB_PREFIX, then hands over to supervisord, which runs and restarts:
#   vnc        Xtigervnc :1 (RFB on 127.0.0.1:5901 only, no password: the mesh authenticates)
#   desktop    the XFCE session on :1 (restarted when it or the X server dies)
#   websockify 127.0.0.1:6080 → 127.0.0.1:5901
#   nginx      0.0.0.0:8888: noVNC at $NB_PREFIX/, websocket $NB_PREFIX/websockify,
#              /healthy, $NB_PREFIX/proxy/<port>/ → 127.0.0.1:<port>/, 404 elsewhere
set -euo pipefail

run_dir="${KFC_DESKTOP_RUN:-/tmp/kfc-desktop}"
prefix="${NB_PREFIX:-}"
prefix="${prefix%/}"
if [[ ! "${prefix}" =~ ^(/[A-Za-z0-9._~-]+)*$ ]]; then
    echo "start-remote-desktop: NB_PREFIX='${NB_PREFIX}' must be /segment/... of letters, digits, . _ ~ -" >&2
    exit 2
fi

mkdir -p "${run_dir}/nginx" "${run_dir}/www"
chmod 700 "${run_dir}"

# nginx: prefix substituted (and regex-escaped where it is used in a regex location).
prefix_re="${prefix//./\\.}"
# Without a prefix (local runs) everything is served at / and there is no "outside".
no_prefix=()
[[ -n "${prefix}" ]] || no_prefix=(-e '/#kfc-if-prefix$/d')
sed "${no_prefix[@]}" -e "s|@NB_PREFIX_RE@|${prefix_re}|g" -e "s|@NB_PREFIX@|${prefix}|g" -e "s|@RUN@|${run_dir}|g" \
    /etc/kfc/remote-desktop/nginx.conf.template > "${run_dir}/nginx.conf"

# The noVNC page at $NB_PREFIX/: vnc.html with connection defaults put in the URL before noVNC
# reads it (auto-connect, websocket at $NB_PREFIX/websockify, server-side resize, reconnect).
# noVNC >= 1.5 resolves `path` against the page URL: an absolute path is unambiguous.
defaults="{autoconnect:'true',resize:'remote',reconnect:'true',reconnect_delay:'1000',path:'${prefix}/websockify'}"
inject="<script>(function(){var q=new URLSearchParams(location.search),d=${defaults},c=false;for(var k in d){if(!q.has(k)){q.set(k,d[k]);c=true;}}if(c){history.replaceState(null,'',location.pathname+'?'+q.toString()+location.hash);}})();</script>"
sed -e "s|<head>|<head>${inject}|" /usr/share/novnc/vnc.html > "${run_dir}/www/index.html"

export KFC_DESKTOP_RUN="${run_dir}"
export VNC_GEOMETRY="${VNC_GEOMETRY:-1680x1050}"
exec supervisord --nodaemon -c /etc/kfc/remote-desktop/supervisord.conf
