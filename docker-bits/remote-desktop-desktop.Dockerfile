# remote-desktop: an XFCE desktop in TigerVNC, shown by noVNC (websockify) behind an nginx front
# on 8888 under $NB_PREFIX, every service restarted when it exits (see resources/remote-desktop/).
USER root

# Desktop session, VNC server, noVNC + websockify, nginx. Compositing is off by
# default (software rendering over VNC), the X socket folder exists for a non-root server.
RUN apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        adwaita-icon-theme \
        dbus-daemon \
        dbus-x11 \
        fonts-dejavu-core \
        mousepad \
        nginx \
        novnc \
        python3-websockify \
        thunar \
        tigervnc-standalone-server \
        websockify \
        x11-xserver-utils \
        xclip \
        xfce4-panel \
        xfce4-session \
        xfce4-settings \
        xfce4-terminal \
        xfconf \
        xfdesktop4 \
        xfwm4 && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log && \
    sed -i 's/^use_compositing=true$/use_compositing=false/' /usr/share/xfwm4/defaults && \
    grep -qx 'use_compositing=false' /usr/share/xfwm4/defaults && \
    install -d -m 1777 /tmp/.X11-unix

# Applications: Firefox ESR (with its French language pack) and QGIS; their launchers and the
# terminal's and editor's are seeded into ~/Desktop of the (empty) home at start.
RUN apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        firefox-esr \
        firefox-esr-l10n-fr \
        qgis && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log && \
    install -d /opt/kfc/home-defaults/Desktop && \
    for app in firefox-esr org.qgis.qgis xfce4-terminal org.xfce.mousepad; do \
        install -m 0755 "/usr/share/applications/${app}.desktop" /opt/kfc/home-defaults/Desktop/; \
    done
