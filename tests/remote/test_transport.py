# SPDX-License-Identifier: MIT
"""The `remote` fixture's services at the transport level, without the library: what a launcher
relies on from ssh and srun. A broken fixture fails here first.

Reads the env file that remote_fixture.py wrote, named by QTPYVENV_REMOTE_ENV; exits with 77
(skipped) when there is none.
"""
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

SKIP_CODE = 77
# A remote process that lives until its stdin ends, as the worker does; the marker in its argv
# finds it in /proc.
STDIN_READER = "import sys; sys.stdin.buffer.read()"


def read_env(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


ENV = {}


def wait_until(what, condition, timeout=15):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def python_processes_with(marker):
    """Pids of Python processes with `marker` as one of their arguments (the ssh or srun client
    that started one has it too, but is not Python)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(argv[0]).startswith(b"python") and marker.encode() in argv:
            found.append(int(entry))
    return found


class Launchers(unittest.TestCase):
    def ssh(self, *remote):
        return ["ssh", "-F", ENV["SSH_CONFIG"], ENV["SSH_HOST"], *remote]

    def explicit_ssh(self, key, known_hosts, *remote):
        # The form a Config::launcher spells out, with host-key checking on.
        return ["ssh", "-i", key, "-p", ENV["SSH_PORT"], "-o", f"UserKnownHostsFile={known_hosts}",
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "root@127.0.0.1", *remote]

    def slurm_env(self):
        return dict(os.environ, SLURM_CONF=ENV["SLURM_CONF"])

    def run_ok(self, argv, **kwargs):
        result = subprocess.run(argv, capture_output=True, timeout=60, **kwargs)
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
        return result.stdout

    def test_key_login_runs_a_command(self):
        self.assertEqual(self.run_ok(self.ssh("echo $((6 * 7))"), stdin=subprocess.DEVNULL), b"42\n")
        explicit = self.explicit_ssh(ENV["SSH_KEY"], ENV["SSH_KNOWN_HOSTS"], "echo", "explicit")
        self.assertEqual(self.run_ok(explicit, stdin=subprocess.DEVNULL), b"explicit\n")

    def test_ssh_session_sees_the_cluster(self):
        # sshd sets SLURM_CONF, so `ssh host srun ...` reaches the fixture's Slurm.
        out = self.run_ok(self.ssh("srun", "-u", "echo", "via-login-node"), stdin=subprocess.DEVNULL)
        self.assertEqual(out, b"via-login-node\n")

    def test_wrong_key_is_refused(self):
        argv = self.explicit_ssh(ENV["SSH_WRONG_KEY"], ENV["SSH_KNOWN_HOSTS"], "true")
        result = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
        self.assertEqual(result.returncode, 255)
        self.assertIn(b"Permission denied", result.stderr)

    def test_unknown_host_key_is_refused(self):
        with tempfile.NamedTemporaryFile() as empty_known_hosts:
            argv = self.explicit_ssh(ENV["SSH_KEY"], empty_known_hosts.name, "true")
            result = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
        self.assertEqual(result.returncode, 255)
        self.assertIn(b"Host key verification failed", result.stderr)

    def test_binary_stdin_stdout_intact(self):
        blob = bytes(range(256)) * 4096  # 1 MiB, every byte value
        for name, argv, env in (("srun", ["srun", "-u", "cat"], self.slurm_env()),
                                ("ssh", self.ssh("cat"), None)):
            with self.subTest(launcher=name):
                out = self.run_ok(argv, input=blob, env=env)
                self.assertEqual(len(out), len(blob))
                self.assertTrue(out == blob, f"{name} changed the bytes")

    def test_held_job_pends_until_cancelled(self):
        name = f"qtpyvenv-held-{uuid.uuid4().hex[:8]}"
        env = self.slurm_env()
        srun = subprocess.Popen(["srun", "-u", "-J", name, "--begin=now+1hour", "true"], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            def state():
                return self.run_ok(["squeue", "-h", "-n", name, "-o", "%T %r"], env=env).decode().strip()
            wait_until("the held job in squeue", lambda: state() != "")
            self.assertEqual(state(), "PENDING BeginTime")
            self.run_ok(["scancel", "-n", name], env=env)
            _, stderr = srun.communicate(timeout=30)
            self.assertIn(b"queued and waiting for resources", stderr)
            self.assertNotEqual(srun.returncode, 0)
            wait_until("the cancelled job to leave squeue", lambda: state() == "")
        finally:
            if srun.poll() is None:
                srun.kill()
                srun.wait()

    def assert_killing_client_ends_remote(self, launch, env=None):
        marker = f"qtpyvenv-marker-{uuid.uuid4().hex}"
        client = subprocess.Popen(launch(["python3", "-c", STDIN_READER, marker]), env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_until("the remote process", lambda: python_processes_with(marker))
            client.send_signal(signal.SIGKILL)
            client.wait()
            wait_until("the remote process to end", lambda: not python_processes_with(marker))
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
            client.stdin.close()

    # Without a pty, sshd signals nothing to the session when the client goes: only the end of
    # its stdin ends a remote process (one that ignores stdin outlives the session). srun's
    # step ends either way.
    def test_killing_ssh_ends_the_remote_process(self):
        # ssh joins its arguments into one string for the remote shell: quote them.
        self.assert_killing_client_ends_remote(lambda remote: self.ssh(shlex.join(remote)))

    def test_killing_srun_ends_the_remote_process(self):
        self.assert_killing_client_ends_remote(lambda remote: ["srun", "-u", *remote], self.slurm_env())


if __name__ == "__main__":
    env_file = os.environ.get("QTPYVENV_REMOTE_ENV", "")
    if not os.path.isfile(env_file):
        print(f"remote tests skipped: no fixture env file ({env_file or 'QTPYVENV_REMOTE_ENV unset'})")
        sys.exit(SKIP_CODE)
    ENV.update(read_env(env_file))
    unittest.main()
