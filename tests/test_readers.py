"""What readers see: whole bylines, updated times and corrections, read back by real readers.

feedparser reads every format here. newsboat, a terminal feed reader in Debian, reads the
RSS feed from a live server with `newsboat -x reload` and keeps what it would show in a
SQLite cache, which the tests read. Without newsboat those tests are skipped with the
reason printed, except under CI=true, where they fail (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import lxml.html
import pytest

from feeds import notify
from feeds.cli import main
from feeds.entries import byline, local_time
from feeds.export import count_documents, documents
from tests.browser import serve_folder
from tests.helpers import FORMATS, publisher_of, unavailable

PLEDGE = "Nordic and Baltic states pledge joint air defence package for Ukraine"
PLEDGE_BYLINE = "Anna Whitfield and Olena Marchuk"
KHARKIV = "Kharkiv volunteers train a new generation of interceptor-drone crews"
NEWSBOAT_SECONDS = 60


def entry(document: bytes, title: str):
    """Return the feedparser entry with a title from a feed document."""
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.bozo_exception
    found = [e for e in parsed.entries if e.title == title]
    assert len(found) == 1, [e.title for e in parsed.entries]
    return found[0]


# --- Bylines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ""),
        (["Anna Whitfield"], "Anna Whitfield"),
        (["Anna Whitfield", "Olena Marchuk"], "Anna Whitfield and Olena Marchuk"),
        (["A", "B", "C"], "A, B and C"),
        (["A", "B", "C", "D"], "A, B, C and D"),
    ],
)
def test_byline_is_written_as_the_newsroom_prints_it(names, expected):
    assert byline(names) == expected


def test_rss_gives_feedparser_the_whole_byline(client):
    item = entry(client.get("/feed.rss").data, PLEDGE)
    assert item.author == PLEDGE_BYLINE
    assert [a["name"] for a in item.authors] == [PLEDGE_BYLINE]


def test_atom_and_json_keep_one_author_per_person(client):
    atom = entry(client.get("/feed.atom").data, PLEDGE)
    assert [a["name"] for a in atom.authors] == ["Anna Whitfield", "Olena Marchuk"]
    items = json.loads(client.get("/feed.json").data)["items"]
    [item] = [i for i in items if i["title"] == PLEDGE]
    assert [a["name"] for a in item["authors"]] == ["Anna Whitfield", "Olena Marchuk"]


def test_three_authors_read_as_one_byline(client, publisher, write):
    write(
        "articles/2026/03/three-bylines.yaml",
        """
        title: Three reporters on one story
        section: war
        authors: [anna-whitfield, olena-marchuk, francis-farrell]
        published: 2026-03-20 10:00
        body: Three people wrote this.
        """,
    )
    publisher.refresh()
    item = entry(client.get("/feed.rss").data, "Three reporters on one story")
    assert item.author == "Anna Whitfield, Olena Marchuk and Francis Farrell"
    page = client.get("/sections/war/").get_data(as_text=True)
    assert "Anna Whitfield, Olena Marchuk and Francis Farrell" in page


def test_section_page_prints_the_byline(client):
    assert PLEDGE_BYLINE in client.get("/sections/war/").get_data(as_text=True)


# --- Update times ----------------------------------------------------------------------


def test_rss_items_tell_feedparser_when_they_were_updated(client):
    document = client.get("/feed.rss").data
    # updated: "2026-02-17T15:30:00+02:00"
    assert entry(document, PLEDGE).updated_parsed[:6] == (2026, 2, 17, 13, 30, 0)
    never_updated = entry(document, KHARKIV)
    assert "updated" not in never_updated
    assert never_updated.published_parsed[:6] == (2026, 2, 12, 7, 30, 0)


# --- Corrections -----------------------------------------------------------------------

CORRECTED = "articles/2026/03/corrected.yaml"
CORRECTED_TITLE = "Parliament passes the defence budget"
# Lines 10-14 hold the corrections; the later one is written first.
CORRECTED_TEXT = """\
title: Parliament passes the defence budget
section: politics
author: taras-hnatiuk
published: 2026-03-20 10:00
updated: 2026-03-20 12:00
image: https://news.example.org/media/2026/03/rada-vote.jpg
body: |
  The Verkhovna Rada passed the budget on Friday.
