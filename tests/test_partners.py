"""Partner feeds (Flipboard, SmartNews, MSN): turned on in site.yaml, served, cached,
exported, announced and listed like every other document, each with what its platform's
published specification requires (named in each test); and the readiness report."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from lxml import etree

from feeds.cli import main
from feeds.notify import diff, snapshot
from feeds.store import Store
from feeds.urls import DocumentRef, route
from tests.conftest import NOW

from .editing import article

PLATFORMS = ("flipboard", "smartnews", "msn")
SITE_URL = "https://news.example.org"
PATHS = [f"/partners/{p}/feed.rss" for p in PLATFORMS] + [
    f"/partners/{p}/sections/war/feed.rss" for p in PLATFORMS
]
NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
    "atom": "http://www.w3.org/2005/Atom",
    "snf": "http://www.smartnews.be/snf",
    "dcterms": "http://purl.org/dc/terms/",
}


def tree(client, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.content_type == "application/rss+xml; charset=utf-8"
    return etree.fromstring(response.data)


def set_partners(data_dir, block: str) -> None:
    site = data_dir / "site.yaml"
    text = site.read_text(encoding="utf-8").split("# News platforms")[0].split("partners:")[0]
    site.write_text(text + block, encoding="utf-8")


# --- Served like any other document ------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_each_partner_feed_is_read_back_by_feedparser(client, path):
    parsed = feedparser.parse(client.get(path).data)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "rss20"
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.title and entry.link.startswith(SITE_URL) and entry.id
        assert entry.published_parsed and entry.content[0].value
    if "/sections/war/" in path:
        assert {e.tags[0].term for e in parsed.entries} == {"War"}


@pytest.mark.parametrize("path", PATHS)
def test_a_partner_feed_answers_304_and_gzip(client, path):
    first = client.get(path)
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] != etag
    assert first.headers["Cache-Control"].startswith("public, max-age=")


def test_a_platform_site_yaml_leaves_out_is_not_served(client, data_dir, publisher):
    set_partners(data_dir, "partners:\n  msn: {}\n")
    publisher.refresh()
    assert client.get("/partners/msn/feed.rss").status_code == 200
    assert client.get("/partners/flipboard/feed.rss").status_code == 404
    assert client.get("/partners/smartnews/sections/war/feed.rss").status_code == 404
    set_partners(data_dir, "")
    publisher.refresh()
    assert client.get("/partners/msn/feed.rss").status_code == 404
    assert client.get("/partners/").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/partners/flipboard/authors/francis-farrell/feed.rss", "/partners/google/feed.rss",
     "/partners/flipboard/sections/no-such/feed.rss", "/partners/flipboard/feed.atom",
     # Google News is in the readiness report only: its feed is the news sitemap.
     "/partners/google_news/feed.rss", "/partners/google_news/sections/war/feed.rss",
     "/partners/google_news/"],
)  # fmt: skip
def test_what_is_not_a_partner_feed_is_404(client, path):
    assert client.get(path).status_code == 404


def test_export_writes_every_partner_feed_byte_for_byte(client, runner, data_dir, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    written = sorted(
        "/" + str(p.relative_to(out)) for p in out.rglob("partners/**/*.rss") if p.is_file()
    )
    meta = (data_dir / "sections.yaml").read_text().splitlines()
    sections = {line.split("slug: ")[1] for line in meta if "slug: " in line}
    assert len(written) == len(PLATFORMS) * (1 + len(sections))
    for path in written:
        assert (out / path.lstrip("/")).read_bytes() == client.get(path).data, path
    assert (out / "partners/index.html").read_bytes() == client.get("/partners/").data


def test_opml_lists_each_partner_feed(client):
    opml = etree.fromstring(client.get("/feeds.opml").data)
    urls = {o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")}
    for path in PATHS:
        assert SITE_URL + path in urls


def test_an_edit_announces_the_partner_feeds_that_show_it(data_dir):
    store = Store(data_dir, settle=0)
    store.refresh()
    before = snapshot(store.catalog.view(NOW))
    path = data_dir / "articles/2026/02/zaporizhzhia-front-line-report.yaml"
    path.write_text(path.read_text() + "updated: 2026-03-20 09:00\n")
    store.refresh()
    change = diff(before, snapshot(store.catalog.view(NOW)), store.catalog.site)
    for platform in PLATFORMS:
        assert f"{SITE_URL}/partners/{platform}/feed.rss" in change.feed_urls
        assert f"{SITE_URL}/partners/{platform}/sections/war/feed.rss" in change.feed_urls
        assert f"{SITE_URL}/partners/{platform}/sections/culture/feed.rss" not in change.feed_urls
    assert f"{SITE_URL}/partners/" in change.page_urls


def test_a_scheduled_article_edit_announces_the_partners_page_only(data_dir, write):
    write("articles/later.yaml", article(published='"2026-12-01 10:00"'))
    store = Store(data_dir, settle=0)
    store.refresh()
    before = snapshot(store.catalog.view(NOW))
    write("articles/later.yaml", article(published='"2026-12-01 10:00"', title="Later"))
    store.refresh()
    change = diff(before, snapshot(store.catalog.view(NOW)), store.catalog.site)
    assert change.feed_urls == ()
    assert f"{SITE_URL}/partners/" in change.page_urls


def test_partner_urls_route_to_their_documents():
    assert route("/partners/msn/sections/war/feed.rss") == DocumentRef(
        "partner", "section", "war", "msn"
    )
    assert route("/partners/") == DocumentRef("partners")


# --- Each platform's specification --------------------------------------------------------


def test_flipboard_required_elements(client, data_dir, publisher):
    """about.flipboard.com/rss-spec, "Feed Structure": each <item> must include <link>,
    <title> and <content:encoded> (the entire body copy); <pubDate>, <guid>,
    <description>, <dc:creator> recommended; "Images": media:content with media:credit;
    updates pushed by PubSubHubbub: the hub advertised."""
    site = data_dir / "site.yaml"
    site.write_text(site.read_text() + "hubs: [https://hub.example.net/]\n")
    publisher.refresh()
    rss = tree(client, "/partners/flipboard/feed.rss")
    channel = rss.find("channel")
    hubs = [link.get("href") for link in channel.findall("atom:link[@rel='hub']", NS)]
    assert hubs == ["https://hub.example.net/"]
    items = channel.findall("item")
    for item in items:
        for tag in ("link", "title", "content:encoded", "pubDate", "guid", "description",
                    "dc:creator"):  # fmt: skip
            assert item.find(tag, NS) is not None and item.find(tag, NS).text, tag
    with_pictures = [i for i in items if i.find("media:content", NS) is not None]
    assert with_pictures
    sized = [i.find("media:content", NS) for i in with_pictures]
    assert any(m.get("width") == "2048" and m.find("media:credit", NS) is not None for m in sized)


def test_flipboard_holds_30_items_where_the_history_has_them(client, data_dir, publisher):
    """rss-spec: "At least 30 items", even when site.yaml keeps its own feeds shorter."""
    for n in range(20):
        (data_dir / f"articles/extra-{n}.yaml").write_text(
            article(title=f"Extra {n}", published=f'"2026-01-{n + 1:02d} 10:00"')
        )
    site = data_dir / "site.yaml"
    site.write_text(site.read_text().replace("items_per_feed: 50", "items_per_feed: 10"))
    publisher.refresh()
    assert len(tree(client, "/feed.rss").findall("channel/item")) == 10
    assert len(tree(client, "/partners/flipboard/feed.rss").findall("channel/item")) == 30
    assert len(tree(client, "/partners/msn/feed.rss").findall("channel/item")) == 10


def test_smartnews_smartformat_elements(client):
    """SmartFormat 2.1, "Elements (RSS 2.0)": <channel> with title, link, description
    (30 characters or less), pubDate, language, ttl, snf:logo and snf:darkModeLogo
    (each a <url>); each <item> with title, link, content:encoded, dc:creator and
    media:thumbnail."""
    rss = tree(client, "/partners/smartnews/feed.rss")
    assert rss.nsmap["snf"] == NS["snf"]
    channel = rss.find("channel")
    for tag in ("title", "link", "description", "pubDate", "language", "ttl"):
        assert channel.find(tag) is not None and channel.find(tag).text, tag
    assert len(channel.find("description").text) <= 30
    assert channel.find("ttl").text == "15"
    logo = channel.find("snf:logo/url", NS).text
    dark = channel.find("snf:darkModeLogo/url", NS).text
    assert logo.endswith("logo-smartnews-600x100.png") and "dark" in dark
    for item in channel.findall("item"):
        for tag in ("title", "link", "content:encoded", "dc:creator"):
            assert item.find(tag, NS).text, tag
    thumbnails = channel.findall("item/media:thumbnail", NS)
    assert thumbnails and all(t.get("url").startswith("https://") for t in thumbnails)


def test_smartnews_description_is_cut_to_its_limit_when_site_yaml_gives_none(
    client, data_dir, publisher
):
    """SmartFormat 2.1: channel <description>, "Short description (30 characters or less)"."""
    set_partners(data_dir, "partners:\n  smartnews: {}\n")
    publisher.refresh()
    channel = tree(client, "/partners/smartnews/feed.rss").find("channel")
    description = channel.find("description").text
    assert len(description) <= 30 and description.startswith("Independent")
    assert channel.find("snf:logo/url", NS).text.endswith("logo-600x60.png")  # site's logo
    assert channel.find("snf:darkModeLogo", NS) is None


def test_msn_required_fields_and_update_dates(client, data_dir, publisher):
    """Microsoft Start "Feed Item Requirements": every item has a Unique ID, Title and
    Publish Date, an article a body; an update is ingested only when the Updated Date
    moves (dcterms:modified), with the same Unique ID; images carry a credit."""

    def item_of(slug):
        channel = tree(client, "/partners/msn/feed.rss").find("channel")
        [found] = [i for i in channel.findall("item") if i.find("link").text.endswith(slug)]
        return found

    slug = "zaporizhzhia-front-line-report"
    before = item_of(slug)
    for tag in ("guid", "title", "pubDate", "content:encoded", "dcterms:modified"):
        assert before.find(tag, NS).text, tag
    assert before.find("media:content/media:credit", NS).text
    path = data_dir / f"articles/2026/02/{slug}.yaml"
    path.write_text(path.read_text() + "updated: 2026-03-20 09:00\n")
    publisher.refresh()
    after = item_of(slug)
    assert after.find("guid").text == before.find("guid").text
    assert after.find("dcterms:modified", NS).text == "2026-03-20T07:00:00+00:00"
    assert after.find("dcterms:modified", NS).text != before.find("dcterms:modified", NS).text


# --- site.yaml's partners block ----------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "line", "words"),
    [
        ("partners:\n  flipbord: {}\n", 2,
         ["unknown platform 'flipbord'", "did you mean 'flipboard'"]),
        ("partners:\n  smartnews:\n    tll: 5\n", 3, ["unknown field 'tll'", "'ttl'"]),
        ("partners:\n  smartnews:\n    description: A description far over thirty characters\n",
         3, ["30 characters or less", "has 40"]),
        ("partners:\n  smartnews:\n    logo: logo.png\n", 3, ["absolute http"]),
        ("partners:\n  msn:\n    logo: https://e.org/x.png\n", 3, ["'msn' takes no settings"]),
        ("partners:\n  msn: maybe\n", 2, ["true, false or a block of settings"]),
        ("partners: flipboard\n", 1, ["lines of their own", "known: flipboard, smartnews, msn"]),
    ],
)  # fmt: skip
def test_a_wrong_partners_block_is_refused_at_its_line(runner, tmp_path, block, line, words):
    data = tmp_path / "d"
    (data / "articles").mkdir(parents=True)
    (data / "site.yaml").write_text(
        "title: T\nurl: https://e.org\nid_authority: e.org\n" + block, encoding="utf-8"
    )
    (data / "sections.yaml").write_text("- slug: war\n  title: War\n")
    (data / "authors.yaml").write_text("- slug: a\n  name: A\n  bio: B.\n")
    result = runner.invoke(main, ["check", "--data", str(data)])
    assert result.exit_code == 1
    [problem] = [p for p in result.stdout.splitlines() if not p.startswith("site.yaml:1: warn")]
    assert problem.startswith(f"site.yaml:{line + 3}: "), problem
    for word in words:
        assert word in problem, problem


# --- The readiness report ----------------------------------------------------------------


def check(runner, data_dir, *extra: str):
    return runner.invoke(main, ["check", "--data", str(data_dir), *extra])


def test_check_partners_lists_what_each_platform_would_reject(runner, data_dir):
    result = check(runner, data_dir, "--partners")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    small = "articles/2026/03/front-line-theatre-tour.yaml:12: warning: "
    assert small + "Flipboard: the picture is 360 px wide; it needs 400 px or more" in "\n".join(
        lines
    )
    assert not any(line.startswith(small + "SmartNews") for line in lines)  # 320 px is enough there
    unsized = "articles/2026/03/kyiv-book-arsenal-preview.yaml:10: warning: MSN (Microsoft Start):"
    assert any(line.startswith(unsized) and "size is not given" in line for line in lines)
    assert any(
        line.startswith("site.yaml:14: warning: Flipboard: it wants at least 30") for line in lines
    )
    assert "for news platforms: flipboard 7, smartnews 5, msn 7" in result.stderr
    plain = check(runner, data_dir)
    assert "Flipboard" not in plain.stdout


def test_strict_fails_on_platform_warnings_only_when_asked_for_them(runner, data_dir):
    for path in (data_dir / "articles").rglob("*.yaml"):
        if "image:" not in path.read_text():  # leave no warning of the check's own
            path.unlink()
    assert check(runner, data_dir, "--strict").exit_code == 0
    assert check(runner, data_dir, "--strict", "--partners").exit_code == 1
    assert check(runner, data_dir, "--partners").exit_code == 0


def test_summary_only_bodies_and_long_titles_and_missing_credits(runner, data_dir, write):
    title = "A headline that runs on and on " * 3 + "until the app cuts it"
    write("articles/short.yaml", article(
        "image:", "  url: https://e.org/a.jpg", "  width: 1600", "  height: 900",
        title=f'"{title}"', body="Only a summary, not the story.",
    ))  # fmt: skip
    result = check(runner, data_dir, "--format", "json")
    report = json.loads(result.stdout)["partners"]
    found = {p: [f["message"] for f in report[p] if f["path"] == "articles/short.yaml"]
             for p in PLATFORMS}  # fmt: skip
    assert any("30 characters of text" in m and "summary" in m for m in found["flipboard"])
    assert any(m.startswith("SmartNews: the title has 114 characters") for m in found["smartnews"])
    assert not any("title" in m for m in found["flipboard"] + found["msn"])
    assert any("no credit" in m for m in found["msn"])
    assert not any("no credit" in m for m in found["smartnews"])
    assert [f["line"] for f in report["msn"] if "no credit" in f["message"]] == [6]


def test_drafts_are_not_in_the_report_and_scheduled_ones_are(runner, data_dir, write):
    write("articles/draft.yaml", article("draft: true"))
    write("articles/later.yaml", article(published='"2026-12-01 10:00"'))
    paths = {f["path"] for f in json.loads(check(runner, data_dir, "--format", "json").stdout)[
        "partners"]["msn"]}  # fmt: skip
    assert "articles/later.yaml" in paths and "articles/draft.yaml" not in paths


def test_the_partners_page_counts_stories_per_platform(client, runner, data_dir):
    page = client.get("/partners/")
    assert page.status_code == 200 and page.content_type == "text/html; charset=utf-8"
    html = page.data.decode()
    report = json.loads(check(runner, data_dir, "--format", "json").stdout)["partners"]
    for platform in PLATFORMS:
        stories = {f["path"] for f in report[platform] if f["path"] != "site.yaml"}
        count = re.search(rf'data-platform="{platform}">(\d+)<', html)
        assert count and int(count[1]) == len(stories), platform
    assert "the picture is 360 px wide" in html
    again = client.get("/partners/", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
