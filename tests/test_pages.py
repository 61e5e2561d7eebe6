"""The index, section, author and tag pages, and the OPML list of every feed."""

from __future__ import annotations

from html.parser import HTMLParser

import feedparser
from lxml import etree

from tests.helpers import FORMATS

SITE = "https://news.example.org"


class Links(HTMLParser):
    """Collect <link> and <a> elements' attributes, and the text, of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self.anchors: list[dict] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))
        elif tag == "a":
            self.anchors.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(client, path) -> Links:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = Links()
    page.feed(response.get_data(as_text=True))
    return page


def alternates(page: Links) -> dict[str, str]:
    return {link["type"]: link["href"] for link in page.links if link.get("rel") == "alternate"}


def local(url: str) -> str:
    return url.removeprefix(SITE)


def test_index_has_autodiscovery_for_the_site_feeds(client):
    assert alternates(parse(client, "/")) == {
        "application/rss+xml": f"{SITE}/feed.rss",
        "application/atom+xml": f"{SITE}/feed.atom",
        "application/feed+json": f"{SITE}/feed.json",
    }


def test_index_lists_every_feed_with_counts_and_every_format(publisher, client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    page = parse(client, "/")
    hrefs = {a["href"] for a in page.anchors}
    view, _ = publisher.view()
    for feed in view.feeds():
        for fmt in FORMATS:
            assert f"{feed.path}.{fmt}" in hrefs
        assert f'data-url="{feed.url("rss")}"' in html
        assert feed.name.replace("&", "&amp;") in html
    text = " ".join(page.text)
    assert "<wbr>" not in text and "&lt;" not in html  # markup shown as text: double escaping
    assert "https://news.example.org/<wbr>feed.rss" in html  # breaks between path parts
    assert "16 entries" in text  # the site feed counts every live article
    assert "Everything" in text and "Sections" in text and "Authors" in text and "Tags" in text
    for anchor in page.anchors:
        assert client.get(local(anchor["href"])).status_code == 200, anchor["href"]


def test_section_and_author_pages_preview_entries_and_discover_their_feeds(client):
    war = parse(client, "/sections/war/")
    assert alternates(war)["application/atom+xml"] == f"{SITE}/sections/war/feed.atom"
    text = " ".join(war.text)
    assert "Japan could join NATO-led initiative" in text
    assert "Subscribe" in text

    author = parse(client, "/authors/francis-farrell/")
    assert alternates(author)["application/rss+xml"] == f"{SITE}/authors/francis-farrell/feed.rss"
    text = " ".join(author.text)
    assert "Reporter" in text
    assert "Prix Bayeux" in text  # the bio
    assert parse(client, "/tags/nato/").anchors
    assert client.get("/sections/nope/").status_code == 404
    assert client.get("/authors/nobody/").status_code == 404


def test_pages_escape_what_editors_write(client, data_dir, write, publisher):
    authors = data_dir / "authors.yaml"
    authors.write_text(
        authors.read_text()
        + '- slug: mallory\n  name: "Mallory <script>alert(1)</script>"\n'
        + '  bio: "Bio with <b>markup</b> & an ampersand"\n'
    )
    publisher.refresh()
    html = client.get("/authors/mallory/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;markup&lt;/b&gt; &amp; an ampersand" in html


def test_pages_are_cached_and_conditional(client):
    first = client.get("/sections/war/")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    replay = client.get("/sections/war/", headers={"If-None-Match": first.headers["ETag"]})
    assert replay.status_code == 304
    assert replay.data == b""


def test_opml_lists_every_feed_grouped_and_every_url_works(client, publisher):
    response = client.get("/feeds.opml")
    assert response.headers["Content-Type"] == "text/x-opml; charset=utf-8"
    root = etree.fromstring(response.data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title")
    groups = root.findall("body/outline")
    # Then a group per news platform site.yaml turns on (the sample turns on three).
    assert [g.get("text") for g in groups] == [
        "Everything", "Sections", "Authors", "Tags",
        "For Flipboard", "For SmartNews", "For MSN (Microsoft Start)",
    ]  # fmt: skip
    view, _ = publisher.view()
    outlines = root.findall("body/outline/outline")
    platform_feeds = 3 * (1 + len([f for f in view.feeds() if f.kind == "section"]))
    assert len(outlines) == len(list(view.feeds())) + platform_feeds
    for outline in outlines:
        assert outline.get("type") == "rss"
        assert outline.get("text") and outline.get("title")
        feed = client.get(local(outline.get("xmlUrl")))
        assert feed.status_code == 200, outline.get("xmlUrl")
        parsed = feedparser.parse(feed.data)
        assert parsed.bozo == 0 and parsed.feed.title == outline.get("title")
        html = local(outline.get("htmlUrl"))
        if html == "/" or html.startswith(("/sections/", "/authors/", "/tags/")):
            # The pages this app serves; an author's own url is the newsroom's page.
            assert client.get(html).status_code == 200, html