corrections:
  - date: 2026-03-22 09:15
    text: An earlier version gave the vote as 256 to 12; it was 265 to 12.
  - date: "2026-03-21T08:00:00+02:00"
    text: The budget is for <2027>, not 2026 & later.
"""
FIRST = "Correction (21 Mar 2026, 08:00 EET): The budget is for <2027>, not 2026 & later."
SECOND = "Correction (22 Mar 2026, 09:15 EET): An earlier version gave the vote as 256 to 12"


@pytest.fixture
def corrected(publisher, write) -> None:
    write(CORRECTED, CORRECTED_TEXT)
    publisher.refresh()


def corrected_article(app):
    view, _ = publisher_of(app).view()
    [found] = [a for a in view.live if a.path == CORRECTED]
    return found


def test_corrections_are_read_oldest_first_and_move_updated_on(app, corrected):
    article = corrected_article(app)
    assert [(c.date, c.text[:16]) for c in article.corrections] == [
        (datetime(2026, 3, 21, 6, 0, tzinfo=UTC), "The budget is fo"),
        (datetime(2026, 3, 22, 7, 15, tzinfo=UTC), "An earlier versi"),  # site time: Kyiv
    ]
    assert article.updated == datetime(2026, 3, 22, 7, 15, tzinfo=UTC)
    assert article.summary == "The Verkhovna Rada passed the budget on Friday."


def test_a_correction_older_than_updated_leaves_it(app, write, publisher):
    write(CORRECTED, CORRECTED_TEXT.replace("updated: 2026-03-20 12:00", "updated: 2026-03-23"))
    publisher.refresh()
    assert corrected_article(app).updated == datetime(2026, 3, 22, 22, 0, tzinfo=UTC)


def plain(html: str) -> str:
    """Return the text of an HTML fragment, tags dropped and entities read."""
    return " ".join(lxml.html.fromstring(f"<div>{html}</div>").text_content().split())


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrections_follow_the_body_in_every_format(client, corrected, fmt):
    data = client.get(f"/feed.{fmt}").data
    if fmt == "json":
        [item] = [i for i in json.loads(data)["items"] if i["title"] == CORRECTED_TITLE]
        content, summary, modified = item["content_html"], item["summary"], item["date_modified"]
        assert modified == "2026-03-22T07:15:00+00:00"
    else:
        found = entry(data, CORRECTED_TITLE)
        content, summary = found.content[0].value, found.summary
        assert found.updated_parsed[:6] == (2026, 3, 22, 7, 15, 0)
    text = plain(content)
    body = text.index("The Verkhovna Rada passed the budget on Friday.")
    assert body < text.index(FIRST) < text.index(SECOND), text
    assert "<strong>Correction (21 Mar 2026, 08:00 EET):</strong>" in content  # marked
    assert "&lt;2027&gt;" in content  # plain text, shown as written
    assert summary == "The Verkhovna Rada passed the budget on Friday."


def test_a_correction_moves_the_feeds_last_modified(client, write, publisher):
    before = client.get("/sections/politics/feed.atom").headers["Last-Modified"]
    write(CORRECTED, CORRECTED_TEXT)
    publisher.refresh()
    after = client.get("/sections/politics/feed.atom").headers["Last-Modified"]
    assert before != after
    assert after == "Sun, 22 Mar 2026 07:15:00 GMT"


def test_pages_say_when_an_article_was_corrected(client, corrected):
    page = client.get("/sections/politics/").get_data(as_text=True)
    assert '· corrected <time datetime="2026-03-22T07:15:00Z">22 Mar 2026, 09:15 EET</time>' in (
        page
    )


def checked(runner, data_dir) -> list[str]:
    """Return `feeds check`'s lines about the corrected article."""
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    return [line for line in result.output.splitlines() if line.startswith(CORRECTED)]


def correction_problems(runner, data_dir, write, text: str) -> list[str]:
    """Write the corrected article as text; return `feeds check`'s lines about it."""
    write(CORRECTED, text)
    return checked(runner, data_dir)


