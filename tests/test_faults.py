"""Faults under a running server: files that vanish while being read, files and folders that
cannot be read, a data folder that disappears and comes back, and editors saving files while
pollers hammer every feed.

The contract under test (CONTRACT.md, Editing safety): a file with a problem never takes down
other articles or feeds; `feeds check` and /healthz name it; the server keeps serving the last
good version; edits show within 2 seconds.

Run with -s to see the tally of faults tried and the concurrent-edit figures.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from lxml import etree
from werkzeug.serving import make_server

import feeds.filestate
from feeds.web import create_app
from tests.editing import save_by_rename, save_in_place, save_truncate_then_write
from tests.helpers import FORMATS, publisher_of

from .hostile import (
    ATOM_NS,
    CONTENT_NS,
    article,
    assert_checked,
    errors,
    problems,
    put,
    read_every_feed,
    site_ids,
    tally_of,
)

TRIED: Counter[str] = Counter()
ARTICLE = "articles/2026/02/japan-nato-purl.yaml"
ARTICLE_ID = "tag:news.example.org,2026-02-10:japan-nato-purl"


_tally = tally_of(TRIED)


def refresh(app) -> None:
    publisher_of(app).refresh()


def titles(client) -> dict[str, str]:
    body = client.get("/feed.atom").data
    root = etree.fromstring(body)
    return {
        e.findtext(f"{ATOM_NS}id"): e.findtext(f"{ATOM_NS}title")
        for e in root.iter(f"{ATOM_NS}entry")
    }


# --- Files that vanish between the listing and the read ----------------------------------------


@pytest.fixture
def vanishing(monkeypatch):
    """Make the store's next read of the given files find them gone (deleted after the scan)."""
    targets: set[str] = set()
    original = feeds.filestate.read_text

    def read_text(path, rel, *args, **kwargs):
        if rel in targets:
            targets.discard(rel)
            if Path(path).is_dir():
                shutil.rmtree(path)
            else:
                Path(path).unlink()
        return original(path, rel, *args, **kwargs)

    monkeypatch.setattr(feeds.filestate, "read_text", read_text)
    return targets


def test_a_new_file_deleted_before_it_is_read_is_left_out(app, client, data_dir, vanishing):
    TRIED["file-vanishes-mid-read"] += 1
    before = site_ids(client)
    put(data_dir, "articles/brief.yaml", article(title="Brief"))
    vanishing.add("articles/brief.yaml")
    refresh(app)
    assert site_ids(client) == before
    [problem] = errors(client, "articles/brief.yaml")
    assert (problem["line"], problem["message"]) == (1, "file disappeared while it was being read")
    read_every_feed(app, client)
    refresh(app)  # the next poll finds it gone for good: no problem, no article
    assert errors(client, "articles/brief.yaml") == []
    assert site_ids(client) == before


def test_an_edited_file_deleted_before_it_is_read_keeps_then_loses_its_article(
    app, client, data_dir, vanishing
):
    TRIED["file-vanishes-mid-read"] += 1
    path = data_dir / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("title: Japan", "title: EDITED Japan"))
    vanishing.add(ARTICLE)
    before = titles(client)
    refresh(app)
    # Caught mid-delete: its last good version stays, with the problem on /healthz.
    assert titles(client) == before
    assert errors(client, ARTICLE)[0]["message"] == "file disappeared while it was being read"
    read_every_feed(app, client)
    refresh(app)  # deleting a file removes its article
    assert ARTICLE_ID not in titles(client)
    assert errors(client, ARTICLE) == []


def test_a_file_replaced_by_a_folder_mid_read_is_reported(app, client, data_dir, monkeypatch):
    TRIED["file-vanishes-mid-read"] += 1
    original = feeds.filestate.read_text
    rel = "articles/swapped.yaml"
    put(data_dir, rel, article(title="Swapped"))

    def read_text(path, name, *args, **kwargs):
        if name == rel and Path(path).is_file():
            Path(path).unlink()
            Path(path).mkdir()
        return original(path, name, *args, **kwargs)

    monkeypatch.setattr(feeds.filestate, "read_text", read_text)
    before = site_ids(client)
    refresh(app)
    assert site_ids(client) == before
    assert errors(client, rel)[0]["line"] == 1
    read_every_feed(app, client)


def test_check_reports_a_file_deleted_mid_read(data_dir, vanishing):
    TRIED["file-vanishes-mid-read"] += 1
    put(data_dir, "articles/brief.yaml", article(title="Brief"))
    vanishing.add("articles/brief.yaml")
    assert_checked(data_dir, "articles/brief.yaml", 1, "disappeared")


# --- Permission denied ---------------------------------------------------------------------------


