"""Requests per second under gunicorn, the app against a minimal WSGI app, with wrk."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from feeds.publisher import Publisher
from feeds.reloader import FIRST_SAVE_AFTER
from feeds.urls import feed_document

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


class Gunicorn:
    """A gunicorn serving app_spec on a free loopback port, same settings for every app."""

    def __init__(self, app_spec: str, env: dict[str, str]):
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", str(WORKERS), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", app_spec],
            cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def wrk(url: str, seconds: int, headers: dict[str, str] | None = None) -> float:
    """Return requests per second measured by wrk (2 threads, 16 connections)."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors[1]} error responses from {url}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])


def wire_bytes(port: int, path: str, headers: dict[str, str]) -> int:
    """Return the bytes of one whole HTTP response, headers included."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        total = 0
        while chunk := conn.recv(65536):
            total += len(chunk)
    return total


def serving_figures(data: Path, seconds: int = 5) -> dict[str, float]:
    """Measure 200s and 304s for the site feed: the app, then the minimal app."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    publisher = Publisher(data, poll_interval=0)
    view, _ = publisher.view()
    document = publisher.document(view, feed_document("site", "", "atom"))
    representation = document.identity
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch) / "document.json"
        saved.write_text(json.dumps({
            "body": base64.b64encode(representation.body).decode(),
            "etag": representation.etag,
            "headers": [*representation.headers, ("Cache-Control", "public, max-age=300")],
            "not_modified_headers": [*representation.not_modified_headers,
                                     ("Cache-Control", "public, max-age=300")],
        }))  # fmt: skip
        conditional = {"If-None-Match": representation.etag}
        for name, spec, env in (
            ("app", "wsgi:app", {"FEEDS_DATA": str(data), "FEEDS_CACHE_DIR": scratch}),
            ("minimal", "benchmarks.minimal:app", {"BENCH_DOCUMENT": str(saved)}),
        ):
            with Gunicorn(spec, env) as server:
                url = f"{server.url}/feed.atom"
                wait_until_up(url)
                # Warm up: each worker renders the feed, starts its reload thread and
                # writes the parse cache once (FIRST_SAVE_AFTER seconds after it starts),
                # which would otherwise count against it.
                wrk(url, int(FIRST_SAVE_AFTER) + 3)
                figures[f"{name}_200_rps"] = wrk(url, seconds)
                figures[f"{name}_304_rps"] = wrk(url, seconds, conditional)
                figures[f"{name}_304_bytes"] = wire_bytes(server.port, "/feed.atom", conditional)
    publisher.close()
    figures["ratio_200"] = figures["app_200_rps"] / figures["minimal_200_rps"]
    figures["ratio_304"] = figures["app_304_rps"] / figures["minimal_304_rps"]
    return figures