@pytest.mark.parametrize(
    ("corrections", "expected"),
    [
        (
            "  - date: 2026-02-30 10:00\n    text: Fixed.",
            ":10: correction 'date': cannot read '2026-02-30 10:00' as a date",
        ),
        ("  - date: 2026-03-19 10:00\n    text: Fixed.", ":10: correction 'date' '2026-03-19"),
        ("  - date: 2026-03-21 10:00", ":10: correction has no 'text'; write what was wrong"),
        ("  - date: 2026-03-21 10:00\n    text: '  '", ":11: correction has no 'text'"),
        ("  - text: Fixed.", ":10: correction has no 'date'; add when it was made"),
        ("  - date: 2026-03-21 10:00\n    text: 12", ":11: 'text': YAML reads 12 as a number"),
        (
            "  - date: 2026-03-21 10:00\n    text: Fixed.\n    dtae: x",
            ":12: unknown field 'dtae'; did you mean 'date'?",
        ),
        ("  - Fixed the vote count.", ":10: each correction needs a date and a text"),
        ("  date: 2026-03-21 10:00", ":10: 'corrections' must be a list of entries"),
    ],
)
def test_a_bad_correction_is_reported_at_its_line(runner, data_dir, write, corrections, expected):
    text = CORRECTED_TEXT.split("corrections:")[0] + "corrections:\n" + corrections + "\n"
    lines = correction_problems(runner, data_dir, write, text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(CORRECTED + expected), lines
    # The same again when the parse cache answers: problems depend on the files alone.
    assert checked(runner, data_dir) == lines


def test_a_broken_correction_keeps_the_last_good_version(
    publisher, client, corrected, write, runner, data_dir, monkeypatch
):
    write(CORRECTED, CORRECTED_TEXT.replace("2026-03-22 09:15", "2026-03-32 09:15"))
    publisher.refresh()
    assert SECOND in plain(entry(client.get("/feed.atom").data, CORRECTED_TITLE).content[0].value)
    running = [str(p) for p in publisher.store.problems if p.path == CORRECTED]
    assert running == [
        f"{CORRECTED}:10: correction 'date': cannot read '2026-03-32 09:15' as a date; write "
        "it like 2026-02-10 14:05 or 2026-02-10T14:05:00+02:00"
    ]
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    assert checked(runner, data_dir) == running  # a cold load reports the same


@pytest.mark.parametrize(
    "first_line",
    [
        "*Correction: An earlier version gave the wrong vote count.*",
        "**Correction (March 21):** The vote was 265 to 12.",
        "_Clarification, March 21, 2026:_ The budget is for 2027.",
        "CORRECTION: the vote was 265 to 12.",
    ],
)
def test_a_correction_note_atop_the_body_is_flagged(runner, data_dir, write, first_line):
    text = CORRECTED_TEXT.split("corrections:")[0].replace(
        "body: |\n", f"body: |\n  {first_line}\n\n"
    )
    lines = correction_problems(runner, data_dir, write, text)
    assert lines == [
        f"{CORRECTED}:7: warning: the body starts with a correction note; move it to a "
        "'corrections' entry (date and text), which readers see marked after the article, "
        "and the summary is not taken from it"
    ]


@pytest.mark.parametrize(
    "first_line",
    ["Corrections officers said: the prison was hit.", "The correction came late: on Friday."],
)
def test_a_body_that_only_mentions_corrections_is_not_flagged(runner, data_dir, write, first_line):
    text = CORRECTED_TEXT.split("corrections:")[0].replace(
        "body: |\n", f"body: |\n  {first_line}\n\n"
    )
    assert correction_problems(runner, data_dir, write, text) == []


# --- Times on pages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        ("Europe/Kyiv", "10 Feb 2026, 14:05 EET"),
        ("UTC", "10 Feb 2026, 12:05 UTC"),
        ("America/New_York", "10 Feb 2026, 07:05 EST"),
        ("Asia/Dubai", "10 Feb 2026, 16:05 UTC+04"),  # tzdata has no letters for it
        ("Asia/Kathmandu", "10 Feb 2026, 17:50 UTC+05:45"),
        ("Pacific/Pago_Pago", "10 Feb 2026, 01:05 SST"),
    ],
)
def test_local_time_reads_in_the_site_timezone(timezone, expected):
    assert local_time(datetime(2026, 2, 10, 12, 5, tzinfo=UTC), timezone) == expected


