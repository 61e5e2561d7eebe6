"""Rendered documents, cached per data version, and the thread that keeps the data current.

The cache keeps the bodies of the most recently used documents within a byte budget
(FEEDS_DOCUMENT_CACHE_MB), and the validators of every document rendered for the current
data, so that a 304 never needs a body. An evicted document is rendered again when a 200
needs it: the same data gives the same bytes and ETags (render.py).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.http import http_date

from feeds import notify
from feeds.catalog import Catalog, Feed, Kind, View
from feeds.pages import render_feed_page, render_index, render_opml, render_subscribe_page
from feeds.render import CONTENT_TYPES, render_feed
from feeds.settings import default, from_environment
from feeds.store import Store

log = logging.getLogger(__name__)
FORMATS = tuple(CONTENT_TYPES)
HTML = "text/html; charset=utf-8"
# Settle (0.3 s) + this + the reload itself stays under the 2 seconds editors are promised.
MAX_POLL_INTERVAL = 1.2
OPML = "text/x-opml; charset=utf-8"

MB = 1 << 20
# What a kept document holds beyond its two bodies (the Document, its Representations,
# their headers, the cache's entry; about 2 KB measured on the sample's feeds), counted so
# that many small documents (short tag feeds, pages) cannot pass the budget by far.
DOCUMENT_OVERHEAD = 2048
# (catalog version, live count, what, kind, slug, page, format), as Publisher.locate makes it.
Key = tuple[str, int, str, Kind, str, int, str]


def utc_now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True, slots=True)
class Representation:
    """A document in one content coding, with its response headers built once."""

    body: bytes
    etag: str  # strong, quoted
    headers: tuple[tuple[str, str], ...]  # for a 200, all but Cache-Control (time-dependent)
    not_modified_headers: tuple[tuple[str, str], ...]  # for a 304, likewise


@dataclass(frozen=True, kw_only=True, slots=True)
class Validators:
    """What a 304 needs, in both content codings: kept after the bodies are evicted."""

    etag: str
    gzip_etag: str
    last_modified: datetime
    not_modified_headers: tuple[tuple[str, str], ...]
    gzip_not_modified_headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Document:
    """One rendered document, identity and gzip, with everything a response needs."""

    identity: Representation
    gzip: Representation
    last_modified: datetime
    content_type: str
    validators: Validators

    @property
    def size(self) -> int:
        """Return the bytes this document counts against the document cache's budget."""
        return len(self.identity.body) + len(self.gzip.body) + DOCUMENT_OVERHEAD

    @property
    def body(self) -> bytes:
        return self.identity.body

    @property
    def gzipped(self) -> bytes:
        return self.gzip.body

    @property
    def etag(self) -> str:
        return self.identity.etag

    @property
    def gzip_etag(self) -> str:
        return self.gzip.etag

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
        # mtime=0 keeps the gzip bytes, and so their ETag, the same in every process.
        # Level 5: measured on a 185 KB feed of 50 full-text entries, 6 took 4.8 ms for
        # 3.5% fewer bytes than 5's 2.9 ms, and 9 a third longer again for 1% fewer;
        # compressing was the largest part of rendering every feed, and a 304 sends no body.
        zipped = gzip.compress(body, compresslevel=5, mtime=0)
        extra = tuple((headers or {}).items())
        modified = ("Last-Modified", http_date(last_modified))

        def representation(data: bytes, etag: str, coding: tuple) -> Representation:
            common = (("ETag", etag), ("Vary", "Accept-Encoding"), *extra)
            return Representation(
                body=data,
                etag=etag,
                headers=(
                    ("Content-Type", content_type),
                    ("Content-Length", str(len(data))),
                    *coding,
                    modified,
                    *common,
                ),
                not_modified_headers=common,
            )

        identity = representation(body, f'"{tag}"', ())
        gzipped = representation(zipped, f'"{tag}-gzip"', (("Content-Encoding", "gzip"),))
        return cls(
            identity=identity,
            gzip=gzipped,
            last_modified=last_modified,
            content_type=content_type,
            validators=Validators(
                etag=identity.etag,
                gzip_etag=gzipped.etag,
                last_modified=last_modified,
                not_modified_headers=identity.not_modified_headers,
                gzip_not_modified_headers=gzipped.not_modified_headers,
            ),
        )


