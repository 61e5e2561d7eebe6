"""Full history (RFC 5005): walking prev-archive reaches every article exactly once, in order."""

from __future__ import annotations

import json

import feedparser
import pytest

from feeds.web import create_app
from tests.conftest import Clock
from tests.helpers import FORMATS, publisher_of


def make_client(data_dir, items: int, archive_size: int):
    site = data_dir / "site.yaml"
    text = site.read_text().replace("items_per_feed: 50", f"items_per_feed: {items}")
    site.write_text(text + f"archive_size: {archive_size}\n")
    app = create_app({"DATA": str(data_dir), "CLOCK": Clock(), "POLL_INTERVAL": 0, "SETTLE": 0})
    return app, app.test_client()


def local(url: str) -> str:
    return url.removeprefix("https://news.example.org")


def walk_atom(client, path):
    """Return (entry ids in walk order, documents visited) following prev-archive."""
    ids, seen, url = [], [], path
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.data)
        assert parsed.bozo == 0
        seen.append(url)
        ids += [e.id for e in parsed.entries]
        links = {link.rel: link.href for link in parsed.feed.links}
        if url != path:
            assert local(links["current"]) == path
        url = local(links["prev-archive"]) if "prev-archive" in links else None
    return ids, seen


def walk_json(client, path):
    ids, url = [], path
    while url:
        document = json.loads(client.get(url).data)
        ids += [item["id"] for item in document["items"]]
        url = local(document["next_url"]) if "next_url" in document else None
    return ids


@pytest.mark.parametrize("archive_size", [1, 2, 5])
@pytest.mark.parametrize("feed", ["", "/sections/war"])
def test_walking_prev_archive_reaches_every_article_once_in_order(data_dir, archive_size, feed):
    app, client = make_client(data_dir, items=2, archive_size=archive_size)
    view, _ = publisher_of(app).view()
    expected = [a.id for a in (view.by_section["war"] if feed else view.live)]
    assert len(expected) > 4

    ids, documents = walk_atom(client, f"{feed}/feed.atom")
    archived = len(expected) - 2
    assert len(documents) == 1 + -(-archived // archive_size)
    assert len(ids) == len(set(ids))
    # Pages run oldest-first, so each page's entries are newest-first but the walk goes
    # newest page to oldest: the whole walk is newest-first.
    assert ids == expected
    assert walk_json(client, f"{feed}/feed.json") == expected
    rss_ids, _ = walk_atom(client, f"{feed}/feed.rss")
    assert rss_ids == expected


def test_archive_documents_link_both_ways_and_are_cached_long(data_dir):
    _, client = make_client(data_dir, items=2, archive_size=3)
    # 16 live articles: 14 archived in pages of 3 -> pages 1-4 full, page 5 holds 2.
    for page, older, newer in [(1, None, 2), (3, 2, 4), (5, 4, None)]:
        response = client.get(f"/archive/{page}.atom")
        links = {link.rel: local(link.href) for link in feedparser.parse(response.data).feed.links}
        assert links.get("prev-archive") == (f"/archive/{older}.atom" if older else None)
        assert links.get("next-archive") == (f"/archive/{newer}.atom" if newer else None)
        assert links["self"] == f"/archive/{page}.atom"
        assert b"<fh:archive/>" in response.data
        full = page < 5
        expected = "public, max-age=86400" if full else "public, max-age=300"
        assert response.headers["Cache-Control"] == expected
    for page in ("0", "01", "-1", "x", "1e3", "٣"):
        assert client.get(f"/archive/{page}.atom").status_code == 404, page
    assert client.get("/archive/6.atom").status_code == 404
    assert client.get("/sections/nope/archive/1.rss").status_code == 404


def test_an_edit_to_an_old_article_changes_only_its_archive_document(data_dir):
    app, client = make_client(data_dir, items=2, archive_size=3)
    view, _ = publisher_of(app).view()
    documents = [f"{f.path}.{fmt}" for f in view.documents() for fmt in FORMATS]
    before = {path: client.get(path).headers["ETag"] for path in documents}

    old = data_dir / "articles/2026/02/kharkiv-drone-interceptors.yaml"  # the second oldest
    old.write_text(old.read_text().replace("frozen football pitch", "icy football pitch"))
    publisher_of(app).refresh()
    after = {path: client.get(path).headers["ETag"] for path in documents}
    changed = {path for path in documents if before[path] != after[path]}
    article_id = "tag:news.example.org,2026-02-12:kharkiv-drone-interceptors"
    holding = {path for path in documents if article_id.encode() in client.get(path).data}
    assert changed == holding
    assert "/archive/1.atom" in changed  # in the site feed it sits in the oldest page
    assert "/feed.atom" not in changed
