"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), checked against the spec's rules."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit

import feedparser
import pytest

from feeds.render import byline
from tests.helpers import publisher_of

VERSION = "https://jsonfeed.org/version/1.1"
TOP_LEVEL = {
    "version": str, "title": str, "home_page_url": str, "feed_url": str, "description": str,
    "user_comment": str, "next_url": str, "icon": str, "favicon": str, "authors": list,
    "language": str, "expired": bool, "hubs": list, "items": list,
}  # fmt: skip
ITEM = {
    "id": str, "url": str, "external_url": str, "title": str, "content_html": str,
    "content_text": str, "summary": str, "image": str, "banner_image": str,
    "date_published": str, "date_modified": str, "authors": list, "tags": list,
    "language": str, "attachments": list,
}  # fmt: skip
URL_FIELDS = {"home_page_url", "feed_url", "next_url", "icon", "favicon", "url",
              "external_url", "image", "banner_image", "avatar"}  # fmt: skip


def is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_rfc3339(value: str) -> bool:
    # RFC 3339 needs a full date, a time and an explicit offset or Z.
    if "T" not in value or not (value.endswith("Z") or value[-6] in "+-"):
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def check_object(obj: dict, schema: dict, where: str) -> None:
    for key, value in obj.items():
        if key.startswith("_"):
            continue  # extensions are allowed, by the spec
        assert key in schema, f"{where}: unknown key {key!r}"
        assert isinstance(value, schema[key]), f"{where}.{key}: {type(value).__name__}"
        if key in URL_FIELDS:
            assert is_url(value), f"{where}.{key}: {value!r} is not a URL"


def check_authors(authors: list, where: str) -> None:
    for author in authors:
        check_object(author, {"name": str, "url": str, "avatar": str}, where)
        assert author, f"{where}: an author needs at least one of name, url, avatar"


def check_json_feed(document: dict) -> None:
    """Assert every rule of JSON Feed 1.1 that a publisher can break."""
    assert document.get("version") == VERSION
    assert document.get("title")
    check_object(document, TOP_LEVEL, "feed")
    check_authors(document.get("authors", []), "feed.authors")
    ids = []
    for n, item in enumerate(document["items"]):
        where = f"items[{n}]"
        check_object(item, ITEM, where)
        assert isinstance(item.get("id"), str) and item["id"], f"{where}: id is required"
        assert "content_html" in item or "content_text" in item, f"{where}: needs content"
        for key in ("date_published", "date_modified"):
            if key in item:
                assert is_rfc3339(item[key]), f"{where}.{key}: {item[key]!r}"
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        check_authors(item.get("authors", []), f"{where}.authors")
        ids.append(item["id"])
    assert len(ids) == len(set(ids)), "item ids must be unique"


def all_documents(app):
    view, _ = publisher_of(app).view()
    return list(view.documents())


def test_every_json_feed_follows_the_rules(app, client):
    for feed in all_documents(app):
        response = client.get(f"{feed.path}.json")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/feed+json; charset=utf-8"
        document = json.loads(response.data)
        check_json_feed(document)
        assert document["feed_url"] == feed.url("json", page=0)
        assert document["home_page_url"] == feed.home_url


@pytest.mark.parametrize(
    "path", ["/feed", "/sections/war/feed", "/authors/olena-marchuk/feed", "/tags/nato/feed"]
)
def test_json_items_equal_the_rss_and_atom_items(client, path):
    items = json.loads(client.get(f"{path}.json").data)["items"]
    for fmt in ("atom", "rss"):
        entries = feedparser.parse(client.get(f"{path}.{fmt}").data).entries
        assert [i["id"] for i in items] == [e.id for e in entries]
        for item, entry in zip(items, entries, strict=True):
            assert item["title"] == entry.title
            assert item["url"] == entry.link
            assert item["summary"] == entry.summary
            published = datetime.fromisoformat(item["date_published"])
            assert published.timetuple()[:6] == tuple(entry.published_parsed)[:6]
            names = [a["name"] for a in item["authors"]]
            if fmt == "atom":
                assert names == [a["name"] for a in entry.authors]
            else:  # RSS has the byline, all names in one dc:creator
                assert entry.author == byline(names)
            enclosures = [link.href for link in entry.links if link.rel == "enclosure"]
            if "image" in item and fmt == "atom":
                assert enclosures == [item["image"]]


def test_author_feed_names_its_author_with_url_and_avatar(client):
    document = json.loads(client.get("/authors/olena-marchuk/feed.json").data)
    assert document["authors"] == [
        {
            "name": "Olena Marchuk",
            "url": "https://news.example.org/people/olena-marchuk",
            "avatar": "https://news.example.org/media/people/olena-marchuk.jpg",
        }
    ]


def test_the_rule_checker_catches_broken_feeds():
    good = {"version": VERSION, "title": "T", "items": [{"id": "1", "content_html": "<p>x</p>"}]}
    check_json_feed(good)
    broken = [
        {**good, "version": "1.1"},
        {**good, "items": [{"content_html": "x"}]},
        {**good, "items": [{"id": "1"}]},
        {**good, "items": [{"id": "1", "content_text": "x", "date_published": "2026-02-10"}]},
        {**good, "home_page_url": "/relative"},
        {**good, "bogus": 1},
        {**good, "items": [{"id": "1", "content_text": "x"}, {"id": "1", "content_text": "y"}]},
    ]
    for document in broken:
        with pytest.raises(AssertionError):
            check_json_feed(document)
