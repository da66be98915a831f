#!/usr/bin/env python
"""start-singleuser.py [ARGS...] — a JupyterHub single-user server (docker-stacks semantics).

Run by start.sh (the ENTRYPOINT), usually via start-notebook.py when JUPYTERHUB_API_TOKEN is set:
jupyterhub-singleuser, --ip=0.0.0.0 unless NOTEBOOK_ARGS names an --ip=, then NOTEBOOK_ARGS
(shell-split) and ARGS. The Hub sets the base URL and authenticates: no Kubeflow options here.
"""

import os
import shlex
import shutil
import sys

if shutil.which("jupyterhub-singleuser") is None:
    print(
        "ERROR: jupyterhub-singleuser is not installed in this image "
        "(fix: pip install jupyterhub in a derived image, or start start-notebook.py)",
        file=sys.stderr,
    )
    sys.exit(2)

command = ["jupyterhub-singleuser"]
if "--ip=" not in os.environ.get("NOTEBOOK_ARGS", ""):
    command.append("--ip=0.0.0.0")
if "NOTEBOOK_ARGS" in os.environ:
    command += shlex.split(os.environ["NOTEBOOK_ARGS"])
command += sys.argv[1:]

print("Executing: " + shlex.join(command), flush=True)
os.execvp(command[0], command)
