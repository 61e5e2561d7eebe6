"""Real servers for the deployment tests: gunicorn and nginx on 127.0.0.1, always stopped.

Each server is a child process in its own session with its output in a log file; stopping
it signals its master (which stops its workers), waits, then SIGKILLs the whole process
group if the master is still there. Every wait is bounded, and a server that dies or never
answers fails the test with the end of its log.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import NoReturn

import pytest

from tests.helpers import unavailable

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
SCRIPTS = Path(sys.executable).parent  # the venv's bin/, holding gunicorn and feeds
INSTALL_HINT = (
    "install Debian's nginx (apt-get install nginx, as .ci/run does) and the project "
    "with its dependencies (pip install -e '.[test]')"
)
START_SECONDS = 15
STOP_SECONDS = 10


def missing(what: str) -> NoReturn:
    """Skip the calling test for want of a server; under CI=true fail it, so CI never skips."""
    unavailable(f"deployment test needs {what}; {INSTALL_HINT}")


def find_nginx() -> Path:
    """Return nginx's path, or skip (fail under CI)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        missing("nginx (on PATH or in /usr/sbin)")
    return Path(found)


def find_script(name: str) -> Path:
    """Return the path of a console script installed beside this Python, or skip."""
    path = SCRIPTS / name
    if not os.access(path, os.X_OK):
        missing(f"{path}")
    return path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render(template: Path, target: Path, values: Mapping[str, str]) -> Path:
    """Fill a deploy/ template's ${NAME} placeholders (as envsubst would) into target."""
    text = template.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    for line in text.splitlines():
        if "${" in line and not line.lstrip().startswith("#"):
            raise AssertionError(f"{template.name}: unfilled placeholder in {line.strip()!r}")
    target.write_text(text, encoding="utf-8")
    return target


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    # The names of Flask's test responses, so that tests.helpers.assert_304 takes both.
    @property
    def status_code(self) -> int:
        return self.status

    @property
    def data(self) -> bytes:
        return self.body


def request(
    url: str, path: str, headers: Mapping[str, str] | None = None, method: str = "GET"
) -> Response:
    """Make one request on a fresh connection (closed after it) and return the response.

    http.client sends Accept-Encoding: identity unless the headers name another."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class Server:
    """A started server process, its log, and how to stop it."""

    def __init__(
        self,
        name: str,
        command: list[str],
        log: Path,
        *,
        stop_signal: signal.Signals = signal.SIGTERM,
        **popen,
    ):
        self.name = name
        self.log = log
        self.stop_signal = stop_signal
        self._log_file = log.open("wb")
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for stopping its workers too
                **popen,
            )
        except BaseException:
            self._log_file.close()
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 40) -> str:
        """Return the end of the server's log, for failure messages."""
        self._log_file.flush()
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def wait_until_up(self, url: str, path: str) -> None:
        """Wait (bounded) until GET path gets an answer, and fail with the log unless 200."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            try:
                status = request(url, path).status
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
                continue
            if status != 200:
                pytest.fail(f"{self.name} answered {path} with {status}:\n{self.tail()}")
            return
        pytest.fail(f"{self.name} did not answer {path} in {START_SECONDS} s:\n{self.tail()}")

    def stop(self) -> None:
        """Stop the server: its stop signal (its master stops its workers), a bounded wait,
        then SIGKILL to its whole process group."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(self.stop_signal)
                try:
                    self.process.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    # Not reaped yet, so its pid still names its group and nothing else.
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(STOP_SECONDS)
        finally:
            self._log_file.close()


@contextlib.contextmanager
def gunicorn(data: Path, log: Path, *, workers: int = 2) -> Iterator[tuple[Server, str]]:
    """Run deploy/gunicorn.conf.py over a data folder; yield the server and its base URL."""
    executable = find_script("gunicorn")
    port = free_port()
    env = {
        **os.environ,
        "FEEDS_DATA": str(data),
        "FEEDS_BIND": f"127.0.0.1:{port}",
        "FEEDS_WORKERS": str(workers),
    }
    server = Server(
        "gunicorn", [str(executable), "-c", str(DEPLOY / "gunicorn.conf.py")], log,
        stop_signal=signal.SIGINT,  # quick shutdown; TERM would wait out keep-alive polls
        cwd=REPO, env=env,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        server.wait_until_up(url, "/healthz")
        yield server, url
    finally:
        server.stop()


@contextlib.contextmanager
def nginx(
    template: str, values: Mapping[str, str], home: Path, *, probe: str = "/feed.rss"
) -> Iterator[tuple[Server, str]]:
    """Run nginx with a deploy/ template filled in; yield the server and its base URL.

    Everything nginx writes (pid, temporary files, cache, log) stays under home."""
    executable = find_nginx()
    port = free_port()
    state = home / "state"
    state.mkdir(parents=True, exist_ok=True)
    config = render(
        DEPLOY / template,
        home / "nginx.conf",
        {"NGINX_LISTEN": f"127.0.0.1:{port}", "NGINX_STATE": str(state), **values},
    )
    directives = f"daemon off; pid {home / 'nginx.pid'};"
    if os.geteuid() == 0:
        # Otherwise the workers become `nobody`, who cannot enter pytest's private temp dirs.
        directives += " user root;"
    server = Server(
        "nginx",
        [str(executable), "-p", str(home), "-c", str(config), "-g", directives],
        home / "nginx.log",
    )
    try:
        url = f"http://127.0.0.1:{port}"
        server.wait_until_up(url, probe)
        yield server, url
    finally:
        server.stop()


def worker_pids(master: int) -> set[int]:
    """Return the pids of a process's children, read from /proc."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # Field 4 of stat is the parent pid; the name (field 2) may hold spaces.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master:
                children.add(int(entry.name))
    return children
