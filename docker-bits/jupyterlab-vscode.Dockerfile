# VS Code in the browser: code-server from npm, pinned. jupyter-server-proxy serves it under
# $NB_PREFIX/vscode/ (see jupyterlab-server).
# `npm install -g code-server` fails here (npm 9 loses lib/vscode/package.json, and @vscode/ripgrep
# < 1.18 downloads rg from GitHub), so this does what code-server's postinstall.sh does, by hand:
# unpack the pinned package, install its dependencies and VS Code's from their lockfiles, build the
# native modules against Debian's Node headers (npm_config_nodedir=/usr) with Debian's python3 and
# node-gyp ($CONDA_DIR, first on PATH, does not see Debian's gyp module) and use Debian's ripgrep.
# npm_config_python stays set for users' own `npm install` of native modules too.
ENV npm_config_python=/usr/bin/python3
ARG CODE_SERVER_VERSION=4.99.4
RUN --mount=type=secret,id=ca \
    if [[ -f /run/secrets/ca ]]; then \
        export NODE_EXTRA_CA_CERTS=/run/secrets/ca npm_config_cafile=/run/secrets/ca; \
    fi && \
    export npm_config_nodedir=/usr npm_config_update_notifier=false npm_config_fund=false \
        npm_config_audit=false npm_config_cache=/tmp/npm-cache && \
    dest=/usr/local/lib/code-server && \
    mkdir -p "${dest}" /tmp/code-server && cd /tmp/code-server && \
    npm pack --silent "code-server@${CODE_SERVER_VERSION}" && \
    tar -xzf "code-server-${CODE_SERVER_VERSION}.tgz" -C "${dest}" --strip-components=1 --no-same-owner && \
    cd "${dest}" && \
    npm install --omit=dev --ignore-scripts --no-package-lock && \
    npm rebuild --build-from-source argon2 && \
    cd lib/vscode && \
    npm install --omit=dev --ignore-scripts && \
    mkdir -p node_modules/@vscode/ripgrep/bin && ln -s /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg && \
    npm rebuild --unsafe-perm && \
    ln -s node_modules node_modules.asar && \
    (cd extensions && npm install --omit=dev --unsafe-perm) && \
    (cd bin/remote-cli && ln -s code-linux.sh code-server) && \
    (cd bin/helpers && ln -s browser-linux.sh browser.sh) && \
    find "${dest}" -depth \( -path '*/build/Release/obj.target' -o -path '*/build/Release/.deps' \
        -o -name 'build-tmp-napi-*' \) -exec rm -rf {} + && \
    ln -s "${dest}/out/node/entry.js" /usr/local/bin/code-server && \
    HOME=/tmp/code-server code-server --version && \
    rm -rf /tmp/code-server /tmp/npm-cache /root/.npm /root/.cache /root/.config
