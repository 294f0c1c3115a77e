# SPDX-License-Identifier: MIT
"""Prepares a QtPyVenv environment where a launcher runs the worker, then becomes the worker
(docs/protocol.md, "Through a launcher").

The host starts `launcher... PYTHON -c LOADER` and sends one frame,
{"type": "bootstrap", "source": <this file>, "prepare": {...}}; the loader runs this file under
the base interpreter on the far side. It makes baseDir and meta/, takes meta/install.lock,
creates the venv and installs the requirements when their key changed (state.json), as the host
does for a local Venv (lib/environment.cpp), writes the worker's files into meta/ and execs the
venv's Python on them, with the protocol still on fd 0 and fd 1. Meanwhile it sends `phase`,
`install_output` and, on failure, `prepare_failed` frames. Standard library only."""
import codecs
import hashlib
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

_MARK = "created-by-qtpyvenv"
_MARK_TEXT = b"QtPyVenv made this directory: it creates, rewrites and removes the files in it.\n"
_OUTPUT_CHUNK = 1 << 16
_TAIL_BYTES = 4096
_TAIL_LINES = 12
_LOCK_LOOK_SECONDS = 0.05


class Failed(Exception):
    """A start that cannot go on: `code` is the host's ErrorCode name."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _send(message):
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogateescape")
    data = struct.pack(">I", len(body)) + body
    while data:
        data = data[os.write(1, data):]


def _host_gone():
    """Whether the host's side of the channel hung up (close(), a passed deadline, a dead host)."""
    hangup = select.poll()
    hangup.register(0, 0)
    return bool(hangup.poll(0))


def _run(argv, what):
    """Runs a tool with its output passed on live; ends it, and this process, when the host goes."""
    try:
        tool = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, env=_tool_environment())
    except OSError as exc:
        raise Failed("StartFailed", "%s: cannot run %s: %s" % (what, argv[0], exc.strerror))
    watch = select.poll()
    watch.register(tool.stdout, select.POLLIN)
    watch.register(0, 0)  # POLLHUP only: nothing else comes from the host before the worker runs
    tail = b""
    # A character whose bytes two reads split waits for its last byte.
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    with tool.stdout:
        while True:
            ready = dict(watch.poll())
            if 0 in ready:
                os.killpg(tool.pid, signal.SIGKILL)
                tool.wait()
                os._exit(1)
            if tool.stdout.fileno() in ready:
                data = os.read(tool.stdout.fileno(), _OUTPUT_CHUNK)
                text = decoder.decode(data, final=not data)
                if text:
                    _send({"type": "install_output", "data": text})
                if not data:
                    break
                tail = (tail + data)[-_TAIL_BYTES:]
    status = tool.wait()
    if status != 0:
        said = "\n".join(line for line in tail.decode("utf-8", "replace").splitlines() if line.strip())
        how = "exited with code %d" % status if status > 0 else "was killed by signal %d" % -status
        raise Failed("InstallFailed", "%s failed: it %s\n%s" % (what, how, "\n".join(said.splitlines()[-_TAIL_LINES:])))


def _tool_environment():
    env = dict(os.environ, PYTHONUNBUFFERED="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1",
               PIP_PROGRESS_BAR="off")
    env.pop("PYTHONHOME", None)
    return env


