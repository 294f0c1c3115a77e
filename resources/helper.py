# Appended by the QtPyVenv desktop app after the user's sources. Hidden from functions()
# (leading underscore) but callable: the app reads the venv's Python and packages with it.
def _qtpyvenv_info():
    import importlib.metadata as _md
    import sys as _sys
    packages = {}
    for dist in _md.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            packages[name.lower()] = {"name": name, "version": dist.version}
    return {
        "python": "%d.%d.%d" % _sys.version_info[:3],
        "executable": _sys.executable,
        "packages": sorted(packages.values(), key=lambda p: p["name"].lower()),
    }
