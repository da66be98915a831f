# The Jupyter server's configuration, where Jupyter reads it from $CONDA_DIR (sys.prefix): no update
# checks, a read-only extension manager (extensions come with the image), and VS Code (code-server)
# launched on demand by jupyter-server-proxy under $NB_PREFIX/vscode/, with its Launcher tile
# (resources/jupyterlab/vscode.svg). The server itself is started by start-notebook.py (foundation).
# kfc-jupyterlab-version.pth: JupyterLab reads its version without starting Node.js (yarn config), a
# third of the server's start (resources/jupyterlab/kfc_jupyterlab_version.py says how).
COPY jupyterlab/seed-home.d/ /opt/kfc/seed-home.d/
COPY jupyterlab/home-defaults/ /opt/kfc/home-defaults/
COPY jupyterlab/vscode.svg /opt/kfc/icons/vscode.svg

RUN --mount=type=bind,source=jupyterlab,target=/mnt \
    install -D -m 0644 /mnt/jupyter_server_config.json "${CONDA_DIR}/etc/jupyter/jupyter_server_config.json" && \
    install -D -m 0644 /mnt/overrides.json "${CONDA_DIR}/share/jupyter/lab/settings/overrides.json" && \
    site="$("${CONDA_DIR}/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" && \
    install -m 0644 /mnt/kfc_jupyterlab_version.py /mnt/kfc-jupyterlab-version.pth "${site}/" && \
    "${CONDA_DIR}/bin/python" -m compileall -q "${site}/kfc_jupyterlab_version.py" && \
    ln -s start-notebook.sh /usr/local/bin/start-custom.sh && \
    fix-permissions "${CONDA_DIR}"

USER ${NB_UID}
