"""Renames keep subscribers: the old URLs of a renamed section or author, and tag URLs in
another spelling, answer 301 Moved Permanently to the new URL, on the server and in the
static export's nginx map."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import feedparser
import pytest

from feeds.catalog import Catalog
from feeds.cli import main
from feeds.export import REDIRECTS, build
from feeds.model import Section, Site
from feeds.publisher import moved
from feeds.urls import DocumentRef
from tests.conftest import SAMPLE
from tests.editing import article
from tests.helpers import FORMATS

SITE = "https://news.example.org"
# (URL segment, old slug, new slug): War became Conflict, Francis Farrell's slug changed.
RENAMES = [("sections", "war", "conflict"), ("authors", "francis-farrell", "f-farrell")]
# Each kind of document under a section or author: feeds, archive pages, the HTML page.
DOCUMENTS = [
    "feed.rss",
    "feed.atom",
    "feed.json",
    "archive/1.rss",
    "archive/1.atom",
    "archive/1.json",
    "",
    "subscribe/",
]


@pytest.fixture
def data_dir(data_dir: Path) -> Path:
    """Return the sample with War renamed Conflict (once also `війна`), Francis Farrell's
    slug changed, two entries a feed (so there are archive pages) and a Ukrainian tag."""
    sections = data_dir / "sections.yaml"
    sections.write_text(
        sections.read_text(encoding="utf-8").replace(
            "- slug: war\n  title: War\n",
            "- slug: conflict\n  title: Conflict\n  formerly: [war, війна]\n",
        ),
        encoding="utf-8",
    )
    authors = data_dir / "authors.yaml"
    authors.write_text(
        authors.read_text(encoding="utf-8").replace(
            "- slug: francis-farrell\n", "- slug: f-farrell\n  formerly: [francis-farrell]\n"
        ),
        encoding="utf-8",
    )
    site = data_dir / "site.yaml"
    site.write_text(
        site.read_text(encoding="utf-8").replace(
            "items_per_feed: 50", "items_per_feed: 2\narchive_size: 2"
        ),
        encoding="utf-8",
    )
    # Written before the rename: the old section and author slugs still resolve.
    tagged = data_dir / "articles/2026/03/tagged-in-ukrainian.yaml"
    tagged.write_text(article("tags: [Україна, NATO]"), encoding="utf-8")
    return data_dir


def test_the_renamed_sample_loads_without_errors(publisher):
    errors = [p for p in publisher.store.problems if p.severity == "error"]
    assert errors == []


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize(("segment", "old", "new"), RENAMES)
def test_every_old_url_answers_301_to_the_new_one(client, segment, old, new, document, method):
    response = client.open(f"/{segment}/{old}/{document}", method=method)
    location = f"{SITE}/{segment}/{new}/{document}"
    assert response.status_code == 301
    assert response.headers["Location"] == location
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.data == (
        b"" if method == "HEAD" else f"301 Moved Permanently: {location}\n".encode()
    )
    assert client.open(urlsplit(location).path, method=method).status_code == 200


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/tags/NATO/feed.rss", "/tags/nato/feed.rss"),
        ("/tags/N.A.T.O./", "/tags/nato/"),
        ("/tags/Nato/archive/1.atom", "/tags/nato/archive/1.atom"),
        ("/tags/n.a.t.o/feed.json", "/tags/nato/feed.json"),
        (quote("/tags/Україна/feed.json"), quote("/tags/україна/feed.json")),
        (quote("/tags/УКРАЇНА/"), quote("/tags/україна/")),
        (quote("/sections/війна/feed.atom"), "/sections/conflict/feed.atom"),
    ],
)
def test_other_spellings_answer_301_to_the_tag_or_section(client, path, target):
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == SITE + target
    assert response.headers["Location"].isascii()
    assert client.get(target).status_code == 200


def entry_ids(body: bytes, fmt: str) -> list[str]:
    """Return a feed's entry ids as a reader reads them (this feedparser has no JSON Feed)."""
    if fmt == "json":
        return [item["id"] for item in json.loads(body)["items"]]
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.id for entry in parsed.entries]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_reader_following_the_redirect_reads_the_renamed_feed(client, fmt):
    new = f"/sections/conflict/feed.{fmt}"
    response = client.get(f"/sections/war/feed.{fmt}", base_url=SITE, follow_redirects=True)
    [hop] = response.history
    assert (hop.status_code, response.status_code) == (301, 200)
    assert response.request.path == new
    ids = entry_ids(response.data, fmt)
    assert len(ids) == 2
    assert ids == entry_ids(client.get(new).data, fmt)


