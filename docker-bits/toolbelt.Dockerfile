# toolbelt: the platform's command-line tools, in an internal catalog node between foundation and
# both jupyterlab-cpu and remote-desktop, so kfc builds these layers once and every image below
# shares them byte for byte (see docs/toolbelt.md). No Debian python3-* package: the Python parts
# (the trino client) live in the images' locked Python layer.
USER root

# From Debian trixie, in one apt layer:
#   kubectl; the MinIO client (Debian names it minio-client: Midnight Commander owns "mc" in
#   Debian, and it is not in these images, so /usr/local/bin/mc points at the MinIO client, the
#   name the platform's storage docs use); the Java runtime the Trino CLI runs on; zsh, tmux,
#   jq, gojq (jq in Go, reads and writes YAML: `gojq --yaml-input --yaml-output`), sqlite3.
#   Left out: byobu and Debian's yq, which depend on python3-* packages (Jupyter images get yq,
#   the same program, from their locked Python layer).
RUN apt-get update -qq && \
    apt-get install -y --no-install-recommends \
        default-jre-headless \
        gojq \
        jq \
        kubectl \
        minio-client \
        sqlite3 \
        tmux \
        zsh && \
    apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log && \
    ln -s /usr/bin/minio-client /usr/local/bin/mc

# The Trino CLI: Maven Central's executable jar (a shell stub that runs `java -jar` on itself),
# checked against its pinned sha256. MAVEN_REPO lets a site use its own Maven mirror; the proxy
# CA bundle (kfc build --ca-bundle) is a secret, in no layer.
ARG MAVEN_REPO=https://repo1.maven.org/maven2
ARG TRINO_CLI_VERSION=476
ARG TRINO_CLI_SHA256=fe4e9c7fb569cd67673afa1622945f6308e1e59bdb825419352b80887661757b
RUN --mount=type=secret,id=ca \
    cacert=() && \
    if [[ -s /run/secrets/ca ]]; then cacert=(--cacert /run/secrets/ca); fi && \
    curl -fsSL --retry 3 "${cacert[@]}" -o /tmp/trino-cli.jar \
        "${MAVEN_REPO}/io/trino/trino-cli/${TRINO_CLI_VERSION}/trino-cli-${TRINO_CLI_VERSION}-executable.jar" && \
    echo "${TRINO_CLI_SHA256}  /tmp/trino-cli.jar" | sha256sum -c - && \
    install -m 0755 /tmp/trino-cli.jar /usr/local/bin/trino && \
    rm /tmp/trino-cli.jar && \
    trino --version

USER ${NB_UID}
