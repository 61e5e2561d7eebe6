"""An edit that leaves its article in place swaps it into the catalog and its views
instead of rebuilding them; either way, the result is what a fresh load gives."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from feeds import notify
from feeds.catalog import Catalog
from feeds.render import render_feed
from feeds.store import Store
from tests.conftest import NOW
from tests.editing import article, replace_in

JAPAN = "articles/2026/02/japan-nato-purl.yaml"
GRID = "articles/2026/02/winter-grid-repairs.yaml"


def retitle(data: Path) -> None:
    replace_in(data / JAPAN, "title: Japan could", "title: Tokyo could")


def rewrite_two_bodies(data: Path) -> None:
    for rel in (JAPAN, GRID):
        replace_in(data / rel, "body: |\n", "body: |\n  An added first paragraph.\n\n")
    later = (NOW + timedelta(days=2)).isoformat()  # and the scheduled one
    (data / "articles" / "soon.yaml").write_text(article(published=f'"{later}"', title="Again"))


def touch_updated(data: Path) -> None:
    # Now the newest change in the publication: the date of every feed with no entries.
    replace_in(data / JAPAN, '"2026-02-10T18:40:00+02:00"', '"2026-05-30T09:00:00+02:00"')


def break_a_file(data: Path) -> None:
    (data / JAPAN).write_text("title: [unclosed\n", encoding="utf-8")


def edit_a_scheduled_article(data: Path) -> None:
    later = (NOW + timedelta(days=2)).isoformat()
    (data / "articles" / "soon.yaml").write_text(article(published=f'"{later}"', title="Retold"))


def retag(data: Path) -> None:
    replace_in(data / JAPAN, "tags:", "tags:\n  - A brand new tag")


def move_section(data: Path) -> None:
    replace_in(data / JAPAN, "section: war", "section: politics")


def redate(data: Path) -> None:
    replace_in(data / JAPAN, '"Feb. 10, 2026 14:05"', '"Feb. 9, 2026 09:00"')


def add_a_file(data: Path) -> None:
    (data / "articles" / "new.yaml").write_text(article(title="Brand new"), encoding="utf-8")


def delete_a_file(data: Path) -> None:
    (data / GRID).unlink()


def rename_an_author(data: Path) -> None:
    replace_in(data / "authors.yaml", "name: Francis Farrell", "name: F. Farrell")


IN_PLACE = [retitle, rewrite_two_bodies, touch_updated, break_a_file]
MOVING = [retag, move_section, redate, add_a_file, delete_a_file, rename_an_author]


def edited(data: Path, edit: Callable[[Path], None]) -> None:
    edit(data)
    for path in (data / "articles").rglob("*.yaml"):  # a same-size rewrite, same tick
        os.utime(path, ns=(time.time_ns() - 10**9,) * 2)


def state(loaded: Store) -> tuple:
    """Everything readers see of a store's catalog now, by value."""
    catalog = loaded.catalog
    view = catalog.view(NOW)
    documents = [
        render_feed(feed, fmt)
        for feed in (view.feed("site"), view.feed("section", "war"), view.feed("tag", "nato"))
        for fmt in ("atom", "json")
    ]
    return (
        catalog.articles,
        catalog.problems,
        catalog.version,
        view.live,
        view.by_section,
        view.by_author,
        view.by_tag,
        view.tag_names,
        view._upcoming,
        documents,
    )


@pytest.mark.parametrize("edit", IN_PLACE + MOVING, ids=lambda edit: edit.__name__)
def test_an_edit_gives_what_a_fresh_load_gives(data_dir, tmp_path, monkeypatch, edit):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    edit_a_scheduled_article(data_dir)  # a scheduled article in the running store's views
    running = Store(data_dir, settle=0)
    running.refresh()
    running.catalog.view(NOW)
    running.catalog.view(NOW + timedelta(days=3))  # a second view, with it live
    builds: list[int] = []
    real_build: Callable[..., Catalog] = Catalog.build.__func__  # type: ignore[attr-defined]

    def counting_build(cls, *args, **kwargs):
        builds.append(1)
        return real_build(cls, *args, **kwargs)

    monkeypatch.setattr(Catalog, "build", classmethod(counting_build))
    before = state(running)
    edited(data_dir, edit)
    running.refresh()
    assert builds == ([] if edit in IN_PLACE else [1])  # swapped in, or rebuilt
    if edit is break_a_file:  # its last good version stays: only the problems differ
        after = state(running)
        assert after[0] == before[0] and after[3:] == before[3:]
        assert [p.path for p in after[1] if p.severity == "error"] == [JAPAN]
        return

    fresh_copy = tmp_path / "fresh"
    shutil.copytree(data_dir, fresh_copy)
    fresh = Store(fresh_copy)
    fresh.refresh()
    assert state(running) == state(fresh)
    later = NOW + timedelta(days=3)
    assert running.catalog.view(later).live == fresh.catalog.view(later).live


@pytest.mark.parametrize("archives", [False, True], ids=["one-page", "archived"])
@pytest.mark.parametrize("edit", IN_PLACE + MOVING, ids=lambda edit: edit.__name__)
def test_the_documents_an_edit_changed_are_found_without_looking_at_every_one(
    data_dir, monkeypatch, edit, archives
):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    if archives:  # the edited articles sit on archive pages of every feed they are in
        replace_in(
            data_dir / "site.yaml", "items_per_feed: 50", "items_per_feed: 2\narchive_size: 2"
        )
    edit_a_scheduled_article(data_dir)
    with (data_dir / "authors.yaml").open("a", encoding="utf-8") as authors:
        authors.write("- slug: no-stories-yet\n  name: New Hire\n  bio: Yet to file.\n")
    running = Store(data_dir, settle=0)
    running.refresh()
    before = running.catalog.view(NOW)
    assert before.feed("author", "no-stories-yet").entries == ()
    last = notify.snapshot(before)
    edited(data_dir, edit)
    running.refresh()
    view = running.catalog.view(NOW)
    swapped = view.catalog.edited_from == before.catalog.version
    assert swapped == (edit in IN_PLACE)
    assert notify.snapshot(view, last, before.catalog.version) == notify.snapshot(view)
