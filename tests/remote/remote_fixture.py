# SPDX-License-Identifier: MIT
"""The services of the `remote` test label: an sshd on 127.0.0.1 and a single-node Slurm (munge,
slurmctld, slurmd), run as root from the Debian packages, without systemd, on free ports chosen
at run time, with every key, config, log and state file in one folder.

    remote_fixture.py up DIR     start them and write DIR/env
    remote_fixture.py down DIR   stop every process they started and remove DIR

DIR/env holds one KEY=VALUE a line (the value runs to the end of the line, not shell-quoted):
SSH_CONFIG (for `ssh -F SSH_CONFIG SSH_HOST`), SSH_HOST, SSH_PORT, SSH_KEY, SSH_WRONG_KEY (a key
the server does not accept), SSH_KNOWN_HOSTS, SLURM_CONF, SLURM_NODE, SLURM_PARTITION,
MUNGE_SOCKET. ssh logs in as root; host-key checking stays on (the known-hosts file holds the
generated host key). `up` exits with SKIP_CODE, saying why, when it is not root or a package is
missing; it needs nothing outside DIR but /run/sshd, which sshd insists on and which it creates
when missing (the init script of Debian's openssh-server does the same).
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

SKIP_CODE = 77
SSH_HOST = "qtpyvenv-test-host"
PARTITION = "debug"
# Every daemon, what it forks and every ssh session carries this variable: `down` finds them by
# it, also those that left their parent.
MARKER = "QTPYVENV_REMOTE_FIXTURE"

PACKAGES = {
    "openssh-server": ["/usr/sbin/sshd"],
    "openssh-client": ["ssh", "ssh-keygen"],
    "munge": ["munged", "mungekey"],
    "slurmctld": ["slurmctld"],
    "slurmd": ["slurmd"],
    "slurm-client": ["srun", "sinfo", "squeue", "scancel"],
}


class FixtureError(Exception):
    pass


def missing_packages():
    return sorted(package for package, programs in PACKAGES.items()
                  if not all(shutil.which(program) for program in programs))


def free_ports(count):
    # Held open together so that the kernel hands out distinct ports.
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def run(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise FixtureError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def write(path, text, mode=0o600):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w") as f:
        f.write(text)


def wait_until(what, condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise FixtureError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Daemons:
    """Starts daemons in the foreground of their own session, detached from the caller's output
    (CTest waits for every holder of its pipes) and records their pids in DIR/pids."""

    def __init__(self, folder):
        self.folder = folder
        self.env = dict(os.environ, **{MARKER: folder})
        self.env.pop("SLURM_CONF", None)

    def start(self, name, argv, extra_env=None):
        log = open(os.path.join(self.folder, f"{name}.out"), "ab")
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   env=dict(self.env, **(extra_env or {})), start_new_session=True)
        log.close()
        with open(os.path.join(self.folder, "pids"), "a") as f:
            f.write(f"{process.pid} {name}\n")
        return process


def start_ssh(folder, daemons, slurm_conf):
    ssh = os.path.join(folder, "ssh")
    os.mkdir(ssh, 0o700)
    for key in ("host_key", "id_user", "id_wrong"):
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"qtpyvenv-test-{key}",
             "-f", os.path.join(ssh, key)])
    shutil.copy(os.path.join(ssh, "id_user.pub"), os.path.join(ssh, "authorized_keys"))
    (port,) = free_ports(1)
    with open(os.path.join(ssh, "host_key.pub")) as f:
        host_key = " ".join(f.read().split()[:2])
    write(os.path.join(ssh, "known_hosts"), f"[127.0.0.1]:{port} {host_key}\n", 0o644)
    # StrictModes would also vet every folder above the build tree, which is not ours to judge;
    # the fixture's own folder is 0700.
    write(os.path.join(ssh, "sshd_config"), f"""\
ListenAddress 127.0.0.1:{port}
HostKey {ssh}/host_key
PidFile {ssh}/sshd.pid
AuthorizedKeysFile {ssh}/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
SetEnv SLURM_CONF={slurm_conf} {MARKER}={folder}
LogLevel VERBOSE
""")
    write(os.path.join(ssh, "ssh_config"), f"""\
