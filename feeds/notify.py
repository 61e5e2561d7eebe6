"""Tell the world what changed: WebSub hubs and a CDN purge webhook, off the request path.

After each reload (and each time a scheduled article goes live) the publisher compares
every document's content key with the previous one. A document's bytes are a pure
function of its key, so the URLs whose keys differ are exactly the URLs whose bytes
changed, found without rendering anything. They are logged, published to each WebSub
hub (one POST per hub and feed URL, hub.mode=publish) and POSTed as JSON to the purge
webhook, by one background thread with retries and exponential backoff.

Under gunicorn every worker tracks changes, but only the one holding an exclusive lock
on a file beside the data folder's name in the temp dir sends anything, so each change
is announced once, not once per worker.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import queue
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from feeds import sitemaps
from feeds.catalog import View
from feeds.feed import Feed
from feeds.http import surrogate_key
from feeds.model import Article, Site
from feeds.urls import (
    DOCUMENTS,
    FORMATS,
    DocumentRef,
    Kind,
    document_url,
    feed_document,
    feed_documents,
    site_documents,
)

log = logging.getLogger(__name__)
USER_AGENT = "feeds (WebSub publisher)"


def feed_parts(feed: Feed) -> tuple:
    """Return what a feed document's bytes depend on besides its entries."""
    return (
        feed.site,
        feed.about,
        feed.updated,
        feed.page,
        feed.pages,
        feed.complete,
        feed.removed,
        feed.authors.get(feed.slug) if feed.kind == "author" else None,
        feed.sections.get(feed.slug) if feed.kind == "section" else None,
    )


def entry_parts(feed: Feed, article: Article) -> tuple:
    """Return what an entry's bytes depend on: the article, its section, its authors and
    its tags' shown names (the same in every feed of one view)."""
    return (
        article,
        feed.sections[article.section],
        tuple([feed.authors[slug] for slug in article.authors]),
        tuple([feed.tag_names.get(slug) for slug in article.tag_slugs]),
    )


def content_key(feed: Feed) -> tuple:
    """Return everything a feed document's bytes depend on, for cheap comparison (the
    export's manifest digests the same parts: manifest.feed_key)."""
    return (feed_parts(feed), tuple([entry_parts(feed, a) for a in feed.entries]))


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    """The public URLs whose bytes changed, and the CDN keys to purge."""

    feed_urls: tuple[str, ...]  # feed documents, every format: WebSub topics
    page_urls: tuple[str, ...]  # HTML pages and the OPML list
    keys: tuple[str, ...]  # Surrogate-Key values

    @property
    def urls(self) -> tuple[str, ...]:
        return self.feed_urls + self.page_urls

    def __bool__(self) -> bool:
        return bool(self.feed_urls or self.page_urls)


Snapshot = dict[tuple[Kind, str, int], tuple]
# The partners page lists scheduled articles too, which no feed document shows: it has a
# key of its own, under a page no feed has.
READINESS: tuple[Kind, str, int] = ("site", "", -1)


def readiness_key(view: View) -> tuple:
    """Return everything the partners page's bytes depend on."""
    catalog = view.catalog
    if not catalog.site.partners:
        return ()
    return (catalog.site, tuple(a for a in catalog.articles if not a.draft))


def snapshot(view: View, last: Snapshot | None = None, last_version: str = "") -> Snapshot:
    """Return the content key of every feed document in a view.

    Given the snapshot of the catalog this view's catalog was derived from by swapping in
    edited articles that stayed where they were (Catalog.replacing), only the documents
    that show them are looked at again, and feeds with no entries, whose date is the
    publication's newest: every other document is as it was. At 10,000 articles that
    is a few documents instead of every one of about 1,300 (140 ms).
    """
    catalog = view.catalog
    if last is None or not catalog.edited_from or catalog.edited_from != last_version:
        fresh = {(f.kind, f.slug, f.page): content_key(f) for f in view.documents()}
        fresh.update(sitemaps.content_keys(view))
        fresh[READINESS] = readiness_key(view)
        return fresh
    keys = {key for article in catalog.edited for key in view.documents_holding(article)}
    keys |= {("section", slug, 0) for slug in catalog.sections if slug not in view.by_section}
    keys |= {("author", slug, 0) for slug in catalog.authors if slug not in view.by_author}
    if not view.live:
        keys.add(("site", "", 0))
    fresh = dict(last)
    fresh[READINESS] = readiness_key(view)
    for kind, slug, page in keys:
        feed = view.feed(kind, slug, page)
        if feed is not None:
            fresh[(kind, slug, page)] = content_key(feed)
    # Sitemaps list every live article: looked at again whatever the edit (a pass over
    # the articles' urls and dates, no rendering).
    fresh = {key: value for key, value in fresh.items() if key[0] != "sitemap"}
    fresh.update(sitemaps.content_keys(view))
    return fresh


