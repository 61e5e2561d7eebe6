"""Being told that the data folder changed: inotify where Linux offers it, else polling.

With inotify the reload thread sleeps until the kernel reports a change under the data
folder, so no poll runs while nothing changes, however many files there are. It watches
the data folder itself (site.yaml, sections.yaml, authors.yaml and `articles` appearing),
every folder under `articles/` (a new sub-folder is watched as it appears) and the folder
above (the data folder vanishing and coming back, or a link to it swapped). A save by any
of editors' three styles (in place, a new file renamed over, delete and recreate) is a
change in a watched folder. After a change the store walks the folder as a poll does, so
what is read never depends on which events arrived: events only say *when* to look.

Polling (scan.py, a stat of every file) is kept for everything inotify cannot promise:
other systems, the library missing, network and FUSE filesystems (which report only the
changes made on this machine), and watches running out (ENOSPC: fs.inotify.max_user_watches,
or EMFILE: max_user_instances). FEEDS_WATCH chooses: auto (inotify when it can, else
polling), inotify (refuse to start without it; fall back to polling, with a warning, if
watches run out later) or poll.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
from pathlib import Path

from feeds.load import ARTICLES_DIR
from feeds.meta import AUTHORS_FILE, SECTIONS_FILE, SITE_FILE
from feeds.scan import ignored

try:
    import inotify_simple
    from inotify_simple import flags
except ImportError:  # not Linux, or not installed: polling
    inotify_simple = None
else:
    # What a watched folder reports: any file in it created, written, touched, renamed or
    # deleted, and the folder itself deleted or moved.
    _FOLDER_EVENTS = (flags.CREATE | flags.DELETE | flags.MODIFY | flags.CLOSE_WRITE
                      | flags.ATTRIB | flags.MOVED_FROM | flags.MOVED_TO | flags.DELETE_SELF
                      | flags.MOVE_SELF | flags.ONLYDIR)  # fmt: skip
    # The folder above the data folder: only entries appearing and leaving.
    _PARENT_EVENTS = flags.CREATE | flags.DELETE | flags.MOVED_FROM | flags.MOVED_TO

log = logging.getLogger(__name__)
MODES = ("auto", "inotify", "poll")
_META = frozenset({SITE_FILE, SECTIONS_FILE, AUTHORS_FILE, ARTICLES_DIR})
# Filesystems whose changes made elsewhere (another machine, the host of a VM or
# container) never reach this kernel's inotify: they are polled.
_REMOTE = ("nfs", "cifs", "smb", "smbfs", "smb3", "9p", "ceph", "glusterfs", "lustre",
           "afs", "davfs", "virtiofs", "vboxsf", "prl_fs", "vmhgfs")  # fmt: skip


class Unwatchable(Exception):
    """inotify cannot watch the data folder (missing, limits reached, not supported)."""


def mode_of(value: str | None) -> str:
    """Return a FEEDS_WATCH value checked, or raise ValueError saying what to write."""
    mode = (value or "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise ValueError(
            f"FEEDS_WATCH={value!r} is not a way of noticing changes: set it to auto "
            "(inotify where it works, else polling), inotify or poll, or unset it"
        )
    return mode


def filesystem_type(path: Path, mountinfo: str) -> str:
    """Return the type of the filesystem holding `path`, from /proc/self/mountinfo text
    (the mount with the longest mount point that holds the path; "" if none)."""
    best, kind = -1, ""
    target = str(path)
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        point = fields[4].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best:
            best, kind = len(point), line.split(" - ", 1)[1].split()[0]
    return kind


def remote(kind: str) -> bool:
    """Return whether a filesystem type is one whose changes inotify may never report."""
    base = kind.split(".")[0]
    return base.startswith("fuse") or base in _REMOTE or base.rstrip("0123456789") in _REMOTE


def notifies(root: Path) -> str | None:
    """Return why inotify cannot tell changes to a data folder, or None when it can."""
    if inotify_simple is None or not sys.platform.startswith("linux"):
        return "inotify is not available here"
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    except OSError:
        return None  # nothing to tell otherwise: the kernel has inotify
    kind = filesystem_type(Path(os.path.realpath(root)), mountinfo)
    if remote(kind):
        return f"the data folder is on a {kind} filesystem, which reports only local changes"
    return None


class Watcher:
    """The kernel's change notifications for one data folder, through inotify."""

    def __init__(self, root: Path):
        if inotify_simple is None:
            raise Unwatchable("inotify is not available here")
        self.root = Path(root)
        self.pid = os.getpid()
        self._inotify: inotify_simple.INotify | None = None
        self._paths: dict[int, str] = {}  # watch descriptor -> folder
        self._parent = -1  # the watch of the folder above the data folder
        self._watching = False  # whether the data folder itself is watched
        self._rearm = True
        self.arm()

    def arm(self) -> None:
        """Watch the data folder and its articles again from scratch (raises Unwatchable)."""
        self.close()
        try:
            self._inotify = inotify_simple.INotify()
        except OSError as error:
            raise Unwatchable(_why(error)) from error
        self._paths = {}
        self._parent = -1
        self._rearm = False
        try:
            parent = self.root.absolute().parent
            if parent != self.root.absolute():
                self._parent = self._add(str(parent), _PARENT_EVENTS | flags.ONLYDIR)
            self._watching = self._add(str(self.root), _FOLDER_EVENTS) >= 0
            if self._watching:  # else it is not there (yet): wait() looks again each time
                self._add_tree(str(self.root / ARTICLES_DIR))
        except Unwatchable:
            self.close()
            raise

    def _add(self, folder: str, mask: int) -> int:
        """Watch one folder; return its descriptor, or -1 if it is gone or unreadable (the
        store's walk reports that). Raises Unwatchable when watches run out."""
        try:
            wd = self._inotify.add_watch(folder, mask)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EMFILE, errno.ENOMEM):
                raise Unwatchable(_why(error)) from error
            return -1
        self._paths[wd] = folder
        return wd

    def _add_tree(self, top: str) -> None:
        """Watch a folder under articles/ and every folder under it, as scan_articles
        walks them (hidden ones skipped)."""
        stack = [top]
        while stack:
            folder = stack.pop()
            if self._add(folder, _FOLDER_EVENTS) < 0:
                continue
            try:
                with os.scandir(folder) as listing:
                    stack += [e.path for e in listing if not e.name.startswith(".") and _is_dir(e)]
            except OSError:
                continue  # unreadable: scan_problems reports it

    def fileno(self) -> int:
        return self._inotify.fileno()

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a change; return whether one came.

        Raises Unwatchable when watching can no longer go on (watches ran out)."""
        if self._rearm:
            self.arm()
        try:
            events = self._inotify.read(timeout=max(0, int(timeout * 1000)))
        except OSError as error:
            raise Unwatchable(f"reading inotify events failed: {error}") from error
        changed = False
        for event in events:
            changed |= self._handle(event)
        if not self._watching:
            self._rearm = True  # the data folder was missing: look for it each time
            return True
        return changed

    def _handle(self, event) -> bool:
        """Take one event in (watching new folders); return whether it may change data."""
        mask, name = event.mask, event.name
        if mask & (flags.Q_OVERFLOW | flags.UNMOUNT):
            self._rearm = True  # events were lost: look at everything, watch it again
            return True
        folder = self._paths.get(event.wd)
        if folder is None:
            return False  # a watch already given up
        if event.wd == self._parent:
            if name == self.root.name:
                self._rearm = True  # the data folder vanished, came back, or was swapped
                return True
            return False
        if mask & (flags.DELETE_SELF | flags.MOVE_SELF | flags.IGNORED):
            self._rearm = True  # a watched folder left: its descriptors mean nothing now
            return True
        if folder == str(self.root) and name not in _META:
            return False  # the data folder holds other things: only these are data
        if name and ignored(name):
            return False  # a hidden file or an editor's leftover (swap, backup, lock)
        if mask & flags.ISDIR:
            if mask & flags.MOVED_FROM:
                self._rearm = True  # a folder moved away keeps its watches under old paths
            elif mask & (flags.CREATE | flags.MOVED_TO):
                self._add_tree(os.path.join(folder, name))
        return True

    def close(self) -> None:
        """Give the watches back to the kernel."""
        if self._inotify is not None:
            with contextlib.suppress(OSError):
                self._inotify.close()
            self._inotify = None


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _why(error: OSError) -> str:
    """Return, in an operator's words, why watching failed and what would fix it."""
    if error.errno == errno.ENOSPC:
        return (
            "the system's inotify watches have run out; raise "
            "fs.inotify.max_user_watches (sysctl) to watch instead of polling"
        )
    if error.errno == errno.EMFILE:
        return (
            "the system's inotify instances have run out; raise "
            "fs.inotify.max_user_instances (sysctl) to watch instead of polling"
        )
    return f"inotify failed: {error}"


def watcher_for(root: Path, mode: str) -> Watcher | None:
    """Return a Watcher for the data folder, or None to poll (saying why, once)."""
    if mode == "poll":
        return None
    why = notifies(root)
    if why is None:
        try:
            return Watcher(root)
        except Unwatchable as error:
            why = str(error)
    if mode == "inotify":
        log.warning("FEEDS_WATCH=inotify, but %s: polling instead", why)
    else:
        log.info("polling the data folder for changes: %s", why)
    return None
