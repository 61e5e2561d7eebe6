"""Rendered documents and the cache that keeps them: render-or-get by reference.

The cache keeps the bodies of the most recently used documents within a byte budget, and
the validators of every document rendered for the current data, so that a 304 never
needs a body. An evicted document is rendered again when a 200 needs it: the same data
gives the same bytes and ETags (render.py).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from zlib_ng import gzip_ng

from feeds import sitemaps
from feeds.catalog import View
from feeds.feed import Feed
from feeds.http import surrogate_keys, websub_links
from feeds.pages import (
    render_feed_page,
    render_index,
    render_opml,
    render_partners_page,
    render_subscribe_page,
)
from feeds.partners.render import build_partner_feed, render_partner_feed
from feeds.render import CONTENT_TYPES, render_feed
from feeds.splice import Entries
from feeds.urls import DocumentRef

HTML = "text/html; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"
# What a kept document holds beyond its two bodies (the Document, its Representations,
# their headers, the cache's entry), counted so that many small documents (short tag
# feeds, pages) cannot pass the budget by far.
DOCUMENT_OVERHEAD = 2048
# The gzip level of every document (served and exported alike).
GZIP_LEVEL = 6
# (catalog version, view moment, document): one document in one state of the data.
Key = tuple[str, int, DocumentRef]


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
        # zlib-ng at its level 6: compressing is the largest part of rendering a feed
        # (a cold export of 10,000 articles compresses 640 MB), and zlib-ng at 6 writes
        # 2.7% fewer bytes than zlib at 5 (this code's level before) in 75-85% of the
        # time; zlib at 6 writes 0.5% fewer still, in 145%.
        zipped = gzip_ng.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
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


def http_date(moment: datetime) -> str:
    """Return an HTTP date (RFC 9110 IMF-fixdate), as werkzeug's http_date writes it,
    without loading werkzeug in a build (40 ms)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return format_datetime(utc, usegmt=True)


def dated(headers: tuple[tuple[str, str], ...], now: datetime) -> tuple[tuple[str, str], ...]:
    """Return a 200's headers with Last-Modified set to `now`, for a document dated later.

    An `updated` in the future (a typo such as 2099) dates the document after the
    response: RFC 9110 8.8.2.1 forbids a Last-Modified later than Date and asks for the
    Date instead. Only the header moves: the document keeps its date, so If-Modified-Since
    still compares against it (http.not_modified), and no client date can match it.
    """
    sent = http_date(now)
    return tuple((name, sent if name == "Last-Modified" else value) for name, value in headers)


def _feed_document(
    view: View, feed: Feed, ref: DocumentRef, render: Callable[[Feed, str], bytes] | None = None
) -> Document:
    headers = {"Surrogate-Key": surrogate_keys(feed.kind, feed.slug)}
    hub_links = websub_links(feed.site.hubs, feed.url(ref.fmt))
    if hub_links:
        headers["Link"] = hub_links
    body = (render or render_feed)(feed, ref.fmt)
    return Document.of(body, CONTENT_TYPES[ref.fmt], feed.updated, headers)


def _page(view: View, feed: Feed, ref: DocumentRef) -> Document:
    body = render_index(view) if feed.kind == "site" else render_feed_page(view, feed)
    return _html(body, feed)


def _html(body: bytes, feed: Feed, content_type: str = HTML) -> Document:
    keys = {"Surrogate-Key": surrogate_keys(feed.kind, feed.slug)}
    return Document.of(body, content_type, feed.updated, keys)


def _sitemap(view: View, feed: Feed, ref: DocumentRef) -> Document:
    body, content_type, last_modified = sitemaps.render(view, ref)
    return Document.of(body, content_type, last_modified, {"Surrogate-Key": sitemaps.SURROGATE_KEY})


def _partner_feed(view: View, feed: Feed, ref: DocumentRef) -> Document:
    pf = build_partner_feed(feed, view.articles(feed.kind, feed.slug), ref.fmt)
    headers = {"Surrogate-Key": surrogate_keys(feed.kind, feed.slug)}
    hub_links = websub_links(feed.site.hubs, pf.url)
    if hub_links:
        headers["Link"] = hub_links
    return Document.of(render_partner_feed(pf), CONTENT_TYPES["rss"], pf.updated, headers)