def test_the_query_goes_along(client):
    response = client.get("/authors/francis-farrell/feed.atom?utm_source=reader&q=%C3%A9")
    assert response.status_code == 301
    assert response.headers["Location"] == (
        f"{SITE}/authors/f-farrell/feed.atom?utm_source=reader&q=%C3%A9"
    )


@pytest.mark.parametrize(
    "path", ["/sections/war/feed.rss", "/tags/NATO/", "/authors/francis-farrell/"]
)
def test_the_location_never_depends_on_the_request_host(client, path):
    plain = client.get(path).headers["Location"]
    forged = client.get(
        path,
        base_url="http://evil.example:8080/evil",
        headers={
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Prefix": "/evil",
            "Forwarded": "host=evil.example;proto=http",
        },
    )
    assert forged.status_code == 301
    assert forged.headers["Location"] == plain
    assert plain.startswith(f"{SITE}/")
    assert b"evil" not in forged.data


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    "path",
    [
        "/sections/nope/feed.rss",  # never a slug
        "/sections/warr/feed.rss",
        "/authors/nobody/",
        "/tags/nope/feed.rss",
        "/tags/No.Pe/",
        "/tags/%254EATO/feed.rss",  # "%4EATO": decoded once, so not "NATO"
        "/sections/war/archive/9.rss",  # an old slug, but a page the new one does not have
        "/tags/NATO/archive/9.atom",
    ],
)
def test_what_does_not_exist_under_any_name_stays_404(client, path, method):
    assert client.open(path, method=method).status_code == 404


def test_a_current_slug_wins_over_an_old_one():
    # The loader refuses an old slug that is another entry's slug; the server is safe anyway.
    catalog = Catalog.build(
        Site(title="T", url="https://example.org"),
        [
            Section(slug="war", title="War"),
            Section(slug="conflict", title="Conflict", formerly=("war", "battle")),
        ],
        [],
        [],
    )
    view = catalog.view(datetime(2026, 6, 1, tzinfo=UTC))
    assert catalog.renamed == {("section", "battle"): "conflict"}
    assert moved(view, DocumentRef("archive", "section", "war", "rss", 1)) is None
    assert (
        moved(view, DocumentRef("feed", "section", "battle", "rss"))
        == "/sections/conflict/feed.rss"
    )
    assert moved(view, DocumentRef("page", "section", "battle")) == "/sections/conflict/"


MAP_LINE = re.compile(r'"([^"]+)" "([^"]+)";')


def test_the_export_writes_a_redirect_map_the_server_agrees_with(publisher, client, tmp_path):
    out = tmp_path / "out"
    build(publisher, out)
    text = (out / REDIRECTS).read_text(encoding="utf-8")
    pairs = [MAP_LINE.fullmatch(line).groups() for line in text.splitlines()]
    assert '"/sections/war/" "https://news.example.org/sections/conflict/";' in text.splitlines()
    assert {
        ("/sections/war/feed.rss", f"{SITE}/sections/conflict/feed.rss"),
        ("/sections/war/archive/2.json", f"{SITE}/sections/conflict/archive/2.json"),
        ("/sections/війна/feed.atom", f"{SITE}/sections/conflict/feed.atom"),  # as $uri has it
        ("/authors/francis-farrell/archive/1.atom", f"{SITE}/authors/f-farrell/archive/1.atom"),
    } <= set(pairs)
    # Two section slugs with 2 archive pages, one author with 1: every format of each
    # document, the page and the subscribe page.
    assert len(pairs) == 2 * (3 * 3 + 2) + (2 * 3 + 2)
    assert len(set(pairs)) == len(pairs)
    for old, new in pairs:
        response = client.get(quote(old))
        assert (response.status_code, response.headers["Location"]) == (301, new)
    assert not any("tags" in old for old, _ in pairs)


def test_an_export_with_no_renames_has_no_map(runner, data_dir, tmp_path):
    for name in ("sections.yaml", "authors.yaml"):
        (data_dir / name).write_bytes((SAMPLE / name).read_bytes())
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert (out / "feed.rss").is_file()
    assert not (out / REDIRECTS).exists()
