# Appended by the QtPyVenv desktop app after the user's sources. Hidden from functions()
# (leading underscore) but callable: the app reads the venv's installed packages with it.
# (The Python version comes from the library: Venv::pythonVersion().)
def _qtpyvenv_info():
    import importlib.metadata as _md
    import re as _re
    packages = {}
    for dist in _md.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            # What it needs without extras: the app says who keeps a dependency installed.
            requires = []
            for requirement in dist.requires or []:
                marker = requirement.partition(";")[2]
                match = _re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
                if match and "extra" not in marker:
                    requires.append(match.group(1))
            packages[name.lower()] = {"name": name, "version": dist.version, "requires": requires}
    return {
        "packages": sorted(packages.values(), key=lambda p: p["name"].lower()),
    }