def document_cache_budget(environ: Mapping[str, str]) -> int:
    """Return the document cache's budget in bytes from FEEDS_DOCUMENT_CACHE_MB.

    Megabytes of 2**20 bytes, fractions allowed; unset or empty gives the default, 0 keeps
    no bodies at all. Anything else is refused, so that a typo does not silently become
    the default.
    """
    return int(from_environment("FEEDS_DOCUMENT_CACHE_MB", environ) * MB)


@dataclass(frozen=True, kw_only=True, slots=True)
class CacheContents:
    """What the document cache holds: keys least recently used first, and their bytes."""

    kept: tuple[Key, ...]  # documents whose bodies are kept
    rendered: frozenset[Key]  # documents whose validators are kept: every one rendered
    kept_bytes: int  # Document.size summed over kept
    budget: int


def websub_headers(feed: Feed, fmt: str) -> dict[str, str]:
    """Return the HTTP Link header that names a feed's WebSub hubs and itself."""
    if not feed.site.hubs:
        return {}
    links = [f'<{hub}>; rel="hub"' for hub in feed.site.hubs]
    links.append(f'<{feed.url(fmt)}>; rel="self"')
    return {"Link": ", ".join(links)}


def _watch_again(publisher: weakref.ref[Publisher]) -> None:
    """After a fork, restart the reload thread of a publisher that still exists."""
    alive = publisher()
    if alive is not None and not alive._stop.is_set():
        alive._reload_lock = threading.Lock()  # a lock held at the fork stays held
        alive.watch()


