"""Counting feed requests off the request path: a bounded queue and a background flusher.

A request adds one tuple to a deque and returns: it never waits for the database, never
raises, and when the queue is full the request is simply not counted. A thread wakes every
few seconds, reduces what the queue holds to daily counts (who the reader is, the latest
count an aggregator reported, a keyed hash of each individual reader) and writes them in
one transaction. A database that is locked, full or failing loses that batch, and a corrupt
one is moved aside and a new one started; the requests were answered long before.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feeds.stats.agents import AGGREGATOR, BOT, classify
from feeds.stats.db import Batch, Database, is_corrupt, move_aside, open_database
from feeds.stats.keys import SHARED, DailyKeys

log = logging.getLogger(__name__)
QUEUE_LIMIT = 100_000  # requests waiting to be counted; beyond it they are not counted
FLUSH_SECONDS = 2.0
DAY = 86400
_LOOPBACK = ("127.", "::1", "::ffff:127.")


def day_name(day: int) -> str:
    """Return the ISO date of a day number (days since 1970-01-01 UTC)."""
    return datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d")


def feed_name(kind: str, slug: str) -> str:
    """Return how a logical feed is named in the database: "site", "section/war"."""
    return f"{kind}/{slug}" if slug else kind


def client_address(remote: str, forwarded: str | None) -> str:
    """Return the reader's address: the proxy's X-Forwarded-For entry when the request
    came from a proxy on this machine (deploy/nginx-proxy.conf), else the peer's."""
    if forwarded and remote.startswith(_LOOPBACK):
        return forwarded.rsplit(",", 1)[-1].strip()
    return remote


def client_hash(key: bytes, address: str, user_agent: str) -> bytes:
    """Return the keyed hash that stands for one reader on one day."""
    message = f"{address}\0{user_agent}".encode("utf-8", "replace")
    return hmac.new(key, message, hashlib.sha256).digest()[:12]


def add_request(
    batch: Batch,
    day: str,
    feed: str,
    user_agent: str,
    at: float,
    client: Callable[[], bytes | None],
) -> None:
    """Count one request of a feed into a batch; `client` gives the reader's hash."""
    reading = classify(user_agent)
    batch.requests[(day, feed, reading.reader, reading.kind)] += 1
    if reading.kind == BOT:
        return
    if reading.kind == AGGREGATOR and reading.subscribers is not None:
        batch.reading((day, feed, reading.reader, reading.feed_id), reading.subscribers, at)
        return
    hashed = client()
    if hashed is not None:
        batch.clients.add((day, feed, reading.reader, hashed))


_live: weakref.WeakSet[Recorder] = weakref.WeakSet()
_inherited: list[Database] = []


class Recorder:
    """Counts feed requests into a statistics database from a background thread."""

    def __init__(
        self,
        path: Path | str,
        *,
        retention_days: int = 400,
        interval: float = FLUSH_SECONDS,
        limit: int = QUEUE_LIMIT,
        clock: Callable[[], float] = time.time,
        keys_folder: Path = SHARED,
    ):
        self.path = Path(path)
        self.retention_days = retention_days
        self.interval = interval
        self.limit = limit
        self.clock = clock
        self.keys = DailyKeys(keys_folder)
        self.dropped = 0  # requests not counted: a full queue, or a batch that failed
        self.flushed = 0
        self._reset()
        _live.add(self)

    def _reset(self) -> None:
        """Start afresh (also in a forked child: its parent's thread does not exist there)."""
        self.queue: deque[tuple[Any, ...]] = deque()
        if getattr(self, "database", None) is not None:
            # A connection must not cross a fork (SQLite's rule), nor be closed in the
            # child: keep it unused.
            _inherited.append(self.database)
        self.database: Database | None = None
        self.running = False
        self._flushing = threading.Lock()
        self._stop = threading.Event()
        self._pruned: int | None = None

    def record(self, kind: str, slug: str, environ: Mapping[str, Any]) -> None:
        """Queue one request of a feed for counting; never blocks, never raises."""
        queue = self.queue
        if len(queue) >= self.limit:
            self.dropped += 1
            return
        queue.append((
            self.clock(), kind, slug, environ.get("HTTP_USER_AGENT", ""),
            environ.get("REMOTE_ADDR", ""), environ.get("HTTP_X_FORWARDED_FOR"),
        ))  # fmt: skip
        if not self.running:
            self.start()

    def start(self) -> None:
        """Start the flusher thread (once; again in a forked child)."""
        with self._flushing:
            if self.running:
                return
            self.running = True
        thread = threading.Thread(
            target=_flush_loop, args=(weakref.ref(self), self._stop, self.interval),
            name="feeds-stats", daemon=True,
        )  # fmt: skip
        thread.start()

    def flush(self) -> int:
        """Write what the queue holds now; return how many requests were counted."""
        with self._flushing:
            taken = []
            queue = self.queue
            while queue:
                taken.append(queue.popleft())
            if not taken:
                return 0
            today = int(self.clock() // DAY)
            batch = self._batch(taken, today)
            try:
                self._write(batch, today)
            except (sqlite3.Error, OSError) as error:
                self.dropped += len(taken)
                log.warning(
                    "could not count %d feed requests in %s: %s", len(taken), self.path, error
                )
                return 0
            self.flushed += len(taken)
            return len(taken)

    def _batch(self, taken: list[tuple[Any, ...]], today: int) -> Batch:
        batch = Batch()
        names: dict[int, str] = {}
        for at, kind, slug, user_agent, remote, forwarded in taken:
            number = int(at // DAY)
            day = names.get(number) or names.setdefault(number, day_name(number))

            def client(number=number, remote=remote, forwarded=forwarded, agent=user_agent):
                key = self.keys.key(number, today)
                if key is None:
                    return None
                return client_hash(key, client_address(remote, forwarded), agent)

            add_request(batch, day, feed_name(kind, slug), user_agent, at, client)
        return batch

    def _write(self, batch: Batch, today: int) -> None:
        if self.database is None:
            self.database = open_database(self.path)
        database = self.database
        try:
            # Yesterday stays open for requests still queued at midnight in any worker.
            database.add(batch, close_before=day_name(today - 1))
        except sqlite3.DatabaseError as error:
            if not is_corrupt(error):
                raise
            self.database = None
            database.close()
            move_aside(self.path, error, inode=database.inode)
            self.database = open_database(self.path)
            self.database.add(batch, close_before=day_name(today - 1))
        if self._pruned != today:
            self.database.prune(day_name(today - self.retention_days))
            self._pruned = today

    def close(self) -> None:
        """Stop the thread, write what is queued, and close the database."""
        self._stop.set()
        self.flush()
        with self._flushing:
            if self.database is not None:
                self.database.close()
                self.database = None


def _flush_loop(ref: weakref.ref[Recorder], stop: threading.Event, interval: float) -> None:
    # Holds the recorder only while flushing, so a recorder no one uses is collected and
    # its thread ends.
    while not stop.wait(interval):
        recorder = ref()
        if recorder is None:
            return
        try:
            recorder.flush()
        except Exception:  # the thread must outlive any surprise; the next batch may pass
            log.exception("counting feed requests failed")
        del recorder


def _after_fork() -> None:
    for recorder in list(_live):
        recorder._reset()


def _at_exit() -> None:
    for recorder in list(_live):
        try:
            recorder.close()
        except Exception:
            log.exception("could not write the last feed requests counted")


os.register_at_fork(after_in_child=_after_fork)
atexit.register(_at_exit)
