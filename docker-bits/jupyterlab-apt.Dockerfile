USER root

# Everything jupyterlab-cpu takes from the Debian mirror, in ONE layer (each apt layer rewrites
# dpkg's status and debconf's databases, so fewer apt layers = fewer duplicated bytes). No python3-*
# package asked for: the Python environment comes from the Python Package Index (jupyterlab-python).
# Debian's own tools pull a few Python modules (gyp and packaging, for node-gyp, which builds
# code-server's native modules); $CONDA_DIR does not see Debian's dist-packages (tested).
#   R + IRkernel (its kernelspec in /usr/share/jupyter/kernels/ir), compilers (r-base-dev,
#   python3-dev, build-essential via r-base-dev: user pip/R installs of source packages), pandoc
#   (nbconvert exports), DB client libraries (unixodbc + the PostgreSQL ODBC driver for pyodbc, psql),
#   CLI tools, Node 20 (+ npm, libnode-dev for code-server's native modules), ripgrep (VS Code search).
# Rprofile.site: R user libraries go to the home volume (see resources/jupyterlab/Rprofile.site).
RUN --mount=type=bind,source=jupyterlab/Rprofile.site,target=/tmp/kfc-Rprofile.site \
    apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        python3-dev \
        r-base \
        r-base-dev \
        r-cran-irkernel \
        r-cran-dbi \
        r-cran-rpostgresql \
        pandoc \
        unixodbc \
        odbc-postgresql \
        postgresql-client \
        git \
        git-lfs \
        openssh-client \
        less \
        vim-tiny \
        nano \
        jq \
        htop \
        tree \
        rsync \
        wget \
        zip \
        unzip \
        zstd \
        xz-utils \
        bzip2 \
        file \
        netcat-openbsd \
        tzdata \
        ripgrep \
        nodejs \
        npm \
        libnode-dev \
        libkrb5-dev \
        pkg-config && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log && \
    cat /tmp/kfc-Rprofile.site >> /etc/R/Rprofile.site
