"""Google News in the readiness report: turned on in site.yaml like the other platforms,
judged by what Google publishes (Discover's 1,200 px wide pictures), and reading the news
sitemap rather than a partner feed of its own (no feed URL, no OPML entry, no export)."""

from __future__ import annotations

import json

import pytest
from lxml import etree, html

from feeds.cli import main
from tests.test_partners import SITE_URL, set_partners

from .editing import article

PATH = "articles/pictured.yaml"
SIZED = ("image:", "  url: https://e.org/a.jpg", "  credit: A. Photographer")
LONG_TITLE = '"' + "A headline that runs on and on " * 4 + 'until every app cuts it"'


def report(runner, data_dir) -> dict[str, list[dict]]:
    result = runner.invoke(main, ["check", "--data", str(data_dir), "--format", "json"])
    return json.loads(result.stdout)["partners"]


# Google's published rule (developers.google.com/search/docs/appearance/google-discover):
# "Large images need to be at least 1200 px wide". Where Google gives no number (headline
# length, credit, body length) nothing is said: the last rows.
@pytest.mark.parametrize(
    "lines, replace, expected",
    [
        ((), {}, "Google News: no picture; it shows stories with one (1200 px wide or more)"),
        (SIZED, {}, "Google News: the picture's size is not given; it needs it 1200 px wide"),
        ((*SIZED, "  width: 1199", "  height: 700"), {},
         "Google News: the picture is 1199 px wide; it needs 1200 px or more: use a larger one"),
        ((*SIZED, "  width: 1200", "  height: 675"), {}, None),
        (("image:", "  url: https://e.org/a.jpg", "  width: 1600", "  height: 900"),
         {"title": LONG_TITLE, "body": "Only a summary."}, None),
        # Not in the news sitemap yet (or any more) is not a fault: still judged the same.
        ((*SIZED, "  width: 1600", "  height: 900"), {"published": '"2026-12-01 10:00"'}, None),
        ((), {"published": '"2026-12-01 10:00"'}, "Google News: no picture"),
    ],
)  # fmt: skip
def test_google_news_readiness(runner, data_dir, write, lines, replace, expected):
    write(PATH, article(*lines, **replace))
    found = [f for f in report(runner, data_dir)["google_news"] if f["path"] == PATH]
    if expected is None:
        assert found == []
    else:
        assert [f["message"][: len(expected)] for f in found] == [expected]
        assert found[0]["line"] == (6 if lines else 1)  # the image line, or the file's


def test_google_news_is_counted_with_the_others_by_check_partners(runner, data_dir):
    result = runner.invoke(main, ["check", "--data", str(data_dir), "--partners"])
    assert result.exit_code == 0, result.output
    small = "articles/2026/03/front-line-theatre-tour.yaml:12: warning: Google News: "
    assert small + "the picture is 360 px wide; it needs 1200 px or more" in result.stdout
    found = report(runner, data_dir)["google_news"]
    assert f"google_news {len(found)}" in result.stderr
    assert not any(f["path"] == "site.yaml" for f in found)  # it wants no number of items


def test_google_news_is_not_in_the_opml_list(client):
    opml = etree.fromstring(client.get("/feeds.opml").data)
    texts = [o.get("text") for o in opml.iter("outline")]
    assert "For Flipboard" in texts
    assert not any("Google" in (t or "") for t in texts)
    assert not any("google_news" in (o.get("xmlUrl") or "") for o in opml.iter("outline"))


def test_the_partners_page_has_a_google_news_section(client, runner, data_dir):
    page = html.fromstring(client.get("/partners/").data)
    [section] = page.xpath('//section[@id="google_news"]')
    stories = {f["path"] for f in report(runner, data_dir)["google_news"]}
    [count] = page.xpath('//strong[@data-platform="google_news"]/text()')
    assert int(count) == len(stories) > 0
    links = section.xpath(".//p[@class='meta']/a/@href")
    assert links == [
        "https://developers.google.com/search/docs/appearance/google-discover",
        f"{SITE_URL}/sitemaps/news.xml",
    ]
    assert "news sitemap" in section.text_content()
    assert "1200 px" in section.text_content()


def test_a_site_that_feeds_only_google_news(client, runner, data_dir, publisher, tmp_path):
    set_partners(data_dir, "partners:\n  google_news: {}\n")
    publisher.refresh()
    page = client.get("/partners/")
    assert page.status_code == 200
    assert html.fromstring(page.data).xpath("//section/@id") == ["google_news"]
    assert client.get("/partners/flipboard/feed.rss").status_code == 404
    assert client.get("/sitemaps/news.xml").status_code == 200
    opml = etree.fromstring(client.get("/feeds.opml").data)
    assert not any((o.get("text") or "").startswith("For ") for o in opml.iter("outline"))
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    exported = sorted(str(p.relative_to(out / "partners")) for p in (out / "partners").rglob("*"))
    assert exported == ["index.html", "index.html.gz"]
    assert (out / "partners/index.html").read_bytes() == page.data


def test_google_news_takes_no_settings(runner, data_dir):
    set_partners(data_dir, "partners:\n  google_news:\n    logo: https://e.org/l.png\n")
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 1
    assert "site.yaml:" in result.stdout and "'google_news' takes no settings" in result.stdout
