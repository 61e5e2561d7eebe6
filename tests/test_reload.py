"""Live reload under a running app: edits show within 2 seconds, broken files never do."""

from __future__ import annotations

import threading
import time

import feedparser
import pytest

from feeds import filestate, notify
from feeds.publisher import Publisher
from feeds.store import Store
from feeds.web import create_app
from tests.editing import replace_in, save_by_rename, save_in_place, save_truncate_then_write
from tests.helpers import publisher_of

BOUND = 2.0  # the contract: an edit is live within 2 seconds
ARTICLE = "articles/2026/02/japan-nato-purl.yaml"
ARTICLE_ID = "tag:news.example.org,2026-02-10:japan-nato-purl"


@pytest.fixture(params=["auto", "poll"])
def live(data_dir, clock, monkeypatch, request):
    """Return a client of an app with the default reload thread running, told of changes
    by inotify (auto, on Linux) and by polling."""
    monkeypatch.setenv("FEEDS_WATCH", request.param)
    app = create_app({"DATA": str(data_dir), "CLOCK": clock})
    client = app.test_client()
    client.get("/healthz")  # the first request starts the reload thread
    yield client
    publisher_of(app).close()


def entries(client, path="/feed.atom"):
    parsed = feedparser.parse(client.get(path).data)
    assert parsed.bozo == 0
    return {e.id: e for e in parsed.entries}


