# Julia, an OPTIONAL vendor artifact ("julia" in images.yaml: the official linux x86_64 tarball,
# sha256-pinned). kfc build stages the verified tarball in the build context's artifacts/ folder,
# bound here only for this RUN (the tarball is in no layer); where julialang-s3 is unreachable and the
# artifact cache lacks it, this RUN only prints a notice and the image has no Julia.
# No IJulia kernel: IJulia comes from Julia's package server, which is not a source of these images.
ARG JULIA_VERSION=1.11.5
RUN --mount=type=bind,source=artifacts,target=/mnt \
    tarballs=(/mnt/julia/*.tar.gz) && \
    if [[ -f "${tarballs[0]}" ]]; then \
        install -d "/opt/julia-${JULIA_VERSION}" && \
        tar -xzf "${tarballs[0]}" -C "/opt/julia-${JULIA_VERSION}" --strip-components=1 --no-same-owner && \
        ln -s "/opt/julia-${JULIA_VERSION}/bin/julia" /usr/local/bin/julia && \
        HOME=/tmp julia --startup-file=no -e 'println("Julia ", VERSION, " installed")' && \
        rm -rf /tmp/.julia; \
    else \
        echo "NOTICE: Julia is NOT included: the optional vendor artifact 'julia' is not in the artifact cache." \
            "Run 'kfc fetch jupyterlab-cpu' where its URL is reachable (or copy the cache), then rebuild."; \
    fi
