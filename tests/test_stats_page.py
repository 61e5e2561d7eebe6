"""The /stats/ page and the counting of feed requests by the app."""

from __future__ import annotations

import pytest

from feeds.stats.page import COOKIE
from feeds.web import create_app
from tests.helpers import publisher_of

TOKEN = "s3cret-newsroom-token"
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 131 subscribers)"


@pytest.fixture
def stats_app(data_dir, clock, tmp_path):
    app = create_app({
        "DATA": str(data_dir), "CLOCK": clock, "POLL_INTERVAL": 0, "SETTLE": 0,
        "STATS_DB": str(tmp_path / "stats.sqlite3"), "STATS_TOKEN": TOKEN,
    })  # fmt: skip
    yield app
    app.extensions["feeds_stats"].close()
    publisher_of(app).close()


def test_feed_requests_200_and_304_count_as_one_logical_feed(stats_app):
    client = stats_app.test_client()
    recorder = stats_app.extensions["feeds_stats"]
    first = client.get("/sections/war/feed.rss", headers={"User-Agent": FEEDLY})
    assert first.status_code == 200
    again = client.get(
        "/sections/war/feed.atom",
        headers={"User-Agent": "Newsboat/2.36", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code in (200, 304)
    etag = client.get("/sections/war/feed.atom").headers["ETag"]
    assert client.get("/sections/war/feed.atom", headers={"If-None-Match": etag}).status_code == 304
    client.get("/sections/war/")  # a page, not a feed: not counted
    client.get("/sections/nowhere/feed.rss")  # 404: not counted
    # A platform's ingestion, not a subscriber (the sample feeds every partner).
    assert client.get("/partners/flipboard/sections/war/feed.rss").status_code == 200
    assert recorder.flush() == 4
    page = client.get("/stats/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "War" in text and "/sections/war/" in text
    # 131 reported, and two readers: Newsboat and the test client (Werkzeug)
    assert "<svg" in text and "<table>" in text and "<td>133</td><td>131</td><td>2</td>" in text


def test_the_page_is_404_without_a_token_set(data_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("FEEDS_STATS_TOKEN", raising=False)
    app = create_app({"DATA": str(data_dir), "POLL_INTERVAL": 0, "STATS_DB": "off"})
    try:
        response = app.test_client().get("/stats/")
        assert response.status_code == 404
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "feeds_stats" not in app.extensions  # counting is off
    finally:
        publisher_of(app).close()


def test_the_page_asks_for_the_token_and_the_form_sets_a_strict_cookie(stats_app):
    client = stats_app.test_client()
    asked = client.get("/stats/")
    assert asked.status_code == 401
    assert asked.headers["Cache-Control"] == "private, no-store"
    assert asked.headers["WWW-Authenticate"].startswith("Bearer")
    assert b'name="token"' in asked.data and b"Subscribers per feed" not in asked.data
    assert client.get("/stats/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    wrong = client.post("/stats/", data={"token": "wrong"})
    assert wrong.status_code == 401 and b"not right" in wrong.data
    signed_in = client.post("/stats/", data={"token": TOKEN})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/stats/"
    cookie = signed_in.headers["Set-Cookie"]
    assert f"{COOKIE}=" in cookie and TOKEN not in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/stats/" in cookie
    page = client.get("/stats/")
    assert page.status_code == 200 and b"Subscribers per feed" in page.data
    assert page.headers["Cache-Control"] == "private, no-store"


def test_the_page_is_in_neither_the_opml_nor_the_export(stats_app, tmp_path, runner, data_dir):
    from feeds.cli import main

    assert b"/stats/" not in stats_app.test_client().get("/feeds.opml").data
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert not (out / "stats").exists()
    assert all(b"/stats/" not in p.read_bytes() for p in out.rglob("*") if p.is_file())