def test_local_time_follows_summer_time():
    assert local_time(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), "Europe/Kyiv") == (
        "1 Jul 2026, 12:00 EEST"
    )


def test_pages_show_times_in_the_site_timezone(client):
    war = client.get("/sections/war/").get_data(as_text=True)
    # Published "Tue, 17 Feb 2026 11:00:00 +0200", updated 15:30 the same day, in Kyiv.
    assert (
        '<time datetime="2026-02-17T09:00:00Z">17 Feb 2026, 11:00 EET</time>'
        ' · updated <time datetime="2026-02-17T13:30:00Z">17 Feb 2026, 15:30 EET</time>'
    ) in war
    assert " UTC" not in war
    index = client.get("/").get_data(as_text=True)
    assert "16 entries · updated " in index
    assert "13 Mar 2026, 10:05 EET</time>" in index


def test_pages_follow_the_site_timezone_setting(client, publisher, data_dir):
    site = data_dir / "site.yaml"
    site.write_text(site.read_text().replace("Europe/Kyiv", "America/New_York"))
    publisher.refresh()
    war = client.get("/sections/war/").get_data(as_text=True)
    assert "17 Feb 2026, 04:00 EST" in war


# --- newsboat --------------------------------------------------------------------------


def find_newsboat() -> str:
    """Return newsboat's path, or skip with the reason (fail under CI=true)."""
    found = shutil.which("newsboat")
    if found is None:
        message = (
            "newsboat test needs Debian's newsboat on PATH (apt-get install newsboat, "
            "as .ci/run does)"
        )
        print(message)
        unavailable(message)
    return found


@pytest.fixture
def served(data_dir: Path, clock) -> Iterator[str]:
    """Serve the sample on 127.0.0.1; yield its base URL."""
    with serve_folder(data_dir, clock) as base:
        yield base


