"""The statistics database: its schema, its migrations, and every query, in one place.

SQLite in WAL mode, so that every gunicorn worker, a `feeds stats import` and the page
may use one file at once. Only daily aggregates are kept:

- readings: an aggregator's latest reported count per day, feed, reader and feed id;
- requests: requests per day, feed and reader (bots are counted here and nowhere else);
- clients: keyed hashes of the individual readers of the days still open (today and
  yesterday), reduced to a number in `individuals` and deleted once the day is closed;
- individuals: individual readers per closed day, feed and reader;
- imported: how much of each access log has been imported, so a second import counts
  nothing.

The schema's version is SQLite's user_version; `MIGRATIONS[n]` takes a database from
version n to n + 1, each in its own transaction, on every open.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 0 -> 1
        "CREATE TABLE readings (day TEXT NOT NULL, feed TEXT NOT NULL, reader TEXT NOT NULL,"
        " feed_id TEXT NOT NULL, subscribers INTEGER NOT NULL, at REAL NOT NULL,"
        " PRIMARY KEY (day, feed, reader, feed_id)) WITHOUT ROWID",
        "CREATE TABLE requests (day TEXT NOT NULL, feed TEXT NOT NULL, reader TEXT NOT NULL,"
        " kind TEXT NOT NULL, count INTEGER NOT NULL,"
        " PRIMARY KEY (day, feed, reader, kind)) WITHOUT ROWID",
        "CREATE TABLE clients (day TEXT NOT NULL, feed TEXT NOT NULL, reader TEXT NOT NULL,"
        " client BLOB NOT NULL, PRIMARY KEY (day, feed, reader, client)) WITHOUT ROWID",
        "CREATE TABLE individuals (day TEXT NOT NULL, feed TEXT NOT NULL,"
        " reader TEXT NOT NULL, count INTEGER NOT NULL,"
        " PRIMARY KEY (day, feed, reader)) WITHOUT ROWID",
    ),
    (  # 1 -> 2: log imports
        "CREATE TABLE imported (file TEXT PRIMARY KEY, bytes INTEGER NOT NULL,"
        " digest TEXT NOT NULL, at TEXT NOT NULL)",
    ),
)
VERSION = len(MIGRATIONS)
BUSY_SECONDS = 1.0  # how long a writer waits for another's lock before giving up


class NewerDatabase(Exception):
    """The database was written by a newer version of the publisher."""


def is_corrupt(error: sqlite3.Error) -> bool:
    """Return whether an error means the file is not a sound database."""
    name = getattr(error, "sqlite_errorname", "")
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or (
        type(error) is sqlite3.DatabaseError
        and any(s in str(error) for s in ("malformed", "not a database"))
    )


@dataclass
class Batch:
    """Counts to add in one transaction."""

    # (day, feed, reader, feed_id) -> (subscribers, unix time of the report)
    readings: dict[tuple[str, str, str, str], tuple[int, float]] = field(default_factory=dict)
    requests: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # +kind
    clients: set[tuple[str, str, str, bytes]] = field(default_factory=set)
    individuals: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def reading(self, key: tuple[str, str, str, str], subscribers: int, at: float) -> None:
        """Keep the latest of a reader's reports for a day, feed and feed id."""
        kept = self.readings.get(key)
        if kept is None or at >= kept[1]:
            self.readings[key] = (subscribers, at)

    def __len__(self) -> int:
        return sum(self.requests.values())


