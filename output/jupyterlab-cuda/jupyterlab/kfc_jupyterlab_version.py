"""kfc: JupyterLab's app version without a Node.js start, imported by kfc-jupyterlab-version.pth.

jupyterlab.labapp computes its app version when it is imported, through AppOptions() whose default npm
registry comes from running `node yarn.js config --json`: about 0.6 s of CPU in every server start (a
third of it), for a registry that reading the version never uses (and JupyterLab 4's yarn 3 prints a
form that call does not parse: it yields yarn's default registry anyway). Here get_app_version() called
without options gets options naming that default; every other use of AppOptions (a user's
`jupyter lab build`) is left as it is.
"""

import sys


def _patch(commands):
    original = commands.get_app_version

    def get_app_version(app_options=None):
        if app_options is None:
            app_options = commands.AppOptions(registry=commands.YARN_DEFAULT_REGISTRY)
        return original(app_options)

    commands.get_app_version = get_app_version


class _PatchOnImport:
    """A meta path finder that patches jupyterlab.commands once, right after it is executed."""

    def find_spec(self, name, path, target=None):
        if name != "jupyterlab.commands":
            return None
        sys.meta_path.remove(self)
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            execute = spec.loader.exec_module

            def exec_module(module):
                execute(module)
                if hasattr(module, "AppOptions") and hasattr(module, "YARN_DEFAULT_REGISTRY"):
                    _patch(module)

            spec.loader.exec_module = exec_module
        return spec


if "jupyterlab.commands" not in sys.modules:
    sys.meta_path.insert(0, _PatchOnImport())
