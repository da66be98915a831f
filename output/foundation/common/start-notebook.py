#!/usr/bin/env python
"""start-notebook.py [ARGS...] — the CMD of the Jupyter images (run by start.sh, the ENTRYPOINT).

jupyter/docker-stacks semantics: JUPYTERHUB_API_TOKEN set → start-singleuser.py instead;
DOCKER_STACKS_JUPYTER_CMD (lab, notebook, server, nbclassic, ...; default lab) picks
`jupyter <cmd>`; NOTEBOOK_ARGS (shell-split) then ARGS are appended; RESTARTABLE=yes runs it under
run-one-constantly. JUPYTER_PORT is read by jupyter-server itself; ip, GEN_CERT and NB_UMASK come
from /etc/jupyter/jupyter_server_config.py.

Kubeflow on top (NB_PREFIX set, as the notebook controller does): everything under
base_url=$NB_PREFIX, no token (the mesh in front authenticates; JUPYTER_TOKEN still wins),
allow_origin '*', embeddable in an iframe (CSP frame-ancestors *). Without NB_PREFIX the server is
docker-stacks' secure default: a token (JUPYTER_TOKEN or a random one, printed in the log) and
frame-ancestors 'self'. XSRF checks stay on in both. DEFAULT_JUPYTER_URL sets the default URL.
Arguments given later (NOTEBOOK_ARGS, ARGS) override these.
"""

import json
import os
import shlex
import shutil
import sys

if "JUPYTERHUB_API_TOKEN" in os.environ:
    print(
        "WARNING: using start-singleuser.py instead of start-notebook.py to start a server associated with JupyterHub."
    )
    command = ["/usr/local/bin/start-singleuser.py", *sys.argv[1:]]
    os.execvp(command[0], command)

jupyter_cmd = os.environ.get("DOCKER_STACKS_JUPYTER_CMD", "lab")
program = shutil.which(f"jupyter-{jupyter_cmd}")
if program is None:
    installed = sorted(
        name.removeprefix("jupyter-")
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if os.path.isdir(d)
        for name in os.listdir(d)
        if name in {"jupyter-lab", "jupyter-notebook", "jupyter-server", "jupyter-nbclassic"}
    )
    print(
        f"ERROR: DOCKER_STACKS_JUPYTER_CMD={jupyter_cmd}: jupyter-{jupyter_cmd} is not installed in this image "
        f"(fix: use one of: {', '.join(dict.fromkeys(installed)) or 'none'})",
        file=sys.stderr,
    )
    sys.exit(2)

# `jupyter lab` would start a python only to exec jupyter-lab: run jupyter-lab directly.
command = [program]

prefix = os.environ.get("NB_PREFIX", "")
if prefix:
    frame_ancestors = "frame-ancestors * 'self'"
    command += [
        f"--ServerApp.base_url={prefix}",
        "--ServerApp.allow_origin=*",
        "--ServerApp.allow_remote_access=True",
    ]
    if "JUPYTER_TOKEN" not in os.environ:
        command.append("--IdentityProvider.token=")
else:
    frame_ancestors = "frame-ancestors 'self'"
headers = {"headers": {"Content-Security-Policy": frame_ancestors}}
command.append(f"--ServerApp.tornado_settings={json.dumps(headers)}")

default_url = os.environ.get("DEFAULT_JUPYTER_URL")
if not default_url and jupyter_cmd == "server" and shutil.which("jupyter-lab"):
    default_url = "/lab"  # `jupyter server` alone would answer / with a 404
if default_url:
    command.append(f"--ServerApp.default_url={default_url}")

if "NOTEBOOK_ARGS" in os.environ:
    command += shlex.split(os.environ["NOTEBOOK_ARGS"])
command += sys.argv[1:]

if os.environ.get("RESTARTABLE") == "yes":
    command = ["run-one-constantly", *command]

print("Executing: " + shlex.join(command), flush=True)
os.execvp(command[0], command)
