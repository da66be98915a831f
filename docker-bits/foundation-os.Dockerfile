SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The Debian mirrors are build args so an air-gapped site can point every apt call at its own:
# the main archive (<codename> and <codename>-updates) and the security archive (<codename>-security).
ARG DEBIAN_MIRROR=http://deb.debian.org/debian
ARG DEBIAN_SECURITY_MIRROR=http://deb.debian.org/debian-security
ARG DEBIAN_FRONTEND=noninteractive
# Our own builds install into $CONDA_DIR; at run time $CONDA_DIR/pip.conf sends user installs to
# the home volume (see below). An ARG is build-time only: derived images built by kfc inherit it.
ARG PIP_USER=0

ENV NB_USER=jovyan \
    NB_UID=1000 \
    NB_GID=100 \
    CONDA_DIR=/opt/conda \
    SHELL=/bin/bash \
    LANG=en_US.UTF-8 \
    LANGUAGE=en_US:en \
    LC_ALL=en_US.UTF-8 \
    HOME=/home/jovyan \
    PATH=/opt/conda/bin:/home/jovyan/.local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

COPY --chmod=0755 common/fix-permissions common/kfc-python-install /usr/local/bin/

# OS layer: tini, sudo, locales (en_US, fr_CA), the jovyan user (1000:100) and $CONDA_DIR, a venv
# over Debian's python3 (3.13). Every Python package of the images comes from the Python Package
# Index, hash-locked (python/*.lock), never from Debian: $CONDA_DIR does not see Debian's
# dist-packages (resources/common/kfc-sitecustomize.py drops them from sys.path), so a user's
# `pip install` never fights dpkg. The venv keeps include-system-site-packages only so that Python's
# user site (~/.local, on the persistent home volume) stays on: $CONDA_DIR/pip.conf makes run-time
# installs `--user` ones, and the user site comes first on sys.path (a user's upgrade wins).
# Documentation and man pages are not installed (dpkg path-exclude), copyright files are kept.
# apt reads the release, its point-release updates and Debian's security archive, upgrades what the
# root base has (nothing unless an archive moved since the base was made) and records the InRelease
# Date and sha256 of each suite in /opt/kfc/build-info/apt-archives.tsv. KFC_APT_ARCHIVES carries
# those digests as kfc build read them (src/engine/apt-archives.ts): a moved archive changes it and
# so rebuilds this layer and every later one; unchanged archives keep the cache.
ARG KFC_APT_ARCHIVES=""
RUN --mount=type=bind,source=common/kfc-sitecustomize.py,target=/tmp/kfc-sitecustomize.py \
    codename="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)" && \
    components="$(awk '$1 == "deb" { $1 = $2 = $3 = ""; print; exit }' /etc/apt/sources.list | xargs)" && \
    printf '%s\n' "deb ${DEBIAN_MIRROR} ${codename} ${components:-main}" \
        "deb ${DEBIAN_MIRROR} ${codename}-updates ${components:-main}" \
        "deb ${DEBIAN_SECURITY_MIRROR} ${codename}-security ${components:-main}" > /etc/apt/sources.list && \
    printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' \
        'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' \
        > /etc/dpkg/dpkg.cfg.d/01-kfc-nodoc && \
    printf '%s\n' 'APT::Keep-Downloaded-Packages "false";' 'Acquire::Retries "3";' \
        > /etc/apt/apt.conf.d/01-kfc && \
    apt-get update -qq && \
    install -d /opt/kfc/build-info && \
    for f in /var/lib/apt/lists/*_InRelease; do \
        printf '%s\t%s\t%s\n' "$(awk -F': ' '$1 == "Codename" { print $2; exit }' "$f")" \
            "$(awk -F': ' '$1 == "Date" { print $2; exit }' "$f")" "$(sha256sum < "$f" | cut -d' ' -f1)"; \
    done > /opt/kfc/build-info/apt-archives.tsv && \
    apt-get upgrade -y && \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        locales \
        procps \
        python3 \
        python3-venv \
        sudo \
        tini && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log && \
    printf '%s\n' 'en_US.UTF-8 UTF-8' 'fr_CA.UTF-8 UTF-8' > /etc/locale.gen && \
    locale-gen && \
    sed -i 's/^#force_color_prompt=yes/force_color_prompt=yes/' /etc/skel/.bashrc && \
    useradd --no-log-init --create-home --shell /bin/bash --uid "${NB_UID}" --no-user-group "${NB_USER}" && \
    chmod g+w /etc/passwd && \
    install -d -o "${NB_UID}" -g "${NB_GID}" "${CONDA_DIR}" && \
    sudo -u "${NB_USER}" python3 -m venv --system-site-packages "${CONDA_DIR}" && \
    printf '%s\n' '[install]' 'user = true' > "${CONDA_DIR}/pip.conf" && \
    cat /tmp/kfc-sitecustomize.py >> /etc/python3.13/sitecustomize.py && \
    install -d /opt/kfc/home-defaults /opt/kfc/seed-home.d \
        /usr/local/bin/start-notebook.d /usr/local/bin/before-notebook.d && \
    fix-permissions "${CONDA_DIR}" && \
    fix-permissions "/home/${NB_USER}"

# uv, the installer of every later Python layer, from the foundation's lock (python/foundation.lock).
RUN --mount=type=bind,source=python/foundation.lock,target=/tmp/kfc.lock \
    --mount=type=secret,id=ca \
    --mount=type=secret,id=pip-index-url \
    --mount=type=bind,source=wheelhouse,target=/mnt/wheelhouse \
    kfc-python-install /tmp/kfc.lock && \
    fix-permissions "${CONDA_DIR}"
