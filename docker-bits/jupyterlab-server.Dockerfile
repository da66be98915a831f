# The Jupyter server runs from $CONDA_DIR (wrappers of Debian's jupyter* scripts with the venv's
# python): sys.prefix is $CONDA_DIR, so kernels, server/lab extensions and config that a derived
# image pip-installs there are found, and the python3 kernel runs $CONDA_DIR/bin/python (Debian's
# own kernelspec would pin /usr/bin/python3). JupyterLab's static assets stay Debian's.
# The jupyter-lab and jupyter-server wrappers first import kfc_jupyter_startup, which skips the
# `node yarn.js config` subprocess JupyterLab 4.0 runs at import (0.5-3 s of every start).
ENV JUPYTERLAB_DIR=/usr/share/jupyter/lab \
    JUPYTER_PORT=8888

COPY --chmod=0755 jupyterlab/start-notebook.sh /usr/local/bin/start-notebook.sh
COPY jupyterlab/overrides.json /usr/share/jupyter/lab/settings/overrides.json
# "VS Code" in the Launcher: a prebuilt lab extension written by hand (resources/jupyterlab/labextension).
COPY jupyterlab/labextension/ /usr/local/share/jupyter/labextensions/@kfc/vscode-launcher/
COPY jupyterlab/seed-home.d/ /opt/kfc/seed-home.d/
COPY jupyterlab/home-defaults/ /opt/kfc/home-defaults/

RUN --mount=type=bind,source=jupyterlab,target=/mnt \
    site="$("${CONDA_DIR}/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" && \
    install -m 0644 /mnt/kfc_vscode_proxy.py /mnt/kfc_jupyter_startup.py "${site}/" && \
    "${CONDA_DIR}/bin/python" -m compileall -q "${site}/kfc_vscode_proxy.py" "${site}/kfc_jupyter_startup.py" && \
    install -D -m 0644 /mnt/jupyter_server_config.json \
        "${CONDA_DIR}/etc/jupyter/jupyter_server_config.json" && \
    for f in /usr/bin/jupyter /usr/bin/jupyter-*; do \
        if head -n 1 "${f}" | grep -qE '^#! ?/usr/bin/python3( |$)'; then \
            case "${f##*/}" in \
                jupyter-lab|jupyter-server) fast='\nimport kfc_jupyter_startup  # noqa: F401 (start time)' ;; \
                *) fast='' ;; \
            esac && \
            sed "1s|.*|#!${CONDA_DIR}/bin/python${fast}|" "${f}" > "${CONDA_DIR}/bin/${f##*/}" && \
            chmod 0755 "${CONDA_DIR}/bin/${f##*/}"; \
        fi; \
    done && \
    mkdir /tmp/kfc-home && \
    HOME=/tmp/kfc-home TMPDIR=/tmp/kfc-home "${CONDA_DIR}/bin/python" -m ipykernel install --sys-prefix && \
    rm -rf /tmp/kfc-home && \
    ln -s start-notebook.sh /usr/local/bin/start-custom.sh && \
    fix-permissions "${CONDA_DIR}"

CMD ["start-notebook.sh"]
USER ${NB_UID}
