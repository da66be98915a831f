USER root

# Everything jupyterlab-cpu takes from the Debian mirror, in ONE layer: each apt layer rewrites
# dpkg's status and debconf's databases, so fewer apt layers = fewer duplicated bytes.
#   JupyterLab 4 + jupyter-server 2, ipykernel, the scientific Python stack, R + IRkernel,
#   compilers (r-base-dev, python3-dev: user pip/R installs of source packages), DB drivers
#   (unixodbc, odbc-postgresql, psycopg2, pyodbc, psql), CLI tools, Node 20 (+ npm, libnode-dev
#   for code-server's native modules), ripgrep (VS Code search; replaces @vscode/ripgrep's download).
# Rprofile.site: R user libraries go to the home volume (see resources/jupyterlab/Rprofile.site).
RUN --mount=type=bind,source=jupyterlab/Rprofile.site,target=/tmp/kfc-Rprofile.site \
    apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        jupyterlab \
        jupyter-core \
        jupyter-client \
        jupyter-server \
        jupyter-nbconvert \
        python3-ipykernel \
        python3-ipywidgets \
        python3-jupyter-server-terminals \
        python3-jupyterlab-widgets \
        python3-nbconvert \
        python3-numpy \
        python3-pandas \
        python3-scipy \
        python3-matplotlib \
        python3-sklearn \
        python3-seaborn \
        python3-openpyxl \
        python3-requests \
        python3-sqlalchemy \
        python3-psycopg2 \
        python3-pyodbc \
        python3-dev \
        r-base \
        r-base-dev \
        r-cran-irkernel \
        r-cran-dbi \
        r-cran-rpostgresql \
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
