# jupyterlab-cuda (internal): NVIDIA's CUDA 12 runtime wheels that PyTorch and TensorFlow both load,
# hash-locked in python/jupyterlab-cuda.lock at versions both accept, in one layer that the two GPU
# images share: a node that runs both pulls it once. The GPU driver (libcuda) comes from the node: the
# NVIDIA container toolkit mounts it when these two variables ask for it. Each framework's bit then adds
# only what is its own (the framework, its NCCL, its other NVIDIA wheels).
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER root
# Wheels of up to 1 GB: uv's 30 s read timeout fails them behind a busy proxy.
RUN --mount=type=bind,source=python/jupyterlab-cuda.lock,target=/tmp/kfc.lock \
    --mount=type=secret,id=ca --mount=type=secret,id=pip-index-url \
    --mount=type=cache,target=/var/cache/kfc-uv,id=kfc-uv,sharing=locked \
    --mount=type=bind,source=wheelhouse,target=/mnt/wheelhouse \
    kfc-python-install /tmp/kfc.lock && \
    fix-permissions "${CONDA_DIR}"
USER ${NB_UID}
