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
NOTEBOOK_ARGS and ARGS win: an option they set is not added here (traitlets takes one value).
"""

import json
import os
import re
import shlex
import shutil
import sys

if "JUPYTERHUB_API_TOKEN" in os.environ:
    print(
        "WARNING: using start-singleuser.py instead of start-notebook.py to start a server associated with JupyterHub.",
        flush=True,
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

user_args = shlex.split(os.environ.get("NOTEBOOK_ARGS", "")) + sys.argv[1:]


def given(trait: str) -> bool:
    """Whether the user's arguments set this trait (any class): traitlets refuses a second value."""
    pattern = re.compile(rf"^--([A-Za-z_]\w*\.)*{trait}(=|$)")
    return any(pattern.match(a) for a in user_args)


ours: dict[str, str] = {}
prefix = os.environ.get("NB_PREFIX", "")
if prefix:
    ours["base_url"] = f"--ServerApp.base_url={prefix}"
    ours["allow_origin"] = "--ServerApp.allow_origin=*"
    ours["allow_remote_access"] = "--ServerApp.allow_remote_access=True"
    if "JUPYTER_TOKEN" not in os.environ:
        ours["token"] = "--IdentityProvider.token="
    frame_ancestors = "frame-ancestors * 'self'"
else:
    frame_ancestors = "frame-ancestors 'self'"
headers = {"headers": {"Content-Security-Policy": frame_ancestors}}
ours["tornado_settings"] = f"--ServerApp.tornado_settings={json.dumps(headers)}"

default_url = os.environ.get("DEFAULT_JUPYTER_URL")
if not default_url and jupyter_cmd == "server" and shutil.which("jupyter-lab"):
    default_url = "/lab"  # `jupyter server` alone would answer / with a 404
if default_url:
    # An extension app (lab, notebook) replaces ServerApp.default_url with its own: set the app's.
    app = {"lab": "LabApp", "notebook": "JupyterNotebookApp", "nbclassic": "NotebookApp"}.get(jupyter_cmd, "ServerApp")
    ours["default_url"] = f"--{app}.default_url={default_url}"

args = [arg for trait, arg in ours.items() if not given(trait)] + user_args
# `jupyter lab` would start a Python only to exec jupyter-lab (jupyter's dispatcher does nothing else):
# run jupyter-lab directly, and log it as docker-stacks does, as the `jupyter lab` it stands for.
command = [program, *args]
shown = ["jupyter", jupyter_cmd, *args]
if os.environ.get("RESTARTABLE") == "yes":
    command = ["run-one-constantly", *command]
    shown = ["run-one-constantly", *shown]

print("Executing: " + shlex.join(shown), flush=True)
os.execvp(command[0], command)
