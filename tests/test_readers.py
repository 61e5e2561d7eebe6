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
from pathlib import Path

import feedparser
import pytest

from feeds.render import byline, local_time
from feeds.web import create_app
from tests.browser import live_server

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


def test_three_authors_read_as_one_byline(client, app, write):
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
    app.extensions["feeds"].refresh()
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


def test_pages_follow_the_site_timezone_setting(client, app, data_dir):
    site = data_dir / "site.yaml"
    site.write_text(site.read_text().replace("Europe/Kyiv", "America/New_York"))
    app.extensions["feeds"].refresh()
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
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true, so a missing newsboat is a failure)", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture
def served(data_dir: Path, clock) -> Iterator[str]:
    """Serve the sample on 127.0.0.1; yield its base URL."""
    app = create_app({"DATA": str(data_dir), "CLOCK": clock, "POLL_INTERVAL": 0})
    try:
        with live_server(app) as base:
            yield base
    finally:
        app.extensions["feeds"].close()


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


def test_newsboat_shows_the_whole_byline(served, tmp_path):
    items = newsboat_items(f"{served}/feed.rss", tmp_path / "newsboat")
    assert items[PLEDGE]["author"] == PLEDGE_BYLINE
