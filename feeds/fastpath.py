"""Documents served straight from the cache by a small WSGI layer in front of Flask.

Pollers ask for the same few URLs thousands of times an hour, and most answers are a
304. Flask's request and response objects cost more than everything else such a request
needs, so GET and HEAD for a document (feeds, archive pages, HTML pages, OPML) are
answered here, a thin adapter between WSGI and the pure decisions of http.py: the path is
routed (urls.py), the publisher is asked once for the document (publisher.find), and the
headers built when the document was rendered are sent. A 304 is decided on the
document's validators alone, which the publisher keeps after it has evicted the bodies;
only a 200 needs the body. The old URLs of a renamed section or author, and tag URLs in
another spelling, answer 301 here. Everything else (unknown paths, other methods,
/healthz) goes on to Flask, which answers 404, 405 or the health page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from feeds.documents import dated
from feeds.http import accepts_gzip, cache_control, not_modified
from feeds.model import Site
from feeds.publisher import Found, Moved, Publisher
from feeds.urls import DOCUMENTS, public_url, route

# The documents whose requests are a reader's subscription: feeds in FORMATS and their
# archive pages (not partner feeds, which platforms ingest, nor pages).
_COUNTED = frozenset(name for name, row in DOCUMENTS.items() if row.feed_document)

log = logging.getLogger(__name__)
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

_NOT_ALLOWED = [
    ("Allow", "GET, HEAD"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", "23"),
]
# What a query may hold as it is in a Location; anything else is percent-encoded.
_QUERY_SAFE = "/?:@!$&'()*+,;=%"


class DocumentServer:
    """WSGI middleware: answer document GETs and HEADs from the cache, pass the rest on."""

    def __init__(
        self,
        publisher: Publisher,
        fallback: WSGIApp,
        count: Callable[[str, str, dict], None] | None = None,
    ):
        """count(kind, slug, environ), if given, is told of every feed document answered
        (200 or 304): the subscriber statistics (feeds/stats/recorder.py)."""
        self.publisher = publisher
        self.fallback = fallback
        self.count = count

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
        ref = route(path)
        if ref is None:
            return self.fallback(environ, start_response)
        found = self.publisher.find(ref)
        if type(found) is Found:
            if self.count is not None and ref.document in _COUNTED:
                self.count(ref.kind, ref.slug, environ)
            return respond(found, environ, start_response)
        if type(found) is Moved:
            return redirect(found.view.catalog.site, found.path, environ, start_response)
        return self.fallback(environ, start_response)  # Flask answers the 404 (or 503)


def respond(found: Found, environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Answer 304 when the client's copy is current, else 200 (HEAD: without the body).

    The 304 needs only the validators; the body is fetched, and rendered again if the
    cache has evicted it, for a 200 alone (and a conditional request for a document not
    rendered yet in this data state, whose validators do not exist before it is).
    """
    zipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
    feed, now = found.feed, found.now
    caching = ("Cache-Control", cache_control(feed.site, now, feed.next_change, feed.complete))
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    document = None
    if if_none_match is not None or if_modified_since:
        validators = found.validators()
        if validators is None:
            document = found.document()
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
            start_response("304 Not Modified", [*headers, caching])
            return []
    if document is None:
        document = found.document()
    representation = document.gzip if zipped else document.identity
    headers = representation.headers
    if document.last_modified > now:
        headers = dated(headers, now)  # never later than Date (RFC 9110 8.8.2.1)
    start_response("200 OK", [*headers, caching])
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
