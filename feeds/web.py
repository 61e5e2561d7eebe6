"""The Flask app: documents from the cache (through fastpath.py), the health page, errors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, jsonify
from werkzeug.exceptions import HTTPException

from feeds import notify
from feeds.fastpath import DocumentServer
from feeds.publisher import Publisher
from feeds.settings import default, from_environment
from feeds.stats.page import install as install_stats
from feeds.urls import flask_rules


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app. Config: DATA (folder), CLOCK (callable giving aware UTC now),
    POLL_INTERVAL (seconds between data checks; 0 turns live reload off), SETTLE (seconds a
    changed file must be left alone before it is read), NOTIFY_BACKOFF (first retry delay
    of WebSub and purge notifications, doubling after each failure)."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATA=from_environment("FEEDS_DATA", os.environ),
        POLL_INTERVAL=default("POLL_INTERVAL"),
        SETTLE=default("SETTLE"),
        NOTIFY_BACKOFF=1.0,
        CLOCK=None,
        STATS_DB="",  # "" for FEEDS_STATS_DB (feeds/stats/config.py), "off", or a path
        STATS_TOKEN="",  # "" for FEEDS_STATS_TOKEN
    )
    if config:
        app.config.update(config)
    clock_kw = {"clock": app.config["CLOCK"]} if app.config["CLOCK"] else {}
    publisher = Publisher(
        app.config["DATA"],
        poll_interval=app.config["POLL_INTERVAL"],
        settle=app.config["SETTLE"],
        defer_packing=True,
        notifier=notify.Notifier(
            notify.lock_name_for(app.config["DATA"]), backoff=app.config["NOTIFY_BACKOFF"]
        ),
        **clock_kw,
    )
    app.extensions["feeds"] = publisher

    publisher.watch()  # the reload thread; restarted in each forked worker (publisher.py)

    # Every document is answered by the DocumentServer in front of Flask (fastpath.py).
    # These routes see only what it passes on: a GET or HEAD for a feed, page or archive
    # that does not exist (404), or another method on a document URL (405 with Allow).
    def document(**_: str) -> Response:
        if publisher.view() is None:
            abort(503)  # site.yaml has never loaded: nothing can be built
        abort(404)

    for rule in flask_rules():
        app.get(rule)(document)

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

    @app.after_request
    def relative_redirects(response: Response) -> Response:
        # werkzeug's trailing-slash redirects name the request's Host, which a client
        # controls; a relative Location (RFC 9110 10.2.2) points the same place safely.
        if 300 <= response.status_code < 400 and "Location" in response.headers:
            target = urlsplit(response.headers["Location"])
            location = target.path + (f"?{target.query}" if target.query else "")
            response.headers["Location"] = location
            response.set_data(f"{response.status}: {location}\n")
            response.content_type = "text/plain; charset=utf-8"
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

    recorder = install_stats(app, publisher)  # /stats/, and the counting of feed requests
    app.wsgi_app = DocumentServer(  # type: ignore[method-assign]
        publisher, app.wsgi_app, recorder.record if recorder else None
    )
    return app
