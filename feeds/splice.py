"""Feed documents assembled from entries rendered once per view, for a static export.

An export writes every feed document of a view: at 10,000 articles some 3,900 of them,
in which each article appears four to six times per format (the site's, its section's,
its authors' and its tags' feeds and their archive pages). feedgen renders a whole
document at a time, so each entry was rendered again for every document showing it.
Within one view an entry's bytes depend only on the article and on the view's site,
sections, authors and tag names (notify.entry_parts): the same in every feed. So an
export renders each entry once per format, and each document is its head and tail
around its entries' bytes.

The head and tail of a document are cut from the document rendered, by
render.render_feed, with its first entry only: whatever a document holds besides its
entries (links to other pages, fh:archive, tombstones, the channel's dates) is rendered
as always. An entry's bytes are cut from a document of the entries not rendered yet:
RSS and Atom are pretty-printed with each <item> or <entry> on lines of its own, and
since a raw "<" only ever starts markup in XML, the lines that open and close an entry
cannot occur inside one. A JSON Feed item is its json.dumps indented as the document
indents it.

Equal to render.render_feed for every document (tests/test_splice.py compares them for
every document of random publications); the server renders documents one at a time, as
requested, with render.render_feed.
"""

from __future__ import annotations

import dataclasses
import json

from feeds.feed import Feed
from feeds.model import Article
from feeds.render import _json_item, render_feed

# The lines that open and close an entry in render_feed's RSS and Atom documents.
_MARKS = {
    "rss": (b"\n    <item>\n", b"\n    </item>"),
    "atom": (b"\n  <entry>\n", b"\n  </entry>"),
}
# What stands between two entries: a new line, and for JSON Feed a comma before it.
_JOINERS = {"rss": b"\n", "atom": b"\n", "json": b",\n"}


class Entries:
    """Renders feed documents of one view, each entry's bytes rendered once per format."""

    def __init__(self) -> None:
        # (format, the view's site, sections, authors, tag names, by identity) ->
        # id(article) -> (the article, kept alive so that its id is not reused; its bytes)
        self._memo: dict[tuple, dict[int, tuple[Article, bytes]]] = {}
        self._kept: list[object] = []  # the context objects keyed by identity, kept alive
        self.rendered = 0  # entries rendered
        self.reused = 0  # entries taken from an earlier document

    def render(self, feed: Feed, fmt: str) -> bytes:
        """Return the feed document in one format: render.render_feed's bytes."""
        entries = feed.entries
        if not entries or fmt not in _JOINERS:
            return render_feed(feed, fmt)
        memo = self._entries_of(feed, fmt)
        # By identity: hashing an article hashes every field of it.
        unique = {id(article): article for article in entries}.values()
        missing = [a for a in unique if memo.get(id(a), (None,))[0] is not a]
        if missing:
            for article, body in zip(missing, self._entries(feed, fmt, missing), strict=True):
                memo[id(article)] = (article, body)
            self.rendered += len(missing)
        self.reused += len(entries) - len(missing)
        fragments = [memo[id(article)][1] for article in entries]
        first = render_feed(dataclasses.replace(feed, entries=entries[:1]), fmt)
        at = first.find(fragments[0])
        if at < 0 or first.find(fragments[0], at + 1) >= 0:
            raise AssertionError(f"the first entry of {feed.url(fmt)} is not where expected")
        return first[:at] + _JOINERS[fmt].join(fragments) + first[at + len(fragments[0]) :]

    def _entries_of(self, feed: Feed, fmt: str) -> dict[int, tuple[Article, bytes]]:
        context = (feed.site, feed.sections, feed.authors, feed.tag_names)
        key = (fmt, *map(id, context))
        memo = self._memo.get(key)
        if memo is None:
            memo = self._memo[key] = {}
            self._kept.append(context)
        return memo

    def _entries(self, feed: Feed, fmt: str, articles: list[Article]) -> list[bytes]:
        """Return the bytes of each article's entry in the format, as documents hold them."""
        if fmt == "json":
            return [
                b"    "
                + json.dumps(_json_item(feed, article), ensure_ascii=False, indent=2)
                .replace("\n", "\n    ")
                .encode("utf-8")
                for article in articles
            ]
        document = render_feed(dataclasses.replace(feed, entries=tuple(articles), removed=()), fmt)
        opening, closing = _MARKS[fmt]
        bodies = []
        end = 0
        for _ in articles:
            start = document.index(opening, end) + 1  # from the entry's indentation
            end = document.index(closing, start) + len(closing)
            bodies.append(document[start:end])
        if document.find(opening, end) >= 0:
            raise AssertionError(f"more entries than articles in a document of {feed.url(fmt)}")
        return bodies
