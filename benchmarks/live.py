"""What a user of `feeds serve` waits for, timed from outside, on whole processes.

    python -m benchmarks.live --data DIR [--runs 5] [--cpus 0] [--watch auto|poll]

prints one JSON object (seconds and megabytes, medians of `runs`):

- ``bare_parse_s``: the PyYAML C-loader parse of every article file, in a fresh process;
- ``first_feed_s``: `feeds serve` spawned, with an empty parse cache, until /feed.atom
  answers 200 (``first_feed_warm_s``: with the cache a previous server left);
- ``meta_edit_s``: authors.yaml renames the author of the newest article, until /feed.atom
  shows the new name; ``article_edit_s``: the same for the newest article's title;
- ``memory_mb``: the server's resident memory after every subscription feed (each feed in
  feeds.opml, in every format) was requested, and ``yaml_mb``, the bytes in the YAML files.

`--cpus 0` runs the server (and the bare parse) under `taskset -c 0`, on one core. The
functions are the interface for a harness: bare_parse(), first_feed(), edit_until_live(),
memory_after_every_feed(), each taking the data folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

BARE = """
import os, sys, time, yaml
start = time.perf_counter()
for folder, _, names in os.walk(os.path.join(sys.argv[1], "articles")):
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            yaml.load(f.read(), Loader=yaml.CSafeLoader)
print(time.perf_counter() - start)
"""


def _pinned(cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus] if cpus else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except OSError:
        return 0, b""


@contextlib.contextmanager
def serving(
    data: Path, cache: str = "off", cpus: str | None = None, watch: str = "auto"
) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """Run `feeds serve`; yield the process, its base URL and the seconds to the first 200."""
    port = _free_port()
    env = {**os.environ, "FEEDS_CACHE_DIR": cache, "FEEDS_WATCH": watch}
    command = [sys.executable, "-c", "from feeds.cli import main; main()"]
    command += ["serve", "--data", str(data)]
    start = time.perf_counter()
    server = subprocess.Popen(
        [*_pinned(cpus), *command, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while _get(base + "/feed.atom")[0] != 200:
            if server.poll() is not None:
                raise RuntimeError("feeds serve stopped before its first feed")
            time.sleep(0.005)
        yield server, base, time.perf_counter() - start
    finally:
        server.terminate()
        server.wait()


def bare_parse(data: Path, cpus: str | None = None) -> float:
    """Return the seconds of the bare C-loader parse of every article, in a fresh process."""
    command = [*_pinned(cpus), sys.executable, "-c", BARE, str(data)]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def first_feed(data: Path, warm: bool = False, cpus: str | None = None) -> float:
    """Return the seconds from spawning `feeds serve` to its first feed (one run)."""
    with tempfile.TemporaryDirectory() as cache:
        if warm:
            with serving(data, cache, cpus):
                pass
            _save_cache(data, cache)
        with serving(data, cache, cpus) as (_, _, seconds):
            return seconds


def _save_cache(data: Path, cache: str) -> None:
    script = "import sys; from feeds.store import Store; s = Store(sys.argv[1]); "
    script += "s.refresh(); s.save_cache()"
    env = {**os.environ, "FEEDS_CACHE_DIR": cache}
    subprocess.run([sys.executable, "-c", script, str(data)], env=env, check=True)


def _newest_author_and_title(feed: bytes) -> tuple[str, str]:
    entry = feed.split(b"<entry>", 1)[1]
    name = re.search(rb"<name>(.*?)</name>", entry)[1].decode()
    title = re.search(rb"<title>(.*?)</title>", entry)[1].decode()
    return name, title


def edit_until_live(
    data: Path, runs: int = 5, what: str = "meta", cpus: str | None = None, watch: str = "auto"
) -> list[float]:
    """Return, per run, the seconds from an edit (authors.yaml renaming the newest article's
    first author, or that article's title) until /feed.atom shows it; the files are put
    back after."""
    times: list[float] = []
    authors = data / "authors.yaml"
    original = authors.read_text(encoding="utf-8")
    with serving(data, cpus=cpus, watch=watch) as (_, base, _):
        name, title = _newest_author_and_title(_get(base + "/feed.atom")[1])
        article = _file_titled(data, title) if what == "article" else None
        before = article.read_text(encoding="utf-8") if article else ""
        try:
            for run in range(runs):
                time.sleep(1.5)  # apart, so that each edit starts from a settled server
                new = f"{name} R{run}" if what == "meta" else f"{title} R{run}"
                start = time.perf_counter()
                if article is None:
                    authors.write_text(original.replace(f"name: {name}\n", f"name: {new}\n"))
                else:
                    article.write_text(before.replace(f"title: {title}", f"title: {new}", 1))
                marker = f"<{'name' if article is None else 'title'}>{new}<".encode()
                while marker not in _get(base + "/feed.atom")[1]:
                    if time.perf_counter() - start > 30:
                        raise RuntimeError("the edit never showed")
                    time.sleep(0.01)
                times.append(time.perf_counter() - start)
        finally:
            authors.write_text(original, encoding="utf-8")
            if article is not None:
                article.write_text(before, encoding="utf-8")
    return times


def _file_titled(data: Path, title: str) -> Path:
    for path in (data / "articles").rglob("*.yaml"):
        if f"title: {title}\n" in path.read_text(encoding="utf-8"):
            return path
    raise RuntimeError(f"no article file has the title {title!r}")


def memory_after_every_feed(data: Path, cpus: str | None = None) -> float:
    """Return the server's resident megabytes after every subscription feed was requested."""
    with serving(data, cpus=cpus) as (server, base, _):
        opml = _get(base + "/feeds.opml")[1].decode()
        site = re.search(r'xmlUrl="(https?://[^/"]+)', opml)[1]
        for url in sorted(set(re.findall(r'xmlUrl="([^"]+)"', opml))):
            path = url.replace("&amp;", "&")[len(site) :]
            for fmt in ("rss", "atom", "json"):
                _get(base + path.rsplit(".", 1)[0] + "." + fmt, timeout=60)
        status = Path(f"/proc/{server.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024


def yaml_megabytes(data: Path) -> float:
    return sum(p.stat().st_size for p in data.rglob("*.y*ml")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live", description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpus", help="taskset's CPU list for the server, e.g. 0")
    parser.add_argument("--watch", default="auto", help="FEEDS_WATCH for the edit figures")
    parser.add_argument("--only", help="comma-separated figures: start,warm,edit,memory")
    args = parser.parse_args()
    only = set((args.only or "start,warm,edit,memory").split(","))
    figures: dict[str, float] = {"yaml_mb": yaml_megabytes(args.data)}
    if "start" in only:
        figures["bare_parse_s"] = statistics.median(
            bare_parse(args.data, args.cpus) for _ in range(args.runs)
        )
        figures["first_feed_s"] = statistics.median(
            first_feed(args.data, cpus=args.cpus) for _ in range(args.runs)
        )
    if "warm" in only:
        figures["first_feed_warm_s"] = statistics.median(
            first_feed(args.data, warm=True, cpus=args.cpus) for _ in range(args.runs)
        )
    if "edit" in only:
        for what in ("meta", "article"):
            times = edit_until_live(args.data, args.runs, what, args.cpus, args.watch)
            figures[f"{what}_edit_s"] = statistics.median(times)
            figures[f"{what}_edit_max_s"] = max(times)
    if "memory" in only:
        figures["memory_mb"] = memory_after_every_feed(args.data, args.cpus)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
