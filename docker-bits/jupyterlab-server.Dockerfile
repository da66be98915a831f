# The Jupyter server's configuration, where Jupyter reads it from $CONDA_DIR (sys.prefix): no update
# checks, a read-only extension manager (extensions come with the image), and VS Code (code-server)
# launched on demand by jupyter-server-proxy under $NB_PREFIX/vscode/, with its Launcher tile
# (resources/jupyterlab/vscode.svg). The server itself is started by start-notebook.py (foundation).
# kfc-jupyterlab-version.pth: JupyterLab reads its version without starting Node.js (yarn config), a
# third of the server's start (resources/jupyterlab/kfc_jupyterlab_version.py says how).
# LSP: the one server we ship (pylsp) is configured and autodetection is off: no "Skipped non-installed
# server(s)" line, and no Rscript run at every start to look for R's languageserver (which made ~/R).
# @kfc/jupyterlab-first-run (resources/jupyterlab/first-run): JupyterLab 4.6.6 drops a cell run while a
# new notebook's kernel is being started (issue 21); this labextension holds such a run until the kernel
# is attached. Pinned: the build stops when JupyterLab is not 4.6.6, to check the patch again
# (tests/images/jupyterlab-cpu/first-cell.test.ts says whether upstream still drops the run).
# kfc_contents.py: the server's contents with two of jupyter_server's rename races closed (a notebook renamed
# on its first save made its checkpoints answer 500, or the home's listing 404; the module says how).
COPY jupyterlab/seed-home.d/ /opt/kfc/seed-home.d/
COPY jupyterlab/home-defaults/ /opt/kfc/home-defaults/
COPY jupyterlab/vscode.svg /opt/kfc/icons/vscode.svg

RUN --mount=type=bind,source=jupyterlab,target=/mnt \
    etc="${CONDA_DIR}/etc/jupyter" && install -d "${etc}" && \
    sed "s|@CONDA_DIR@|${CONDA_DIR}|g" /mnt/jupyter_server_config.json > "${etc}/jupyter_server_config.json" && \
    lab="$("${CONDA_DIR}/bin/python" -c 'import jupyterlab; print(jupyterlab.__version__)')" && \
    { [[ "${lab}" == 4.6.6 ]] || { echo "JupyterLab ${lab}: check jupyterlab/first-run again" >&2; exit 1; }; } && \
    ext="${CONDA_DIR}/share/jupyter/labextensions/@kfc/jupyterlab-first-run" && install -d "${ext}/static" && \
    install -m 0644 /mnt/first-run/package.json "${ext}/" && \
    install -m 0644 /mnt/first-run/static/*.js "${ext}/static/" && \
    install -D -m 0644 /mnt/overrides.json "${CONDA_DIR}/share/jupyter/lab/settings/overrides.json" && \
    site="$("${CONDA_DIR}/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" && \
    install -m 0644 /mnt/kfc_jupyterlab_version.py /mnt/kfc-jupyterlab-version.pth "${site}/" && \
    install -m 0644 /mnt/kfc_contents.py "${site}/" && \
    "${CONDA_DIR}/bin/python" -m compileall -q "${site}/kfc_jupyterlab_version.py" "${site}/kfc_contents.py" && \
    ln -s start-notebook.sh /usr/local/bin/start-custom.sh && \
    fix-permissions "${CONDA_DIR}"

USER ${NB_UID}
