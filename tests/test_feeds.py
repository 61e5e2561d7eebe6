"""Every feed of the sample publication, read back by feedparser as a reader would."""

from __future__ import annotations

import calendar

import feedparser
import pytest

from feeds.model import Article
from feeds.render import byline
from feeds.urls import KINDS
from tests.helpers import publisher_of

FORMATS = ("rss", "atom")
CONTENT_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


def all_feeds(app):
    view, _ = publisher_of(app).view()
    return list(view.feeds())


def epoch(struct) -> int:
    return calendar.timegm(struct)


def test_every_kind_of_feed_has_several_entries(app):
    feeds = all_feeds(app)
    kinds = {f.kind for f in feeds}
    assert kinds == set(KINDS)
    for kind in KINDS:
        assert max(len(f.entries) for f in feeds if f.kind == kind) > 1, kind


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_feed_reads_back_as_the_records_say(app, client, fmt):
    for feed in all_feeds(app):
        response = client.get(f"{feed.path}.{fmt}")
        assert response.status_code == 200, feed.path
        assert response.headers["Content-Type"] == f"{CONTENT_TYPES[fmt]}; charset=utf-8"
        parsed = feedparser.parse(response.data)
        assert parsed.bozo == 0, (feed.path, parsed.get("bozo_exception"))
        assert parsed.feed.title == feed.title
        assert parsed.feed.link == feed.home_url
        self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
        assert self_links == [feed.url(fmt)]
        assert [e.id for e in parsed.entries] == [a.id for a in feed.entries]
        for entry, article in zip(parsed.entries, feed.entries, strict=True):
            check_entry(entry, article, feed, fmt)


def check_entry(entry, article: Article, feed, fmt: str) -> None:
    assert entry.title == article.title
    assert entry.link == article.url
    assert epoch(entry.published_parsed) == int(article.published.timestamp())
    if fmt == "atom":
        assert epoch(entry.updated_parsed) == int(article.modified.timestamp())
    names = [feed.authors[slug].name for slug in article.authors]
    if fmt == "atom":
        assert [a.get("name") for a in entry.authors] == names
    else:  # RSS has the byline, all names in one dc:creator
        assert entry.author == byline(names)
    assert entry.summary == article.summary
    content = entry.content[0].value
    assert article.body_html.split("\n")[0][:60] in content
    terms = {t.term for t in entry.tags}
    section = feed.sections[article.section]
    assert (section.slug if fmt == "atom" else section.title) in terms
    if article.image:
        enclosures = [link for link in entry.links if link.rel == "enclosure"]
        assert [e.href for e in enclosures] == [article.image.url]
        assert enclosures[0].type == article.image.type
        assert int(enclosures[0].length) == article.image.length
        if fmt == "rss":
            assert entry.media_content[0]["url"] == article.image.url
            assert entry.media_credit[0]["content"] == article.image.credit
        assert article.image.caption in content
    alternates = [link for link in entry.links if link.rel == "alternate"]
    assert len(alternates) == 1


def test_entries_are_newest_first_ties_broken_by_id(app):
    for feed in all_feeds(app):
        keys = [(-a.published.timestamp(), a.id) for a in feed.entries]
        assert keys == sorted(keys), feed.path


def test_feed_updated_is_the_newest_entry_time(app):
    for feed in all_feeds(app):
        if feed.entries:
            assert feed.updated == max(a.modified for a in feed.entries)


def test_items_per_feed_limits_the_subscription_document(write, data_dir, clock):
    from feeds.web import create_app

    site = (data_dir / "site.yaml").read_text().replace("items_per_feed: 50", "items_per_feed: 3")
    write("site.yaml", site)
    app = create_app({"DATA": str(data_dir), "CLOCK": clock, "POLL_INTERVAL": 0})
    parsed = feedparser.parse(app.test_client().get("/feed.atom").data)
    assert len(parsed.entries) == 3


def test_seed_article_carries_the_seed_facts(client):
    parsed = feedparser.parse(client.get("/sections/war/feed.rss").data)
    entry = next(e for e in parsed.entries if e.id.endswith(":japan-nato-purl"))
    assert entry.id == "tag:news.example.org,2026-02-10:japan-nato-purl"
    assert entry.author_detail.name == "Francis Farrell" or entry.author == "Francis Farrell"
    assert entry.media_credit[0]["content"] == "Kiyoshi Ota/Bloomberg via Getty Images"
    assert "National Diet building" in entry.content[0].value
    assert epoch(entry.published_parsed) == epoch((2026, 2, 10, 12, 5, 0, 0, 0, 0))


def test_unknown_feeds_are_404(client):
    for path in (
        "/sections/nope/feed.rss",
        "/authors/nobody/feed.atom",
        "/tags/no-such-tag/feed.rss",
        "/feed.xml",
        "/sections/war/feed.html",
        "/nothing",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Traceback" not in response.data


def test_bad_method_is_405_with_allow(client):
    response = client.post("/feed.rss")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_urls_come_from_site_yaml_not_the_request(client):
    response = client.get(
        "/feed.atom",
        headers={"Host": "evil.example.com", "X-Forwarded-Host": "evil.example.com"},
    )
    assert response.status_code == 200
    assert b"evil.example.com" not in response.data
    assert all("evil" not in v for _, v in response.headers)


def test_index_page_links_every_feed_with_autodiscovery(app, client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="alternate" type="application/atom+xml"' in page
    for feed in all_feeds(app):
        assert feed.url("rss") in page


def test_healthz_reports_counts_version_and_problems(client, write, publisher):
    write("articles/broken.yaml", "title: [unclosed\n")
    publisher.refresh()
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["articles"] == {"published": 16, "scheduled": 0, "draft": 1}
    assert len(body["version"]) == 16
    assert body["reloaded_at"].endswith("Z")
    broken = [p for p in body["problems"] if p["path"] == "articles/broken.yaml"]
    assert len(broken) == 1
    assert broken[0]["line"] == 1
    assert broken[0]["message"].startswith('the title starts with "["')
