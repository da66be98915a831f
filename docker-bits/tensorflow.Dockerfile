# jupyterlab-tensorflow: TensorFlow from the Python index, hash-locked in
# python/jupyterlab-tensorflow.lock. Its CUDA 12 libraries are NVIDIA's wheels (tensorflow[and-cuda]):
# most come from the jupyterlab-cuda stage (shared with PyTorch, at versions TensorFlow's extra accepts),
# NCCL and nvcc from this lock. TensorFlow dlopens cuDNN, cuBLAS, cuRAND… by soname at GPU start; its
# RUNPATH names only some of the wheels' site-packages/nvidia/*/lib folders (not cuRAND's, for one), so all
# of them are registered with the dynamic linker (/etc/ld.so.conf.d + ldconfig): every process finds them,
# whatever its environment (kernels, terminals, sudo), unlike LD_LIBRARY_PATH, which a kernel spec or sudo
# can drop. The GPU driver (libcuda) comes from the node through the NVIDIA container toolkit, which re-runs
# ldconfig at start and keeps these entries. Without a GPU, TensorFlow runs on the CPU. The import check
# runs with a throwaway HOME: run as root with jovyan's, Keras and Matplotlib left root-owned ~/.keras,
# ~/.config and ~/.cache in the image's home, which jovyan could not write outside Kubeflow. Comes after
# every jupyterlab-cuda bit, so this image reuses all of its layers.
USER root
# Wheels of up to 1 GB: uv's 30 s read timeout fails them behind a busy proxy.
RUN --mount=type=bind,source=python/jupyterlab-tensorflow.lock,target=/tmp/kfc.lock \
    --mount=type=secret,id=ca --mount=type=secret,id=pip-index-url \
    --mount=type=cache,target=/var/cache/kfc-uv,id=kfc-uv,sharing=locked \
    --mount=type=bind,source=wheelhouse,target=/mnt/wheelhouse \
    kfc-python-install /tmp/kfc.lock && \
    site="$("${CONDA_DIR}/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" && \
    conf=/etc/ld.so.conf.d/kfc-nvidia-wheels.conf && \
    find "${site}/nvidia" -mindepth 2 -maxdepth 2 -type d -name lib | sort > "${conf}" && \
    test -s "${conf}" && \
    ldconfig && \
    ldconfig -p | grep "libcudnn.so.9 .*${site}/nvidia/cudnn/lib/" > /dev/null && \
    HOME=/tmp/kfc-tf-check "${CONDA_DIR}/bin/python" -B -c 'import tensorflow as tf; \
b = tf.sysconfig.get_build_info(); \
print("tensorflow", tf.__version__, "cuda", b["cuda_version"], "cudnn", b["cudnn_version"])' && \
    rm -rf /tmp/kfc-tf-check && \
    fix-permissions "${CONDA_DIR}"
USER ${NB_UID}
