# PyTorch, CPU build, from Debian (python3-torch 2.6 + python3-torchvision), visible in the python3
# kernel through $CONDA_DIR's --system-site-packages. Comes after every jupyterlab-cpu bit, so this
# image reuses all of jupyterlab-cpu's layers.
USER root
RUN apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        python3-torch \
        python3-torchvision && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log && \
    python3 -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)'
USER ${NB_UID}
