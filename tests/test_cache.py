"""The parse cache: a restart reads only what changed, and a stale cache is never used."""

from __future__ import annotations

import os
import time

import pytest

import feeds.markup
from feeds import cache
from feeds.render import render_feed
from feeds.store import Store
from tests.conftest import NOW

ARTICLE = "articles/2026/02/japan-nato-purl.yaml"


def loaded(data_dir) -> Store:
    loading = Store(data_dir)
    loading.refresh()
    return loading


def cold_load(data_dir) -> Store:
    store = Store(data_dir, use_cache=False)
    store.refresh()
    return store


def running_store(data_dir) -> tuple[Store, str]:
    """Return a store as a server runs it, its site feed rendered, and ARTICLE's URL."""
    running = Store(data_dir, settle=0)
    running.refresh()
    site_feed(running)
    return running, next(a.url for a in running.catalog.articles if a.path == ARTICLE)


def site_feed(loaded_store: Store) -> bytes:
    view = loaded_store.catalog.view(NOW)
    return render_feed(view.feed("site"), "atom")


def test_a_restart_reads_nothing_that_did_not_change(data_dir, reads):
    first = loaded(data_dir)
    first.save_cache()
    assert cache.cache_file(data_dir).is_file()
    reads.clear()
    second = loaded(data_dir)
    assert [r for r in reads if r.startswith("articles/")] == []
    assert second.catalog.version == first.catalog.version
    assert second.problems == first.problems
    assert site_feed(second) == site_feed(first)


def test_a_file_changed_since_is_read_again(data_dir, reads):
    loaded(data_dir).save_cache()
    path = data_dir / ARTICLE
    path.write_text(path.read_text().replace("title: Japan could", "title: Tokyo could"))
    reads.clear()
    restarted = loaded(data_dir)
    assert [r for r in reads if r.startswith("articles/")] == [ARTICLE]
    assert b"Tokyo could" in site_feed(restarted)


def test_a_title_fixed_renders_no_markdown_again(data_dir, markdown_renders):
    # A running store: the edited file's body is the same, so is its rendering.
    running, url = running_store(data_dir)
    path = data_dir / ARTICLE
    markdown_renders.clear()
    path.write_text(path.read_text().replace("title: Japan could", "title: Tokyo, Japan could"))
    running.refresh()
    fed = site_feed(running)
    assert b"Tokyo, Japan could" in fed
    assert url not in markdown_renders
    assert fed == site_feed(loaded(data_dir))  # as a load that rendered it itself


def test_a_title_fixed_since_the_cache_renders_no_markdown_again(data_dir, markdown_renders):
    first = loaded(data_dir)
    first.render_first_pages()  # as `feeds build` does: the renderings go with the cache
    first.save_cache()
    path = data_dir / ARTICLE
    path.write_text(path.read_text().replace("title: Japan could", "title: Tokyo could"))
    markdown_renders.clear()
    restarted = loaded(data_dir)
    fed = site_feed(restarted)
    assert b"Tokyo could" in fed and markdown_renders == []
    cold = cold_load(data_dir)
    assert fed == site_feed(cold) and markdown_renders  # the cold load rendered them all


def test_a_body_edited_is_rendered_again(data_dir, markdown_renders):
    running, url = running_store(data_dir)
    path = data_dir / ARTICLE
    markdown_renders.clear()
    text = path.read_text()
    path.write_text(text.replace("body: |\n", "body: |\n  A new first paragraph.\n\n", 1))
    running.refresh()
    assert b"A new first paragraph." in site_feed(running)
    assert markdown_renders == [url]


def test_an_authors_yaml_edit_reads_no_article_that_resolves_alike(data_dir, reads):
    loaded(data_dir).save_cache()
    authors = data_dir / "authors.yaml"
    authors.write_text(authors.read_text().replace("name: Francis Farrell", "name: F. Farrell"))
    reads.clear()
    restarted = loaded(data_dir)
    assert [r for r in reads if r.startswith("articles/")] == []
    assert b"F. Farrell" in site_feed(restarted)
    cold = cold_load(data_dir)
    assert restarted.problems == cold.problems
    assert restarted.catalog.articles == cold.catalog.articles
    assert site_feed(restarted) == site_feed(cold)