def wait_for(condition, bound=BOUND):
    """Return the seconds until condition() held, failing after `bound`."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > bound:
            pytest.fail(f"not seen within {bound} s")
        time.sleep(0.02)


def problems(client):
    return {p["path"]: p for p in client.get("/healthz").get_json()["problems"]}


def test_edit_is_served_within_the_bound(live, data_dir):
    replace_in(data_dir / ARTICLE, "title: Japan could join", "title: EDITED Japan could join")
    wait_for(lambda: entries(live)[ARTICLE_ID].title.startswith("EDITED"))


def test_added_and_deleted_files(live, data_dir, write):
    write(
        "articles/2026/03/new-one.yaml",
        """
        title: A brand new article
        section: culture
        author: dmytro-kovalenko
        published: 2026-03-19 10:00
        body: Fresh.
    """,
    )
    new_id = "tag:news.example.org,2026-03-19:new-one"
    wait_for(lambda: new_id in entries(live, "/sections/culture/feed.rss"))
    (data_dir / ARTICLE).unlink()
    wait_for(lambda: ARTICLE_ID not in entries(live))
    assert live.get("/tags/purl/feed.atom").status_code == 404  # its only article is gone


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda p: p.write_text("title: [unclosed\nbody: x\n"), id="syntax"),
        pytest.param(lambda p: replace_in(p, "section: war\n", ""), id="missing-field"),
        pytest.param(
            lambda p: replace_in(p, "  - francis-farrell", "  - nobody-at-all"), id="unknown-author"
        ),
        pytest.param(lambda p: p.write_text(""), id="emptied"),
        pytest.param(lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"), id="binary"),
        pytest.param(lambda p: p.write_bytes("title: caf\xe9\n".encode("latin-1")), id="latin-1"),
    ],
)
def test_a_broken_file_keeps_its_last_good_version(live, data_dir, breakage):
    path = data_dir / ARTICLE
    good = path.read_text(encoding="utf-8")
    before = entries(live)
    breakage(path)
    wait_for(lambda: ARTICLE in problems(live))
    after = entries(live)
    assert after.keys() == before.keys()
    assert after[ARTICLE_ID].title == before[ARTICLE_ID].title
    # Repair: the problem goes and an edit shows.
    path.write_text(good.replace("title: Japan could", "title: Repaired, Japan could"))
    wait_for(lambda: entries(live)[ARTICLE_ID].title.startswith("Repaired"))
    assert ARTICLE not in problems(live)


def test_a_new_file_that_was_never_good_is_left_out(live, write):
    before = entries(live)
    write("articles/never-good.yaml", "title: Never good\nsection: war\n")
    wait_for(lambda: "articles/never-good.yaml" in problems(live))
    assert entries(live).keys() == before.keys()


def test_broken_authors_yaml_keeps_the_last_good_list(live, data_dir):
    authors = data_dir / "authors.yaml"
    authors.write_text(authors.read_text() + "- slug: [broken\n")
    wait_for(lambda: "authors.yaml" in problems(live))
    assert live.get("/authors/francis-farrell/feed.rss").status_code == 200
    assert ARTICLE_ID in entries(live)


def test_sections_yaml_changes_apply(live, data_dir):
    sections = data_dir / "sections.yaml"
    replace_in(sections, "title: Culture\n", "title: Arts and Culture\n")
    wait_for(
        lambda: feedparser.parse(
            live.get("/sections/culture/feed.atom").data
        ).feed.title.startswith("Arts and Culture")
    )
    sections.write_text("{not: a list}\n")
    wait_for(lambda: "sections.yaml" in problems(live))
    assert live.get("/sections/culture/feed.atom").status_code == 200


def test_site_yaml_changes_apply(live, data_dir):
    replace_in(data_dir / "site.yaml", "max_age: 300", "max_age: 60")
    wait_for(lambda: live.get("/feed.rss").headers["Cache-Control"] == "public, max-age=60")
    (data_dir / "site.yaml").write_text("title: [broken\n")
    wait_for(lambda: "site.yaml" in problems(live))
    assert live.get("/feed.rss").headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("save", [save_in_place, save_by_rename, save_truncate_then_write])
def test_saves_never_show_a_torn_or_missing_article(live, data_dir, save):
    path = data_dir / ARTICLE
    original = path.read_text(encoding="utf-8")
    versions = 6
    stop = threading.Event()
    seen: list[str] = []
    failures: list[str] = []

    def poll() -> None:
        while not stop.is_set():
            parsed = feedparser.parse(live.get("/sections/war/feed.atom").data)
            if parsed.bozo:
                failures.append(f"unparseable: {parsed.bozo_exception}")
                continue
            entry = {e.id: e for e in parsed.entries}.get(ARTICLE_ID)
            if entry is None:
                failures.append("article missing")
                continue
            marker = entry.title.split(" ", 1)[0]
            # The body carries the same marker: a torn mix of versions would differ.
            if not entry.content[0].value.endswith(f"{marker}</p>"):
                failures.append(f"torn: title {marker} body {entry.content[0].value[-30:]}")
            seen.append(marker)

    def version(n: int) -> str:
        text = original.replace("title: Japan", f"title: V{n} Japan").rstrip("\n")
        return text + f"\n\n  V{n}\n"

    save_by_rename(path, version(0))
    wait_for(lambda: entries(live)[ARTICLE_ID].title.startswith("V0 "))
    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for n in range(1, versions):
            save(path, version(n))
            time.sleep(0.15)
        final = f"V{versions - 1}"
        wait_for(lambda: seen and seen[-1] == final)
    finally:
        stop.set()
        poller.join()
    assert failures == []
    assert len(seen) > 10


@pytest.fixture
def reads(monkeypatch):
    """Count the article files read from disk."""
    seen: list[str] = []
    original = filestate.read_text

    def counting(path, rel, *args, **kwargs):
        if rel.startswith("articles/"):
            seen.append(rel)
        return original(path, rel, *args, **kwargs)

    monkeypatch.setattr(filestate, "read_text", counting)
    return seen


@pytest.mark.parametrize(
    ("old", "new", "read_again"),
    [
        ("title: ", "title: Renamed ", False),  # feeds show it; no article reads it
        ("items_per_feed: 50", "items_per_feed: 5", False),
        ("url: https://news.example.org", "url: https://news.example.com", True),  # links
        ("timezone: Europe/Kyiv", "timezone: UTC", True),  # dates without an offset
    ],
)
def test_a_site_edit_reads_articles_again_only_when_they_depend_on_it(
    data_dir, reads, old, new, read_again
):
    store = Store(data_dir, settle=0, use_cache=False)
    store.refresh()
    files = len(store._files)
    reads.clear()
    replace_in(data_dir / "site.yaml", old, new)
    store.refresh()
    assert len(reads) == (files if read_again else 0)
    assert store.carried == (0 if read_again else files)
    cold = Store(data_dir, settle=0, use_cache=False)
    cold.refresh()
    assert store.catalog.articles == cold.catalog.articles
    assert store.problems == cold.problems


def test_the_first_look_keys_no_document(data_dir, monkeypatch):
    """The reload thread's first look, as the first requests come in, only keeps the view:
    every document's key is taken when a change is compared with it."""
    publisher = Publisher(data_dir, poll_interval=0, settle=0)
    snapshots = []
    original = notify.snapshot
    monkeypatch.setattr(notify, "snapshot", lambda *args: snapshots.append(args) or original(*args))
    publisher.refresh()
    publisher.refresh()
    assert snapshots == []
    replace_in(data_dir / ARTICLE, "title: Japan could join", "title: EDITED Japan could join")
    publisher.refresh()
    assert snapshots  # the baseline's keys, then the new ones
    assert "https://news.example.org/feed.atom" in publisher.last_change.feed_urls
