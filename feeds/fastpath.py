"""Documents served straight from the cache by a small WSGI layer in front of Flask.

Pollers ask for the same few URLs thousands of times an hour, and most answers are a
304. Flask's request and response objects cost more than everything else such a request
needs, so GET and HEAD for a document (feeds, archive pages, HTML pages, OPML) are
answered here: one regular expression, a few dictionary look-ups, headers built when the
document was rendered, and ETags compared as strings. A 304 is decided on the document's
validators alone, which the publisher keeps after it has evicted the bodies; only a 200
needs the body. The old URLs of a renamed section or author, and tag URLs in another
spelling, answer 301 here, looked up only once a document is not found. Everything else
(unknown paths, other methods, /healthz) goes on to Flask, which answers 404, 405 or the
health page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from feeds.catalog import Feed, Kind, View, document_path, feed_base, public_url
from feeds.http import accepts_gzip, not_modified
from feeds.model import Site
from feeds.publisher import Key, Publisher
from feeds.text import tag_slug

log = logging.getLogger(__name__)
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

_NOT_ALLOWED = [
    ("Allow", "GET, HEAD"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", "23"),
]
_KINDS: dict[str, Kind] = {"sections": "section", "authors": "author", "tags": "tag"}
_PATH = re.compile(
    r"""/(?:
        (?P<kind>sections|authors|tags)/(?P<slug>[^/]+)/
    )?(?:
        feed\.(?P<fmt>rss|atom|json)
      | archive/(?P<page>[1-9][0-9]{0,8})\.(?P<archive_fmt>rss|atom|json)
      | subscribe/(?P<subscribe>)
      | (?P<index>)
    )""",
    re.VERBOSE,
)
# What a query may hold as it is in a Location; anything else is percent-encoded.
_QUERY_SAFE = "/?:@!$&'()*+,;=%"


def route(path: str) -> tuple[str, Kind, str, str, int] | None:
    """Return (what, kind, slug, format, page) for a document path, or None.

    `what` is "feed", "page" (the index or a section/author/tag page), "subscribe" (how
    to subscribe to a feed: /subscribe/ for the site feed, /sections/war/subscribe/) or
    "opml".
    """
    if path == "/feeds.opml":
        return ("opml", "site", "", "", 0)
    match = _PATH.fullmatch(path)
    if match is None:
        return None
    kind: Kind = _KINDS[match["kind"]] if match["kind"] else "site"
    slug = match["slug"] or ""
    if match["index"] is not None:
        return ("page", kind, slug, "", 0)
    if match["subscribe"] is not None:
        return ("subscribe", kind, slug, "", 0)
    if match["fmt"]:
        return ("feed", kind, slug, match["fmt"], 0)
    return ("feed", kind, slug, match["archive_fmt"], int(match["page"]))


def path_for(what: str, kind: Kind, slug: str, fmt: str = "", page: int = 0) -> str:
    """Return the URL path of a routed document: the reverse of route()."""
    if what == "opml":
        return "/feeds.opml"
    if what == "page":
        return f"{feed_base(kind, slug)}/"
    if what == "subscribe":
        return f"{feed_base(kind, slug)}/subscribe/"
    return f"{document_path(kind, slug, page)}.{fmt}"


def moved(view: View, what: str, kind: Kind, slug: str, fmt: str = "", page: int = 0) -> str | None:
    """Return the path a routed document that was not found has moved to, or None."""
    # A section's or author's old slug (`formerly`) moved to its current one; a tag
    # written another way (`NATO`, `N.A.T.O.`) to the existing tag it slugs to.
    if kind == "tag":
        # The uncached tag_slug: request paths are unbounded, and must not push the
        # loader's tags out of its cache.
        new = None if slug in view.by_tag else tag_slug.__wrapped__(slug)
    else:
        new = view.catalog.renamed.get((kind, slug))
    if not new or new == slug or view.feed(kind, new, page) is None:
        return None
    return path_for(what, kind, new, fmt, page)


class DocumentServer:
    """WSGI middleware: answer document GETs and HEADs from the cache, pass the rest on."""

    def __init__(self, publisher: Publisher, fallback: WSGIApp):
        self.publisher = publisher
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            if not method.isupper():
                # Methods are case-sensitive (RFC 9110 9.1); werkzeug would upper-case
                # "get" and answer it as a GET.
                start_response("405 Method Not Allowed", _NOT_ALLOWED)
                return [b"405 Method Not Allowed\n"]
            return self.fallback(environ, start_response)
        try:
            # WSGI gives the path as latin-1 decoded bytes; URLs are UTF-8.
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
        except UnicodeError:
            return self.fallback(environ, start_response)
        target = route(path)
        if target is None:
            return self.fallback(environ, start_response)
        publisher = self.publisher
        current = publisher.view()
        if current is None:
            return self.fallback(environ, start_response)
        view, now = current
        found = publisher.locate(view, *target)
        if found is None:
            path = moved(view, *target)
            if path is None:
                return self.fallback(environ, start_response)  # Flask answers the 404
            return redirect(view.catalog.site, path, environ, start_response)
        feed, key = found
        return respond(publisher, view, feed, key, environ, start_response, now)


def respond(
    publisher: Publisher,
    view: View,
    feed: Feed,
    key: Key,
    environ: dict,
    start_response: Callable,
    now: datetime,
) -> Iterable[bytes]:
    """Answer 304 when the client's copy is current, else 200 (HEAD: without the body).

    The 304 needs only the validators; the body is fetched, and rendered again if the
    cache has evicted it, for a 200 alone (and a conditional request for a document not
    rendered yet in this data state, whose validators do not exist before it is).
    """
    zipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
    cache_control = ("Cache-Control", feed.cache_control(now))
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    document = None
    if if_none_match is not None or if_modified_since:
        validators = publisher.validators(key)
        if validators is None:
            document = publisher.document_for(view, feed, key)
            validators = document.validators
        if not_modified(
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
            etag=validators.gzip_etag if zipped else validators.etag,
            last_modified=validators.last_modified,
            now=now,
        ):
            headers = (
                validators.gzip_not_modified_headers if zipped else validators.not_modified_headers
            )
            start_response("304 Not Modified", [*headers, cache_control])
            return []
    if document is None:
        document = publisher.document_for(view, feed, key)
    representation = document.gzip if zipped else document.identity
    start_response("200 OK", [*representation.headers, cache_control])
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [representation.body]


def redirect(site: Site, path: str, environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Answer 301 to a path's public URL, with the request's query (HEAD: without the body)."""
    # From site.yaml's url, never the request's Host. Cached for max_age only, since an
    # editor can undo a rename.
    location = public_url(site, path)
    query = environ.get("QUERY_STRING")
    if query:
        # WSGI gives the query as latin-1 decoded bytes; a header must be ASCII.
        location += "?" + quote(query.encode("latin-1"), safe=_QUERY_SAFE)
    body = f"301 Moved Permanently: {location}\n".encode()
    start_response(
        "301 Moved Permanently",
        [
            ("Location", location),
            ("Cache-Control", f"public, max-age={site.max_age}"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