class Meta:
    """baseDir/meta, every file in it reached without following a symbolic link."""

    def __init__(self, base):
        path = os.path.join(base, "meta")
        try:
            os.mkdir(path)
            created = True
        except FileExistsError:
            created = False
        except OSError as exc:
            raise Failed("InstallFailed", "cannot create %s: %s" % (path, exc.strerror))
        self.path = path
        try:
            self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as exc:
            raise Failed("InstallFailed", "cannot use %s: %s" % (path, exc.strerror))
        names = os.listdir(self.fd)
        if _MARK not in names:
            if not created and names:
                raise Failed("InstallFailed", "%s was not made by QtPyVenv (it holds \"%s\" and no %s mark); QtPyVenv "
                             "leaves it alone: remove it or choose another baseDir" % (path, sorted(names)[0], _MARK))
            self.write(_MARK, _MARK_TEXT)

    def open(self, name, flags):
        try:
            return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666, dir_fd=self.fd)
        except OSError as exc:
            raise Failed("InstallFailed", "cannot open %s: %s" % (os.path.join(self.path, name), exc.strerror))

    def read(self, name):
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=self.fd)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Failed("InstallFailed", "cannot read %s: %s" % (os.path.join(self.path, name), exc.strerror))
        with open(fd, "rb") as file:
            return file.read()

    def write(self, name, content):
        """Replaces `name` whole: a worker starting beside this one reads the old or the new file."""
        if self.read(name) == content:
            return
        temporary = "%s.%08x.new" % (name, int.from_bytes(os.urandom(4), "big"))
        with open(self.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "wb") as file:
            file.write(content)
        os.rename(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def lock(self, name, operation):
        """flock()s `name`, waiting as long as the host does; returns the descriptor that holds it."""
        import fcntl
        fd = self.open(name, os.O_RDWR | os.O_CREAT)
        while True:
            try:
                fcntl.flock(fd, operation | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if _host_gone():
                    os._exit(1)
                select.select([], [], [], _LOCK_LOOK_SECONDS)


def _python_version(venv):
    """What pyvenv.cfg says, as the host reads it: python -m venv writes "version", uv venv
    "version_info" alone."""
    found = {}
    try:
        with open(os.path.join(venv, "pyvenv.cfg"), "rb") as cfg:
            for line in cfg.read().split(b"\n"):
                parts = line.split(b"=")
                if len(parts) == 2:
                    found[parts[0].strip()] = parts[1].strip().decode("utf-8", "replace")
    except OSError:
        pass
    return found.get(b"version") or found.get(b"version_info", "")


def _requirements_key(request, venv):
    key = [request["requirements"], request["pipOptions"], _python_version(venv)]
    if request["venvDir"]:
        key.append(venv)
    text = json.dumps(key, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _venv_python(venv, existing):
    python = os.path.join(venv, "bin", "python")
    if existing and not os.access(python, os.X_OK) and os.access(python + "3", os.X_OK):
        return python + "3"
    return python


def _uv(request):
    if request["installer"] == "pip":
        return None
    uv = shutil.which("uv")
    if uv is None and request["installer"] == "uv":
        raise Failed("StartFailed", "Installer::Uv: no executable uv was found on PATH on the side the launcher runs on")
    return uv


def _pip_for_venv():
    """This interpreter's pip when it can drive another venv (pip >= 22.3), else None."""
    try:
        import pip
    except ImportError:
        return None
    try:
        version = tuple(int(part) for part in pip.__version__.split(".")[:2])
    except ValueError:
        return None
    return version >= (22, 3)


def _create(request, venv, uv):
    _send({"type": "phase", "phase": "creating"})
    if uv:
        argv = [uv, "venv", "--no-project", "--python", sys.executable, venv]
        what = "creating the venv with %s venv" % uv
    else:
        argv = [sys.executable, "-m", "venv", "--without-pip", venv]
        what = "creating the venv with %s" % request["interpreter"]
    try:
        _run(argv, what)
    except Failed:
        shutil.rmtree(venv, ignore_errors=True)  # ours, half made
        raise


def _install(request, venv, python, uv):
    _send({"type": "phase", "phase": "installing"})
    arguments = ["install"] + request["pipOptions"] + request["requirements"]
    if uv:
        _run([uv, "pip", "install", "--python", python] + arguments[1:], "uv pip install")
    elif os.path.exists(os.path.join(venv, "bin", "pip")):
        _run([python, "-m", "pip"] + arguments, "pip install")
    elif _pip_for_venv():
        _run([sys.executable, "-m", "pip", "--python", python] + arguments, "pip install")
    else:
        _run([python, "-m", "ensurepip", "--default-pip"], "bootstrapping pip with ensurepip")
        _run([python, "-m", "pip"] + arguments, "pip install")


def _prepare_locked(request, meta, venv, existing, uv):
    try:
        state = json.loads(meta.read("state.json") or b"{}")
    except ValueError:  # cut short or garbled: nothing it says can be trusted, as on the host
        state = {}
    if not isinstance(state, dict):
        state = {}
    python = _venv_python(venv, existing)
    exists = os.path.lexists(venv)
    ours = not existing and state.get("createdVenv") is True and (not exists or os.path.isdir(venv))
    working = os.access(python, os.X_OK) and (existing or os.path.exists(os.path.join(venv, "pyvenv.cfg")))
    if existing and not os.path.isdir(venv):
        raise Failed("StartFailed", "the environment folder %s (Config::venvDir) does not exist" % venv)
    if existing and not working:
        raise Failed("StartFailed", "the environment folder %s (Config::venvDir) has no Python interpreter: neither "
                     "bin/python nor bin/python3 is an executable file" % venv)
    if exists and not ours and not working:
        raise Failed("InstallFailed", "%s exists but is not a virtual environment QtPyVenv made; it is left alone" % venv)
    stale = ours and state.get("interpreter") != request["interpreter"]
    if exists and ours and (not working or stale):
        shutil.rmtree(venv)
        exists = False
    if not exists:
        _create(request, venv, uv())
        ours = True
        state = {"createdVenv": True, "interpreter": request["interpreter"]}
        meta.write("state.json", json.dumps(state).encode())
    key = _requirements_key(request, venv)
    if state.get("requirementsKey") == key:
        return python
    if request["requirements"]:
        if not ours and not request["installIntoExistingVenv"]:
            raise Failed("InstallFailed", "%s is an environment that was not made by QtPyVenv, so the requirements are "
                         "not installed into it; set Config::installIntoExistingVenv to let pip or uv install into it"
                         % venv)
        _install(request, venv, python, uv())
    state["requirementsKey"] = key
    meta.write("state.json", json.dumps(state).encode())
    return python


def prepare(request):
    """Returns the argv that runs the worker, and the baseDir to remove when it ends, if any."""
    base = request["baseDir"]
    temporary = not base
    if temporary:
        base = tempfile.mkdtemp(prefix="qtpyvenv-")
    base = os.path.abspath(os.path.expanduser(base))
    try:
        os.makedirs(base, exist_ok=True)
    except OSError as exc:
        raise Failed("InstallFailed", "cannot create %s: %s" % (base, exc.strerror))
    meta = Meta(base)
    import fcntl
    install_lock = meta.lock("install.lock", fcntl.LOCK_EX)
    existing = bool(request["venvDir"])
    venv = os.path.abspath(os.path.expanduser(request["venvDir"])) if existing else os.path.join(base, "venv")
    chosen = []

    def uv():
        if not chosen:
            chosen.append(_uv(request))
        return chosen[0]

    python = _prepare_locked(request, meta, venv, existing, uv)
    for name, content in request["files"].items():
        meta.write(name, content.encode("utf-8"))
    # Held by the worker's processes until they end: a Venv closing on a shared baseDir sees it in use.
    os.set_inheritable(meta.lock("use.lock", fcntl.LOCK_SH), True)
    os.close(install_lock)
    argv = [python, os.path.join(meta.path, "qtpyvenv_start.py")] + request["workerArguments"]
    if temporary:
        argv += ["--remove-at-exit", base]
    return argv, base


def main(request):
    try:
        argv, base = prepare(request)
    except Failed as failure:
        _send({"type": "prepare_failed", "code": failure.code, "message": str(failure)})
        sys.exit(1)
    _send({"type": "prepared", "baseDir": base})
    try:
        os.execv(argv[0], argv)
    except OSError as exc:  # the host reads frames as the worker's from here on: say it plainly
        sys.exit("qtpyvenv: cannot run the worker with %s: %s" % (argv[0], exc.strerror))
