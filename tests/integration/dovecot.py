"""A private Dovecot IMAP server for tests: its own config, ports, passwd-file user and maildir in a temp dir.

Debian's ``dovecot-imapd`` is installed when missing and we are root (``apt-get install``); without it the tests
skip with the reason, except under ``CI=true`` where they must run. The server listens on 127.0.0.1 only: plain
IMAP with STARTTLS on one port, implicit TLS on another, with a self-signed certificate made for 127.0.0.1 (tests
trust it through ``SSL_CERT_FILE``).
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = "/usr/sbin/dovecot"
USER = "support@example.ru"
PASSWORD = "s3cret-pass"
START_TIMEOUT = 20.0


def _install() -> str | None:
    """Install Dovecot if we may; the reason it is unavailable otherwise."""
    if Path(DOVECOT).exists():
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "Dovecot is not installed (apt-get install dovecot-imapd needs root)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(
        ["apt-get", "install", "-y", "-q", "dovecot-imapd"], env=env, capture_output=True, timeout=600, check=False
    )
    if result.returncode != 0 or not Path(DOVECOT).exists():
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600, check=False)
        result = subprocess.run(
            ["apt-get", "install", "-y", "-q", "dovecot-imapd"], env=env, capture_output=True, timeout=600, check=False
        )
    if not Path(DOVECOT).exists():
        return f"apt-get install dovecot-imapd failed: {result.stderr.decode(errors='replace')[-500:]}"
    return None


def require_dovecot() -> None:
    reason = _install()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Dovecot is required under CI=true: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    imap_port: int
    imaps_port: int
    cert: Path
    process: subprocess.Popen[bytes]

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=5)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        """Put a message in the user's folder, as a mail server delivering it would (APPEND, unseen)."""
        client = self.client()
        try:
            status, data = client.append(folder, f"({flags})" if flags else None, None, raw)
            assert status == "OK", data
        finally:
            client.logout()

    def create_folder(self, encoded_name: str) -> None:
        client = self.client()
        try:
            client.create(encoded_name)
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, str]:
        """UID → flags of every message in the folder."""
        client = self.client()
        try:
            client.select(folder, readonly=True)
            _status, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
            out: dict[int, str] = {}
            for line in data:
                if isinstance(line, bytes) and b"UID" in line:
                    text = line.decode()
                    uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                    out[uid] = text.split("FLAGS (", 1)[1].split(")", 1)[0]
            return out
        finally:
            client.logout()

    def count(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            _status, data = client.select(folder, readonly=True)
            return int(data[0] or 0)
        finally:
            client.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def _certificate(root: Path) -> tuple[Path, Path]:
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def _config(root: Path, imap_port: int, imaps_port: int, cert: Path, key: Path) -> Path:
    if os.geteuid() == 0:
        internal, login = "dovecot", "dovenull"
        mail_user = pwd.getpwnam("nobody")
    else:
        internal = login = pwd.getpwuid(os.geteuid()).pw_name
        mail_user = pwd.getpwuid(os.geteuid())
    home = root / "home"
    home.mkdir()
    if os.geteuid() == 0:
        os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
    for name in ("run", "state"):
        (root / name).mkdir()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    os.chmod(root, 0o755)  # noqa: S103 — the unprivileged mail processes read the maildir below
    config = root / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain login
disable_plaintext_auth = no
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={home}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
    )
    return config


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    require_dovecot()
    # Not pytest's tmp_path: Dovecot's unprivileged processes must be able to reach the maildir (0700 parents).
    root = Path(tempfile.mkdtemp(prefix="hotline-dovecot-"))
    cert, key = _certificate(root)
    imap_port, imaps_port = free_port(), free_port()
    config = _config(root, imap_port, imaps_port, cert, key)
    output = (root / "stdout.log").open("wb")
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Dovecot(root, imap_port, imaps_port, cert, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                server.client().logout()
                break
            except (OSError, imaplib.IMAP4.error) as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    started = (root / "stdout.log").read_text(errors="replace")
                    pytest.fail(f"Dovecot did not start: {exc}\n{started}\n{server.log()}")
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        output.close()
        shutil.rmtree(root, ignore_errors=True)
