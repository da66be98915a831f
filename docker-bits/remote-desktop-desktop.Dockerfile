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

# Applications, in one apt layer (each apt layer rewrites dpkg's and debconf's databases): Firefox
# ESR with its French language pack, QGIS, and the office: LibreOffice Calc, Writer and Impress
# with French UI, help-free (libreoffice-l10n-fr, hunspell-fr), PSPP, DB Browser for SQLite, R
# (Debian's r-base, launched in a terminal), Geany as the programmer's editor (VS Code runs in the
# Jupyter images; code-server here would add Node.js and ~0.5 GB to an office desktop), and
# xdotool/wmctrl (window control for scripts and the tests). The launchers are seeded into
# ~/Desktop of the (empty) home at start; the menu lists them from /usr/share/applications.
# The wallpaper is the desktop's default for every monitor and workspace (xfconf system default).
RUN --mount=type=bind,source=remote-desktop/wallpaper.svg,target=/tmp/kfc-wallpaper.svg \
    --mount=type=bind,source=remote-desktop/xfce4-desktop.xml,target=/tmp/kfc-xfce4-desktop.xml \
    apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        firefox-esr \
        firefox-esr-l10n-fr \
        fonts-liberation2 \
        geany \
        hunspell-fr \
        libreoffice-calc \
        libreoffice-gtk3 \
        libreoffice-impress \
        libreoffice-l10n-fr \
        libreoffice-writer \
        librsvg2-common \
        pspp \
        qgis \
        r-base \
        sqlitebrowser \
        wmctrl \
        xdotool && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log && \
    install -D -m 0644 /tmp/kfc-wallpaper.svg /usr/share/backgrounds/kfc/wallpaper.svg && \
    install -D -m 0644 /tmp/kfc-xfce4-desktop.xml /etc/xdg/xfce4/xfconf/xfce-perchannel-xml/xfce4-desktop.xml && \
    install -d /opt/kfc/home-defaults/Desktop && \
    for app in firefox-esr org.qgis.qgis libreoffice-calc libreoffice-writer libreoffice-impress org.gnu.pspp \
            sqlitebrowser R geany xfce4-terminal org.xfce.mousepad; do \
        install -m 0755 "/usr/share/applications/${app}.desktop" /opt/kfc/home-defaults/Desktop/; \
    done
