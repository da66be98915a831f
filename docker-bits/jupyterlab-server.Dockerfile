# The Jupyter server's configuration, where Jupyter reads it from $CONDA_DIR (sys.prefix):
# iframe embedding for Kubeflow (CSP frame-ancestors), no update checks, a read-only extension
# manager (extensions come with the image), and VS Code (code-server) launched on demand by
# jupyter-server-proxy under $NB_PREFIX/vscode/, with its Launcher tile (resources/jupyterlab/vscode.svg).
ENV JUPYTER_PORT=8888

COPY --chmod=0755 jupyterlab/start-notebook.sh /usr/local/bin/start-notebook.sh
COPY jupyterlab/seed-home.d/ /opt/kfc/seed-home.d/
COPY jupyterlab/home-defaults/ /opt/kfc/home-defaults/
COPY jupyterlab/vscode.svg /opt/kfc/icons/vscode.svg

RUN --mount=type=bind,source=jupyterlab,target=/mnt \
    install -D -m 0644 /mnt/jupyter_server_config.json "${CONDA_DIR}/etc/jupyter/jupyter_server_config.json" && \
    install -D -m 0644 /mnt/overrides.json "${CONDA_DIR}/share/jupyter/lab/settings/overrides.json" && \
    ln -s start-notebook.sh /usr/local/bin/start-custom.sh && \
    fix-permissions "${CONDA_DIR}"

CMD ["start-notebook.sh"]
USER ${NB_UID}