def newsboat_items(url: str, home: Path) -> dict[str, dict[str, str]]:
    """Return what newsboat keeps of each item of a feed, by title, after one reload."""
    newsboat = find_newsboat()
    home.mkdir(parents=True, exist_ok=True)
    (home / "urls").write_text(url + "\n", encoding="utf-8")
    (home / "config").write_text("", encoding="utf-8")
    cache = home / "cache.db"
    # Its own HOME, so that nothing of a real user's newsboat is read or written; no
    # proxy, so that it reaches the local server directly.
    env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)}
    result = subprocess.run(
        [newsboat, "-x", "reload", "-u", home / "urls", "-c", cache, "-C", home / "config"],
        capture_output=True,
        text=True,
        env=env,
        timeout=NEWSBOAT_SECONDS,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(cache) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT title, author, content FROM rss_item").fetchall()
    assert rows, f"newsboat kept no item of {url}: {result.stdout}{result.stderr}"
    return {row["title"]: dict(row) for row in rows}


@pytest.fixture
def corrected_file(data_dir: Path) -> None:
    """Write the corrected article before a server starts."""
    (data_dir / CORRECTED).write_text(CORRECTED_TEXT, encoding="utf-8")


def test_newsboat_shows_the_whole_byline_and_the_corrections(corrected_file, served, tmp_path):
    items = newsboat_items(f"{served}/feed.rss", tmp_path / "newsboat")
    assert items[PLEDGE]["author"] == PLEDGE_BYLINE
    content = plain(items[CORRECTED_TITLE]["content"])
    assert content.index("passed the budget") < content.index(FIRST) < content.index(SECOND)


# --- Subscribe pages -------------------------------------------------------------------

SITE = "https://news.example.org"
# (page path, the feed it subscribes to)
SUBSCRIBE_PAGES = [
    ("/subscribe/", f"{SITE}/feed.rss"),
    ("/sections/war/subscribe/", f"{SITE}/sections/war/feed.rss"),
    ("/authors/olena-marchuk/subscribe/", f"{SITE}/authors/olena-marchuk/feed.rss"),
    ("/tags/nato/subscribe/", f"{SITE}/tags/nato/feed.rss"),
]
QUERY_READERS = {  # reader: (link before the query, the query parameter holding the feed)
    "Inoreader": ("https://www.inoreader.com/", "add_feed"),
    "NewsBlur": ("https://www.newsblur.com/", "url"),
    "The Old Reader": ("https://theoldreader.com/feeds/subscribe", "url"),
}


class Page(HTMLParser):
    """An HTML page's links by their text, its inputs and buttons, and its text."""

    def __init__(self, html: str):
        super().__init__()
        self.links: dict[str, str] = {}
        self.inputs: list[dict] = []
        self.buttons: list[dict] = []
        self.text: list[str] = []
        self._href: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self._href = attributes.get("href")
        elif tag == "input":
            self.inputs.append(attributes)
        elif tag == "button":
            self.buttons.append(attributes)

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        self.text.append(data)
        if self._href is not None and data.strip():
            self.links[data.strip()] = self._href


def subscribe_links(page: Page, url: str) -> None:
    """Assert that a subscribe page offers one-click links for url, and url to copy."""
    assert page.links["Feedly"] == f"https://feedly.com/i/subscription/feed/{url}"
    for reader, (start, parameter) in QUERY_READERS.items():
        link = page.links[reader]
        assert link.startswith(f"{start}?"), link
        assert parse_qs(urlsplit(link).query) == {parameter: [url]}, link
    assert [i["value"] for i in page.inputs if "url" in i.get("class", "")] == [url]
    assert [b["data-url"] for b in page.buttons if "copy" in b.get("class", "")] == [url]


@pytest.mark.parametrize(("path", "url"), SUBSCRIBE_PAGES)
def test_subscribe_page_explains_feeds_and_subscribes_in_one_click(client, path, url):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = Page(response.get_data(as_text=True))
    subscribe_links(page, url)
    text = " ".join(" ".join(page.text).split())
    assert "A feed brings you every new article" in text
    assert "feed reader" in text and "free" in text


def test_a_feed_url_with_its_own_escapes_survives_the_links(client, publisher, write):
    write(
        "articles/2026/03/kyiv-tag.yaml",
        """
        title: A story tagged in Ukrainian
        section: war
        author: francis-farrell
        published: 2026-03-20 10:00
        image: https://news.example.org/media/k.jpg
        tags: [Київ]
        body: Text.
        """,
    )
    publisher.refresh()
    url = f"{SITE}/tags/%D0%BA%D0%B8%D1%97%D0%B2/feed.rss"
    page = Page(client.get("/tags/%D0%BA%D0%B8%D1%97%D0%B2/subscribe/").get_data(as_text=True))
    subscribe_links(page, url)


def test_the_subscribe_buttons_lead_to_the_subscribe_pages(client):
    assert Page(client.get("/").get_data(as_text=True)).links["Subscribe"] == "/subscribe/"
    war = Page(client.get("/sections/war/").get_data(as_text=True))
    assert war.links["Subscribe"] == "/sections/war/subscribe/"


def test_subscribe_pages_are_cached_like_the_other_pages(client):
    first = client.get("/sections/war/subscribe/", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Surrogate-Key"] == "feeds section/war"
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Last-Modified"] == client.get("/sections/war/").headers["Last-Modified"]
    again = client.get(
        "/sections/war/subscribe/",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert (again.status_code, again.data) == (304, b"")
    assert client.get("/sections/nope/subscribe/").status_code == 404
    assert client.post("/sections/war/subscribe/").status_code == 405
    assert client.post("/subscribe/").status_code == 405


def test_feeds_build_exports_the_subscribe_pages(publisher, client, runner, data_dir, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    view, _ = publisher.view()
    for feed in view.feeds():
        path = f"{feed.base}/subscribe/"
        assert (out / path.lstrip("/") / "index.html").read_bytes() == client.get(path).data
    urls = [url for url, _ in documents(publisher, view)]
    assert count_documents(view) == len(urls) == len(set(urls))


def test_a_changed_feed_announces_its_subscribe_page_to_the_cdn(publisher):
    view, _ = publisher.view()
    before = notify.snapshot(view)
    after = {**before, ("section", "war", 0): ("changed",)}
    change = notify.diff(before, after, view.catalog.site)
    assert f"{SITE}/sections/war/subscribe/" in change.page_urls
    assert f"{SITE}/sections/culture/subscribe/" not in change.page_urls