Host {SSH_HOST}
    HostName 127.0.0.1
    Port {port}
    User root
    IdentityFile {ssh}/id_user
    IdentitiesOnly yes
    UserKnownHostsFile {ssh}/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
""", 0o644)
    if not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", 0o755)
    daemons.start("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", os.path.join(ssh, "sshd_config")])
    config = os.path.join(ssh, "ssh_config")

    def logs_in():
        return subprocess.run(["ssh", "-F", config, SSH_HOST, "true"], stdin=subprocess.DEVNULL,
                              capture_output=True).returncode == 0
    wait_until("an ssh key login", logs_in, 15)
    return {"SSH_CONFIG": config, "SSH_HOST": SSH_HOST, "SSH_PORT": str(port),
            "SSH_KEY": f"{ssh}/id_user", "SSH_WRONG_KEY": f"{ssh}/id_wrong",
            "SSH_KNOWN_HOSTS": f"{ssh}/known_hosts"}


def start_munge(folder, daemons):
    munge = os.path.join(folder, "munge")
    os.mkdir(munge, 0o700)
    key = os.path.join(munge, "munge.key")
    run(["mungekey", "--create", "--keyfile", key])
    socket_path = os.path.join(munge, "munge.socket")
    # --force: munged refuses a socket folder that is not its own package's otherwise.
    daemons.start("munged", ["munged", "--foreground", "--force", f"--socket={socket_path}",
                             f"--key-file={key}", f"--pid-file={munge}/munged.pid",
                             f"--log-file={munge}/munged.log", f"--seed-file={munge}/munged.seed"])
    wait_until("the munge socket", lambda: os.path.exists(socket_path), 10)
    return socket_path


def node_line(node):
    # slurmd -C prints this machine's real CPUs, sockets, cores and memory as a NodeName line.
    described = run(["slurmd", "-C"]).splitlines()[0].split()
    return " ".join([f"NodeName={node}", "NodeAddr=127.0.0.1"] + described[1:] + ["State=UNKNOWN"])


def write_slurm_conf(slurm, node, munge_socket):
    controller_port, node_port = free_ports(2)
    conf = os.path.join(slurm, "slurm.conf")
    # OverSubscribe lets tests run more jobs at once than the machine has CPUs; KillWait keeps
    # cancelling quick.
    write(conf, f"""\
