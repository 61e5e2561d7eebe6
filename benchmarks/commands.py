"""What users wait for, timed from the outside: the commands as whole processes.

Every figure is the median of several runs, each in new processes, and is given beside
the bare PyYAML C-loader parse of the same files measured in the same run (the ceiling),
as a ratio to it. Servers listen on free loopback ports and are stopped by their own
process group.
"""

from __future__ import annotations

import compileall
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.load import GUNICORN, ROOT, free_port

FEEDS = [sys.executable, "-m", "feeds.cli"]

BARE_PARSE = """
import os, sys, time, yaml
start = time.perf_counter()
for folder, _, names in os.walk(os.path.join(sys.argv[1], "articles")):
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            yaml.load(f.read(), Loader=yaml.CSafeLoader)
print(time.perf_counter() - start)
"""

# One poll of the reloader with nothing changed: what every poll costs a server.
POLL = """
import statistics, sys, time
from feeds.publisher import Publisher
publisher = Publisher(sys.argv[1], poll_interval=0)
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    publisher.store.refresh()
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def pinned(cpus: str | None) -> list[str]:
    """Return the command prefix that runs a process on the given CPUs (taskset), if any."""
    return ["taskset", "-c", cpus] if cpus is not None else []


@contextmanager
def busy(cpus: str) -> Iterator[None]:
    """Keep the given CPUs busy with a spinning process, as another program would."""
    with process([*pinned(cpus), sys.executable, "-c", "while True: pass"], dict(os.environ)):
        time.sleep(0.2)  # running before what is measured starts
        yield


def _env(cache: Path | str, **extra: str) -> dict[str, str]:
    # The repository first on the path, so the code measured is this checkout's; its
    # bytecode cached, as an installed package has it (pip compiles on install; a shell
    # with PYTHONDONTWRITEBYTECODE set would have every command compile the package's
    # 60 modules again, 0.1-0.15 s, which no installed copy does).
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "FEEDS_CACHE_DIR": str(cache), **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_package() -> None:
    """Write the package's bytecode, as installing it does, before anything is timed."""
    compileall.compile_dir(ROOT / "feeds", quiet=1)


