"""Counting never costs a request: a locked, full or corrupt database, a killed worker."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import time

import pytest

from feeds.stats.db import Database
from feeds.web import create_app
from tests.helpers import publisher_of
from tests.servers import gunicorn, request, worker_pids

AGENT = "NetNewsWire (RSS Reader; https://netnewswire.com/)"


@pytest.fixture
def counted_app(data_dir, tmp_path):
    app = create_app({
        "DATA": str(data_dir), "POLL_INTERVAL": 0, "SETTLE": 0,
        "STATS_DB": str(tmp_path / "stats.sqlite3"),
    })  # fmt: skip
    yield app
    app.extensions["feeds_stats"].close()
    publisher_of(app).close()


def fetch(app, count: int, first: int = 0) -> None:
    """Make feed requests from `count` different readers; each must be answered."""
    client = app.test_client()
    for n in range(first, first + count):
        response = client.get(
            "/feed.atom",
            headers={"User-Agent": AGENT},
            environ_base={"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250}"},
        )
        assert response.status_code == 200


def individuals(path) -> int:
    database = Database(path)
    try:
        rows = database.subscribers("0000-01-01", "9999-12-31")
        return sum(row[4] for row in rows)
    finally:
        database.close()


def test_a_locked_database_drops_that_batch_only(counted_app, tmp_path):
    recorder = counted_app.extensions["feeds_stats"]
    fetch(counted_app, 3)
    assert recorder.flush() == 3
    holder = sqlite3.connect(recorder.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        fetch(counted_app, 5, first=3)  # answered all the same
        assert recorder.flush() == 0
        assert recorder.dropped == 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    fetch(counted_app, 2, first=8)
    assert recorder.flush() == 2
    assert individuals(recorder.path) == 5  # 3 + 2: only the batch written under the lock


def test_a_full_database_drops_counts_never_requests(counted_app):
    recorder = counted_app.extensions["feeds_stats"]
    fetch(counted_app, 1)
    recorder.flush()
    connection = recorder.database.connection
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count={pages}")  # the disk is full from now on
    fetch(counted_app, 400, first=1)
    assert recorder.flush() == 0 and recorder.dropped == 400
    connection.execute("PRAGMA max_page_count=1073741823")  # space again
    fetch(counted_app, 2, first=500)
    assert recorder.flush() == 2
    assert individuals(recorder.path) == 3


def test_a_corrupt_database_is_moved_aside_and_a_new_one_started(counted_app, caplog):
    recorder = counted_app.extensions["feeds_stats"]
    recorder.path.write_bytes(b"this is not a database, it was overwritten" * 200)
    fetch(counted_app, 2)
    with caplog.at_level(logging.ERROR, logger="feeds.stats.db"):
        assert recorder.flush() == 2
    moved = list(recorder.path.parent.glob("stats.sqlite3.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")
    assert "moved to" in caplog.text and "a new one started" in caplog.text
    assert individuals(recorder.path) == 2


def test_corruption_found_while_writing_moves_the_file_aside(counted_app, monkeypatch):
    recorder = counted_app.extensions["feeds_stats"]
    fetch(counted_app, 1)
    recorder.flush()
    add = Database.add
    failing = [True]

    def add_once_corrupt(self, batch, **kw):
        # What SQLite raises when it meets a damaged page of a file it has open.
        if failing.pop() if failing else False:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return add(self, batch, **kw)

    monkeypatch.setattr(Database, "add", add_once_corrupt)
    fetch(counted_app, 2, first=1)
    assert recorder.flush() == 2
    assert len(list(recorder.path.parent.glob("stats.sqlite3.corrupt-*"))) == 1
    assert individuals(recorder.path) == 2  # the old file's count stays in the old file


def test_killing_a_worker_mid_flush_loses_at_most_its_unflushed_counts(
    data_dir, tmp_path, monkeypatch
):
    db = tmp_path / "stats.sqlite3"
    monkeypatch.setenv("FEEDS_STATS_DB", str(db))
    with gunicorn(data_dir, tmp_path / "gunicorn.log") as (server, url):
        workers = worker_pids(server.pid)
        assert len(workers) == 2

        def send(first: int, count: int) -> None:
            for n in range(first, first + count):
                headers = {"User-Agent": AGENT, "X-Forwarded-For": f"10.1.{n // 250}.{n % 250}"}
                assert request(url, "/feed.atom", headers).status == 200

        def counted(expected: int) -> int:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                with contextlib.suppress(sqlite3.Error):
                    found = individuals(db)
                    if found >= expected:
                        return found
                time.sleep(0.2)
            return individuals(db)

        send(0, 20)
        assert counted(20) == 20
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # the next flushes wait on it: mid-flush
        send(20, 10)
        time.sleep(2.5)  # a flush interval: each worker is flushing, or about to
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        holder.execute("ROLLBACK")
        holder.close()
        send(30, 20)  # the other worker, then the replacement, answer every one
        total = counted(40)
        assert 40 <= total <= 50  # at most the 10 unflushed ones were lost
        check = sqlite3.connect(db)
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.close()
