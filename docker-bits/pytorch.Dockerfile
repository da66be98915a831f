# jupyterlab-pytorch: PyTorch + torchvision from the Python index, hash-locked in
# python/jupyterlab-pytorch.lock (CUDA 12 builds + NVIDIA's nvidia-*-cu12 wheels: cuDNN, cuBLAS,
# NCCL…; torch finds them itself through its RPATH). The GPU driver (libcuda) comes from the node:
# the NVIDIA container toolkit mounts it when these two variables ask for it. Without a GPU, torch
# runs on the CPU. Comes after every jupyterlab-cpu bit, so this image reuses all of its layers.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER root
# Wheels of up to 1 GB: uv's 30 s read timeout fails them behind a busy proxy.
RUN --mount=type=bind,source=python/jupyterlab-pytorch.lock,target=/tmp/kfc.lock \
    --mount=type=secret,id=ca --mount=type=secret,id=pip-index-url \
    --mount=type=cache,target=/var/cache/kfc-uv,id=kfc-uv,sharing=locked \
    --mount=type=bind,source=wheelhouse,target=/mnt/wheelhouse \
    kfc-python-install /tmp/kfc.lock && \
    "${CONDA_DIR}/bin/python" -B -c 'import torch, torchvision; \
print("torch", torch.__version__, "torchvision", torchvision.__version__, \
      "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())' && \
    fix-permissions "${CONDA_DIR}"
USER ${NB_UID}
