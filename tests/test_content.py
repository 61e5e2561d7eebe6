"""Content fidelity: footnotes, links without a scheme, what the sanitizer removes (and
`feeds check` saying so), and tags that differ in more than case and punctuation."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
import yaml

from feeds.store import Store
from feeds.text import slugify, tag_slug

from .conftest import SAMPLE
from .editing import article

TAGS_LINE = 6  # extra lines start here


def write(data_dir: Path, name: str, *extra: str, **fields: str) -> str:
    """Write an article file; return its default id."""
    fields.setdefault("title", f"Story {name}")
    (data_dir / "articles" / f"{name}.yaml").write_text(article(*extra, **fields), encoding="utf-8")
    return f"tag:news.example.org,2026-02-11:{name}"


def refreshed(app):
    app.extensions["feeds"].refresh()
    return app


def warnings_of(store: Store, path: str) -> list[tuple[int, str]]:
    return [
        (p.line, p.message)
        for p in store.problems
        if p.path == path and p.severity == "warning" and "no image" not in p.message
    ]


def loaded(data_dir: Path) -> Store:
    store = Store(data_dir)
    store.refresh()
    return store


# --- Tags -----------------------------------------------------------------------------------

TAG_SLUGS = [
    ("NATO", "nato"),
    ("nato", "nato"),
    ("N.A.T.O.", "nato"),
    ("Air defence", "air-defence"),
    ("C", "c"),
    ("C++", "c-plus-plus"),
    ("c++", "c-plus-plus"),
    ("C#", "c-sharp"),
    ("C♯", "c-sharp"),
    ("F#", "f-sharp"),
    ("Disney+", "disney-plus"),
    ("C++20", "c-plus-plus-20"),
    ("#StandWithUkraine", "standwithukraine"),
    ("Research + development", "research-development"),
    ("Україна", "україна"),
    ("🇺🇦", "flag-ua"),
    ("🇺🇦 Ukraine", "ukraine"),
    ("🔥", "fire"),
    ("👍🏽", "thumbs-up-sign"),
    ("#", "number-sign"),
    ("+", "plus-sign"),
    ("\u200d", ""),
    ("\ue000", ""),
]


@pytest.mark.parametrize(("tag", "slug"), TAG_SLUGS, ids=[t for t, _ in TAG_SLUGS])
def test_tag_slugs(tag, slug):
    assert tag_slug(tag) == slug


def test_the_sample_publications_tags_keep_their_slugs():
    tags = set()
    for path in sorted(SAMPLE.glob("articles/**/*.yaml")):
        tags.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("tags") or ())
    assert tags
    assert {tag: tag_slug(tag) for tag in tags} == {tag: slugify(tag) for tag in tags}


def test_c_cpp_csharp_and_fsharp_are_four_tags(app, client, data_dir):
    languages = {"C": "c", "C++": "c-plus-plus", "C#": "c-sharp", "F#": "f-sharp"}
    ids = {
        tag: write(data_dir, slug, f"tags: [{json.dumps(tag)}, Programming]")
        for tag, slug in languages.items()
    }
    write(data_dir, "cpp-again", "tags: [c++]")  # another spelling of the same tag
    refreshed(app)
    for tag, slug in languages.items():
        feed = feedparser.parse(client.get(f"/tags/{slug}/feed.atom").data)
        assert feed.feed.title.startswith(f"{tag} |"), feed.feed.title
        expected = {ids[tag]} | (
            {"tag:news.example.org,2026-02-11:cpp-again"} if tag == "C++" else set()
        )
        assert {e.id for e in feed.entries} == expected
        entry = next(e for e in feed.entries if e.id == ids[tag])
        assert (slug, tag) in {(t.term, t.label) for t in entry.tags}
    assert len(feedparser.parse(client.get("/tags/programming/feed.atom").data).entries) == 4
    # A URL in another spelling of a tag answers 301 to that tag, not to a neighbour.
    answer = client.get("/tags/C++/feed.rss")
    assert answer.status_code == 301
    assert answer.headers["Location"] == "https://news.example.org/tags/c-plus-plus/feed.rss"


def test_a_tag_of_symbols_gets_a_readable_slug(app, client, data_dir):
    entry = write(data_dir, "flag", 'tags: ["🇺🇦", "#"]')
    refreshed(app)
    feed = client.get("/tags/flag-ua/feed.json").get_json()
    assert feed["title"].startswith("🇺🇦 |")
    assert [item["id"] for item in feed["items"]] == [entry]
    assert client.get("/tags/number-sign/feed.json").status_code == 200


def test_a_tag_with_nothing_to_name_it_after_is_reported_at_its_line(data_dir):
    write(data_dir, "blank-tag", "tags:", "  - Kyiv", '  - "\\u200d"')
    store = loaded(data_dir)
    assert warnings_of(store, "articles/blank-tag.yaml") == [
        (
            TAGS_LINE + 2,
            "tag '\\u200d' has nothing to name its web address after, so it is left out; "
            "write it in words",
        )
    ]
    [got] = [a for a in store.catalog.articles if a.path == "articles/blank-tag.yaml"]
    assert got.tags == ("Kyiv",)
