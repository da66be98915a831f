# remote-desktop start: scripts and configuration (small, after the heavy layers), the home
# seeding step, and the nginx front as the command (run by start.sh as jovyan).
COPY --chmod=0755 remote-desktop/start-remote-desktop.sh remote-desktop/kfc-vnc-server \
    remote-desktop/kfc-desktop-session /usr/local/bin/
COPY remote-desktop/nginx.conf.template /etc/kfc/remote-desktop/
COPY remote-desktop/seed-home.sh /opt/kfc/seed-home.d/50-remote-desktop.sh

# The HEALTHCHECK (kfc-healthcheck) asks nginx for $NB_PREFIX/healthy.
ENV KFC_HEALTHCHECK_PATH=/healthy
CMD ["start-remote-desktop.sh"]
USER ${NB_UID}