def _partners_page(view: View, feed: Feed, ref: DocumentRef) -> Document:
    # It lists scheduled articles too, so its date is the newest of every one it checks.
    articles = [a for a in view.catalog.articles if not a.draft]
    newest = max((a.modified for a in articles), default=feed.updated)
    keys = {"Surrogate-Key": surrogate_keys(feed.kind, feed.slug)}
    return Document.of(render_partners_page(view), HTML, newest, keys)


# How each kind of document in urls.DOCUMENTS is rendered, from the feed it presents.
RENDERERS: dict[str, Callable[[View, Feed, DocumentRef], Document]] = {
    "feed": _feed_document,
    "archive": _feed_document,
    "page": _page,
    "subscribe": lambda view, feed, ref: _html(render_subscribe_page(feed), feed),
    "opml": lambda view, feed, ref: _html(render_opml(view), feed, OPML),
    **{name: _sitemap for name in sitemaps.DOCUMENT_NAMES},
    "partner": _partner_feed,
    "partners": _partners_page,
}


def render_document(
    view: View, feed: Feed, ref: DocumentRef, entries: Entries | None = None
) -> Document:
    """Return a document rendered, with its headers: `feed` is the one it presents.

    An export renders every document of a view: given `entries`, feed documents are
    spliced from entries rendered once for all of them (splice.py), the same bytes.
    """
    if entries is not None and RENDERERS[ref.document] is _feed_document:
        return _feed_document(view, feed, ref, entries.render)
    return RENDERERS[ref.document](view, feed, ref)


@dataclass(frozen=True, kw_only=True, slots=True)
class CacheContents:
    """What the document cache holds: keys least recently used first, and their bytes."""

    kept: tuple[Key, ...]  # documents whose bodies are kept
    rendered: frozenset[Key]  # documents whose validators are kept: every one rendered
    kept_bytes: int  # Document.size summed over kept
    budget: int


class DocumentCache:
    """Rendered documents of one data state: bodies within a budget, every validator."""

    def __init__(self, budget: int):
        if budget < 0:
            raise ValueError(f"document_cache_bytes must be 0 or more, not {budget}")
        self.budget = budget
        # Bodies, least recently used first, within the budget; validators of every
        # document rendered in _state. Both are replaced, never cleared in place, when
        # the state changes, and only changed under _lock: a reader without the lock
        # sees one state's entries or the next's, each right for its own key.
        self._bodies: OrderedDict[Key, Document] = OrderedDict()
        self._validators: dict[Key, Validators] = {}
        self._kept_bytes = 0
        self._state: tuple[str, int] | None = None
        self._lock = threading.Lock()
        self.rendered = threading.Event()  # set once a first document was rendered

    def validators(self, key: Key) -> Validators | None:
        """Return the validators of a document rendered for key's data state, kept or not."""
        return self._validators.get(key)

    def get(self, key: Key, view: View, feed: Feed) -> Document:
        """Return the document for a key, rendering it if it is not kept."""
        bodies = self._bodies
        try:
            document = bodies[key]
            bodies.move_to_end(key)  # now the most recently used; each step atomic (GIL)
        except KeyError:  # not kept, or evicted by another thread between the two steps
            document = render_document(view, feed, key[2])
            self._keep(key, document)
        return document

    def _keep(self, key: Key, document: Document) -> None:
        """Remember a rendered document's validators, and its bodies within the budget."""
        state = key[:2]
        size = document.size
        with self._lock:
            if self._state != state:
                # New data, or a scheduled article gone live: every older document is
                # unreachable, so it is dropped rather than kept until it is evicted.
                self._bodies = OrderedDict()
                self._validators = {}
                self._kept_bytes = 0
                self._state = state
            self._validators[key] = document.validators
            self.rendered.set()
            bodies = self._bodies
            if size > self.budget or key in bodies:
                return  # served but not kept, or kept by a thread that rendered it too
            bodies[key] = document
            self._kept_bytes += size
            while self._kept_bytes > self.budget:
                _, evicted = bodies.popitem(last=False)
                self._kept_bytes -= evicted.size

    def contents(self) -> CacheContents:
        """Return what the cache holds now."""
        with self._lock:
            return CacheContents(
                kept=tuple(self._bodies),
                rendered=frozenset(self._validators),
                kept_bytes=self._kept_bytes,
                budget=self.budget,
            )
