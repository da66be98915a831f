# sas: jupyterlab-cpu + SAS 9.4 installed from the site's licensed depot (SAS_MEDIA_DIR), the
# SAS kernel and the SAS Studio proxy. The media are never in a layer: kfc build stages the folder
# SAS_MEDIA_DIR in its temporary build context as licensed/sas-media/ (never in output/), bound
# read-only for this one RUN. It must hold the depot with
# setup.sh, a response file sas.properties (silent install into /opt/sas/SASHome) and the
# licence (SID) it names. kfc build refuses without it (requires: license sas-media).
USER root
RUN --mount=type=bind,source=licensed/sas-media,target=/mnt/sas-media,readonly \
    if [[ ! -x /mnt/sas-media/setup.sh || ! -f /mnt/sas-media/sas.properties ]]; then \
        echo "ERROR: licensed/sas-media has no setup.sh + sas.properties (set SAS_MEDIA_DIR to the SAS depot)" >&2; \
        exit 1; \
    fi && \
    apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        libnuma1 libx11-6 libxext6 libxtst6 libxi6 libxrender1 libfreetype6 procps && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log && \
    install -d -o "${NB_UID}" -g "${NB_GID}" /opt/sas && \
    sudo -u "${NB_USER}" /mnt/sas-media/setup.sh -quiet -responsefile /mnt/sas-media/sas.properties && \
    test -x /opt/sas/SASHome/SASFoundation/9.4/sas && \
    ln -s /opt/sas/SASHome/SASFoundation/9.4/sas /usr/local/bin/sas && \
    fix-permissions /opt/sas
# saspy + the SAS kernel from the Python index (not in Debian; requires: pypi), configured for the
# local SAS. Versions pinned from PyPI's release history, not verifiable from this machine.
RUN --mount=type=secret,id=pip-index-url \
    PIP_INDEX_URL="$(cat /run/secrets/pip-index-url)" \
    "${CONDA_DIR}/bin/pip" install --no-cache-dir --no-user 'saspy==5.103.0' 'sas_kernel==2.4.13' && \
    saspy_dir="$("${CONDA_DIR}/bin/python" -c 'import os, saspy; print(os.path.dirname(saspy.__file__))')" && \
    printf '%s\n' "SAS_config_names = ['default']" \
        "default = {'saspath': '/opt/sas/SASHome/SASFoundation/9.4/bin/sas_u8'}" \
        > "${saspy_dir}/sascfg_personal.py" && \
    "${CONDA_DIR}/bin/python" -m sas_kernel.install --sys-prefix && \
    fix-permissions "${CONDA_DIR}"
USER ${NB_UID}
