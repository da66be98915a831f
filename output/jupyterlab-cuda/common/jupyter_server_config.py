# /etc/jupyter/jupyter_server_config.py — docker-stacks' server settings, for ANY Jupyter server
# started in the container (the default command or `docker run IMAGE jupyter lab ...`).
# The Kubeflow / token decisions are made by start-notebook.py (only the image's own server).
# Lowest priority: $CONDA_DIR/etc/jupyter, ~/.jupyter and the command line override these.
import os
import stat
import subprocess
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
# Every interface of both families, IPv4 and IPv6 (docker-stacks' ""): "0.0.0.0" would leave an IPv6 or
# dual-stack pod address unanswered. Binding "::" works even where the engine disables IPv6.
c.ServerApp.ip = ""
c.ServerApp.open_browser = False
# A "Delete" in the UI removes the file: a trash folder in the home would keep using its quota.
c.FileContentsManager.delete_to_trash = False
# NB_USER=root NB_UID=0 NB_GID=0 (docker-stacks' "run as root" triplet) means it.
if os.geteuid() == 0 and os.environ.get("NB_USER") == "root":
    c.ServerApp.allow_root = True

# GEN_CERT=<anything>: https with a self-signed certificate kept in the user's Jupyter data dir.
if "GEN_CERT" in os.environ:
    data_dir = Path(jupyter_data_dir())
    data_dir.mkdir(parents=True, exist_ok=True)
    pem_file = data_dir / "notebook.pem"
    if not pem_file.exists():
        subprocess.check_call(
            [
                "openssl", "req", "-new", "-newkey", "rsa:2048", "-days", "365", "-nodes", "-x509",
                "-subj", "/C=XX/ST=XX/L=XX/O=generated/CN=generated",
                "-keyout", str(pem_file), "-out", str(pem_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    pem_file.chmod(stat.S_IRUSR | stat.S_IWUSR)
    c.ServerApp.certfile = str(pem_file)

# NB_UMASK (octal, e.g. 002): the umask of the Jupyter server and so of its kernels and terminals.
if "NB_UMASK" in os.environ:
    os.umask(int(os.environ["NB_UMASK"], 8))