ClusterName=qtpyvenv-test
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={controller_port}
SlurmdPort={node_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={slurm}/state
SlurmdSpoolDir={slurm}/spool
SlurmctldPidFile={slurm}/slurmctld.pid
SlurmdPidFile={slurm}/slurmd.pid
SlurmctldLogFile={slurm}/slurmctld.log
SlurmdLogFile={slurm}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
KillWait=2
{node_line(node)}
PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:16
""", 0o644)
    return conf


def start_slurm(folder, daemons, munge_socket):
    slurm = os.path.join(folder, "slurm")
    for sub in ("", "state", "spool"):
        os.makedirs(os.path.join(slurm, sub), 0o755, exist_ok=True)
    node = socket.gethostname().split(".")[0]
    conf = write_slurm_conf(slurm, node, munge_socket)
    daemons.start("slurmctld", ["slurmctld", "-D", "-c", "-f", conf])
    daemons.start("slurmd", ["slurmd", "-D", "-f", conf, "-N", node])
    environment = dict(os.environ, SLURM_CONF=conf)

    def node_idle():
        state = subprocess.run(["sinfo", "-h", "-N", "-n", node, "-o", "%T"], env=environment,
                               capture_output=True, text=True, stdin=subprocess.DEVNULL)
        return state.returncode == 0 and state.stdout.strip() == "idle"
    wait_until(f"sinfo to show node {node} idle", node_idle, 30)
    return {"SLURM_CONF": conf, "SLURM_NODE": node, "SLURM_PARTITION": PARTITION}


def log_tails(folder, lines=15):
    tails = []
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith((".out", ".log")):
                with open(os.path.join(root, name), errors="replace") as f:
                    tail = f.read().splitlines()[-lines:]
                tails.append(f"--- {os.path.join(root, name)}\n" + "\n".join(tail))
    return "\n".join(tails)


def up(folder):
    if os.geteuid() != 0:
        print("remote tests skipped: the fixture runs sshd, munged, slurmctld and slurmd as root")
        return SKIP_CODE
    missing = missing_packages()
    if missing:
        print(f"remote tests skipped: missing Debian packages {' '.join(missing)} "
              "(.ci/test installs them)")
        return SKIP_CODE
    down(folder)
    os.makedirs(folder, 0o700)
    daemons = Daemons(folder)
    started = time.monotonic()
    try:
        munge_socket = start_munge(folder, daemons)
        slurm_conf = os.path.join(folder, "slurm", "slurm.conf")
        env = {"MUNGE_SOCKET": munge_socket}
        env.update(start_ssh(folder, daemons, slurm_conf))
        env.update(start_slurm(folder, daemons, munge_socket))
    except (FixtureError, OSError) as error:
        print(f"remote fixture failed: {error}\n{log_tails(folder)}")
        stop_processes(folder)
        return 1
    write(os.path.join(folder, "env.part"), "".join(f"{k}={v}\n" for k, v in env.items()), 0o644)
    os.replace(os.path.join(folder, "env.part"), os.path.join(folder, "env"))
    print(f"remote fixture up in {time.monotonic() - started:.1f} s: {os.path.join(folder, 'env')}")
    return 0


def fixture_processes(folder):
    """The pids of the daemons, everything they forked, and whatever carries the marker."""
    recorded = set()
    try:
        with open(os.path.join(folder, "pids")) as f:
            recorded = {int(line.split()[0]) for line in f if line.strip()}
    except FileNotFoundError:
        pass
    parents, marked = {}, set()
    marker = f"{MARKER}={folder}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                parents[pid] = int(f.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    marked.add(pid)
        except (OSError, ValueError, IndexError):
            continue
    found = (recorded & parents.keys()) | marked
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in found} - found
        found |= children
        grew = bool(children)
    found.discard(os.getpid())
    return found


def signal_all(pids, signum):
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def stop_processes(folder):
    pids = fixture_processes(folder)
    signal_all(pids, signal.SIGTERM)
    try:
        wait_until("the fixture's daemons to stop", lambda: not fixture_processes(folder), 10)
    except FixtureError:
        signal_all(fixture_processes(folder), signal.SIGKILL)
        wait_until("the fixture's daemons to die", lambda: not fixture_processes(folder), 5)


def cancel_jobs(folder):
    """Jobs end through Slurm first: a job step's slurmstepd outlives a stopped slurmd."""
    conf = os.path.join(folder, "slurm", "slurm.conf")
    if not os.path.exists(conf) or not shutil.which("squeue"):
        return
    environment = dict(os.environ, SLURM_CONF=conf)

    def jobs():
        listed = subprocess.run(["squeue", "-h", "-o", "%i"], env=environment, capture_output=True,
                                text=True, stdin=subprocess.DEVNULL, timeout=10)
        return listed.stdout.split() if listed.returncode == 0 else []
    try:
        pending = jobs()
        if pending:
            subprocess.run(["scancel"] + pending, env=environment, capture_output=True, timeout=10)
            wait_until("the fixture's jobs to end", lambda: not jobs(), 15)
    except (FixtureError, subprocess.TimeoutExpired) as error:
        print(f"remote fixture: {error}; stopping the daemons anyway")


def down(folder):
    if not os.path.isdir(folder):
        return 0
    started = time.monotonic()
    cancel_jobs(folder)
    stop_processes(folder)
    shutil.rmtree(folder)
    print(f"remote fixture down in {time.monotonic() - started:.1f} s")
    return 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("up", "down"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = os.path.abspath(argv[2])
    try:
        return up(folder) if argv[1] == "up" else down(folder)
    except FixtureError as error:
        print(f"remote fixture: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
