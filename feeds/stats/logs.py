"""Access logs as a second source of counts: nginx's and gunicorn's combined format.

Each line asking for a feed document (200 or 304) is counted as a live request would
be. Importing is idempotent: a log is known by the hash of its first line, and the
database keeps how many of its bytes were imported and their digest, so importing it
again (or after logrotate gzipped it) counts nothing, and importing a log that grew
counts only the new lines; the counts and that mark are written in one transaction.
Individual readers are hashed with a key made for the import and forgotten after it, so
a reader is counted once per day across the logs of one import (give every machine's
logs of a day to one `feeds stats import`).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from feeds.stats.db import Batch, Database
from feeds.stats.recorder import add_request, client_hash, feed_name
from feeds.urls import route

# host ident user [time] "request" status bytes "referer" "agent"; nginx escapes a quote
# inside a field as \x22, other servers as \".
LINE = re.compile(
    r'(?P<address>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" '
    r'(?P<status>\d{3}) \S+ "(?:[^"\\]|\\.)*" "(?P<agent>(?:[^"\\]|\\.)*)"'
)
COUNTED = ("200", "304")


@dataclass
class Imported:
    """What one import of one log did."""

    path: str
    lines: int = 0  # new lines read
    counted: int = 0  # feed requests counted
    unreadable: int = 0  # lines not in the combined format
    skipped: str = ""  # why the file was not imported, if it was not


def read_log(path: Path) -> bytes:
    """Return a log's bytes, gunzipped when it is gzipped (whatever its name)."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        with gzip.open(path, "rb") as unzipped:
            return unzipped.read()
    return path.read_bytes()


def _unescape(text: str) -> str:
    return text.replace("\\x22", '"').replace('\\"', '"').replace("\\\\", "\\")


def count_lines(lines: Iterable[bytes], batch: Batch, key: bytes, result: Imported) -> None:
    """Count the feed requests of log lines into a batch."""
    for raw in lines:
        result.lines += 1
        line = raw.decode("utf-8", "replace")
        match = LINE.match(line)
        if match is None:
            result.unreadable += 1
            continue
        if match["status"] not in COUNTED:
            continue
        parts = match["request"].split(" ")
        if len(parts) < 2 or parts[0] not in ("GET", "HEAD"):
            continue
        ref = route(unquote(parts[1].split("?", 1)[0]))
        if ref is None or not ref.fmt:  # only feed documents, in any format or page
            continue
        try:
            at = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z")
        except ValueError:
            result.unreadable += 1
            continue
        agent = _unescape(match["agent"])
        agent = "" if agent == "-" else agent
        address = match["address"]
        add_request(
            batch, at.astimezone(UTC).strftime("%Y-%m-%d"),
            feed_name(ref.kind, ref.slug), agent, at.timestamp(),
            lambda address=address, agent=agent: client_hash(key, address, agent),
        )  # fmt: skip
        result.counted += 1


def import_logs(database: Database, paths: Iterable[Path]) -> list[Imported]:
    """Import access logs into the database, each once; return what each import did."""
    key = os.urandom(32)  # this import's, for the individual readers; never stored
    seen: set[tuple[str, str, str, bytes]] = set()  # readers of this import, in memory
    return [_import_one(database, path, key, seen) for path in paths]


def _import_one(
    database: Database, path: Path, key: bytes, seen: set[tuple[str, str, str, bytes]]
) -> Imported:
    result = Imported(str(path))
    data = read_log(path)
    end = data.rfind(b"\n") + 1  # a last line still being written waits for the next import
    data = data[:end]
    if not data:
        return result
    first = data[: data.find(b"\n") + 1]
    identity = hashlib.sha256(first).hexdigest()
    done = database.imported(identity)
    start = 0
    if done is not None:
        size, digest = done
        if size > len(data) or hashlib.sha256(data[:size]).hexdigest() != digest:
            result.skipped = (
                "it starts like a log imported before but then differs; it was not imported "
                "again, so nothing is counted twice"
            )
            return result
        start = size
    batch = Batch()
    count_lines(data[start:].splitlines(), batch, key, result)
    # The hashes of individual readers are reduced to counts at once: a reader not seen
    # before in this import is one more individual of that day.
    for client in batch.clients - seen:
        batch.individuals[client[:3]] += 1
    seen |= batch.clients
    batch.clients.clear()
    database.add_import(batch, identity, len(data), hashlib.sha256(data).hexdigest())
    return result
