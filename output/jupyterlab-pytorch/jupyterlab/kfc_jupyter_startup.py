"""Imported first by the jupyter-lab / jupyter-server wrappers in $CONDA_DIR/bin (start-time fix).

JupyterLab 4.0 computes its version at import time (``labapp.app_version = get_app_version()``),
which builds an AppOptions whose ``registry`` default runs ``node yarn.js config --json`` in a
subprocess: 0.5-3 s on every server start, for a value that only matters to ``jupyter lab build``
(Debian ships JupyterLab's assets prebuilt). Here the yarn configuration is read lazily instead:
empty at start-up, the real thing as soon as a build command asks for it explicitly.
"""

from __future__ import annotations

try:
    import jupyterlab.commands as _commands
except ImportError:  # JupyterLab not installed: nothing to do
    _commands = None

if _commands is not None and hasattr(_commands, "_yarn_config"):
    _real_yarn_config = _commands._yarn_config

    def _startup_yarn_config(logger):
        return {"yarn config": {}, "npm config": {}}

    _commands._yarn_config = _startup_yarn_config

    def restore() -> None:
        """Put JupyterLab's own yarn-config reader back (e.g. before ``jupyter lab build``)."""
        _commands._yarn_config = _real_yarn_config
