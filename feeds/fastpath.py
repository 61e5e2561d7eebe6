"""Documents served straight from the cache by a small WSGI layer in front of Flask.

Pollers ask for the same few URLs thousands of times an hour, and most answers are a
304. Flask's request and response objects cost more than everything else such a request
needs, so GET and HEAD for a document (feeds, archive pages, HTML pages, OPML) are
answered here: one regular expression, a few dictionary look-ups, headers built when the
document was rendered, and ETags compared as strings. A 304 is decided on the document's
validators alone, which the publisher keeps after it has evicted the bodies; only a 200
needs the body. Everything else (unknown paths, other methods, /healthz) goes on to
Flask, which answers 404, 405 or the health page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from feeds.catalog import Feed, Kind, View
from feeds.http import accepts_gzip, not_modified
from feeds.publisher import Key, Publisher

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
      | (?P<index>)
    )""",
    re.VERBOSE,
)


def route(path: str) -> tuple[str, Kind, str, str, int] | None:
    """Return (what, kind, slug, format, page) for a document path, or None.

    `what` is "feed", "page" (the index or a section/author/tag page) or "opml".
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
    if match["fmt"]:
        return ("feed", kind, slug, match["fmt"], 0)
    return ("feed", kind, slug, match["archive_fmt"], int(match["page"]))


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
            return self.fallback(environ, start_response)  # Flask answers the 404
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
