# Open M++ (microsimulation), an OPTIONAL vendor artifact ("openmpp" in images.yaml). kfc build
# stages verified artifacts in the build context's artifacts/ folder, bound here only for this RUN
# (the tarball is in no layer). Absent → a notice, and the image's org.kfc.optional-parts label
# (set by kfc) does not list it.
ARG OMPP_VERSION=1.15.5
ARG OMPP_FILE=openmpp_debian_20231005.tar.gz
RUN --mount=type=bind,source=artifacts,target=/tmp/artifacts \
    if [[ -f "/tmp/artifacts/openmpp/${OMPP_FILE}" ]]; then \
        apt-get update -qq && \
        apt-get install -y --no-install-recommends sqlite3 && \
        apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log && \
        install -d "/opt/openmpp/${OMPP_VERSION}" && \
        tar -xzf "/tmp/artifacts/openmpp/${OMPP_FILE}" -C "/opt/openmpp/${OMPP_VERSION}" \
            --strip-components=1 --no-same-owner && \
        ln -s "${OMPP_VERSION}" /opt/openmpp/current && \
        printf '%s\n' '[Desktop Entry]' 'Type=Application' 'Name=OpenM++' \
            "Exec=/usr/local/bin/kfc-openmpp-ui" 'Icon=applications-science' 'Terminal=false' 'Categories=Science;' \
            > /opt/kfc/home-defaults/Desktop/openmpp.desktop && \
        chmod 0755 /opt/kfc/home-defaults/Desktop/openmpp.desktop && \
        printf '%s\n' '#!/bin/bash' 'set -euo pipefail' 'cd /opt/openmpp/current' \
            'if [[ -x bin/ompp_ui_linux.sh ]]; then exec bin/ompp_ui_linux.sh "$@"; fi' \
            'exec xfce4-terminal --working-directory=/opt/openmpp/current' \
            > /usr/local/bin/kfc-openmpp-ui && \
        chmod 0755 /usr/local/bin/kfc-openmpp-ui && \
        fix-permissions /opt/openmpp && \
        echo "Open M++ ${OMPP_VERSION} installed in /opt/openmpp/${OMPP_VERSION}"; \
    else \
        echo "NOTICE: Open M++ is NOT included: the optional vendor artifact 'openmpp' (${OMPP_FILE})" \
            "is not in the artifact cache. Run 'kfc fetch remote-desktop' where its URL is reachable" \
            "(or copy the cache), then rebuild."; \
    fi
