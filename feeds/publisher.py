"""Rendered documents, cached per data version, and the thread that keeps the data current."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.http import http_date

from feeds import notify
from feeds.catalog import Catalog, Feed, Kind, View
from feeds.pages import render_feed_page, render_index, render_opml
from feeds.render import CONTENT_TYPES, render_feed
from feeds.store import Store

log = logging.getLogger(__name__)
FORMATS = tuple(CONTENT_TYPES)
HTML = "text/html; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"


def utc_now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True, slots=True)
class Document:
    """One rendered document with everything a response needs, computed once."""

    body: bytes
    gzipped: bytes
    etag: str  # strong, quoted
    gzip_etag: str
    last_modified: datetime
    last_modified_http: str
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)  # more, e.g. WebSub Link

    @classmethod
    def of(
        cls,
        body: bytes,
        content_type: str,
        last_modified: datetime,
        headers: Mapping[str, str] | None = None,
    ) -> Document:
        """Return a Document for body, compressing it once and tagging both encodings."""
        tag = hashlib.sha256(body).hexdigest()[:24]
        return cls(
            body=body,
            # mtime=0 keeps the gzip bytes, and so their ETag, the same in every process.
            gzipped=gzip.compress(body, compresslevel=9, mtime=0),
            etag=f'"{tag}"',
            gzip_etag=f'"{tag}-gzip"',
            last_modified=last_modified,
            last_modified_http=http_date(last_modified),
            content_type=content_type,
            headers=dict(headers or {}),
        )


def websub_headers(feed: Feed, fmt: str) -> dict[str, str]:
    """Return the HTTP Link header that names a feed's WebSub hubs and itself."""
    if not feed.site.hubs:
        return {}
    links = [f'<{hub}>; rel="hub"' for hub in feed.site.hubs]
    links.append(f'<{feed.url(fmt)}>; rel="self"')
    return {"Link": ", ".join(links)}


class Publisher:
    """The data folder, its current catalog and a cache of rendered documents."""

    def __init__(
        self,
        root: Path | str,
        *,
        clock: Callable[[], datetime] = utc_now,
        poll_interval: float = 0.5,
        settle: float = 0.3,
        notifier: notify.Notifier | None = None,
    ):
        self.clock = clock
        self.poll_interval = poll_interval
        self.store = Store(root, settle=settle)
        self.store.refresh()
        self._cache: dict[tuple, Document] = {}
        self._cache_version: str | None = None
        self._cache_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._watcher_pid: int | None = None
        self._stop = threading.Event()
        self.notifier = notifier or notify.Notifier(notify.lock_name_for(root))
        self._tracked: dict | None = None
        self._tracked_state: tuple | None = None
        self.last_change: notify.Change | None = None
        self._track_changes()  # the baseline: nothing is announced for the first load

    @property
    def catalog(self) -> Catalog | None:
        """Return the current catalog (None only if site.yaml never loaded)."""
        return self.store.catalog

    def view(self) -> tuple[View, datetime] | None:
        """Return the publication as readers see it now, and that now."""
        catalog = self.store.catalog
        if catalog is None:
            return None
        now = self.clock()
        return catalog.view(now), now

    def _cached(self, view: View, key: tuple, make: Callable[[], Document]) -> Document:
        """Return the document for key in this data state, making it at most once."""
        catalog = view.catalog
        full_key = (catalog.version, len(view.live), *key)
        document = self._cache.get(full_key)
        if document is None:
            document = make()
            with self._cache_lock:
                if self._cache_version != catalog.version:
                    # A new data version makes every older document unreachable.
                    self._cache = {}
                    self._cache_version = catalog.version
                self._cache[full_key] = document
        return document

    def document(
        self, view: View, kind: Kind, slug: str, fmt: str, page: int = 0
    ) -> tuple[Document, Feed] | None:
        """Return one rendered feed document and its feed."""
        if fmt not in FORMATS:
            return None
        feed = view.feed(kind, slug, page)
        if feed is None:
            return None
        document = self._cached(
            view,
            (kind, slug, page, fmt),
            lambda: Document.of(
                render_feed(feed, fmt), CONTENT_TYPES[fmt], feed.updated, websub_headers(feed, fmt)
            ),
        )
        return document, feed

    def page(self, view: View, kind: Kind, slug: str = "") -> tuple[Document, Feed] | None:
        """Return an HTML page and the feed it presents: the index (site) or a feed's page."""
        feed = view.feed(kind, slug)
        if feed is None:
            return None

        def make() -> Document:
            body = render_index(view) if kind == "site" else render_feed_page(view, feed)
            return Document.of(body, HTML, feed.updated)

        document = self._cached(view, ("page", kind, slug), make)
        return document, feed

    def opml(self, view: View) -> tuple[Document, Feed] | None:
        """Return the OPML list of every feed, with the site feed for its cache headers."""
        feed = view.feed("site")
        if feed is None:
            return None
        document = self._cached(
            view, ("opml",), lambda: Document.of(render_opml(view), OPML, feed.updated)
        )
        return document, feed

    # -- live reload ----------------------------------------------------------------------

    def refresh(self) -> bool:
        """Re-read changed data files now, then announce what changed; return whether the
        data changed."""
        with self._reload_lock:
            changed = self.store.refresh()
            if changed:
                catalog = self.store.catalog
                log.info("data reloaded: version %s", catalog.version if catalog else "none")
            self._track_changes()
        return changed

    def _track_changes(self) -> None:
        """Compare every document with the last look; log and announce what differs.

        Runs after each reload and each poll, so a scheduled article going live is
        announced too. A view is cached per catalog and live count, so an unchanged
        publication costs one comparison of two small tuples.
        """
        current = self.view()
        if current is None:
            return
        view, _ = current
        state = (view.catalog.version, len(view.live))
        if state == self._tracked_state:
            return
        snapshot = notify.snapshot(view)
        if self._tracked is not None:
            change = notify.diff(self._tracked, snapshot, view.catalog.site)
            notify.log_change(change)
            self.notifier.announce(change, view.catalog.site)
            self.last_change = change
        self._tracked, self._tracked_state = snapshot, state

    def watch(self) -> None:
        """Start the background reload thread in this process, once (safe after a fork)."""
        if self._watcher_pid == os.getpid() or self.poll_interval <= 0:
            return
        with self._reload_lock:
            if self._watcher_pid == os.getpid():
                return
            self._watcher_pid = os.getpid()
            thread = threading.Thread(target=self._watch_loop, name="feeds-reload", daemon=True)
            thread.start()

    def _watch_loop(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                self.refresh()
            except Exception:  # keep serving the last good data whatever happens
                log.exception("reload failed; still serving the previous data")

    def close(self) -> None:
        """Stop the reload thread and give up announcing changes."""
        self._stop.set()
        self.notifier.close()
