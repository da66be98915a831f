# rstudio: R from Debian with the packages the seed's RStudio image had (where Debian packages
# them; arrow, odbc and aws.s3 are not in Debian: users install them into their home library),
# and RStudio Server from Posit's .deb, a REQUIRED vendor artifact ("rstudio-server" in
# images.yaml): kfc build stages it in the build context's artifacts/ folder (bound for this RUN
# only, never in a layer) and refuses to build without it.
ARG RSTUDIO_DEB=rstudio-server-2024.04.2-764-amd64.deb
USER root
RUN --mount=type=bind,source=artifacts,target=/tmp/artifacts \
    --mount=type=bind,source=rstudio/Rprofile.site,target=/tmp/kfc-Rprofile.site \
    if [[ ! -f "/tmp/artifacts/rstudio-server/${RSTUDIO_DEB}" ]]; then \
        echo "ERROR: the vendor artifact rstudio-server (${RSTUDIO_DEB}) is not in the build context:" \
            "run kfc fetch rstudio, then kfc build rstudio" >&2; \
        exit 1; \
    fi && \
    apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        r-base-core \
        r-recommended \
        r-base-dev \
        r-cran-tidyverse \
        r-cran-sf \
        r-cran-renv \
        r-cran-markdown \
        r-cran-rmarkdown \
        r-cran-e1071 \
        r-cran-catools \
        r-cran-hdf5r \
        r-cran-rodbc \
        r-cran-dbi \
        unixodbc \
        git \
        psmisc \
        lsb-release \
        nginx \
        "/tmp/artifacts/rstudio-server/${RSTUDIO_DEB}" && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log && \
    cat /tmp/kfc-Rprofile.site >> /etc/R/Rprofile.site && \
    test -x /usr/lib/rstudio-server/bin/rserver