def test_an_author_removed_reads_again_only_the_articles_naming_them(data_dir, reads):
    loaded(data_dir).save_cache()
    authors = data_dir / "authors.yaml"
    text = authors.read_text()
    start = text.index("- slug: olena-marchuk")
    authors.write_text(text[:start] + text[text.index("- slug: taras-hnatiuk") :])
    naming = sorted(
        str(p.relative_to(data_dir))
        for p in (data_dir / "articles").rglob("*.yaml")
        if "olena-marchuk" in p.read_text() or "Olena Marchuk" in p.read_text()
    )
    assert len(naming) == 4
    reads.clear()
    restarted = loaded(data_dir)
    assert sorted(r for r in reads if r.startswith("articles/")) == naming
    cold = cold_load(data_dir)
    assert restarted.problems == cold.problems
    assert any("olena-marchuk" in p.message for p in cold.problems)
    assert restarted.catalog.articles == cold.catalog.articles
    assert site_feed(restarted) == site_feed(cold)
    # The next restart reads nothing: the save wrote every shard under today's files.
    restarted.save_cache()
    reads.clear()
    again = loaded(data_dir)
    assert [r for r in reads if r.startswith("articles/")] == []
    assert again.problems == cold.problems


def test_a_new_site_url_reads_every_article_again(data_dir, reads):
    loaded(data_dir).save_cache()
    site = data_dir / "site.yaml"
    site.write_text(
        site.read_text().replace("url: https://news.example.org", "url: https://ledger.example.com")
    )
    reads.clear()
    restarted = loaded(data_dir)
    assert len([r for r in reads if r.startswith("articles/")]) == 17
    assert b"https://ledger.example.com/" in site_feed(restarted)
    assert site_feed(restarted) == site_feed(cold_load(data_dir))


def test_the_last_good_version_survives_a_restart(data_dir):
    running = loaded(data_dir)
    path = data_dir / ARTICLE
    path.write_text("title: [broken\n")
    running.settle = 0
    running.refresh()
    running.save_cache()
    restarted = loaded(data_dir)
    assert b"Japan could join" in site_feed(restarted)
    assert any(p.path == ARTICLE for p in restarted.problems)


@pytest.mark.parametrize("damage", ["truncated", "foreign", "shared", "shared folder"])
def test_a_damaged_or_untrusted_cache_is_ignored(data_dir, reads, damage):
    loaded(data_dir).save_cache()
    index = cache.cache_file(data_dir)
    shards = cache.shard_folder(index)
    for path in [index, *shards.iterdir()]:
        if damage == "truncated":
            path.write_bytes(path.read_bytes()[:1000])
        elif damage == "foreign":
            path.write_bytes(b"not a pickle at all")
        elif damage == "shared":
            os.chmod(path, 0o666)  # others could have written anything into it
    if damage == "shared folder":
        os.chmod(shards, 0o777)  # others could have put anything in it
    reads.clear()
    restarted = loaded(data_dir)
    assert len([r for r in reads if r.startswith("articles/")]) == 17
    assert len(restarted.catalog.articles) == 17


