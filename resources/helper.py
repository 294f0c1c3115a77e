# Appended by the QtPyVenv desktop app after the user's sources. Hidden from functions()
# (leading underscore) but callable: the app reads the venv's installed packages with it.
# (The Python version comes from the library: Venv::pythonVersion().)
def _qtpyvenv_info():
    import importlib.metadata as _md
    packages = {}
    for dist in _md.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            packages[name.lower()] = {"name": name, "version": dist.version}
    return {
        "packages": sorted(packages.values(), key=lambda p: p["name"].lower()),
    }
