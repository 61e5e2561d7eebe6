"""The news sitemap, the articles sitemap and robots.txt: valid against the public XSDs
(tests/schemas/), clock-driven like scheduled articles, served, exported and announced like
every other document."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from feeds import sitemaps
from feeds.cli import main
from feeds.export import file_path
from tests.conftest import NOW
from tests.helpers import assert_304, publisher_of

SCHEMAS = Path(__file__).resolve().parent / "schemas"
NS = {"s": sitemaps.SITEMAP_NS, "n": sitemaps.NEWS_NS}
STORY = """
    title: "{title}"
    section: politics
    author: anna-whitfield
    published: "{when}"
    image: https://news.example.org/media/x.jpg
    body: Text of the story.
"""


def schema(*names: str) -> etree.XMLSchema:
    """Return one schema importing the named XSDs (sitemap.xsd lets other namespaces in
    strictly, so the news extension is checked only when its schema is loaded beside it)."""
    imports = "".join(
        f'<xsd:import namespace="{etree.parse(SCHEMAS / n).getroot().get("targetNamespace")}" '
        f'schemaLocation="{(SCHEMAS / n).as_uri()}"/>'
        for n in names
    )
    wrapper = f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">{imports}</xsd:schema>'
    return etree.XMLSchema(etree.fromstring(wrapper))


URLSET = schema("sitemap.xsd", "sitemap-news.xsd")
INDEX = schema("siteindex.xsd")


def valid(body: bytes, against: etree.XMLSchema) -> etree._Element:
    root = etree.fromstring(body)
    against.assertValid(root)
    return root


def publish(write, app, name: str, when) -> None:
    title = f"Story {name}"
    write(f"articles/2026/05/{name}.yaml", STORY.format(title=title, when=when.isoformat()))
    publisher_of(app).refresh()


def locs(root) -> list[str]:
    return [loc.text for loc in root.iter(f"{{{sitemaps.SITEMAP_NS}}}loc")]


def test_the_news_sitemap_holds_the_last_48_hours_valid_against_the_xsds(app, client, write):
    publish(write, app, "new", NOW - timedelta(hours=1))
    publish(write, app, "old", NOW - timedelta(hours=47))
    publish(write, app, "gone", NOW - timedelta(hours=49))
    response = client.get("/sitemaps/news.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = valid(response.data, URLSET)
    assert locs(root) == [
        "https://news.example.org/politics/new",
        "https://news.example.org/politics/old",
    ]
    news = root.find("s:url/n:news", NS)
    assert news.findtext("n:publication/n:name", namespaces=NS) == "The Kyiv Ledger"
    assert news.findtext("n:publication/n:language", namespaces=NS) == "en"
    assert news.findtext("n:title", namespaces=NS) == "Story new"
    published = (NOW - timedelta(hours=1)).isoformat()
    assert news.findtext("n:publication_date", namespaces=NS) == published


def test_an_article_ages_out_of_the_news_sitemap_by_itself(app, client, clock, write, publisher):
    publish(write, app, "leaving", NOW - timedelta(hours=48) + timedelta(seconds=100))
    response = client.get("/sitemaps/news.xml")
    assert response.headers["Cache-Control"] == "public, max-age=100"
    assert b"politics/leaving" in response.data
    publisher.refresh()  # the baseline the reloader compares with
    clock.now = NOW + timedelta(seconds=100)  # no edit, no refresh of the data
    response = client.get("/sitemaps/news.xml")
    assert b"politics/leaving" not in response.data
    assert locs(etree.fromstring(response.data)) == []  # Google accepts an empty one
    assert response.headers["Cache-Control"] == "public, max-age=300"
    # The reloader's next poll announces the news sitemap, and only what changed.
    publisher.refresh()
    urls = publisher.last_change.urls
    assert "https://news.example.org/sitemaps/news.xml" in urls
    assert not publisher.last_change.feed_urls


def test_the_news_sitemap_max_age_stops_at_the_next_scheduled_article(app, client, write):
    publish(write, app, "soon", NOW + timedelta(seconds=70))
    assert client.get("/sitemaps/news.xml").headers["Cache-Control"] == "public, max-age=70"


def test_the_articles_sitemap_lists_every_live_article_with_lastmod(app, client, publisher):
    root = valid(client.get("/sitemaps/articles.xml").data, URLSET)
    view = publisher.view()[0]
    assert locs(root) == [a.url for a in reversed(view.live)]
    lastmods = [e.text for e in root.iter(f"{{{sitemaps.SITEMAP_NS}}}lastmod")]
    assert lastmods == [a.modified.isoformat() for a in reversed(view.live)]
    drafts = [a.url for a in view.catalog.articles if a.draft]
    assert drafts and not set(drafts) & set(locs(root))


@pytest.mark.parametrize(
    ("limit", "sitemap", "part"),
    [("URL_LIMIT", "articles", "articles"), ("NEWS_LIMIT", "news", "news")],
)
def test_past_its_limit_a_sitemap_is_an_index_of_parts(
    app, client, write, monkeypatch, limit, sitemap, part
):
    for n in range(3):
        publish(write, app, f"recent-{n}", NOW - timedelta(hours=n + 1))
    monkeypatch.setattr(sitemaps, limit, 2)
    publisher_of(app).refresh()
    publisher_of(app).documents._bodies.clear()  # the limit is a constant: render again
    publisher_of(app).documents._validators.clear()
    index = valid(client.get(f"/sitemaps/{sitemap}.xml").data, INDEX)
    parts = locs(index)
    assert parts[0] == f"https://news.example.org/sitemaps/{part}/1.xml"
    listed = []
    for url in parts:
        listed += locs(valid(client.get(url.removeprefix("https://news.example.org")).data, URLSET))
    assert len(listed) == len(set(listed)) >= 3
    assert client.get(f"/sitemaps/{part}/{len(parts) + 1}.xml").status_code == 404


def test_a_sitemap_without_parts_has_no_part_pages(client):
    assert client.get("/sitemaps/articles/1.xml").status_code == 404
    assert client.get("/sitemaps/news/1.xml").status_code == 404


def test_retracted_and_expired_articles_leave_both_sitemaps(app, client, write, data_dir):
    publish(write, app, "retracted", NOW - timedelta(hours=2))
    path = data_dir / "articles/2026/05/retracted.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + 'retraction:\n  date: "2026-06-01 14:00"\n  reason: "Wrong."\n')
    publish(write, app, "expired", NOW - timedelta(hours=3))
    path = data_dir / "articles/2026/05/expired.yaml"
    path.write_text(path.read_text(encoding="utf-8") + 'expires: "2026-06-01 14:30"\n')
    publisher_of(app).refresh()
    for url in ("/sitemaps/news.xml", "/sitemaps/articles.xml"):
        body = client.get(url).data
        assert b"politics/retracted" not in body and b"politics/expired" not in body, url


def test_sitemaps_answer_304_and_gzip_and_are_not_in_opml(client):
    response = client.get("/sitemaps/articles.xml")
    etag = response.headers["ETag"]
    assert_304(client.get("/sitemaps/articles.xml", headers={"If-None-Match": etag}), etag)
    zipped = client.get("/sitemaps/articles.xml", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["ETag"] != etag
    assert response.headers["Surrogate-Key"] == "sitemaps"
    assert b"sitemaps/" not in client.get("/feeds.opml").data


def test_robots_txt_is_served_only_when_the_operator_asks(app, client, data_dir, write):
    assert client.get("/robots.txt").status_code == 404
    site = (data_dir / "site.yaml").read_text(encoding="utf-8")
    write("site.yaml", site + "robots_txt: true\n")
    publisher_of(app).refresh()
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.data.decode().splitlines()
    assert "Sitemap: https://news.example.org/sitemaps/news.xml" in lines
    assert "Sitemap: https://news.example.org/sitemaps/articles.xml" in lines


def test_robots_txt_setting_must_be_true_or_false(data_dir, write, runner):
    site = (data_dir / "site.yaml").read_text(encoding="utf-8")
    write("site.yaml", site + "robots_txt: sometimes\n")
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 1
    assert "site.yaml:" in result.output and "'robots_txt' must be true or false" in result.output


def test_build_exports_the_sitemaps_and_robots_txt(runner, data_dir, tmp_path, write):
    site = (data_dir / "site.yaml").read_text(encoding="utf-8")
    write("site.yaml", site + "robots_txt: true\n")
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    for url in ("/sitemaps/news.xml", "/sitemaps/articles.xml", "/robots.txt"):
        assert (out / file_path(url)).is_file(), url
        assert (out / f"{file_path(url)}.gz").is_file(), url
    valid((out / "sitemaps/articles.xml").read_bytes(), URLSET)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "en"), ("en-GB", "en"), ("uk", "uk"), ("zh-Hant-TW", "zh-tw"), ("zh", "zh-cn")],
)
def test_the_news_language_is_what_the_news_xsd_allows(language, expected):
    assert sitemaps.news_language(language) == expected
