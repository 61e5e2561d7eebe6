"""The day's key for hashing individual readers: random, shared by workers, never on disk.

A reader of the feeds is one client per day whichever worker answers it, so every
process must hash an address with the same key; and no hash may link a reader across
days, so the key changes every day and the old one is forgotten. The key lives in a file
in /dev/shm, which is memory (tmpfs), not disk: readable only by this user, holding the
UTC day and its 32 random bytes. The first process to see a new day overwrites it with a
new key, under an exclusive lock, and the previous key is gone. Each process also keeps
the keys it has used for yesterday and today, for counts still in its queue at midnight.
Where there is no /dev/shm (macOS, Windows) each process keeps its own key in memory, so
a reader that reaches two workers on one day counts twice there.
"""

from __future__ import annotations

import fcntl
import os
import stat
import struct
import threading
from pathlib import Path

SHARED = Path("/dev/shm")
_RECORD = struct.Struct("<q32s")  # the day's number (days since 1970-01-01 UTC), the key


def key_file(folder: Path = SHARED) -> Path | None:
    """Return where the day's key is shared, or None where there is no memory folder."""
    if not folder.is_dir():
        return None
    return folder / f"feeds-stats-key-{os.getuid()}"


class DailyKeys:
    """The key of each day, the same in every process of this user on this machine."""

    def __init__(self, folder: Path = SHARED):
        self.path = key_file(folder)
        self.kept: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def key(self, day: int, today: int) -> bytes | None:
        """Return the key of a day: made if the day is today; None if its key is gone."""
        with self._lock:
            found = self.kept.get(day)
            if found is not None:
                return found
            if day != today:
                return None  # a day whose key this process never had: not counted
            found = self._shared(day) if self.path else None
            if found is None:
                found = os.urandom(32)
            self.kept = {d: k for d, k in self.kept.items() if d >= today - 1}
            self.kept[day] = found
            return found

    def _shared(self, day: int) -> bytes | None:
        """Return today's key from the shared file, writing a new one if it holds an older
        day's; None if the file cannot be trusted or used."""
        assert self.path is not None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            # Someone else's file, or one others may read, would give them the key.
            if (
                info.st_uid != os.getuid()
                or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
                or not stat.S_ISREG(info.st_mode)
            ):
                return None
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = os.pread(fd, _RECORD.size, 0)
            if len(data) == _RECORD.size:
                stored_day, stored_key = _RECORD.unpack(data)
                if stored_day == day:
                    return stored_key
                if stored_day > day:
                    return None  # another process is already in a later day
            key = os.urandom(32)
            os.pwrite(fd, _RECORD.pack(day, key), 0)
            return key
        except OSError:
            return None
        finally:
            os.close(fd)  # closing releases the lock
