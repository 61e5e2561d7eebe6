"""The publisher: the data folder, its current catalog, and its documents by reference.

A small front over two parts with one job each: the document cache (documents.py,
render-or-get by reference) and the reloader (reloader.py, the thread that keeps the data
current and announces changes). A request enters it once, with `find`.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from feeds import notify, sitemaps
from feeds.catalog import Catalog, View
from feeds.documents import CacheContents, Document, DocumentCache, Key, Validators
from feeds.feed import Feed
from feeds.reloader import Reloader
from feeds.settings import default, from_environment
from feeds.store import Store
from feeds.text import tag_slug
from feeds.urls import DOCUMENTS, DocumentRef, path_of

# Settle (0.3 s) + this + the reload itself stays under the 2 seconds editors are promised.
MAX_POLL_INTERVAL = 1.2

# A server's first load leaves its bodies undeflated (Store.defer_packing): they are
# deflated once the first document was rendered, or this long after the load if none was.
PACK_AFTER = 2.0

MB = 1 << 20


def utc_now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def document_cache_budget(environ: Mapping[str, str]) -> int:
    """Return the document cache's budget in bytes from FEEDS_DOCUMENT_CACHE_MB.

    Megabytes of 2**20 bytes, fractions allowed; unset or empty gives the default, 0 keeps
    no bodies at all. Anything else is refused, so that a typo does not silently become
    the default.
    """
    return int(from_environment("FEEDS_DOCUMENT_CACHE_MB", environ) * MB)


def _pack_later(store: weakref.ref[Store], rendered: threading.Event) -> Callable[[], None]:
    """Deflate a store's bodies once a first document was rendered (or PACK_AFTER
    passed), in a thread of their own, and before any fork, so that a worker forked from
    a preloaded app (gunicorn --preload) is not left with them undeflated. Return what
    stops the thread (Publisher.close): a thread left running keeps a process from
    forking its loads and builds (parallel.map_chunks)."""
    stopped = threading.Event()

    def pack() -> None:
        if (alive := store()) is not None:
            alive.pack_bodies()

    def after_first_document() -> None:
        rendered.wait(PACK_AFTER)
        if not stopped.is_set():
            pack()

    thread = threading.Thread(target=after_first_document, name="feeds-pack", daemon=True)
    thread.start()
    os.register_at_fork(before=pack)

    def stop() -> None:
        stopped.set()
        rendered.set()  # wakes the thread: nothing more is rendered for a closed publisher
        thread.join()

    return stop


class Found(NamedTuple):
    """A document found for a request: the feed it presents, at `now`, and its cache entry.

    A named tuple, made once per request: cheaper to build than a frozen dataclass (see
    DocumentRef). Nothing is looked up until asked: a 200 needs no validators.
    """

    feed: Feed
    now: datetime
    key: Key
    view: View
    cache: DocumentCache

    def validators(self) -> Validators | None:
        """Return what a 304 needs, or None if the document was not rendered yet in this
        state of the data (document() renders it then)."""
        return self.cache.validators(self.key)

    def document(self) -> Document:
        """Return the document's bodies and headers, rendering them if they are not kept."""
        return self.cache.get(self.key, self.view, self.feed)


class Moved(NamedTuple):
    """A document that lives at another path now (a renamed section, author or tag)."""

    path: str
    view: View


def presented_feed(view: View, ref: DocumentRef) -> Feed | None:
    """Return the feed a document presents (the site feed for site-wide ones), or None."""
    if ref.document in sitemaps.DOCUMENT_NAMES:
        return sitemaps.presented(view, ref)
    # ref.kind is "site" for a site-wide document, so its feed is the site feed.
    feed = view.feed(ref.kind, ref.slug, ref.page)
    if feed is None or not DOCUMENTS[ref.document].serves(view.catalog.site, ref):
        return None  # a partner feed site.yaml does not turn on, say
    return feed


