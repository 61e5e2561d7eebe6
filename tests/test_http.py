"""Conditional requests and compression, as pollers use them (RFC 9110 section 13)."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.http import http_date, parse_date

from feeds.http import accepts_gzip, etag_matches
from tests.conftest import NOW
from tests.helpers import assert_304

FEEDS = ["/feed.rss", "/sections/war/feed.atom", "/authors/francis-farrell/feed.rss"]


@pytest.fixture(params=FEEDS)
def path(request):
    return request.param


@pytest.fixture
def first(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response


def test_200_carries_validators_and_caching_headers(first):
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"'), "a strong ETag"
    assert parse_date(first.headers["Last-Modified"]) is not None
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Vary"] == "Accept-Encoding"
    assert int(first.headers["Content-Length"]) == len(first.data)


def test_last_modified_is_the_newest_entry_time(publisher, first, path):
    view, _ = publisher.view()
    feed = next(f for f in view.feeds() if path.startswith(f.path + "."))
    assert first.headers["Last-Modified"] == http_date(feed.updated)


@pytest.mark.parametrize(
    ("if_none_match", "expect_304"),
    [
        ("{etag}", True),
        ('"an-old-tag"', False),
        ('"an-old-tag", {etag}, "another"', True),
        ('"an-old-tag","another"', False),
        ("*", True),
        ("W/{etag}", True),
        ("", False),
    ],
)
def test_if_none_match(client, path, first, if_none_match, expect_304):
    etag = first.headers["ETag"]
    response = client.get(path, headers={"If-None-Match": if_none_match.format(etag=etag)})
    if expect_304:
        assert_304(response, etag)
    else:
        assert response.status_code == 200
        assert response.data == first.data


@pytest.mark.parametrize(
    ("offset", "expect_304"),
    [
        (timedelta(0), True),  # equal
        (timedelta(seconds=-1), False),  # earlier than Last-Modified
        # Later but in the past: only the exact date we sent is ours (see not_modified).
        (timedelta(days=1), False),
    ],
)
def test_if_modified_since(client, path, first, offset, expect_304):
    since = parse_date(first.headers["Last-Modified"]) + offset
    assert since < NOW
    response = client.get(path, headers={"If-Modified-Since": http_date(since)})
    if expect_304:
        assert_304(response, first.headers["ETag"])
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("value", ["not a date", "", "Tue, 99 Foo 2026 99:99:99 GMT"])
def test_unparseable_if_modified_since_is_ignored(client, path, value):
    assert client.get(path, headers={"If-Modified-Since": value}).status_code == 200


def test_if_modified_since_in_the_future_is_ignored(client, path):
    future = http_date(NOW + timedelta(days=1))
    assert client.get(path, headers={"If-Modified-Since": future}).status_code == 200


def test_if_none_match_takes_precedence_over_if_modified_since(client, path, first):
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    stale = client.get(path, headers={"If-None-Match": '"old"', "If-Modified-Since": modified})
    assert stale.status_code == 200
    epoch = http_date(0)
    fresh = client.get(path, headers={"If-None-Match": etag, "If-Modified-Since": epoch})
    assert_304(fresh, etag)


def test_deleting_the_newest_article_does_not_freeze_if_modified_since_pollers(
    client, data_dir, publisher
):
    first = client.get("/feed.rss")
    (data_dir / "articles/2026/03/drone-makers-export-debate.yaml").unlink()  # newest update
    publisher.refresh()
    poll = client.get("/feed.rss", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert parse_date(poll.headers["Last-Modified"]) < parse_date(first.headers["Last-Modified"])
    assert poll.status_code == 200
    assert b"drone-makers-export-debate" not in poll.data
    again = client.get("/feed.rss", headers={"If-Modified-Since": poll.headers["Last-Modified"]})
    assert_304(again, poll.headers["ETag"])


def test_head_answers_as_get_without_a_body(client, path, first):
    head = client.head(path)
    assert head.status_code == 200
    assert head.data == b""
    for name in ("ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Type"):
        assert head.headers[name] == first.headers[name]
    assert_304(
        client.head(path, headers={"If-None-Match": first.headers["ETag"]}), first.headers["ETag"]
    )


def test_gzip_has_its_own_etag_and_replays_to_304(client, path, first):
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.data) == first.data
    assert zipped.headers["ETag"] != first.headers["ETag"]
    replay = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert_304(replay, zipped.headers["ETag"])
    # The gzip tag names the gzip representation, not the identity one.
    identity = client.get(path, headers={"If-None-Match": zipped.headers["ETag"]})
    assert identity.status_code == 200
    assert "Content-Encoding" not in identity.headers


def test_gzip_q0_means_no(client, path, first):
    response = client.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == first.data


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("*", True),
        ("*;q=0", False),
        ("gzip;q=0, *", False),
        ("identity", False),
        ("x-gzip", True),
        ("gzip;q=bogus", False),
    ],
)
def test_accepts_gzip(header, expected):
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ('"x",W/"abc"', True),
        ('"abcd"', False),
        ("abc", False),
        ("*", True),
        ('"x"', False),
    ],
)
def test_etag_matches(header, matches):
    assert etag_matches(header, '"abc"') is matches


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.timezones()
    )
    | st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1))
)
def test_last_modified_is_written_as_werkzeug_writes_it(moment):
    # documents.http_date spares a build loading werkzeug; the server's headers must not
    # change for it.
    from feeds import documents

    assert documents.http_date(moment) == http_date(moment)
