"""The /stats/ page for editors, and the counting of feed requests in the app.

The page exists only when the operator sets FEEDS_STATS_TOKEN (404 otherwise). It asks
for the token as `Authorization: Bearer <token>` or through a login form that sets an
HttpOnly, SameSite=Strict cookie holding a digest of the token (changing the token logs
everyone out). Every answer is `Cache-Control: private, no-store`: no shared cache keeps
it. It is a Flask route, not a row of urls.DOCUMENTS: it is neither cached, nor listed in
the OPML, nor exported.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sqlite3
from typing import Any

from flask import Flask, Response, request
from jinja2 import Environment, PackageLoader, select_autoescape

from feeds.publisher import Publisher
from feeds.stats.chart import chart_svg
from feeds.stats.config import database_path, retention_days, token
from feeds.stats.db import Database
from feeds.stats.recorder import Recorder, feed_name
from feeds.stats.report import build_report

log = logging.getLogger(__name__)
COOKIE = "feeds_stats"
PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization, Cookie"}
_templates = Environment(
    loader=PackageLoader("feeds", "templates"), autoescape=select_autoescape(["html"])
)


def cookie_value(secret: str) -> str:
    """Return what the login cookie holds: a digest of the token, never the token."""
    return hmac.new(secret.encode(), b"feeds stats page", hashlib.sha256).hexdigest()


def authorized(secret: str) -> bool:
    """Return whether this request carries the token or the login cookie."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), secret.encode()):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), cookie_value(secret).encode())


def _secure() -> bool:
    # Behind the proxy of deploy/nginx-proxy.conf, on this machine, its word on the scheme.
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    local = (request.remote_addr or "").startswith(("127.", "::1"))
    return request.scheme == "https" or (local and forwarded == "https")


def _html(text: str, status: int, **headers: str) -> Response:
    return Response(
        text, status=status, content_type="text/html; charset=utf-8",
        headers={**PRIVATE, **headers},
    )  # fmt: skip


def install(app: Flask, publisher: Publisher) -> Recorder | None:
    """Add /stats/ to the app; return the recorder that counts feed requests, or None."""
    path = app.config.get("STATS_DB", "")
    if path == "":
        path = database_path(publisher.store.root, os.environ)
    elif str(path).lower() == "off":
        path = None
    secret = app.config.get("STATS_TOKEN", "") or token(os.environ)
    recorder = None
    if path is not None:
        recorder = Recorder(path, retention_days=retention_days(os.environ))
        app.extensions["feeds_stats"] = recorder

    @app.route("/stats/", methods=["GET", "HEAD", "POST"])
    def stats() -> Response:
        if not secret:
            return Response(
                "404 Not Found\n", status=404, content_type="text/plain; charset=utf-8",
                headers=PRIVATE,
            )  # fmt: skip
        wrong = False
        if request.method == "POST":
            given = request.form.get("token", "")
            if hmac.compare_digest(given.encode(), secret.encode()):
                response = Response(status=303, headers={**PRIVATE, "Location": "/stats/"})
                response.set_cookie(
                    COOKIE, cookie_value(secret), path="/stats/", httponly=True,
                    samesite="Strict", secure=_secure(),
                )  # fmt: skip
                return response
            wrong = True
        if not authorized(secret):
            page = _templates.get_template("stats_login.html").render(wrong=wrong)
            return _html(page, 401, **{"WWW-Authenticate": 'Bearer realm="stats"'})
        return _html(render_page(publisher, path), 200)

    return recorder


def titles_of(publisher: Publisher) -> dict[str, str]:
    """Return the title of every feed of the current data, by its name in the database."""
    current = publisher.view()
    if current is None:
        return {}
    return {feed_name(f.kind, f.slug): f.title for f in current[0].feeds()}


def render_page(publisher: Publisher, path: Any) -> str:
    """Return the statistics page's HTML."""
    report: dict[str, Any] = {"as_of": None, "feeds": []}
    problem = ""
    if path is None:
        problem = "Counting is off (FEEDS_STATS_DB=off): there is nothing to show."
    else:
        try:
            database = Database(path)
        except (sqlite3.Error, OSError) as error:
            problem = f"The statistics database cannot be read now: {error}"
        else:
            try:
                report = build_report(database, titles=titles_of(publisher))
            finally:
                database.close()
    for number, feed in enumerate(report["feeds"]):
        feed["chart"] = chart_svg(feed["series"], feed["title"], f"chart-{number}")
    return _templates.get_template("stats.html").render(report=report, problem=problem)
