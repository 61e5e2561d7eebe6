"""Last-Modified never later than the response's Date (RFC 9110 8.8.2.1), for documents
that an `updated` in the future (a typo such as 2099) dates after the clock."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.http import http_date, parse_date

from feeds.documents import dated
from feeds.web import create_app
from tests.browser import live_server
from tests.conftest import NOW
from tests.helpers import assert_304, publisher_of

ARTICLE = "articles/2026/02/eu-sanctions-package.yaml"  # politics, by anna-whitfield
WRITTEN = '"2099-02-10 08:15"'  # the site's timezone is Europe/Kyiv
FUTURE = datetime(2099, 2, 10, 6, 15, tzinfo=UTC)
# Every kind of document that the article dates: feeds in each format, pages, sitemaps.
DATED = [
    "/feed.rss",
    "/sections/politics/feed.atom",
    "/authors/anna-whitfield/feed.json",
    "/tags/sanctions/feed.rss",
    "/",
    "/feeds.opml",
    "/sitemaps/articles.xml",
]
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def future(data_dir, publisher):
    """Date the article's update in 2099, and serve that."""
    path = data_dir / ARTICLE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('updated: "2026-02-24T09:00:00+01:00"', f"updated: {WRITTEN}"))
    assert path.read_text(encoding="utf-8") != text
    publisher.refresh()
    assert not [p for p in publisher.store.problems if p.path == ARTICLE]
    return path


@pytest.mark.parametrize("headers", [{}, GZIP], ids=["identity", "gzip"])
@pytest.mark.parametrize("path", DATED)
def test_a_date_in_the_future_is_sent_as_now(client, future, path, headers):
    got = client.get(path, headers=headers)
    assert got.status_code == 200
    assert got.headers["Last-Modified"] == http_date(NOW)
    head = client.head(path, headers=headers)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers == got.headers


def test_documents_the_article_is_not_in_keep_their_date(client, future, publisher):
    view, _ = publisher.view()
    war = next(f for f in view.feeds() if f.path == "/sections/war/feed")
    assert war.updated < NOW
    assert client.get("/sections/war/feed.rss").headers["Last-Modified"] == http_date(war.updated)


@pytest.mark.parametrize(
    ("moment", "sent"),
    [
        (FUTURE - timedelta(seconds=1), FUTURE - timedelta(seconds=1)),  # still ahead: now
        (FUTURE, FUTURE),  # not later than now: the document's own date
        (FUTURE + timedelta(days=3), FUTURE),
    ],
)
def test_the_document_date_is_sent_once_it_is_not_later(client, clock, future, moment, sent):
    clock.now = moment
    got = client.get("/sections/politics/feed.rss", headers=GZIP)
    assert got.headers["Last-Modified"] == http_date(sent)


def test_the_sent_date_gets_the_feed_and_the_etag_a_304(client, clock, future):
    path = "/sections/politics/feed.rss"
    first = client.get(path)
    sent, etag = first.headers["Last-Modified"], first.headers["ETag"]
    clock.now = NOW + timedelta(minutes=10)
    # The document is dated after the date the client holds: modified, by RFC 9110
    # 13.1.3 as by the exact match (http.not_modified), so the whole feed again.
    poll = client.get(path, headers={"If-Modified-Since": sent})
    assert poll.status_code == 200
    assert poll.data == first.data
    assert poll.headers["Last-Modified"] == http_date(clock.now)
    # The date an earlier server sent, 2099, lies after now: ignored (RFC 9110 13.1.3).
    old = client.get(path, headers={"If-Modified-Since": http_date(FUTURE)})
    assert old.status_code == 200
    # The ETag is untouched, so pollers that send it get their 304s, GET and HEAD alike.
    assert_304(client.get(path, headers={"If-None-Match": etag, "If-Modified-Since": sent}), etag)
    assert_304(client.head(path, headers={"If-None-Match": etag}), etag)


def test_a_changed_document_never_gets_a_304_for_the_sent_date(client, publisher, future):
    path = "/sections/politics/feed.atom"
    first = client.get(path)
    sent = first.headers["Last-Modified"]
    text = future.read_text(encoding="utf-8")
    future.write_text(text.replace("shadow fleet", "ghost fleet"), encoding="utf-8")
    publisher.refresh()
    # The same second as the date sent, which now equals: only the document's own date
    # may match, never the clock's.
    poll = client.get(path, headers={"If-Modified-Since": sent})
    assert poll.status_code == 200
    assert b"ghost fleet" in poll.data and b"ghost fleet" not in first.data


def test_the_document_date_answers_304_once_it_has_passed(client, clock, future):
    clock.now = FUTURE + timedelta(days=1)
    path = "/authors/anna-whitfield/feed.json"
    first = client.get(path)
    assert first.headers["Last-Modified"] == http_date(FUTURE)
    assert_304(
        client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]}),
        first.headers["ETag"],
    )


def test_dated_sets_last_modified_alone():
    headers = (("ETag", '"x"'), ("Last-Modified", http_date(FUTURE)), ("Vary", "Accept-Encoding"))
    assert dated(headers, NOW) == (
        ("ETag", '"x"'),
        ("Last-Modified", "Mon, 01 Jun 2026 12:00:00 GMT"),
        ("Vary", "Accept-Encoding"),
    )


def test_a_server_sends_last_modified_no_later_than_its_date(data_dir, future):
    """Through a real WSGI server on the real clock, which writes the Date header."""
    app = create_app({"DATA": str(data_dir), "POLL_INTERVAL": 0, "SETTLE": 0})
    try:
        with live_server(app) as base, urllib.request.urlopen(base + "/feed.rss", timeout=9) as got:
            date = parse_date(got.headers["Date"])
            modified = parse_date(got.headers["Last-Modified"])
    finally:
        publisher_of(app).close()
    assert date is not None and modified is not None
    assert date - timedelta(minutes=1) < modified <= date
