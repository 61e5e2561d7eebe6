"""Rendered documents, cached per data version, and the thread that keeps the data current."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.http import http_date

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

    @classmethod
    def of(cls, body: bytes, content_type: str, last_modified: datetime) -> Document:
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
        )


class Publisher:
    """The data folder, its current catalog and a cache of rendered documents."""

    def __init__(
        self,
        root: Path | str,
        *,
        clock: Callable[[], datetime] = utc_now,
        poll_interval: float = 0.5,
        settle: float = 0.3,
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
            lambda: Document.of(render_feed(feed, fmt), CONTENT_TYPES[fmt], feed.updated),
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
        """Re-read changed data files now; return whether anything changed."""
        with self._reload_lock:
            changed = self.store.refresh()
        if changed:
            catalog = self.store.catalog
            log.info("data reloaded: version %s", catalog.version if catalog else "none")
        return changed

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
        """Stop the reload thread."""
        self._stop.set()
