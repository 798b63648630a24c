"""A real OpenSSH server on loopback for the tunnel tests.

Made fresh per test session: a host key and a user key generated for the
test, a non-default port, public-key login for the current user.  ``.ci/run``
installs Debian's ``openssh-server``; without ``sshd`` the tests that need it
fail with a message that says so (they are not skipped: CI must run them).

Password login (what users of a cluster often have): :class:`PasswordUser`
makes a system user with a random password (``useradd``/``chpasswd``, root
only), and ``SSHServer(root, password_users=[name])`` allows password login
for those users alone (a ``Match User`` block in the test server's own
config; the system's sshd config is never touched).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")


def find_sshd() -> str | None:
    for path in SSHD_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("sshd")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SSHServer:
    """sshd -D on 127.0.0.1:port; ``options`` are the client options that trust it."""

    def __init__(self, root: Path, password_users: tuple | list = (), *, pam: bool = False):
        sshd = find_sshd()
        if sshd is None:
            raise RuntimeError("sshd not found: install openssh-server (.ci/run does)")
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o700)
        self.port = _free_port()
        self.host_key = root / "host_ed25519"
        self.user_key = root / "user_ed25519"
        for key in (self.host_key, self.user_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                           check=True)
        self.authorized = root / "authorized_keys"
        self.authorized.write_text(self.user_key.with_suffix(".pub").read_text())
        os.chmod(self.authorized, 0o600)
        self.known_hosts = root / "known_hosts"
        host_pub = self.host_key.with_suffix(".pub").read_text().split()
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n")
        self.log = root / "sshd.log"
        config = root / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {self.host_key}",
            f"AuthorizedKeysFile {self.authorized}",
            f"PidFile {root / 'sshd.pid'}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "StrictModes no",
            f"UsePAM {'yes' if pam else 'no'}",
            "AllowTcpForwarding yes",
            "PermitOpen any",
            "MaxStartups 100",
            "MaxSessions 100",
            "LogLevel VERBOSE",
        ] + [  # password login for the users made for the test, and them alone
            line for user in password_users for line in (
                f"Match User {user}",
                # with PAM, the password is asked as keyboard-interactive (as on
                # many clusters), else as the "password" method
                f"    PasswordAuthentication {'no' if pam else 'yes'}",
                f"    KbdInteractiveAuthentication {'yes' if pam else 'no'}")
        ]) + "\n")
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation dir
        self.process = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)],
                                        stdout=subprocess.DEVNULL,
                                        stderr=open(self.log, "wb"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("sshd exited: " + self.log.read_text()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("sshd did not listen within 10 s")
        self.user = os.environ.get("USER") or __import__("getpass").getuser()
        self.server = f"{self.user}@127.0.0.1:{self.port}"
        self.options = [f"UserKnownHostsFile={self.known_hosts}", "StrictHostKeyChecking=yes",
                        "GlobalKnownHostsFile=/dev/null"]

    def add_user_key(self, name: str, passphrase: str = "") -> Path:
        """Another user key (protected by ``passphrase``) that the server accepts."""
        key = self.root / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", str(key)],
                       check=True)
        with open(self.authorized, "a") as f:
            f.write(key.with_suffix(".pub").read_text())
        return key

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


class PasswordUser:
    """A system user made for the test, with a random password (root only).

    ``name`` (``ecpw-`` and random hex), ``password`` (random, with a space
    and shell-special characters: quoting bugs show), a shell (``/bin/sh``:
    the tunnel's remote command needs one) and a home in the temporary
    directory.  :meth:`remove` deletes the user and its home."""

    def __init__(self):
        if os.geteuid() != 0:
            raise PermissionError("making a system user needs root")
        for tool in ("useradd", "chpasswd", "userdel"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} not found (Debian's passwd package)")
        self.name = f"ecpw-{secrets.token_hex(4)}"
        self.password = f"{secrets.token_urlsafe(12)} $'\"x\\{secrets.token_hex(2)}"
        self.home = os.path.join(tempfile.gettempdir(), self.name)
        subprocess.run(["useradd", "--create-home", "--home-dir", self.home,
                        "--shell", "/bin/sh", "--user-group", self.name],
                       check=True, capture_output=True)
        try:
            # the password goes through a pipe, never argv
            subprocess.run(["chpasswd"], input=f"{self.name}:{self.password}\n".encode(),
                           check=True, capture_output=True)
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        # userdel refuses while a session of the user still ends: wait, then force
        for attempt in range(50):
            force = ["--force"] if attempt == 49 else []
            done = subprocess.run(["userdel", "--remove", *force, self.name],
                                  capture_output=True)
            if done.returncode in (0, 6):  # removed / no such user
                break
            time.sleep(0.1)
        shutil.rmtree(self.home, ignore_errors=True)


def non_loopback_ip() -> str | None:
    """This machine's first non-loopback IPv4 address (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") else ip
