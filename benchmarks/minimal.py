"""The ceiling for serving: a minimal WSGI callable that returns one document's bytes.

It serves the bytes and headers a benchmark saved (BENCH_DOCUMENT, a JSON file) with a
string ETag check for 304s: no routing, no clock, no cache look-up. Whatever the real
app does beyond this is its overhead.
"""

from __future__ import annotations

import base64
import json
import os

with open(os.environ["BENCH_DOCUMENT"], encoding="utf-8") as saved:
    _doc = json.load(saved)
_BODY = base64.b64decode(_doc["body"])
_HEADERS = [tuple(h) for h in _doc["headers"]]
_NOT_MODIFIED = [tuple(h) for h in _doc["not_modified_headers"]]
_ETAG = _doc["etag"]


def app(environ, start_response):
    if environ.get("HTTP_IF_NONE_MATCH") == _ETAG:
        start_response("304 Not Modified", _NOT_MODIFIED)
        return []
    start_response("200 OK", _HEADERS)
    return [_BODY]