def test_the_cache_can_be_turned_off(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    assert cache.cache_file(data_dir) is None
    loaded(data_dir).save_cache()
    assert not list(tmp_path.rglob("*.pickle"))


def test_the_bodies_of_every_first_page_come_back_rendered(data_dir, markdown_renders):
    site = data_dir / "site.yaml"
    site.write_text(site.read_text().replace("items_per_feed: 50", "items_per_feed: 3"))
    for n in range(4):  # older than the others, in feeds long enough for archive pages
        (data_dir / f"articles/old-{n}.yaml").write_text(
            f"title: Old story {n}\nsection: war\nauthor: francis-farrell\n"
            f"published: 2025-01-0{n + 1} 10:00\nbody: An old story.\n"
        )
    first = loaded(data_dir)
    first.render_first_pages()  # as `feeds build` does before it saves the cache
    first.save_cache()
    rendered = markdown_renders
    rendered.clear()
    restarted = loaded(data_dir)
    view = restarted.catalog.view(NOW)
    # The first page of every feed, site, section, author and tag, renders no Markdown.
    for feed in view.feeds():
        render_feed(feed, "atom")
    assert rendered == []
    archived = [
        article
        for article in view.live
        if all(page > 0 for _, _, page in view.documents_holding(article))
    ]
    assert archived  # on archive pages only
    assert archived[0].body_html  # their bodies are rendered when first needed
    assert rendered == [archived[0].url]


def test_a_server_keeps_the_site_feeds_bodies_and_what_it_rendered(data_dir, monkeypatch):
    site = data_dir / "site.yaml"
    site.write_text(site.read_text().replace("items_per_feed: 50", "items_per_feed: 3"))
    server = loaded(data_dir)
    shown = next(f for f in server.catalog.view(NOW).feeds() if f.kind == "section")
    render_feed(shown, "atom")  # a section feed a reader asked for
    server.save_cache()  # a server's save renders no more than the site feed's first page
    rendered: list[str] = []
    original = feeds.markup.render_markdown
    monkeypatch.setattr(
        feeds.markup, "render_markdown", lambda s, b: rendered.append(b) or original(s, b)
    )
    view = loaded(data_dir).catalog.view(NOW)
    render_feed(view.feed("site", ""), "atom")
    render_feed(view.feed(shown.kind, shown.slug), "atom")
    assert rendered == []  # both came back rendered
    for feed in view.feeds():
        render_feed(feed, "atom")
    assert rendered  # the first pages nobody asked for were not rendered by the save


def test_an_authors_edit_after_a_restart_reads_only_the_articles_it_resolves_otherwise(
    data_dir, reads
):
    loaded(data_dir).save_cache()
    restarted = loaded(data_dir)
    restarted.settle = 0
    reads.clear()
    authors = data_dir / "authors.yaml"
    authors.write_text(authors.read_text().replace("name: Francis Farrell", "name: F. Farrell"))
    restarted.refresh()
    # Every article names the same author as before: none is read again.
    assert [r for r in reads if r.startswith("articles/")] == []
    feed = site_feed(restarted)
    assert b"<name>F. Farrell</name>" in feed
    assert b"<name>Francis Farrell</name>" not in feed
    # A new slug (the old one kept under formerly) changes the articles naming him, and
    # only those are read again; the restored ones had no raw reading to rebuild from.
    naming = sorted(
        str(p.relative_to(data_dir))
        for p in (data_dir / "articles").rglob("*.yaml")
        if "francis" in p.read_text().lower()
    )
    assert naming
    authors.write_text(
        authors.read_text().replace(
            "- slug: francis-farrell", "- slug: f-farrell\n  formerly: [francis-farrell]"
        )
    )
    restarted.refresh()
    assert sorted(r for r in reads if r.startswith("articles/")) == naming
    assert restarted.carried == len(list((data_dir / "articles").rglob("*.yaml"))) - len(naming)
    assert "f-farrell" in {slug for a in restarted.catalog.articles for slug in a.authors}
    cold = Store(data_dir, use_cache=False)
    cold.refresh()
    assert cold.catalog.articles == restarted.catalog.articles


def test_clash_lines_survive_a_restart(data_dir, write):
    write(
        "articles/zz-copy.yaml",
        "title: Copy\nslug: japan-nato-purl\nsection: war\n"
        "author: francis-farrell\npublished: 2026-02-12 10:00\nbody: Copy.\n",
    )
    first = loaded(data_dir)
    first.save_cache()

    def clashes(store_):
        return [p for p in store_.problems if "already used" in p.message]

    assert [p.line for p in clashes(first)] == [2]
    assert clashes(loaded(data_dir)) == clashes(first)


def test_a_running_store_lets_readings_go_and_reads_again_only_what_the_context_changes(
    data_dir, reads
):
    running = loaded(data_dir)
    running.settle = 0
    assert all(state.raw is None for state in running._files.values())  # memory: let go
    orphan = data_dir / "articles" / "orphan.yaml"
    orphan.write_text(
        "title: By a new hire\nsection: war\nauthor: Nadia Sokol\n"
        "published: 2026-03-01 09:00\nbody: Text.\n"
    )
    running.refresh()
    errors = [p for p in running.problems if p.severity == "error"]
    assert [p.line for p in errors if p.path == "articles/orphan.yaml"] == [3]
    assert running._files["articles/orphan.yaml"].raw is not None  # kept to build again
    reads.clear()
    authors = data_dir / "authors.yaml"
    authors.write_text(
        authors.read_text().replace("name: Francis Farrell", "name: F. Farrell")
        + "- slug: nadia-sokol\n  name: Nadia Sokol\n  bio: Reporter.\n"
    )
    running.refresh()
    # No built article names the edited author otherwise: none is read again (carried
    # over); the failed one is built again from its kept reading, not read either.
    assert [r for r in reads if r.startswith("articles/")] == []
    assert running.carried == 17
    assert not any(p.severity == "error" for p in running.problems)
    assert len(running.catalog.articles) == 18
    assert b"F. Farrell" in site_feed(running)
    assert all(state.raw is None for state in running._files.values())


@pytest.mark.parametrize("watching", ["auto", "poll"])
def test_a_server_writes_the_cache_after_its_first_seconds_not_at_once(
    data_dir, tmp_path, monkeypatch, watching
):
    # Writing it right away would hold up the first feeds a new server is asked for.
    from feeds import reloader
    from feeds.publisher import Publisher

    monkeypatch.setenv("FEEDS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FEEDS_WATCH", watching)
    monkeypatch.setattr(reloader, "FIRST_SAVE_AFTER", 1.5)
    publisher = Publisher(data_dir, poll_interval=0.05, settle=0)
    try:
        started = time.monotonic()
        publisher.watch()
        index = cache.cache_file(data_dir)
        while not index.is_file() and time.monotonic() - started < 30:
            time.sleep(0.02)
        assert index.is_file()  # written by the reload thread...
        assert time.monotonic() - started >= 1.5  # ...once the first seconds are past
    finally:
        publisher.close()


def test_a_server_writes_the_cache_at_once_after_a_meta_edit(data_dir, tmp_path, monkeypatch):
    # An author removed while her articles are out: the server refuses the edit for them
    # (they stand in); a restart soon after must not drop them, as it did while the cache
    # on disk was still the one written under the old authors.yaml.
    from feeds import reloader
    from feeds.publisher import Publisher

    monkeypatch.setenv("FEEDS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(reloader, "FIRST_SAVE_AFTER", 3600.0)  # no save but the urgent one
    first = Store(data_dir)  # a cache written under the old authors.yaml
    first.refresh()
    first.save_cache()
    publisher = Publisher(data_dir, poll_interval=0.05, settle=0)
    try:
        published = {a.path for a in publisher.store.catalog.articles}
        hers = {a.path for a in publisher.store.catalog.articles if "iryna-bondar" in a.authors}
        assert hers
        authors = data_dir / "authors.yaml"
        text = authors.read_text(encoding="utf-8")
        start = text.index("- slug: iryna-bondar")
        end = text.find("\n- ", start)
        authors.write_text(text[:start] + (text[end + 1 :] if end >= 0 else ""), encoding="utf-8")
        publisher.watch()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            "iryna-bondar" in publisher.store._meta_texts["authors.yaml"]
            or publisher.store.cache_dirty
        ):
            time.sleep(0.02)
        assert not publisher.store.cache_dirty  # written, well before the minute is up
        assert {a.path for a in publisher.store.catalog.articles} == published
    finally:
        publisher.close()
    restarted = Store(data_dir)
    restarted.refresh()
    assert {a.path for a in restarted.catalog.articles} == published  # hers stand in
    assert any(p.path in hers and p.severity == "error" for p in restarted.problems)
