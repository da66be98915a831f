# Quarto, an OPTIONAL vendor artifact ("quarto" in images.yaml: the official linux-amd64 tarball,
# sha256-pinned; PyPI's quarto-cli only downloads it from GitHub at install time). kfc build stages
# the verified tarball in the build context's artifacts/ folder, bound only for this RUN; without it
# this RUN prints a notice and the image has no Quarto. Part of jupyterlab-cpu, not of the shared
# toolbelt node: a RUN that binds artifacts/ would miss the cache in any child that stages other
# artifacts (Julia), so the toolbelt layers would stop being shared.
ARG QUARTO_VERSION=1.7.31
RUN --mount=type=bind,source=artifacts,target=/mnt \
    tarball="/mnt/quarto/quarto-${QUARTO_VERSION}-linux-amd64.tar.gz" && \
    if [[ -f "${tarball}" ]]; then \
        install -d "/opt/quarto-${QUARTO_VERSION}" && \
        tar -xzf "${tarball}" -C "/opt/quarto-${QUARTO_VERSION}" --strip-components=1 --no-same-owner && \
        ln -s "/opt/quarto-${QUARTO_VERSION}/bin/quarto" /usr/local/bin/quarto && \
        HOME=/tmp quarto --version && \
        rm -rf /tmp/.cache /tmp/quarto*; \
    else \
        echo "NOTICE: Quarto is NOT included: the optional vendor artifact 'quarto' is not in the artifact cache." \
            "Run 'kfc fetch jupyterlab-cpu' where its URL is reachable (or copy the cache), then rebuild."; \
    fi
