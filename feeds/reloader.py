"""The thread that keeps the data current, and the announcing of what each reload changed.

One reload thread per process is told of changes to the data folder (watch.py: inotify,
else polling), re-reads them (store.py) and, after each reload and
each time a scheduled article goes live, finds the documents whose bytes changed
(notify.py). A forked child (a gunicorn worker of a preloaded app) has no threads, so the
thread is started again in every child right after the fork.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable

from feeds import notify, watch
from feeds.catalog import View
from feeds.settings import from_environment
from feeds.store import Store

log = logging.getLogger(__name__)


# The parse cache is written at most once a minute, the first time a few seconds after
# the start: writing it (0.3 s of pickling at 10,000 articles, holding the GIL) right
# away would hold up the first feeds readers ask a new server for.
SAVE_EVERY = 60.0
FIRST_SAVE_AFTER = 5.0


def _first_save() -> float:
    """Return the `saved` time that makes the first save come FIRST_SAVE_AFTER from now."""
    return time.monotonic() - SAVE_EVERY + FIRST_SAVE_AFTER


class Reloader:
    """Re-read changed data files, on demand or from a background thread, and announce."""

    def __init__(
        self,
        store: Store,
        current: Callable[[], View | None],
        notifier: notify.Notifier,
        *,
        poll_interval: float,
        max_poll_interval: float,
        watch_mode: str | None = None,
    ):
        """`current` returns the publication as readers see it now (None before site.yaml).
        `watch_mode` is how changes are noticed (watch.MODES; default: FEEDS_WATCH)."""
        self.store = store
        self.current = current
        self.notifier = notifier
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self._lock = threading.Lock()
        self._watcher_pid: int | None = None
        self._stop = threading.Event()
        self._tracked: notify.Snapshot | View | None = None  # a View until first compared
        self._tracked_state: tuple[str, int] | None = None
        self.last_change: notify.Change | None = None
        if watch_mode is None:
            watch_mode = from_environment("FEEDS_WATCH", os.environ)
        self.watch_mode = watch.mode_of(watch_mode)
        self.watcher: watch.Watcher | None = None  # this process's, while it watches
        self.polling = False  # whether the reload thread polls (no watcher, or it failed)

    def refresh(self) -> bool:
        """Re-read changed data files now, then announce what changed; return whether the
        data changed."""
        with self._lock:
            if self._tracked is None:
                # The baseline, taken before the first reload: nothing is announced for
                # the load itself.
                self._track_changes()
            changed = self.store.refresh()
            if changed:
                catalog = self.store.catalog
                log.info("data reloaded: version %s", catalog.version if catalog else "none")
            self._track_changes()
        return changed

    def _track_changes(self) -> None:
        """Compare every document with the last look; log and announce what differs.

        Runs after each reload and each poll, so a scheduled article going live is
        announced too. A view is cached per catalog and moment (catalog.py), so an unchanged
        publication costs one comparison of two small tuples.
        """
        view = self.current()
        if view is None:
            return
        state = (view.catalog.version, view.moment)
        if state == self._tracked_state:
            return
        last, last_state = self._tracked, self._tracked_state
        if last is None:
            # The baseline is the view itself, its documents' keys taken only when a change
            # is compared with it: the reload thread's first look runs as the first
            # requests come in, and keying every document then (every feed of the view
            # made) took the CPU that the first feed was waiting for.
            self._tracked, self._tracked_state = view, state
            return
        if isinstance(last, View):
            last = notify.snapshot(last)
        if last_state is not None and last_state[1] == view.moment:
            snapshot = notify.snapshot(view, last, last_state[0])  # only what edits touched
        else:
            snapshot = notify.snapshot(view)
        change = notify.diff(last, snapshot, view.catalog.site)
        notify.log_change(change)
        self.notifier.announce(change, view.catalog.site)
        self.last_change = change
        self._tracked, self._tracked_state = snapshot, state

    def watch(self) -> None:
        """Start the background reload thread in this process, once.

        A worker that has not served a request yet must not serve the data it was forked
        with, so a forked child starts its own thread right after the fork.
        """
        if self._watcher_pid == os.getpid() or self.poll_interval <= 0:
            return
        with self._lock:
            if self._watcher_pid == os.getpid():
                return
            if self._watcher_pid is None:
                this = weakref.ref(self)
                os.register_at_fork(after_in_child=lambda: _watch_again(this))
            self._watcher_pid = os.getpid()
            thread = threading.Thread(target=self._watch_loop, name="feeds-reload", daemon=True)
            thread.start()

    def _watch_loop(self) -> None:
        self.polling = False
        try:
            watcher = watch.watcher_for(self.store.root, self.watch_mode)
        except Exception:  # whatever fails in watching, reloading must go on: poll
            log.exception("cannot watch the data folder; polling it instead")
            watcher = None
        try:
            if watcher is not None:
                self.watcher = watcher
                self._notified_loop(watcher)
            self.polling = not self._stop.is_set()
            self._poll_loop()
        finally:
            if watcher is not None:
                watcher.close()

    def _notified_loop(self, watcher: watch.Watcher) -> None:
        """Re-read the data when the kernel reports a change; return to poll instead when
        watching fails (watches ran out)."""
        pending = True  # at once on start: a new worker catches up
        saved = _first_save()
        while not self._stop.is_set():
            try:
                if pending:
                    self.refresh()
                    # A file still being written (younger than settle) waits for a
                    # later look, which no event may announce: look again after settle.
                    pending = self.store.unsettled
                else:
                    with self._lock:
                        self._track_changes()  # a scheduled article going live
                saved = self._save_cache(saved)
                if watcher.wait(self.store.settle if pending else self.poll_interval):
                    pending = True
                    # A save comes in pieces and in several events: leave it settle before
                    # reading, as a poll does, taking in the events meanwhile.
                    deadline = time.monotonic() + self.store.settle
                    while (left := deadline - time.monotonic()) > 0 and not self._stop.is_set():
                        watcher.wait(left)
            except watch.Unwatchable as error:
                if not self._stop.is_set():
                    log.warning("%s; polling the data folder instead", error)
                return
            except Exception:  # keep serving the last good data whatever happens
                log.exception("reload failed; still serving the previous data")
                self._stop.wait(self.poll_interval)

    def _poll_loop(self) -> None:
        saved = _first_save()
        wait = self.poll_interval
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                changed = self.refresh()  # at once on start: a new worker catches up
                if not changed:
                    # A poll is one stat per file, holding the GIL: space polls out so
                    # that they take at most 5% of the time, but never so far apart that
                    # an edit misses the 2-second bound.
                    wait = min(
                        self.max_poll_interval,
                        max(self.poll_interval, 20 * (time.monotonic() - started)),
                    )
                saved = self._save_cache(saved)
            except Exception:  # keep serving the last good data whatever happens
                log.exception("reload failed; still serving the previous data")
            self._stop.wait(wait)

    def _save_cache(self, saved: float) -> float:
        """Write the parse cache off the request path, at most once a minute (the next
        start reads what this one parsed, cache.py), or at once after a meta file was
        edited; return when it was last written."""
        store = self.store
        if store.cache_dirty and (store.cache_urgent or time.monotonic() - saved > SAVE_EVERY):
            store.save_cache()
            return time.monotonic()
        return saved

    def close(self) -> None:
        """Stop the reload thread and give up announcing changes."""
        self._stop.set()
        self.notifier.close()


def _watch_again(reloader: weakref.ref[Reloader]) -> None:
    """After a fork, restart the reload thread of a reloader that still exists."""
    alive = reloader()
    if alive is not None and not alive._stop.is_set():
        alive._lock = threading.Lock()  # a lock held at the fork stays held
        if alive.watcher is not None:
            alive.watcher.close()  # the parent's: this process's copy of it only
            alive.watcher = None
        alive.watch()