class Database:
    """An open statistics database; every method is one transaction."""

    def __init__(self, path: Path | str, *, busy_seconds: float = BUSY_SECONDS):
        self.path = Path(path)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Shared between the flusher and whoever closes it; the lock keeps them apart.
        self.connection = sqlite3.connect(
            self.path, timeout=busy_seconds, isolation_level=None, check_same_thread=False
        )
        self.lock = threading.Lock()
        try:
            self.inode = os.stat(self.path).st_ino
            self._prepare()
        except BaseException:
            self.connection.close()
            raise

    def _prepare(self) -> None:
        c = self.connection
        found = c.execute("PRAGMA quick_check(1)").fetchone()[0]
        if found != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed: {found}")
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            raise NewerDatabase(
                f"{self.path} was written by a newer version of feeds (schema {version}, "
                f"this one knows {VERSION}); upgrade feeds, or point FEEDS_STATS_DB elsewhere"
            )
        for number in range(version, VERSION):
            with self.transaction():
                for statement in MIGRATIONS[number]:
                    c.execute(statement)
                c.execute(f"PRAGMA user_version={number + 1}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one write transaction, taking the write lock at its start."""
        with self.lock:
            c = self.connection
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self.connection.close()

    def version(self) -> int:
        return self.connection.execute("PRAGMA user_version").fetchone()[0]

    # Writing

    def add(self, batch: Batch, *, close_before: str | None = None) -> None:
        """Add a batch of counts; close the days before `close_before` in the same go."""
        with self.transaction() as c:
            _add(c, batch)
            if close_before:
                _close_days(c, close_before)

    def close_days(self, before: str) -> None:
        """Reduce the client hashes of the days before `before` to counts, and delete them."""
        with self.transaction() as c:
            _close_days(c, before)

    def prune(self, before: str) -> int:
        """Delete every count of the days before `before` (the retention); return how many."""
        removed = 0
        with self.transaction() as c:
            for table in ("readings", "requests", "clients", "individuals"):
                removed += c.execute(f"DELETE FROM {table} WHERE day < ?", (before,)).rowcount
        return removed

    # Log imports

    def imported(self, file: str) -> tuple[int, str] | None:
        """Return how many bytes of a log were imported and their digest, or None."""
        row = self.connection.execute(
            "SELECT bytes, digest FROM imported WHERE file = ?", (file,)
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def add_import(self, batch: Batch, file: str, done: int, digest: str) -> None:
        """Add a log's counts and how far it was read, together or not at all."""
        with self.transaction() as c:
            _add(c, batch)
            c.execute(
                "INSERT INTO imported VALUES (?, ?, ?, ?) ON CONFLICT (file) DO UPDATE SET"
                " bytes = excluded.bytes, digest = excluded.digest, at = excluded.at",
                (file, done, digest, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
            )

    # Reading

    def days(self) -> list[str]:
        """Return every day with a count, oldest first."""
        rows = self.connection.execute(
            "SELECT day FROM readings UNION SELECT day FROM requests UNION "
            "SELECT day FROM clients UNION SELECT day FROM individuals ORDER BY day"
        )
        return [day for (day,) in rows]

    def subscribers(self, since: str, until: str) -> list[tuple[str, str, str, int, int]]:
        """Return (day, feed, reader, reported, individuals) rows of the days in a range.

        Reported: the sum over an aggregator's feed ids of its latest count of the day.
        Individuals: the closed days' counts plus the open days' distinct clients.
        """
        return self.connection.execute(
            """
            SELECT day, feed, reader, SUM(reported), SUM(individuals) FROM (
                SELECT day, feed, reader, subscribers AS reported, 0 AS individuals
                  FROM readings WHERE day BETWEEN :since AND :until
                UNION ALL
                SELECT day, feed, reader, 0, count FROM individuals
                 WHERE day BETWEEN :since AND :until
                UNION ALL
                SELECT day, feed, reader, 0, COUNT(*) FROM clients
                 WHERE day BETWEEN :since AND :until GROUP BY day, feed, reader
            ) GROUP BY day, feed, reader ORDER BY day, feed, reader
            """,
            {"since": since, "until": until},
        ).fetchall()

    def requests(self, since: str, until: str) -> list[tuple[str, str, str, str, int]]:
        """Return (day, feed, reader, kind, requests) rows of the days in a range."""
        return self.connection.execute(
            "SELECT day, feed, reader, kind, count FROM requests WHERE day BETWEEN ? AND ?"
            " ORDER BY day, feed, reader, kind",
            (since, until),
        ).fetchall()


def _add(c: sqlite3.Connection, batch: Batch) -> None:
    c.executemany(
        "INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
        " subscribers = excluded.subscribers, at = excluded.at WHERE excluded.at >= at",
        [(*key, subscribers, at) for key, (subscribers, at) in batch.readings.items()],
    )
    c.executemany(
        "INSERT INTO requests VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
        " count = count + excluded.count",
        [(*key, count) for key, count in batch.requests.items()],
    )
    c.executemany("INSERT OR IGNORE INTO clients VALUES (?, ?, ?, ?)", sorted(batch.clients))
    c.executemany(
        "INSERT INTO individuals VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
        " count = count + excluded.count",
        [(*key, count) for key, count in batch.individuals.items()],
    )


def _close_days(c: sqlite3.Connection, before: str) -> None:
    c.execute(
        "INSERT INTO individuals SELECT day, feed, reader, COUNT(*) FROM clients"
        " WHERE day < ? GROUP BY day, feed, reader"
        " ON CONFLICT DO UPDATE SET count = count + excluded.count",
        (before,),
    )
    c.execute("DELETE FROM clients WHERE day < ?", (before,))


def open_database(path: Path | str, *, busy_seconds: float = BUSY_SECONDS) -> Database:
    """Open (creating and migrating) a database; a corrupt file is moved aside for a new one."""
    try:
        return Database(path, busy_seconds=busy_seconds)
    except sqlite3.DatabaseError as error:
        if not is_corrupt(error):
            raise
        move_aside(Path(path), error)
        return Database(path, busy_seconds=busy_seconds)


def move_aside(path: Path, error: Exception, inode: int | None = None) -> Path | None:
    """Rename a corrupt database (and its WAL files) out of the way; return its new name.

    With `inode`, only the file that was found corrupt is moved: another worker may have
    replaced it with a new one already.
    """
    try:
        if inode is not None and os.stat(path).st_ino != inode:
            return None
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{os.getpid()}")
        os.replace(path, target)
    except FileNotFoundError:
        return None
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{target}{suffix}")
    log.error(
        "the statistics database %s could not be read (%s); it was moved to %s and a new "
        "one started: counts from before are in the old file",
        path, error, target,
    )  # fmt: skip
    return target