def moved(view: View, ref: DocumentRef) -> str | None:
    """Return the path a document that was not found has moved to, or None."""
    # A section's or author's old slug (`formerly`) moved to its current one; a tag
    # written another way (`NATO`, `N.A.T.O.`) to the existing tag it slugs to.
    if ref.kind == "tag":
        # The uncached tag_slug: request paths are unbounded, and must not push the
        # loader's tags out of its cache.
        new = None if ref.slug in view.by_tag else tag_slug.__wrapped__(ref.slug)
    else:
        new = view.catalog.renamed.get((ref.kind, ref.slug))
    if not new or new == ref.slug:
        return None
    target = DocumentRef(ref.document, ref.kind, new, ref.fmt, ref.page)
    return None if presented_feed(view, target) is None else path_of(target)


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
        defer_packing: bool = False,
    ):
        """document_cache_bytes bounds the rendered bodies kept (default: from
        FEEDS_DOCUMENT_CACHE_MB, else 8 MB; 0 keeps none). defer_packing (a server)
        deflates the first load's bodies after the first document, not before it."""
        if document_cache_bytes is None:
            document_cache_bytes = document_cache_budget(os.environ)
        self.documents = DocumentCache(document_cache_bytes)
        self.clock = clock
        self.store = Store(root, settle=settle, defer_packing=defer_packing)
        self.store.refresh()
        self._stop_packing = (
            _pack_later(weakref.ref(self.store), self.documents.rendered)
            if self.store.unpacked
            else None
        )
        self.reloader = Reloader(
            self.store,
            lambda: self.view()[0] if self.store.catalog is not None else None,
            notifier or notify.Notifier(notify.lock_name_for(root)),
            poll_interval=poll_interval,
            max_poll_interval=MAX_POLL_INTERVAL,
        )

    @property
    def catalog(self) -> Catalog | None:
        """Return the current catalog (None only if site.yaml never loaded)."""
        return self.store.catalog

    @property
    def document_cache_bytes(self) -> int:
        return self.documents.budget

    @property
    def notifier(self) -> notify.Notifier:
        return self.reloader.notifier

    @property
    def last_change(self) -> notify.Change | None:
        """Return what the last reload (or scheduled article) changed, as announced."""
        return self.reloader.last_change

    def view(self) -> tuple[View, datetime] | None:
        """Return the publication as readers see it now, and that now."""
        catalog = self.store.catalog
        if catalog is None:
            return None
        now = self.clock()
        return catalog.view(now), now

    def find(self, ref: DocumentRef) -> Found | Moved | None:
        """Return a document as of now, where it moved, or None (no such document, or no
        data at all). Nothing is rendered."""
        catalog = self.store.catalog
        if catalog is None:
            return None
        now = self.clock()
        view = catalog.view(now)
        feed = presented_feed(view, ref)
        if feed is None:
            path = moved(view, ref)
            return None if path is None else Moved(path, view)
        key = (catalog.version, view.moment, ref)
        return Found(feed, now, key, view, self.documents)

    def document(self, view: View, ref: DocumentRef) -> Document | None:
        """Return a document of a view, rendered or from the cache, or None if it has none."""
        feed = presented_feed(view, ref)
        if feed is None:
            return None
        return self.documents.get((view.catalog.version, view.moment, ref), view, feed)

    def validators(self, key: Key) -> Validators | None:
        """Return the validators kept for a document's key, None if not rendered for it."""
        return self.documents.validators(key)

    def cache_contents(self) -> CacheContents:
        """Return what the document cache holds now."""
        return self.documents.contents()

    def refresh(self) -> bool:
        """Re-read changed data files now, then announce what changed; return whether the
        data changed."""
        return self.reloader.refresh()

    def watch(self) -> None:
        """Start the background reload thread in this process (and in each forked child)."""
        self.reloader.watch()

    def close(self) -> None:
        """Stop the reload thread and give up announcing changes."""
        self.reloader.close()
        if self._stop_packing is not None:
            self._stop_packing()
