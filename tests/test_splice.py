"""The export's spliced feed documents (feeds/splice.py: each entry rendered once per view
and format) are render.render_feed's bytes, for every document of every format, after
random sequences of editors' actions of every kind (the incremental export's), with
archive pages (three entries a page), WebSub hubs, tombstones and partner settings."""

from __future__ import annotations

import os
import random

import pytest

from feeds.publisher import Publisher
from feeds.render import render_feed
from feeds.splice import Entries
from feeds.urls import FORMATS
from tests.conftest import Clock
from tests.test_export_incremental import Editor

STEPS = int(os.environ.get("FEEDS_EXPORT_STEPS", "8"))


def compare_every_document(data, done: list[str]) -> Entries:
    publisher = Publisher(data, poll_interval=0, clock=Clock())
    try:
        view, _ = publisher.view()
        entries = Entries()  # one for the whole view, as an export uses it
        feeds = list(view.documents())
        for feed in feeds:
            for fmt in FORMATS:
                assert entries.render(feed, fmt) == render_feed(feed, fmt), (feed.url(fmt), done)
        return entries
    finally:
        publisher.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spliced_documents_are_render_feeds_bytes(data_dir, monkeypatch, seed):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    site = data_dir / "site.yaml"
    text = site.read_text().replace("items_per_feed: 50", "items_per_feed: 3")
    site.write_text(text + "hubs:\n  - https://hub.example.net/\n")
    editor = Editor(data_dir, random.Random(seed))
    done: list[str] = []
    entries = compare_every_document(data_dir, done)
    assert entries.reused > entries.rendered > 0  # entries were shared between documents
    for _ in range(STEPS):
        done.append(editor.act())
        compare_every_document(data_dir, done)


def test_a_feed_with_no_entries_is_rendered_whole(data_dir, monkeypatch):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    publisher = Publisher(data_dir, poll_interval=0, clock=Clock())
    try:
        view, _ = publisher.view()
        feed = next(iter(view.documents()))
        empty = type(feed)(**{**{n: getattr(feed, n) for n in feed.__slots__}, "entries": ()})
        for fmt in FORMATS:
            assert Entries().render(empty, fmt) == render_feed(empty, fmt)
    finally:
        publisher.close()
