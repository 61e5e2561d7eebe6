"""Editors can trust every answer: no cache, edit or build hides a problem, drops a
published article or re-issues one. Each test reproduces one failure seen on a copy of the
sample data (the numbers are those of the issue that reported them)."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from feeds.cli import main
from feeds.web import create_app
from tests.editing import article, replace_in
from tests.helpers import publisher_of

JAPAN = "articles/2026/02/japan-nato-purl.yaml"
JAPAN_ID = "tag:news.example.org,2026-02-10:japan-nato-purl"
# Written by Francis Farrell alone (named by slug and by name) or with Olena Marchuk.
FARRELL_ARTICLES = (
    JAPAN,
    "articles/2026/02/zaporizhzhia-front-line-report.yaml",
    "articles/2026/02/kharkiv-drone-interceptors.yaml",
)


def remove_entry(path: Path, slug: str) -> None:
    """Remove one `- slug: ...` entry from sections.yaml or authors.yaml."""
    entries = path.read_text(encoding="utf-8").split("\n- ")
    kept = [e for e in entries if not e.lstrip("- ").startswith(f"slug: {slug}\n")]
    assert len(kept) == len(entries) - 1, slug
    text = "\n- ".join(kept)
    path.write_text(text if text.startswith("- ") else "- " + text, encoding="utf-8")


def check_json(runner, data_dir: Path) -> tuple[int, dict]:
    result = runner.invoke(main, ["check", "--data", str(data_dir), "--format", "json"])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


def ids(client, path: str = "/feed.atom") -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, parsed.bozo_exception
    return [entry.id for entry in parsed.entries]


def serve(data_dir: Path, clock):
    """Return an app over the folder, reloading only when the test says so."""
    return create_app(
        {"DATA": str(data_dir), "CLOCK": clock, "POLL_INTERVAL": 0, "SETTLE": 0, "TESTING": True}
    )


# -- 1. feeds check told the truth only on its first run -----------------------------------

BROKEN_FIELDS = {
    "misspelled-author": {"authors": "[Francis Farell]"},
    "unreadable-date": {"published": "10.02.2026"},
    "ambiguous-date": {"published": '"03/04/2026 10:00"'},
    "unknown-zone": {"published": '"2026-02-11 10:00 Mars/Olympus"'},
    "unknown-section": {"section": "warr"},
    "updated-before-published": {"updated": '"2026-02-01 10:00"'},
}


@pytest.mark.parametrize("fields", BROKEN_FIELDS.values(), ids=BROKEN_FIELDS.keys())
def test_check_reports_the_same_problems_on_every_run(runner, data_dir, fields, clock):
    rel = "articles/2026/02/broken.yaml"
    text = article(**{k: v for k, v in fields.items() if k != "updated"})
    if "updated" in fields:
        text += f"updated: {fields['updated']}\n"
    (data_dir / rel).write_text(text, encoding="utf-8")
    first = check_json(runner, data_dir)
    assert first[0] == 1 and first[1]["errors"] >= 1, first
    assert any(p["path"] == rel and p["severity"] == "error" for p in first[1]["problems"])
    # The first run wrote the parse cache; the second reads it.
    assert check_json(runner, data_dir) == first
    text_run = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert text_run.exit_code == 1 and f"{rel}:" in text_run.stdout, text_run.output
    # A server started after both still lists the file.
    app = serve(data_dir, clock)
    try:
        listed = app.test_client().get("/healthz").get_json()["problems"]
        assert [p for p in listed if p["path"] == rel] == [
            p for p in first[1]["problems"] if p["path"] == rel
        ]
    finally:
        publisher_of(app).close()


# -- 2. deleting an author or a section took their articles out of every feed --------------


def test_removing_an_author_keeps_their_articles_and_says_why(data_dir, client, publisher):
    before_site = ids(client)
    before_author = ids(client, "/authors/francis-farrell/feed.atom")
    remove_entry(data_dir / "authors.yaml", "francis-farrell")
    publisher.refresh()
    assert ids(client) == before_site
    assert ids(client, "/authors/francis-farrell/feed.atom") == before_author
    problems = client.get("/healthz").get_json()["problems"]
    meta = [p for p in problems if p["path"] == "authors.yaml"]
    assert len(meta) == 1 and meta[0]["severity"] == "warning", meta
    assert "3 articles name the author 'francis-farrell'" in meta[0]["message"]
    for rel in FARRELL_ARTICLES:  # each article says why too, at its line
        assert any(p["path"] == rel and "unknown author" in p["message"] for p in problems)


def test_removing_a_section_keeps_its_articles(data_dir, client, publisher):
    before_site = ids(client)
    before_section = ids(client, "/sections/culture/feed.json".replace(".json", ".atom"))
    remove_entry(data_dir / "sections.yaml", "culture")
    publisher.refresh()
    assert ids(client) == before_site
    assert ids(client, "/sections/culture/feed.atom") == before_section
    meta = [
        p for p in client.get("/healthz").get_json()["problems"] if p["path"] == "sections.yaml"
    ]
    assert ["3 articles name the section 'culture'" in p["message"] for p in meta] == [True]


def test_a_renamed_author_with_formerly_keeps_every_article(data_dir, clock, runner):
    replace_in(data_dir / "authors.yaml", "- slug: francis-farrell\n", "- slug: f-farrell\n")
    replace_in(data_dir / "authors.yaml", "name: Francis Farrell\n", "name: F. Farrell\n")
    code, found = check_json(runner, data_dir)
    assert code == 1 and "formerly: [francis-farrell]" in json.dumps(found["problems"])
    replace_in(
        data_dir / "authors.yaml",
        "- slug: f-farrell\n",
        "- slug: f-farrell\n  formerly: [francis-farrell]\n",
    )
    code, found = check_json(runner, data_dir)
    assert found["errors"] == 0, found["problems"]
    app = serve(data_dir, clock)
    try:
        assert len(ids(app.test_client(), "/authors/f-farrell/feed.atom")) == 3
    finally:
        publisher_of(app).close()


# -- 3. a new file could take a published article's slug ----------------------------------


def test_a_new_file_never_takes_a_published_slug(data_dir, client, publisher, runner):
    assert JAPAN_ID in ids(client)
    newcomer = "articles/2025/12/japan-nato-purl.yaml"  # sorts before the published one
    (data_dir / newcomer).parent.mkdir(parents=True)
    (data_dir / newcomer).write_text(
        article(title="A newcomer", published='"2026-02-20 10:00"'), encoding="utf-8"
    )
    publisher.refresh()
    assert JAPAN_ID in ids(client)
    titles = [e.title for e in feedparser.parse(client.get("/feed.atom").data).entries]
    assert "A newcomer" not in titles
    problems = client.get("/healthz").get_json()["problems"]
    clash = [p for p in problems if "already used by" in p["message"]]
    assert [(p["path"], p["severity"]) for p in clash] == [(newcomer, "error")], clash
    assert JAPAN in clash[0]["message"]
    # A cold check and a restart decide the same way.
    code, found = check_json(runner, data_dir)
    assert code == 1 and [p["path"] for p in found["problems"] if "already used" in p["message"]]
    assert [p for p in found["problems"] if "already used" in p["message"]] == clash


def test_on_a_clash_a_draft_gives_way_and_the_first_published_keeps_its_id(data_dir, runner):
    earlier = "articles/2026/09/later-path-earlier-date.yaml"
    later = "articles/2026/01/earlier-path-later-date.yaml"
    draft = "articles/2025/01/a-draft.yaml"
    for rel, published, extra in (
        (earlier, "2026-02-01 10:00", ()),
        (later, "2026-02-05 10:00", ()),
        (draft, "2026-01-01 10:00", ("draft: true",)),
    ):
        (data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / rel).write_text(
            article(*extra, "id: tag:news.example.org,2026:shared", published=f'"{published}"'),
            encoding="utf-8",
        )
    _, found = check_json(runner, data_dir)
    losers = sorted(p["path"] for p in found["problems"] if "already used by" in p["message"])
    assert losers == sorted([later, draft])


# -- 4. moving the site re-issued every article --------------------------------------------


@pytest.mark.parametrize(
    "new_url",
    ["https://www.kyivledger.example", "http://news.example.org/ledger", "https://example.net"],
)
def test_moving_the_site_keeps_every_id_and_moves_every_link(data_dir, client, publisher, new_url):
    before = ids(client)
    replace_in(data_dir / "site.yaml", "url: https://news.example.org\n", f"url: {new_url}\n")
    publisher.refresh()
    assert ids(client) == before
    parsed = feedparser.parse(client.get("/feed.atom").data)
    assert all(entry.link.startswith(new_url + "/") for entry in parsed.entries)


def test_an_unpinned_id_authority_is_a_warning_with_the_line_to_add(data_dir, runner):
    replace_in(data_dir / "site.yaml", "id_authority: news.example.org\n", "")
    code, found = check_json(runner, data_dir)
    [warning] = [p for p in found["problems"] if p["path"] == "site.yaml"]
    assert (
        warning["severity"] == "warning"
        and "id_authority: news.example.org" in (warning["message"])
    )
    assert code == 0
    replace_in(data_dir / "site.yaml", "url: ", "id_authority: -not a host-\nurl: ")
    code, found = check_json(runner, data_dir)
    assert code == 1 and any("'id_authority'" in p["message"] for p in found["problems"])


# -- 5. feeds build exported with errors, and dropped what was published -------------------


def export_ids(out: Path) -> list[str]:
    parsed = feedparser.parse((out / "feed.atom").read_bytes())
    return [entry.id for entry in parsed.entries]


def test_build_with_errors_fails_and_keeps_the_previous_export(runner, data_dir, tmp_path):
    out = tmp_path / "public"
    first = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert first.exit_code == 0, first.output
    published = export_ids(out)
    target = out.resolve()
    (data_dir / JAPAN).write_text("title: [unclosed\n", encoding="utf-8")
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert f'{JAPAN}:1: the title starts with "["' in result.stderr
    assert "nothing was exported" in result.stderr
    assert out.resolve() == target and export_ids(out) == published
    # --keep-going exports, with the broken article's last good version, and still fails.
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir), "--keep-going"])
    assert result.exit_code == 1, result.output
    assert out.resolve() != target and export_ids(out) == published
    assert JAPAN_ID in export_ids(out)


def test_build_keep_going_never_drops_what_the_export_published(
    runner, data_dir, tmp_path, monkeypatch
):
    # The article broke, and this build has another parse cache (another machine or cache
    # folder): there is no last good version to keep it in the export with.
    out = tmp_path / "public"
    monkeypatch.setenv("FEEDS_CACHE_DIR", str(tmp_path / "first-cache"))
    assert runner.invoke(main, ["build", str(out), "--data", str(data_dir)]).exit_code == 0
    published = export_ids(out)
    target = out.resolve()
    (data_dir / JAPAN).write_text("title: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("FEEDS_CACHE_DIR", str(tmp_path / "other-cache"))
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir), "--keep-going"])
    assert result.exit_code == 1, result.output
    assert f"{JAPAN}: in the export at {out}, but broken" in result.stderr
    assert "nothing was exported" in result.stderr
    assert out.resolve() == target and export_ids(out) == published
    # With the cache of the build that exported it, its last good version is kept.
    monkeypatch.setenv("FEEDS_CACHE_DIR", str(tmp_path / "first-cache"))
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir), "--keep-going"])
    assert result.exit_code == 1 and out.resolve() != target, result.output
    assert JAPAN_ID in export_ids(out)


def test_build_keep_going_names_what_it_leaves_out(runner, data_dir, tmp_path):
    rel = "articles/2026/02/never-good.yaml"
    (data_dir / rel).write_text("title: [unclosed\n", encoding="utf-8")
    result = runner.invoke(
        main, ["build", str(tmp_path / "out"), "--data", str(data_dir), "--keep-going"]
    )
    assert result.exit_code == 1 and f"left out: {rel}" in result.stderr, result.output


def test_build_reads_and_writes_the_parse_cache(runner, data_dir, tmp_path, monkeypatch):
    from feeds import cache

    result = runner.invoke(main, ["build", str(tmp_path / "out"), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    path = cache.cache_file(data_dir)
    assert path is not None and path.is_file()
    payload = cache.read(data_dir)
    assert payload["meta"] == _meta_digests(data_dir)
    files, _, _ = cache.read_files(data_dir, payload["meta"])
    assert set(files) == {
        p.relative_to(data_dir).as_posix() for p in (data_dir / "articles").rglob("*.yaml")
    }


def _meta_digests(data_dir: Path) -> dict[str, str]:
    from feeds.store import Store

    store = Store(data_dir, use_cache=False)
    store.refresh()
    return store._meta_digests


def test_a_meta_file_broken_while_nothing_ran_keeps_its_last_good_version(data_dir, clock):
    """The parse cache remembers the last good sections.yaml, as a running server would."""
    app = serve(data_dir, clock)
    client = app.test_client()
    before = {path: ids(client, path) for path in ("/feed.atom", "/sections/war/feed.atom")}
    publisher_of(app).store.save_cache()
    publisher_of(app).close()
    (data_dir / "sections.yaml").write_text("- slug: war\n  title: [War\n", encoding="utf-8")
    app = serve(data_dir, clock)  # a restart: the file is broken, the cache is not
    client = app.test_client()
    try:
        assert {path: ids(client, path) for path in before} == before
        problems = client.get("/healthz").get_json()["problems"]
        assert [p["path"] for p in problems if p["severity"] == "error"] == ["sections.yaml"]
    finally:
        publisher_of(app).close()


def test_a_meta_edit_alone_is_written_to_the_parse_cache(data_dir):
    """With no article to read again, a new last good sections.yaml must still reach the
    cache: a restart while the file is broken serves that version, as the server did."""
    import shutil

    from feeds.store import Store

    shutil.rmtree(data_dir / "articles")
    (data_dir / "articles").mkdir()
    running = Store(data_dir, settle=0)
    running.refresh()
    running.save_cache()
    sections = data_dir / "sections.yaml"
    sections.write_text("- slug: arts\n  title: Arts\n", encoding="utf-8")
    running.refresh()
    running.save_cache()
    sections.write_text("- slug: arts\n  title: [Arts\n", encoding="utf-8")
    running.refresh()
    running.save_cache()
    restarted = Store(data_dir, settle=0)
    restarted.refresh()
    assert list(restarted.catalog.sections) == list(running.catalog.sections) == ["arts"]
    assert restarted.catalog.version == running.catalog.version