def bare_parse(root: Path, cpus: str | None = None) -> float:
    """Return the seconds the bare C-loader parse of every article takes, in a new process."""
    command = [*pinned(cpus), sys.executable, "-c", BARE_PARSE, str(root)]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def fetch(url: str, timeout: float = 10) -> tuple[int, bytes]:
    """Return a GET's status and body (0 and nothing when the server is not up yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except OSError:
        return 0, b""


def wait_for(condition: Callable[[], bool], timeout: float = 300, step: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(step)
    raise RuntimeError("timed out waiting for a server")


@contextmanager
def process(command: list[str], env: dict[str, str], **options) -> Iterator[subprocess.Popen]:
    """Run a command in its own process group; stop the group on leaving."""
    options.setdefault("stdout", subprocess.DEVNULL)
    options.setdefault("stderr", subprocess.DEVNULL)
    child = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, **options)
    try:
        yield child
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def serve_command(root: Path, port: int, cpus: str | None = None) -> list[str]:
    return [*pinned(cpus), *FEEDS, "serve", "--data", str(root), "--port", str(port)]


def first_feed(root: Path, cache: Path | str, cpus: str | None = None) -> float:
    """Return the seconds from spawning `feeds serve` (on `cpus`, if given) to its first
    200 for /feed.atom."""
    port = free_port()
    started = time.perf_counter()
    with process(serve_command(root, port, cpus), _env(cache)):
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/feed.atom")[0] == 200)
        return time.perf_counter() - started


def leave_cache(root: Path, cache: Path) -> None:
    """Run a server until it has written the parse cache, as a previous server would."""
    port = free_port()
    with process(serve_command(root, port), _env(cache)):
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/feed.atom")[0] == 200)
        wait_for(lambda: any(cache.glob("*.pickle")), timeout=120, step=0.1)


def gunicorn_ready(root: Path, cache: Path | str, workers: int = 2) -> float:
    """Return the seconds from starting gunicorn with deploy/gunicorn.conf.py until every
    worker has answered a feed (told apart by the pid in the access log)."""
    port = free_port()
    env = _env(cache, FEEDS_DATA=str(root), FEEDS_BIND=f"127.0.0.1:{port}",
               FEEDS_WORKERS=str(workers))  # fmt: skip
    command = [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "--access-logformat", "%(p)s %(s)s"]
    answered: set[str] = set()
    started = time.perf_counter()
    with process(command, env, stdout=subprocess.PIPE) as server:

        def read_log() -> None:
            for line in server.stdout:  # type: ignore[union-attr]
                pid_status = re.match(rb"<(\d+)> 200", line)
                if pid_status:
                    answered.add(pid_status[1].decode())

        threading.Thread(target=read_log, daemon=True).start()

        def all_answered() -> bool:
            threads = [
                threading.Thread(target=fetch, args=(f"http://127.0.0.1:{port}/feed.atom",))
                for _ in range(2 * workers)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return len(answered) >= workers

        wait_for(all_answered, step=0.02)
        return time.perf_counter() - started


def build(root: Path, out: Path, cache: Path | str) -> float:
    """Return the seconds `feeds build OUT` takes as a whole process."""
    started = time.perf_counter()
    command = [*FEEDS, "build", str(out), "--data", str(root)]
    subprocess.run(command, env=_env(cache), capture_output=True, check=True)
    return time.perf_counter() - started


class Retitler:
    """Changes the title of one article, the newest (in the site feed), a new way each time."""

    def __init__(self, root: Path):
        self.path = sorted((root / "articles").rglob("*.yaml"))[-1]
        self.original = self.path.read_text(encoding="utf-8")
        self.count = 0

    def edit(self) -> str:
        self.count += 1
        marker = f"Retitled {self.count} {time.monotonic_ns()}"
        self.path.write_text(self.original.replace("title: ", f"title: {marker} ", 1), "utf-8")
        return marker

    def restore(self) -> None:
        self.path.write_text(self.original, encoding="utf-8")


def until_live(root: Path, cache: Path, runs: int, watch: str = "auto") -> dict[str, float]:
    """Return the median seconds from an edit saved to the change showing in the site
    feed of a running `feeds serve`: an article's title, and an author's name. `watch` is
    FEEDS_WATCH: auto (inotify on Linux) or poll (the fallback)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/feed.atom"
    authors = root / "authors.yaml"
    original_authors = authors.read_text(encoding="utf-8")
    article = Retitler(root)
    article_times: list[float] = []
    author_times: list[float] = []
    with process(serve_command(root, port), _env(cache, FEEDS_WATCH=watch)):
        wait_for(lambda: fetch(url)[0] == 200)
        try:
            for run in range(runs):
                time.sleep(1)  # a server between edits, not one edit on another's heels
                marker = article.edit().encode()
                started = time.perf_counter()
                wait_for(lambda m=marker: m in fetch(url)[1], timeout=60)
                article_times.append(time.perf_counter() - started)
                time.sleep(1)
                name = f"Renamed {run} {time.monotonic_ns()}"
                # Every author: whoever wrote the newest articles, the feed shows the change.
                authors.write_text(
                    re.sub(r"^  name: .*$", f"  name: {name}", original_authors, flags=re.M),
                    encoding="utf-8",
                )
                expected = name.encode()
                started = time.perf_counter()
                wait_for(lambda n=expected: n in fetch(url)[1], timeout=60)
                author_times.append(time.perf_counter() - started)
        finally:
            article.restore()
            authors.write_text(original_authors, encoding="utf-8")
    suffix = "" if watch == "auto" else f"_{watch}"
    return {
        f"article_edit_live{suffix}_s": statistics.median(article_times),
        f"authors_edit_live{suffix}_s": statistics.median(author_times),
    }


