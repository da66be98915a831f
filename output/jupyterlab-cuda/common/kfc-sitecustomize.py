
# kfc: appended to Debian's sitecustomize (a conffile) by the foundation. In the $CONDA_DIR venv only:
# - Debian's dist-packages leave sys.path: the environment holds what its locks installed and what the
#   user installed, never dpkg-managed modules (a user's pip must not fight dpkg);
# - the user site (~/.local, on the persistent home volume) comes before the venv's own packages, as
#   it does for a system Python, so a package the user upgraded with `pip install --user` wins.
import sys as _kfc_sys

if _kfc_sys.prefix == "/opt/conda":
    import site as _kfc_site

    _kfc_path = [p for p in _kfc_sys.path if not p.endswith("/dist-packages")]
    _kfc_user = _kfc_site.getusersitepackages() if _kfc_site.ENABLE_USER_SITE else None
    if _kfc_user in _kfc_path:
        _kfc_path.remove(_kfc_user)
        _kfc_first = next((i for i, p in enumerate(_kfc_path) if p.startswith(_kfc_sys.prefix + "/")), len(_kfc_path))
        _kfc_path.insert(_kfc_first, _kfc_user)
    _kfc_sys.path[:] = _kfc_path
    del _kfc_site, _kfc_path, _kfc_user
del _kfc_sys
