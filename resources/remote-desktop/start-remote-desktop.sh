#!/bin/bash
# start-remote-desktop.sh — CMD of the remote-desktop image, run by start.sh as NB_USER (the home is
# already seeded, KF_LANG already applied to LANG/LANGUAGE).
# Renders the nginx front for $NB_PREFIX, then runs and supervises (run-one-constantly: each is
# started again 1 s after it exits, whatever the reason), nginx last:
#   nginx      0.0.0.0:8888: noVNC at $NB_PREFIX/, websocket $NB_PREFIX/websockify,
#              /healthy, $NB_PREFIX/proxy/<port>/ → 127.0.0.1:<port>/, 404 elsewhere
#   vnc        Xtigervnc :1 (RFB on 127.0.0.1:5901 only, no password: the mesh authenticates)
#   desktop    the XFCE session on :1 (a new one when it or the X server dies)
#   websockify 127.0.0.1:6080 → 127.0.0.1:5901
# A stop (SIGTERM from tini -g to the whole process group) ends them all.
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
inject="<script>(function(){var q=new URLSearchParams(location.search),d=${defaults},c=false;"
inject+="for(var k in d){if(!q.has(k)){q.set(k,d[k]);c=true;}}"
inject+="if(c){history.replaceState(null,'',location.pathname+'?'+q.toString()+location.hash);}})();</script>"
sed -e "s|<head>|<head>${inject}|" /usr/share/novnc/vnc.html > "${run_dir}/www/index.html"

export KFC_DESKTOP_RUN="${run_dir}"
export VNC_GEOMETRY="${VNC_GEOMETRY:-1680x1050}"
run-one-constantly kfc-vnc-server &
run-one-constantly websockify --heartbeat=30 127.0.0.1:6080 127.0.0.1:5901 &
run-one-constantly kfc-desktop-session &
# The front (and so /healthy, Kubeflow's readiness) comes up once the VNC server and websockify
# accept connections, so a browser opened at "ready" connects at once (at most 10 s of waiting).
for _ in $(seq 1 200); do
    # (X answers once Xvnc listens for RFB too; a bare TCP probe of 5901 would count as a failed
    # VNC login.)
    if DISPLAY=:1 xset q >/dev/null 2>&1 && (exec 3<>/dev/tcp/127.0.0.1/6080) 2>/dev/null; then
        break
    fi
    sleep 0.05
done
run-one-constantly nginx -e stderr -c "${run_dir}/nginx.conf" &
# The loops never end on their own; if one does, stop the container (Kubernetes restarts it).
wait -n
echo "start-remote-desktop: a service loop ended; stopping" >&2
exit 1
