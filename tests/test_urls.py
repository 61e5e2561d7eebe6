"""The URL table: every document's path is read back as the same document, and nothing else
is routed."""

from __future__ import annotations

import pytest
from werkzeug.routing import Map, Rule

from feeds.urls import DOCUMENTS, DocumentRef, flask_rules, route

REFS = [
    DocumentRef(name, kind, "war" if kind != "site" else "", fmt, page)
    for name, row in DOCUMENTS.items()
    for kind in (row.kinds if row.per_feed else ("site",))
    for fmt in (row.formats if "{fmt}" in row.template else ("",))
    for page in ((1, 12) if "{page}" in row.template else (0,))
]


@pytest.mark.parametrize("ref", REFS, ids=lambda ref: ref.path)
def test_every_document_path_routes_back_to_its_document(ref):
    assert route(ref.path) == ref


@pytest.mark.parametrize("ref", REFS, ids=lambda ref: ref.path)
def test_flask_answers_every_document_path_the_fast_path_passes_on(ref):
    urls = Map([Rule(rule, endpoint="document") for rule in flask_rules()]).bind("example.org")
    assert urls.match(ref.path)[0] == "document"


@pytest.mark.parametrize(
    "path",
    [
        "/feed.xml",
        "/archive/0.rss",
        "/archive/01.rss",
        "/sections/war",
        "/sections//feed.rss",
        "/sections/feeds.opml",
        "/desks/war/feed.rss",
        "/sections/war/feed.rss/",
        "/healthz",
    ],
)
def test_other_paths_name_no_document(path):
    assert route(path) is None
