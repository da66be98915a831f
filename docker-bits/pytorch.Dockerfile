# jupyterlab-pytorch: PyTorch + torchvision from the Python index, hash-locked in
# python/jupyterlab-pytorch.lock (CUDA 12 builds). NVIDIA's wheels they need come from the
# jupyterlab-cuda stage (cuDNN, cuBLAS… shared with TensorFlow) and from this lock (NCCL, cuSPARSELt,
# NVSHMEM… torch's alone); torch finds them itself through its RPATH. Without a GPU, torch runs on the
# CPU. Comes after every jupyterlab-cuda bit, so this image reuses all of its layers.
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
