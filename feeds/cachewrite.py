"""Saving the parse cache: which shards a save writes again, and which renderings go in.

A save after an edit writes again only the shards (cache.py) of the sub-folders holding
a file whose entry changed since the cache was last written, or was removed; entries are
told apart by identity (filestate.entry_mark), since an unchanged file keeps its objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feeds import cache
from feeds.body import Body, render_all
from feeds.catalog import Catalog
from feeds.filestate import ArticleFile, entry_mark, same_mark


def keep_renderings(
    catalog: Catalog | None, files: Iterable[ArticleFile], render: bool, workers: int = 1
) -> None:
    """Keep with the cache the rendered bodies of the live articles on page 0 of any feed
    (site, section, author, tag), what a restart or the next build renders first, and only
    those. The site feed's are rendered if they are not yet (the first feed after a
    restart shows them); with render, every one of them is (a build, whose next build then
    renders no Markdown for them), in up to `workers` forked processes. A server renders
    no more than that: the rest are kept as its feeds render them."""
    wanted: dict[int, Body] = {}
    first: list[Body] = []
    if catalog is not None:
        view = catalog.view(datetime.now(UTC))
        first_page = catalog.site.items_per_feed
        first = [article.body for article in view.live[:first_page]]
        for index in view.indexes.values():
            for articles in index.values():
                wanted.update((id(article.body), article.body) for article in articles[:first_page])
    render_all(list(wanted.values()) if render else first, workers)
    for state in files:
        for article in (state.article, state.kept):
            if article is not None:
                body = article.body
                body.keep(id(body) in wanted)


class CacheWriter:
    """What the parse cache on disk holds, to write again only the shards that changed."""

    def __init__(self) -> None:
        self._loaded: dict[str, tuple] = {}  # its entries as loaded, until the first save
        self._saved: dict[str, tuple] | None = None  # entry_mark() of each entry written
        self._meta: dict[str, str] = {}  # the meta digests its shards were written under
        self._shards: set[str] = set()  # the shards it holds under those

    def loaded(self, entries: dict[str, tuple], shards: set[str], meta: dict[str, str]) -> None:
        """Remember what a first load read from the cache (cache.read_files)."""
        self._loaded, self._shards, self._meta = entries, shards, dict(meta)

    def marks_loaded(self) -> None:
        """Take the marks of the loaded entries, before renderings are kept otherwise."""
        if self._saved is None:
            self._saved = {rel: entry_mark(entry) for rel, entry in self._loaded.items()}
            self._loaded = {}

    def dirty(self, marks: dict[str, tuple], meta: dict[str, str]) -> set[str]:
        """Return the shards to write again for entries with these marks."""
        live = {cache.shard_of(rel) for rel in marks}
        if self._meta != meta:
            return live  # every shard says which meta files it was written under
        saved = self._saved or {}
        dirty = live - self._shards
        dirty.update(
            cache.shard_of(rel)
            for rel, mark in marks.items()
            if (before := saved.get(rel)) is None or not same_mark(before, mark)
        )
        dirty.update(cache.shard_of(rel) for rel in saved if rel not in marks)
        return dirty

    def save(
        self,
        root: Path,
        meta: dict[str, str],
        entries: dict[str, tuple],
        retained: Any,
        meta_texts: dict[str, str],
        resolution: tuple | None = None,
    ) -> None:
        """Write the shards whose entries changed (and the index, when it did)."""
        self.marks_loaded()
        marks = {rel: entry_mark(entry) for rel, entry in entries.items()}
        dirty = self.dirty(marks, meta)
        shards: dict[str, dict[str, tuple]] = {shard: {} for shard in dirty}
        for rel, entry in entries.items():
            shard = shards.get(cache.shard_of(rel))
            if shard is not None:
                shard[rel] = entry
        live = {cache.shard_of(rel) for rel in entries}
        if cache.save(root, dict(meta), shards, live, retained, meta_texts, resolution):
            self._saved, self._meta, self._shards = marks, dict(meta), live