@pytest.fixture
def deny(monkeypatch):
    """Return a function that makes a file or folder unreadable.

    chmod 000 does it for an ordinary user. Root reads through any mode (these tests often run
    as root in containers), so when a chmod'ed file is still readable, opening or listing it
    is made to raise PermissionError instead, as the kernel would for anyone else.
    """
    denied: set[str] = set()
    real_open, real_os_open, real_scandir = builtins.open, os.open, os.scandir

    def refuse(path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def fake_open(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike) and os.fspath(file) in denied:
            refuse(file)
        return real_open(file, *args, **kwargs)

    def fake_os_open(file, *args, **kwargs):
        if os.fspath(file) in denied:
            refuse(file)
        return real_os_open(file, *args, **kwargs)

    def fake_scandir(path="."):
        if os.fspath(path) in denied:
            refuse(path)
        return real_scandir(path)

    def make_unreadable(path: Path) -> str:
        path.chmod(0)
        try:
            if path.is_dir():
                real_scandir(path).close()
            else:
                real_open(path, "rb").close()
        except PermissionError:
            return "chmod 000"
        path.chmod(0o755 if path.is_dir() else 0o644)
        if not denied:
            monkeypatch.setattr(builtins, "open", fake_open)
            monkeypatch.setattr(io, "open", fake_open)
            monkeypatch.setattr(os, "open", fake_os_open)
            monkeypatch.setattr(os, "scandir", fake_scandir)
        denied.add(os.fspath(path))
        return "monkeypatched PermissionError (running as root, chmod 000 does not deny reads)"

    yield make_unreadable
    denied.clear()


def test_an_unreadable_new_file_is_reported_and_left_out(app, client, data_dir, deny):
    TRIED["permission-denied"] += 1
    path = put(data_dir, "articles/locked.yaml", article(title="Locked"))
    how = deny(path)
    before = site_ids(client)
    refresh(app)
    assert site_ids(client) == before, how
    [problem] = errors(client, "articles/locked.yaml")
    assert (problem["line"], problem["message"]) == (1, "cannot be read: Permission denied"), how
    read_every_feed(app, client)
    assert_checked(data_dir, "articles/locked.yaml", 1, "Permission denied")


def test_an_edited_file_that_becomes_unreadable_keeps_its_last_good_version(
    app, client, data_dir, deny
):
    TRIED["permission-denied"] += 1
    path = data_dir / ARTICLE
    before = titles(client)
    path.write_text(path.read_text(encoding="utf-8").replace("title: Japan", "title: EDITED Japan"))
    how = deny(path)
    refresh(app)
    assert titles(client) == before, how
    assert "Permission denied" in errors(client, ARTICLE)[0]["message"], how
    read_every_feed(app, client)


def test_an_unreadable_folder_keeps_its_articles_and_is_reported(app, client, data_dir, deny):
    TRIED["permission-denied"] += 1
    before = site_ids(client)
    how = deny(data_dir / "articles/2026/03")
    refresh(app)
    assert site_ids(client) == before, how
    assert any(p["path"].startswith("articles/2026/03") for p in errors(client, None)), how


# --- A data folder that vanishes and comes back -----------------------------------------------


def errors_anywhere(client) -> list[dict]:
    return [p for p in problems(client) if p["severity"] == "error"]


def test_a_vanished_data_folder_keeps_serving_the_last_good_data(app, client, data_dir):
    TRIED["data-folder-vanishes"] += 1
    before = {path: client.get(path).data for path in ("/feed.atom", "/sections/war/feed.rss")}
    away = data_dir.with_name("data.away")
    data_dir.rename(away)
    try:
        refresh(app)
        assert errors_anywhere(client), "/healthz reports nothing"
        assert client.get("/healthz").status_code == 200
        for path, body in before.items():
            assert client.get(path).data == body, path
    finally:
        away.rename(data_dir)


def test_a_data_folder_that_comes_back_is_served_again(app, client, data_dir):
    # Whatever is served while it is gone, everything is back once it returns.
    TRIED["data-folder-vanishes"] += 1
    before = {path: client.get(path).data for path in ("/feed.atom", "/sections/war/feed.rss")}
    away = data_dir.with_name("data.away")
    data_dir.rename(away)
    refresh(app)
    assert client.get("/healthz").status_code == 200
    assert {p["path"] for p in errors_anywhere(client)} >= {"site.yaml"}
    assert client.get("/feed.atom").status_code == 200  # the last good site.yaml still serves
    away.rename(data_dir)
    refresh(app)
    assert errors_anywhere(client) == []
    for path, body in before.items():
        assert client.get(path).data == body, path
    read_every_feed(app, client)


@pytest.mark.parametrize("name", ["site.yaml", "sections.yaml", "authors.yaml"])
def test_a_vanished_shared_file_keeps_its_last_good_version(app, client, data_dir, name):
    TRIED["data-folder-vanishes"] += 1
    before = client.get("/sections/war/feed.atom").data
    saved = (data_dir / name).read_bytes()
    (data_dir / name).unlink()
    refresh(app)
    assert errors(client, name), f"/healthz reports nothing for a missing {name}"
    assert client.get("/sections/war/feed.atom").data == before
    (data_dir / name).write_bytes(saved)
    refresh(app)
    assert errors_anywhere(client) == []
    assert client.get("/sections/war/feed.atom").data == before


def test_a_data_folder_swapped_by_symlink_is_picked_up(tmp_path, data_dir, clock):
    """Deploys often switch `data -> releases/N` atomically: the new release is served."""
    TRIED["data-folder-vanishes"] += 1
    releases = tmp_path / "releases"
    shutil.copytree(data_dir, releases / "1")
    shutil.copytree(data_dir, releases / "2")
    second = releases / "2" / ARTICLE
    second.write_text(second.read_text(encoding="utf-8").replace("title: Japan", "title: V2 Japan"))
    link = tmp_path / "current"
    link.symlink_to(releases / "1")
    app = create_app({"DATA": str(link), "CLOCK": clock, "POLL_INTERVAL": 0, "SETTLE": 0})
    try:
        client = app.test_client()
        assert not titles(client)[ARTICLE_ID].startswith("V2")
        swap = tmp_path / "current.new"
        swap.symlink_to(releases / "2")
        os.replace(swap, link)
        refresh(app)
        assert titles(client)[ARTICLE_ID].startswith("V2 ")
        assert errors_anywhere(client) == []
    finally:
        publisher_of(app).close()


# --- Concurrent edits under load ---------------------------------------------------------------

LOAD_SECONDS = 5.0
POLLERS = 4
BOUND = 2.0  # the contract: an edit is served within 2 seconds
EDITED = {
    # path: how its editor saves it
    "articles/2026/02/japan-nato-purl.yaml": "in-place-chunks",
    "articles/2026/02/winter-grid-repairs.yaml": "write-then-rename",
    "articles/2026/03/kyiv-book-arsenal-preview.yaml": "truncate-then-write",
}
POLLED = [
    f"{path}.{fmt}"
    for path in (
        "/feed",
        "/sections/war/feed",
        "/sections/business/feed",
        "/sections/culture/feed",
        "/authors/francis-farrell/feed",
        "/authors/maria-lysenko/feed",
        "/authors/dmytro-kovalenko/feed",
        "/tags/nato/feed",
        "/tags/energy/feed",
        "/tags/books/feed",
    )
    for fmt in FORMATS
]


SAVERS = {
    "in-place-chunks": save_in_place,
    "write-then-rename": save_by_rename,
    "truncate-then-write": save_truncate_then_write,
}


def version_of(original: str, n: int) -> str:
    """Return the file with marker V<n> in the title and as the body's last paragraph."""
    lines = original.rstrip("\n").split("\n")
    [index] = [i for i, line in enumerate(lines) if line.startswith("title:")]
    lines[index] = f'title: "V{n} edited story"'
    return "\n".join(lines) + f"\n\n  V{n}\n"


def markers(fmt: str, body: bytes) -> list[tuple[str, int, int]]:
    """Return (id, title marker, body marker) of every edited entry in a response."""
    found = []
    if fmt == "json":
        items = [(i["id"], i["title"], i["content_html"]) for i in json.loads(body)["items"]]
    elif fmt == "atom":
        root = etree.fromstring(body)
        items = [
            (
                e.findtext(f"{ATOM_NS}id"),
                e.findtext(f"{ATOM_NS}title"),
                e.findtext(f"{ATOM_NS}content"),
            )
            for e in root.iter(f"{ATOM_NS}entry")
        ]
    else:
        root = etree.fromstring(body)
        items = [
            (e.findtext("guid"), e.findtext("title"), e.findtext(f"{CONTENT_NS}encoded"))
            for e in root.iter("item")
        ]
    for entry_id, title, content in items:
        if not title.startswith("V") or " edited story" not in title:
            continue
        title_n = int(title[1:].split(" ", 1)[0])
        tail = content.rstrip().rsplit("<p>V", 1)
        body_n = int(tail[1].removesuffix("</p>")) if len(tail) == 2 else -1
        found.append((entry_id, title_n, body_n))
    return found


def test_concurrent_edits_under_load(data_dir, clock):
    """Pollers fetch every kind of feed for 5 s from a real server with live reload, while
    three editors keep saving their articles, each in its own way."""
    app = create_app({"DATA": str(data_dir), "CLOCK": clock})  # the default reload thread
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=httpd.serve_forever, name="load-server", daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    originals = {rel: (data_dir / rel).read_text(encoding="utf-8") for rel in EDITED}
    ids = {
        rel: f"tag:news.example.org,{date}:{rel.rsplit('/', 1)[1][:-5]}"
        for rel, date in zip(EDITED, ("2026-02-10", "2026-02-14", "2026-03-03"), strict=True)
    }
    stop = threading.Event()
    lock = threading.Lock()
    failures: list[str] = []
    requests = Counter()
    first_seen: dict[tuple[str, int], float] = {}  # (id, version) -> first response showing it
    written: dict[int, float] = {}  # version -> when its last file was saved

    def fail(message: str) -> None:
        with lock:
            if len(failures) < 20:
                failures.append(message)

    def poll(number: int) -> None:
        newest: dict[str, int] = defaultdict(int)  # what this client has seen, per article
        urls = POLLED[number::POLLERS] + POLLED[:number:POLLERS] + POLLED
        while not stop.is_set():
            for url in urls:
                if stop.is_set():
                    return
                fmt = url.rsplit(".", 1)[1]
                try:
                    with urllib.request.urlopen(base + url, timeout=10) as response:
                        status, body = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                    error.close()
                except OSError as error:
                    fail(f"{url}: {error!r}")
                    requests["error"] += 1
                    continue
                now = time.monotonic()
                requests["total"] += 1
                if status != 200:
                    requests[f"status {status}"] += 1
                    fail(f"{url}: status {status}")
                    continue
                try:
                    found = markers(fmt, body)
                except (etree.XMLSyntaxError, ValueError, KeyError, AttributeError) as error:
                    requests["unparseable"] += 1
                    fail(f"{url}: does not parse: {error!r}")
                    continue
                seen = [n for _, n, _ in found]
                if seen and max(seen) - min(seen) > 1:
                    fail(f"{url}: versions that never existed together: {seen}")
                for entry_id, title_n, body_n in found:
                    if title_n != body_n:
                        requests["torn"] += 1
                        fail(f"{url}: {entry_id} title V{title_n}, body V{body_n}")
                    if title_n < newest[entry_id]:
                        fail(f"{url}: {entry_id} went back from V{newest[entry_id]} to V{title_n}")
                    newest[entry_id] = max(newest[entry_id], title_n)
                    with lock:
                        first_seen.setdefault((entry_id, title_n), now)

    def served(n: int) -> bool:
        with lock:
            return all((ids[rel], n) in first_seen for rel in EDITED)

    pollers = [threading.Thread(target=poll, args=(i,), name=f"poller-{i}") for i in range(POLLERS)]
    version = 0
    try:
        for rel in EDITED:  # V0, saved plainly, is the baseline every poller starts from
            save_by_rename(data_dir / rel, version_of(originals[rel], 0))
        written[0] = time.monotonic()
        for poller in pollers:
            poller.start()
        started = time.monotonic()
        while time.monotonic() - started < LOAD_SECONDS:
            deadline = time.monotonic() + BOUND + 1
            while not served(version) and time.monotonic() < deadline:
                time.sleep(0.01)
            if not served(version):
                fail(f"V{version} not served within {BOUND + 1} s")
                break
            version += 1
            for rel, how in EDITED.items():
                SAVERS[how](data_dir / rel, version_of(originals[rel], version))
            written[version] = time.monotonic()
        deadline = time.monotonic() + BOUND + 1
        while not served(version) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        for poller in pollers:
            poller.join(timeout=15)
        httpd.shutdown()
        httpd.server_close()
        serving.join(timeout=5)
        publisher_of(app).close()
    staleness = {
        n: max(first_seen[(ids[rel], n)] - written[n] for rel in EDITED)
        for n in range(1, version + 1)
        if all((ids[rel], n) in first_seen for rel in EDITED)
    }
    worst = max(staleness.values(), default=float("nan"))
    summary = (
        f"concurrent edits: {requests['total']} requests by {POLLERS} pollers over "
        f"{len(POLLED)} URLs, {version} versions x {len(EDITED)} files saved, "
        f"errors {sum(v for k, v in requests.items() if k != 'total')}, "
        f"worst staleness {worst:.2f} s (per version: "
        + ", ".join(f"V{n} {s:.2f}" for n, s in staleness.items())
        + ")"
    )
    print("\n" + summary)
    TRIED["concurrent-edit-request"] += requests["total"]
    TRIED["concurrent-edit-save"] += version * len(EDITED)
    assert failures == [], summary
    assert version >= 3, summary
    assert len(staleness) == version, summary
    assert worst < BOUND, summary
    assert requests["total"] > 100, summary
