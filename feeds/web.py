"""The Flask app: feeds from the cache, with validators that let pollers get 304s."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from feeds import notify
from feeds.catalog import Feed, Kind, View
from feeds.http import accepts_gzip, not_modified
from feeds.publisher import Document, Publisher

_KIND_BY_SEGMENT: dict[str, Kind] = {"sections": "section", "authors": "author", "tags": "tag"}


def _page_number(text: str) -> int:
    """Return an archive page number, 404 for anything but 1, 2, 3... (no 0, no 01)."""
    if not (text.isascii() and text.isdigit()) or text.startswith("0") or len(text) > 9:
        abort(404)
    return int(text)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app. Config: DATA (folder), CLOCK (callable giving aware UTC now),
    POLL_INTERVAL (seconds between data checks; 0 turns live reload off), SETTLE (seconds a
    changed file must be left alone before it is read), NOTIFY_BACKOFF (first retry delay
    of WebSub and purge notifications, doubling after each failure)."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATA=os.environ.get("FEEDS_DATA", "data"),
        POLL_INTERVAL=0.5,
        SETTLE=0.3,
        NOTIFY_BACKOFF=1.0,
        CLOCK=None,
    )
    if config:
        app.config.update(config)
    clock_kw = {"clock": app.config["CLOCK"]} if app.config["CLOCK"] else {}
    publisher = Publisher(
        app.config["DATA"],
        poll_interval=app.config["POLL_INTERVAL"],
        settle=app.config["SETTLE"],
        notifier=notify.Notifier(
            notify.lock_name_for(app.config["DATA"]), backoff=app.config["NOTIFY_BACKOFF"]
        ),
        **clock_kw,
    )
    app.extensions["feeds"] = publisher

    @app.before_request
    def start_watching() -> None:
        # Started here rather than at import so that each gunicorn worker (forked after
        # the app is created) gets its own reload thread.
        publisher.watch()

    def current_view() -> tuple[View, datetime]:
        current = publisher.view()
        if current is None:
            abort(503)  # site.yaml has never loaded: nothing can be built
        return current

    def respond(found: tuple[Document, Feed] | None, now: datetime) -> Response:
        """Answer with a cached document: 304 if the client's copy is current, else 200."""
        if found is None:
            abort(404)
        document, feed = found
        gzipped = accepts_gzip(request.headers.get("Accept-Encoding"))
        etag = document.gzip_etag if gzipped else document.etag
        headers = {
            "ETag": etag,
            "Last-Modified": document.last_modified_http,
            "Cache-Control": feed.cache_control(now),
            "Vary": "Accept-Encoding",
            "Surrogate-Key": feed.surrogate_keys,
            **document.headers,
        }
        if not_modified(
            if_none_match=request.headers.get("If-None-Match"),
            if_modified_since=request.headers.get("If-Modified-Since"),
            etag=etag,
            last_modified=document.last_modified,
            now=now,
        ):
            return Response(status=304, headers=headers)
        headers["Content-Type"] = document.content_type
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        return Response(document.gzipped if gzipped else document.body, headers=headers)

    def serve(kind: Kind, slug: str, fmt: str, page: int = 0) -> Response:
        view, now = current_view()
        return respond(publisher.document(view, kind, slug, fmt, page), now)

    @app.get("/feed.<fmt>")
    def site_feed(fmt: str) -> Response:
        return serve("site", "", fmt)

    @app.get("/<any(sections, authors, tags):segment>/<slug>/feed.<fmt>")
    def sub_feed(segment: str, slug: str, fmt: str) -> Response:
        return serve(_KIND_BY_SEGMENT[segment], slug, fmt)

    @app.get("/archive/<page>.<fmt>")
    def site_archive(page: str, fmt: str) -> Response:
        return serve("site", "", fmt, _page_number(page))

    @app.get("/<any(sections, authors, tags):segment>/<slug>/archive/<page>.<fmt>")
    def sub_archive(segment: str, slug: str, page: str, fmt: str) -> Response:
        return serve(_KIND_BY_SEGMENT[segment], slug, fmt, _page_number(page))

    @app.get("/")
    def index() -> Response:
        view, now = current_view()
        return respond(publisher.page(view, "site"), now)

    @app.get("/<any(sections, authors, tags):segment>/<slug>/")
    def feed_page(segment: str, slug: str) -> Response:
        view, now = current_view()
        return respond(publisher.page(view, _KIND_BY_SEGMENT[segment], slug), now)

    @app.get("/feeds.opml")
    def opml() -> Response:
        view, now = current_view()
        return respond(publisher.opml(view), now)

    @app.get("/healthz")
    def healthz() -> Response:
        store = publisher.store
        catalog = store.catalog
        now = publisher.clock()
        counts = catalog.counts(now) if catalog else {"published": 0, "scheduled": 0, "draft": 0}
        body = {
            "status": "ok" if catalog else "unavailable",
            "articles": counts,
            "version": catalog.version if catalog else None,
            "reloaded_at": store.reloaded_at.isoformat().replace("+00:00", "Z")
            if store.reloaded_at
            else None,
            "problems": [
                {"path": p.path, "line": p.line, "message": p.message, "severity": p.severity}
                for p in store.problems
            ],
        }
        response = jsonify(body)
        response.status_code = 200 if catalog else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = Response(
            f"{error.code} {error.name}\n",
            status=error.code,
            content_type="text/plain; charset=utf-8",
        )
        for name, value in error.get_headers():
            if name.lower() == "allow":
                response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Response:
        # Logged in full for the operator; the client learns nothing of the internals.
        app.logger.exception("unhandled error")
        return Response(
            "500 Internal Server Error\n", status=500, content_type="text/plain; charset=utf-8"
        )

    return app