class Publisher:
    """The data folder, its current catalog and a cache of rendered documents."""

    def __init__(
        self,
        root: Path | str,
        *,
        clock: Callable[[], datetime] = utc_now,
        poll_interval: float = default("POLL_INTERVAL"),
        settle: float = default("SETTLE"),
        notifier: notify.Notifier | None = None,
        document_cache_bytes: int | None = None,
    ):
        """document_cache_bytes bounds the rendered bodies kept (default: from
        FEEDS_DOCUMENT_CACHE_MB, else 8 MB; 0 keeps none)."""
        if document_cache_bytes is None:
            document_cache_bytes = document_cache_budget(os.environ)
        elif document_cache_bytes < 0:
            raise ValueError(f"document_cache_bytes must be 0 or more, not {document_cache_bytes}")
        self.document_cache_bytes = document_cache_bytes
        self.clock = clock
        self.poll_interval = poll_interval
        self.store = Store(root, settle=settle)
        self.store.refresh()
        # Bodies, least recently used first, within the budget; validators of every
        # document rendered in _cache_state. Both are replaced, never cleared in place,
        # when the state changes, and only changed under _cache_lock: a reader without
        # the lock sees one state's entries or the next's, each right for its own key.
        self._bodies: OrderedDict[Key, Document] = OrderedDict()
        self._validators: dict[Key, Validators] = {}
        self._kept_bytes = 0
        self._cache_state: tuple[str, int] | None = None
        self._cache_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._watcher_pid: int | None = None
        self._stop = threading.Event()
        self.notifier = notifier or notify.Notifier(notify.lock_name_for(root))
        self._tracked: dict | None = None
        self._tracked_state: tuple | None = None
        self.last_change: notify.Change | None = None

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

    def locate(
        self, view: View, what: str, kind: Kind, slug: str, fmt: str = "", page: int = 0
    ) -> tuple[Feed, Key] | None:
        """Return the feed a document presents and the document's cache key, or None.

        `what` is "feed" (in a format of FORMATS, page 0 or an archive page), "page" (the
        index or a section, author or tag page), "subscribe" (a feed's subscribe page) or
        "opml". Nothing is rendered.
        """
        if what == "feed":
            if fmt not in FORMATS:
                return None
            feed = view.feed(kind, slug, page)
        elif what == "page" or what == "subscribe":
            feed = view.feed(kind, slug)
        else:
            feed = view.feed("site")
        if feed is None:
            return None
        return feed, (view.catalog.version, len(view.live), what, kind, slug, page, fmt)

    def validators(self, key: Key) -> Validators | None:
        """Return the validators of a document rendered for key's data state, kept or not."""
        return self._validators.get(key)

    def document_for(self, view: View, feed: Feed, key: Key) -> Document:
        """Return the document for a key from locate, rendering it if it is not kept."""
        bodies = self._bodies
        try:
            document = bodies[key]
            bodies.move_to_end(key)  # now the most recently used; each step atomic (GIL)
        except KeyError:  # not kept, or evicted by another thread between the two steps
            document = self._render(view, feed, key)
            self._keep(key, document)
        return document

    def _render(self, view: View, feed: Feed, key: Key) -> Document:
        _, _, what, kind, _, _, fmt = key
        keys = {"Surrogate-Key": feed.surrogate_keys}
        if what == "feed":
            body = render_feed(feed, fmt)
            return Document.of(
                body, CONTENT_TYPES[fmt], feed.updated, {**keys, **websub_headers(feed, fmt)}
            )
        if what == "page":
            body = render_index(view) if kind == "site" else render_feed_page(view, feed)
            return Document.of(body, HTML, feed.updated, keys)
        if what == "subscribe":
            return Document.of(render_subscribe_page(feed), HTML, feed.updated, keys)
        return Document.of(render_opml(view), OPML, feed.updated, keys)

    def _keep(self, key: Key, document: Document) -> None:
        """Remember a rendered document's validators, and its bodies within the budget."""
        state = key[:2]
        size = document.size
        with self._cache_lock:
            if self._cache_state != state:
                # New data, or a scheduled article gone live: every older document is
                # unreachable, so it is dropped rather than kept until it is evicted.
                self._bodies = OrderedDict()
                self._validators = {}
                self._kept_bytes = 0
                self._cache_state = state
            self._validators[key] = document.validators
            bodies = self._bodies
            if size > self.document_cache_bytes or key in bodies:
                return  # served but not kept, or kept by a thread that rendered it too
            bodies[key] = document
            self._kept_bytes += size
            while self._kept_bytes > self.document_cache_bytes:
                _, evicted = bodies.popitem(last=False)
                self._kept_bytes -= evicted.size

    def cache_contents(self) -> CacheContents:
        """Return what the document cache holds now."""
        with self._cache_lock:
            return CacheContents(
                kept=tuple(self._bodies),
                rendered=frozenset(self._validators),
                kept_bytes=self._kept_bytes,
                budget=self.document_cache_bytes,
            )

    def document(
        self, view: View, kind: Kind, slug: str, fmt: str, page: int = 0
    ) -> tuple[Document, Feed] | None:
        """Return one rendered feed document and its feed."""
        return self._rendered(view, "feed", kind, slug, fmt, page)

    def page(self, view: View, kind: Kind, slug: str = "") -> tuple[Document, Feed] | None:
        """Return an HTML page and the feed it presents: the index (site) or a feed's page."""
        return self._rendered(view, "page", kind, slug)

    def subscribe_page(
        self, view: View, kind: Kind, slug: str = ""
    ) -> tuple[Document, Feed] | None:
        """Return the page that explains how to subscribe to a feed, and the feed."""
        return self._rendered(view, "subscribe", kind, slug)

    def opml(self, view: View) -> tuple[Document, Feed] | None:
        """Return the OPML list of every feed, with the site feed for its cache headers."""
        return self._rendered(view, "opml", "site", "")

    def _rendered(
        self, view: View, what: str, kind: Kind, slug: str, fmt: str = "", page: int = 0
    ) -> tuple[Document, Feed] | None:
        found = self.locate(view, what, kind, slug, fmt, page)
        if found is None:
            return None
        feed, key = found
        return self.document_for(view, feed, key), feed

    # -- live reload ----------------------------------------------------------------------

    def refresh(self) -> bool:
        """Re-read changed data files now, then announce what changed; return whether the
        data changed."""
        with self._reload_lock:
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
        last, last_state = self._tracked, self._tracked_state
        if last is not None and last_state is not None and last_state[1] == len(view.live):
            snapshot = notify.snapshot(view, last, last_state[0])  # only what edits touched
        else:
            snapshot = notify.snapshot(view)
        if self._tracked is not None:
            change = notify.diff(self._tracked, snapshot, view.catalog.site)
            notify.log_change(change)
            self.notifier.announce(change, view.catalog.site)
            self.last_change = change
        self._tracked, self._tracked_state = snapshot, state

    def watch(self) -> None:
        """Start the background reload thread in this process, once.

        A forked child (a gunicorn worker of a preloaded app) has no threads, so the
        thread is started again in every child right after the fork: a worker that has
        not served a request yet must not serve the data it was forked with.
        """
        if self._watcher_pid == os.getpid() or self.poll_interval <= 0:
            return
        with self._reload_lock:
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
                    # A poll is one stat per file (about 5 us each, holding the GIL):
                    # space polls out so that they take at most 5% of the time, but
                    # never so far apart that an edit misses the 2-second bound.
                    wait = min(
                        MAX_POLL_INTERVAL,
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