def served_memory(root: Path, cache: Path | str) -> float:
    """Return the resident bytes of `feeds serve` after every subscription feed, in every
    format, was requested once (read from /proc)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with process(serve_command(root, port), _env(cache)) as server:
        wait_for(lambda: fetch(f"{base}/feed.atom")[0] == 200)
        _, opml = fetch(f"{base}/feeds.opml")
        site = re.search(rb'xmlUrl="(https?://[^/"]+)', opml)[1].decode()
        for feed_url in re.findall(rb'xmlUrl="([^"]+)"', opml):
            path = feed_url.decode().removeprefix(site).removesuffix(".rss")
            for fmt in ("rss", "atom", "json"):
                status, _ = fetch(f"{base}{path}.{fmt}", timeout=60)
                if status != 200:
                    raise RuntimeError(f"{path}.{fmt} answered {status}")
        with open(f"/proc/{server.pid}/status", encoding="ascii") as status_file:
            return next(
                int(line.split()[1]) * 1024 for line in status_file if line.startswith("VmRSS:")
            )


def poll_cost(root: Path, cache: Path | str, polls: int = 10) -> float:
    command = [sys.executable, "-c", POLL, str(root), str(polls)]
    result = subprocess.run(command, env=_env(cache), capture_output=True, text=True, check=True)
    return float(result.stdout)


def command_figures(root: Path, runs: int) -> dict[str, float]:
    """Measure every command figure on a data folder, with the bare parse of the same run."""
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    compile_package()
    with tempfile.TemporaryDirectory(prefix="feeds-bench-") as scratch_name:
        scratch = Path(scratch_name)
        for run in range(runs):
            add("bare_parse_s", bare_parse(root))
            empty = scratch / f"empty-{run}"
            add("serve_first_feed_cold_s", first_feed(root, empty))
            # On one core, against the bare parse on that core; then with the other core
            # taken by another program: the first feed must not wait for a free core.
            add("bare_parse_one_core_s", bare_parse(root, "0"))
            add("serve_first_feed_one_core_s", first_feed(root, scratch / f"one-{run}", "0"))
            if (os.cpu_count() or 1) > 1:
                with busy("1"):
                    add("serve_first_feed_busy_s", first_feed(root, scratch / f"busy-{run}"))
            warm = scratch / f"warm-{run}"
            leave_cache(root, warm)
            add("serve_first_feed_warm_s", first_feed(root, warm))
            add("gunicorn_every_worker_s", gunicorn_ready(root, scratch / f"gunicorn-{run}"))
            out, cache = scratch / f"out-{run}" / "public", scratch / f"build-{run}"
            add("build_cold_s", build(root, out, cache))
            retitler = Retitler(root)
            try:
                retitler.edit()
                add("build_after_title_edit_s", build(root, out, cache))
            finally:
                retitler.restore()
            # A new hire added to authors.yaml: the parse cache was written under the old
            # file; the articles resolve alike and are not read again.
            authors = root / "authors.yaml"
            original_authors = authors.read_text(encoding="utf-8")
            try:
                hire = f"- slug: new-hire-{run}\n  name: New Hire {run}\n"
                authors.write_text(f"{original_authors.rstrip()}\n{hire}", encoding="utf-8")
                add("build_after_new_author_s", build(root, out, cache))
            finally:
                authors.write_text(original_authors, encoding="utf-8")
            shutil.rmtree(out.parent, ignore_errors=True)
        for watch in ("auto", "poll"):
            for name, value in until_live(root, scratch / f"live-{watch}", runs, watch).items():
                add(name, value)
        add("serve_memory_bytes", served_memory(root, "off"))
        add("poll_s", poll_cost(root, warm))
    return {name: statistics.median(values) for name, values in figures.items()}


def report_commands(f: dict[str, float], runs: int, data_bytes: float) -> None:
    parse = f["bare_parse_s"]
    print(f"  commands, as whole processes (median of {runs}; bare parse {parse * 1000:,.0f} ms):")
    rows = [
        ("feeds serve: spawn to first feed, empty cache", "serve_first_feed_cold_s"),
        ("feeds serve: spawn to first feed, cache left", "serve_first_feed_warm_s"),
        ("gunicorn (deploy/): start until every worker answers", "gunicorn_every_worker_s"),
        ("feeds build OUT, cold", "build_cold_s"),
        ("feeds build OUT again, one title changed", "build_after_title_edit_s"),
        ("feeds build OUT again, a new author in authors.yaml", "build_after_new_author_s"),
        ("an article edit live in feeds serve", "article_edit_live_s"),
        ("an authors.yaml edit live in feeds serve", "authors_edit_live_s"),
        ("one poll (the fallback to inotify), nothing changed", "poll_s"),
    ]
    for label, key in rows:
        print(f"    {label:<54} {f[key] * 1000:>9,.1f} ms  {f[key] / parse:5.2f}x")
    one = f["serve_first_feed_one_core_s"] / f["bare_parse_one_core_s"]
    print(
        f"    {'feeds serve: first feed, empty cache, on one core':<54} "
        f"{f['serve_first_feed_one_core_s'] * 1000:>9,.1f} ms  {one:5.2f}x the parse on it"
    )
    if "serve_first_feed_busy_s" in f:
        busy_ratio = f["serve_first_feed_busy_s"] / parse
        print(
            f"    {'feeds serve: first feed, empty cache, other core busy':<54} "
            f"{f['serve_first_feed_busy_s'] * 1000:>9,.1f} ms  {busy_ratio:5.2f}x"
        )
    for label, key in (
        ("an article edit live, polling (FEEDS_WATCH=poll)", "article_edit_live_poll_s"),
        ("an authors.yaml edit live, polling", "authors_edit_live_poll_s"),
    ):
        print(f"    {label:<54} {f[key] * 1000:>9,.1f} ms  {f[key] / parse:5.2f}x")
    memory = f["serve_memory_bytes"]
    print(
        f"    {'feeds serve memory after every subscription feed':<54} {memory / 1e6:>9,.1f} MB  "
        f"{memory / data_bytes:5.2f}x the YAML bytes"
    )


if __name__ == "__main__":  # one data folder, for a quick look: python -m benchmarks.commands D
    print(json.dumps(command_figures(Path(sys.argv[1]), 1), indent=2))
