# PyTorch, CUDA build, from Debian contrib (python3-torch-cuda 2.6 + python3-torchvision), like
# docker-stacks' pytorch-notebook/cuda variant. CUDA runtime libraries come from Debian non-free; the
# GPU driver comes from the node (NVIDIA container toolkit, configured by the two variables below).
# python3-torch-cuda depends on nvidia-cudnn, whose postinst DOWNLOADS cuDNN from NVIDIA
# (developer.download.nvidia.com, declared in images.yaml): kfc refuses to build this image where
# that host is unreachable. The cuDNN license question is answered by preseeding debconf.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER root
RUN echo 'nvidia-cudnn nvidia-cudnn/question select I Agree' | debconf-set-selections && \
    apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        python3-torch-cuda \
        python3-torchvision && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log && \
    python3 -c 'import torch, torchvision; print("torch", torch.__version__, "cuda", torch.version.cuda)'
USER ${NB_UID}
