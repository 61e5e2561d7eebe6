"""The thread that keeps the data current, and the announcing of what each reload changed.

One reload thread per process polls the data folder (store.py) and, after each reload and
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

from feeds import notify
from feeds.catalog import View
from feeds.store import Store

log = logging.getLogger(__name__)


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
    ):
        """`current` returns the publication as readers see it now (None before site.yaml)."""
        self.store = store
        self.current = current
        self.notifier = notifier
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self._lock = threading.Lock()
        self._watcher_pid: int | None = None
        self._stop = threading.Event()
        self._tracked: notify.Snapshot | None = None
        self._tracked_state: tuple[str, int] | None = None
        self.last_change: notify.Change | None = None

    def refresh(self) -> bool:
        """Re-read changed data files now, then announce what changed; return whether the
        data changed."""
        with self._lock:
            if self._tracked is None:
                # The baseline, taken before the first reload rather than at start-up, so
                # that it costs the first feed nothing: nothing is announced for the load.
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
        if last is not None and last_state is not None and last_state[1] == view.moment:
            snapshot = notify.snapshot(view, last, last_state[0])  # only what edits touched
        else:
            snapshot = notify.snapshot(view)
        if last is not None:
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
        saved = 0.0
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
                if time.monotonic() - saved > 60 and self.store.cache_dirty:
                    # Off the request path, at most once a minute: the next start reads
                    # what this one parsed (cache.py).
                    self.store.save_cache()
                    saved = time.monotonic()
            except Exception:  # keep serving the last good data whatever happens
                log.exception("reload failed; still serving the previous data")
            self._stop.wait(wait)

    def close(self) -> None:
        """Stop the reload thread and give up announcing changes."""
        self._stop.set()
        self.notifier.close()


def _watch_again(reloader: weakref.ref[Reloader]) -> None:
    """After a fork, restart the reload thread of a reloader that still exists."""
    alive = reloader()
    if alive is not None and not alive._stop.is_set():
        alive._lock = threading.Lock()  # a lock held at the fork stays held
        alive.watch()
