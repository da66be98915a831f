# jupyterlab-cpu's Python environment from the Python Package Index, hash-locked
# (python/jupyterlab-cpu.in → `kfc lock` → python/jupyterlab-cpu.lock), installed into $CONDA_DIR:
# JupyterLab 4 + Notebook 7, JupyterHub's single-user server, jupyter-server-proxy (VS Code), the
# French language pack, git, LSP, resource usage, execute time, widgets, the scientific stack, DB drivers.
# The index URL and CA bundle reach this RUN only as secrets; downloads are cached in a cache mount.
RUN --mount=type=bind,source=python/jupyterlab-cpu.lock,target=/tmp/kfc.lock \
    --mount=type=secret,id=ca \
    --mount=type=secret,id=pip-index-url \
    --mount=type=cache,target=/var/cache/kfc-uv,id=kfc-uv,sharing=locked \
    --mount=type=bind,source=wheelhouse,target=/mnt/wheelhouse \
    kfc-python-install /tmp/kfc.lock && \
    fix-permissions "${CONDA_DIR}"
