# jupyterlab-tensorflow: TensorFlow with its CUDA libraries (tensorflow[and-cuda]: NVIDIA's wheels
# from the index), pinned, installed into $CONDA_DIR from a Python package index. Debian has no
# TensorFlow, and no index is reachable on machines without one: kfc build refuses then
# (images.yaml requires: pypi; set PIP_INDEX_URL). The index URL, which may carry credentials,
# reaches this RUN only as the BuildKit secret "pip-index-url" (never an ARG: ARGs are kept in the
# image history), e.g. docker build --secret id=pip-index-url,env=PIP_INDEX_URL.
ARG TENSORFLOW_VERSION=2.20.0
USER root
RUN --mount=type=secret,id=pip-index-url \
    if [[ ! -s /run/secrets/pip-index-url ]]; then \
        echo "ERROR: jupyterlab-tensorflow needs a Python package index: give its URL as the build secret 'pip-index-url' (kfc: set PIP_INDEX_URL)" >&2; \
        exit 1; \
    fi && \
    PIP_INDEX_URL="$(cat /run/secrets/pip-index-url)" \
    "${CONDA_DIR}/bin/pip" install --no-cache-dir --no-user \
        "tensorflow[and-cuda]==${TENSORFLOW_VERSION}" && \
    "${CONDA_DIR}/bin/python" -c 'import tensorflow as tf; print("tensorflow", tf.__version__)' && \
    fix-permissions "${CONDA_DIR}" && \
    fix-permissions "/home/${NB_USER}"
USER ${NB_UID}