def diff(
    old: dict[tuple[Kind, str, int], tuple], new: dict[tuple[Kind, str, int], tuple], site: Site
) -> Change:
    """Return what changed between two snapshots (documents that vanished count too)."""
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    feed_urls: list[str] = []
    page_urls: set[str] = set()
    keys: set[str] = set()
    syndicated: list[str] = []  # partner feeds: once each, whichever pages changed
    listed = False
    for kind, slug, page in changed:
        if kind == "sitemap":  # a sitemap or robots.txt, named by its row in DOCUMENTS
            page_urls.add(document_url(site, DocumentRef(slug, page=page)))
            keys.add(sitemaps.SURROGATE_KEY)
            continue
        listed = True  # every other change shows on the index, OPML list or partners page
        if page < 0:  # not a feed document (READINESS): a site-wide document below
            continue
        feed_urls += [document_url(site, feed_document(kind, slug, f, page)) for f in FORMATS]
        keys.add(surrogate_key(kind, slug))
        for ref in feed_documents(site, kind, slug):
            url = document_url(site, ref)
            if DOCUMENTS[ref.document].syndicated:
                if url not in syndicated:
                    syndicated.append(url)
            elif page == 0:
                page_urls.add(url)
    feed_urls += syndicated
    if listed:
        # The index, the OPML list and the partners page show every feed; the index is
        # the site feed's page. (Sitemaps are announced above, when they change.)
        page_urls |= {
            document_url(site, ref)
            for ref in site_documents(site)
            if ref.document not in sitemaps.DOCUMENT_NAMES
        }
        page_urls.add(document_url(site, DocumentRef("page")))
        keys.add("site")
    return Change(
        feed_urls=tuple(feed_urls), page_urls=tuple(sorted(page_urls)), keys=tuple(sorted(keys))
    )


Poster = Callable[[str, bytes, str], int]


def http_post(url: str, body: bytes, content_type: str) -> int:
    """POST body to url; return the HTTP status (raising OSError for network failures)."""
    import urllib.error  # only a server with hubs or purge URLs posts: loaded then
    import urllib.request

    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Notifier:
    """Deliver notifications in one background thread, with retries and backoff."""

    def __init__(
        self,
        lock_name: str,
        *,
        post: Poster = http_post,
        attempts: int = 5,
        backoff: float = 1.0,
    ):
        self.post = post
        self.attempts = attempts
        self.backoff = backoff
        self._lock_path = Path(tempfile.gettempdir()) / f"feeds-notify-{lock_name}.lock"
        self._lock_file = None
        self._lock_pid: int | None = None
        self._queue: queue.Queue[tuple[str, bytes, str, int]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._pending_lock = threading.Lock()
        self.delivered: list[tuple[str, bytes]] = []  # for operators and tests: what went out

    def is_leader(self) -> bool:
        """Return whether this process is the one that announces changes (takes the lock)."""
        if self._lock_pid == os.getpid():
            return True
        try:
            handle = self._lock_path.open("a")
        except OSError:
            return False
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file, self._lock_pid = handle, os.getpid()  # held while the process lives
        return True

    def announce(self, change: Change, site: Site) -> None:
        """Queue the notifications for a change: each hub and feed URL, and the webhook."""
        if not change or not (site.hubs or site.purge_webhook) or not self.is_leader():
            return
        form = "application/x-www-form-urlencoded"
        for hub in site.hubs:
            for url in change.feed_urls:
                body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": url})
                self._send(hub, body.encode(), form)
        if site.purge_webhook:
            body = json.dumps({"urls": list(change.urls), "surrogate_keys": list(change.keys)})
            self._send(site.purge_webhook, body.encode(), "application/json")

    def _send(self, url: str, body: bytes, content_type: str) -> None:
        with self._pending_lock:
            self._pending += 1
        self._queue.put((url, body, content_type, 1))
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="feeds-notify", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        retry: list[tuple[float, tuple[str, bytes, str, int]]] = []
        while True:
            now = time.monotonic()
            due = [item for at, item in retry if at <= now]
            retry = [(at, item) for at, item in retry if at > now]
            for item in due:
                self._queue.put(item)
            timeout = min((at for at, _ in retry), default=now + 60) - now
            try:
                url, body, content_type, attempt = self._queue.get(timeout=max(0.01, timeout))
            except queue.Empty:
                continue
            try:
                status = self.post(url, body, content_type)
            except OSError as error:
                status, reason = 0, str(error)
            else:
                reason = f"HTTP {status}"
            if 200 <= status < 300:
                self.delivered.append((url, body))
                self._done()
                continue
            permanent = 400 <= status < 500 and status not in (408, 429)
            if permanent or attempt >= self.attempts:
                log.warning("notification to %s failed for good (%s)", url, reason)
                self._done()
                continue
            delay = self.backoff * 2 ** (attempt - 1)
            log.info("notification to %s failed (%s); retrying in %.1f s", url, reason, delay)
            retry.append((time.monotonic() + delay, (url, body, content_type, attempt + 1)))

    def close(self) -> None:
        """Give up the announcing role, so that another process can take it."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = self._lock_pid = None

    def _done(self) -> None:
        with self._pending_lock:
            self._pending -= 1

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every notification was delivered or given up (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._pending == 0:
                return True
            time.sleep(0.01)
        return False


def lock_name_for(root: Path | str) -> str:
    """Return a short name that is the same for every worker serving one data folder."""
    return hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]


def log_change(change: Change) -> None:
    """Log the URLs whose bytes changed, for operators purging caches by hand."""
    if change:
        log.info("changed: %d URLs: %s", len(change.urls), " ".join(change.urls))
