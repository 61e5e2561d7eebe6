"""Retractions and expiry: an article leaves every feed at a moment its file names, and the
Atom feeds say so with an RFC 6721 tombstone for the retention window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from lxml import etree

from feeds.tombstones import TOMBSTONES_NS
from tests.conftest import NOW
from tests.helpers import FORMATS, publisher_of

STORY = "articles/2026/02/eu-sanctions-package.yaml"
ID = "tag:news.example.org,2026-02-23:eu-sanctions-package"
REASON = "The article relied on a draft that was never adopted."
# The story's feeds: the site's, its section's, its author's and one of its tags'.
FEEDS = ["", "/sections/politics", "/authors/anna-whitfield", "/tags/sanctions"]
AT = {"at": TOMBSTONES_NS, "a": "http://www.w3.org/2005/Atom"}


def add(data_dir, text: str) -> None:
    path = data_dir / STORY
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def retract(data_dir, app, when: str = "2026-05-30 10:00", reason: str = REASON) -> None:
    add(data_dir, f'retraction:\n  date: "{when}"\n  reason: "{reason}"\n')
    publisher_of(app).refresh()


def tombstones(body: bytes) -> list[etree._Element]:
    return etree.fromstring(body).findall("at:deleted-entry", AT)


def test_a_retracted_article_leaves_every_feed_and_its_atom_feeds_carry_a_tombstone(
    app, client, data_dir
):
    assert ID.encode() in client.get("/feed.atom").data
    retract(data_dir, app)
    for base in FEEDS:
        for fmt in FORMATS:
            body = client.get(f"{base}/feed.{fmt}").data
            parsed = feedparser.parse(body)
            assert ID not in [entry.id for entry in parsed.entries], (base, fmt)
        stones = tombstones(client.get(f"{base}/feed.atom").data)
        assert [(s.get("ref"), s.get("when")) for s in stones] == [
            (ID, "2026-05-30T07:00:00+00:00")  # 10:00 in Kyiv, from the file
        ], base
        assert stones[0].findtext("at:comment", namespaces=AT) == REASON
        link = stones[0].find("at:link", AT)
        assert link.get("href") == "https://news.example.org/politics/eu-sanctions-package"
        # The feed changed at the retraction: atom:updated and Last-Modified say so.
        response = client.get(f"{base}/feed.atom")
        assert response.headers["Last-Modified"] == "Sat, 30 May 2026 07:00:00 GMT"
    # RSS and JSON Feed have no tombstones; their pages and the index lose the story.
    assert b"deleted-entry" not in client.get("/feed.rss").data
    assert b"eu-sanctions-package" not in client.get("/").data


def test_the_tombstone_goes_after_the_retention_window_without_an_edit(
    app, client, clock, data_dir, write
):
    site = (data_dir / "site.yaml").read_text(encoding="utf-8")
    write("site.yaml", site + "removal_retention_days: 2\n")
    retract(data_dir, app)
    removed = datetime(2026, 5, 30, 7, 0, tzinfo=UTC)
    # The window ends 2026-06-01 07:00, before NOW: look just before it ends.
    clock.now = removed + timedelta(days=2) - timedelta(seconds=40)
    response = client.get("/sections/politics/feed.atom")
    assert tombstones(response.data)
    assert response.headers["Cache-Control"] == "public, max-age=40"
    clock.now = removed + timedelta(days=2)  # no edit, no refresh
    assert tombstones(client.get("/sections/politics/feed.atom").data) == []
    assert tombstones(client.get("/feed.atom").data) == []


def test_an_expiring_article_caps_max_age_and_leaves_at_its_moment(app, client, clock, data_dir):
    expires = NOW + timedelta(seconds=90)
    add(data_dir, f'expires: "{expires.isoformat()}"\n')
    publisher_of(app).refresh()
    for base in FEEDS:
        for fmt in FORMATS:
            response = client.get(f"{base}/feed.{fmt}")
            assert ID.encode() in response.data, (base, fmt)
            assert response.headers["Cache-Control"] == "public, max-age=90", (base, fmt)
    assert client.get("/sitemaps/articles.xml").headers["Cache-Control"] == "public, max-age=90"
    # Feeds it is not in keep the site's max-age.
    assert client.get("/sections/war/feed.rss").headers["Cache-Control"] == "public, max-age=300"
    clock.now = expires  # no edit, no refresh, no restart
    body = client.get("/feed.atom").data
    assert ID not in [entry.id for entry in feedparser.parse(body).entries]
    stone = tombstones(body)[0]
    assert (stone.get("ref"), stone.get("when")) == (ID, expires.isoformat())
    assert stone.findtext("at:comment", namespaces=AT) == "This article is no longer available."
    assert b"eu-sanctions-package" not in client.get("/sitemaps/articles.xml").data


def test_an_archive_page_holding_an_expiring_article_is_not_cached_past_it(
    app, client, data_dir, write
):
    site = (data_dir / "site.yaml").read_text(encoding="utf-8")
    write("site.yaml", site.replace("items_per_feed: 50", "items_per_feed: 2"))
    publisher_of(app).refresh()
    view = publisher_of(app).view()[0]
    articles = view.articles("site", "")
    oldest = articles[-1]  # in archive page 1, a full page
    before = client.get("/archive/1.rss").headers["Cache-Control"]
    assert before == "public, max-age=86400"
    path = data_dir / oldest.path
    expires = NOW + timedelta(hours=3)
    path.write_text(
        path.read_text(encoding="utf-8") + f'expires: "{expires.isoformat()}"\n', encoding="utf-8"
    )
    publisher_of(app).refresh()
    assert client.get("/archive/1.rss").headers["Cache-Control"] == "public, max-age=10800"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('retraction:\n  reason: "Forged."\n', "retraction has no 'date'"),
        ('retraction:\n  date: "2026-03-01 10:00"\n', "retraction has no 'reason'"),
        ("retraction: yes\n", "'retraction' needs a date and a reason"),
        ('retraction:\n  date: "2026-02-01 10:00"\n  reason: "x"\n', "is not after 'published'"),
        ('retraction:\n  date: "03/04/2026"\n  reason: "x"\n', "retraction 'date'"),
        ('retraction:\n  date: "2026-03-01"\n  reason: "x"\n  by: "me"\n', "unknown field 'by'"),
        ('expires: "2026-02-01 10:00"\n', "'expires' is not after 'published'"),
        ('expires: "soon"\n', "'expires'"),
    ],
)
def test_a_retraction_or_expiry_that_cannot_be_read_is_reported_at_its_line(
    data_dir, runner, text, message
):
    from feeds.cli import main

    lines = (data_dir / STORY).read_text(encoding="utf-8").count("\n")
    add(data_dir, text)
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 1, result.output
    reported = [line for line in result.output.splitlines() if message in line]
    assert reported, result.output
    path, line = reported[0].split(":")[:2]
    assert path == STORY and lines < int(line) <= lines + 4, reported


def test_a_retraction_keeps_the_article_id_and_its_slug_from_new_files(app, data_dir, write):
    retract(data_dir, app)
    write(
        "articles/2026/05/copy.yaml",
        """
        title: A new story under the old one's slug
        slug: eu-sanctions-package
        section: politics
        author: anna-whitfield
        published: 2026-05-31 10:00
        body: Text.
        """,
    )
    publisher = publisher_of(app)
    publisher.refresh()
    assert any("is already used by" in p.message for p in publisher.store.problems)


def test_a_retraction_moves_the_date_platforms_compare_but_a_typo_fix_does_not(
    app, client, data_dir
):
    """Correction vs cosmetic: `updated` (or a correction entry) moves the date; a body edit
    without one keeps every date, so platforms do not re-ingest a typo fix."""
    before = feedparser.parse(client.get("/feed.atom").data)
    entry = next(e for e in before.entries if e.id == ID)
    path = data_dir / STORY
    path.write_text(
        path.read_text(encoding="utf-8").replace("ageing tankers", "aging tankers", 1),
        encoding="utf-8",
    )
    publisher_of(app).refresh()
    after = feedparser.parse(client.get("/feed.atom").data)
    typo = next(e for e in after.entries if e.id == ID)
    assert typo.updated == entry.updated
    assert (
        b"<lastmod>2026-02-24T08:00:00+00:00</lastmod>" in client.get("/sitemaps/articles.xml").data
    )
    add(data_dir, 'corrections:\n  - date: "2026-05-20 09:00"\n    text: "The vote was 25 to 2."\n')
    publisher_of(app).refresh()
    corrected = next(
        e for e in feedparser.parse(client.get("/feed.atom").data).entries if e.id == ID
    )
    assert corrected.updated == "2026-05-20T06:00:00+00:00"
    assert (
        b"<lastmod>2026-05-20T06:00:00+00:00</lastmod>" in client.get("/sitemaps/articles.xml").data
    )
