"""Helpers shared by the test modules: the feed formats, an app's publisher, what every 304
carries, and skipping a test for want of an outside program."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

# Written out rather than taken from feeds.render, so that a format dropped there is missed here.
FORMATS = ("rss", "atom", "json")


def publisher_of(app):
    """Return the publisher an app serves from (its store, views, reloads and documents)."""
    return app.extensions["feeds"]


def assert_304(response, etag: str) -> None:
    """Assert a 304 as the contract has it: no body, with ETag, Cache-Control and Vary.

    Takes Flask's test responses and tests.servers.Response alike (both have status_code,
    data and headers)."""
    assert response.status_code == 304, response
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert response.headers["Vary"] == "Accept-Encoding"


def unavailable(message: str) -> NoReturn:
    """Skip the calling test for want of a program the message names; under CI=true fail it,
    so CI never skips."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true, so a missing program is a failure)", pytrace=False)
    pytest.skip(message)
