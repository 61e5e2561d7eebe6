"""A feed document as the index hands it to renderers, and the table of feed kinds.

A Feed is one document of one feed (its subscription document or an archive page):
which articles it shows, and everything a renderer needs beside them. FEED_KINDS says,
for each kind of feed, which articles it picks and which feeds of the kind exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING

from feeds.model import Article, Author, Section, Site
from feeds.urls import DocumentRef, Kind, feed_base, feed_document, public_url
from feeds.wording import Description

if TYPE_CHECKING:
    from feeds.catalog import View


@dataclass(frozen=True, kw_only=True, slots=True)
class FeedKind:
    """How one kind of feed picks its articles, and which feeds of the kind exist."""

    slugs_of: Callable[[Article], Sequence[str]]  # the feeds of this kind that show one
    # What each feed of this kind is about, by slug: every feed that exists. A section
    # or author has a feed while it is listed; a tag only while a live article has it.
    subjects: Callable[[View], Mapping[str, object]]
    sorted: bool = False  # listed in slug order, rather than in the data's order


FEED_KINDS: dict[Kind, FeedKind] = {
    "site": FeedKind(slugs_of=lambda article: ("",), subjects=lambda view: {"": view.catalog.site}),
    "section": FeedKind(
        slugs_of=lambda article: (article.section,), subjects=lambda view: view.catalog.sections
    ),
    "author": FeedKind(slugs_of=attrgetter("authors"), subjects=lambda view: view.catalog.authors),
    # A tag is about its shown spelling.
    "tag": FeedKind(
        slugs_of=attrgetter("tag_slugs"), subjects=attrgetter("tag_names"), sorted=True
    ),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Feed:
    """One feed's description and entries, everything a renderer needs."""

    site: Site
    kind: Kind
    slug: str
    about: Description  # its name, title, description and page, in readers' words
    entries: tuple[Article, ...]
    updated: datetime  # newest published/updated time among the entries
    sections: Mapping[str, Section]
    authors: Mapping[str, Author]
    tag_names: Mapping[str, str]  # tag slug -> display name
    next_change: datetime | None = None  # when a scheduled article changes this document
    page: int = 0  # 0: the subscription document; 1 (oldest) to `pages`: archive documents
    pages: int = 0  # how many archive documents the feed has (RFC 5005)
    complete: bool = False  # an archive document that is full, so stable
    # Retracted or expired articles that were in this feed, removed within the site's
    # retention window, latest first: the Atom document carries their tombstones.
    removed: tuple[Article, ...] = ()

    @property
    def name(self) -> str:
        """Return what the feed is about: the site's, section's, author's or tag's name."""
        return self.about.name

    @property
    def title(self) -> str:
        return self.about.title

    @property
    def description(self) -> str:
        return self.about.description

    @property
    def home_url(self) -> str:
        """Return the HTML page the feed is about."""
        return self.about.home_url

    @property
    def base(self) -> str:
        """Return the feed's URL path prefix, e.g. /sections/war (empty for the site feed)."""
        return feed_base(self.kind, self.slug)

    @property
    def path(self) -> str:
        """Return this document's URL path without extension, e.g. /sections/war/feed."""
        return self.document("").path[:-1]  # in no format: without the "." either

    def document(self, fmt: str, page: int | None = None) -> DocumentRef:
        """Return the reference of this document (or of another page) in one format."""
        return feed_document(self.kind, self.slug, fmt, self.page if page is None else page)

    def url(self, fmt: str, page: int | None = None) -> str:
        """Return the absolute URL of this document (or of another page) in one format."""
        return public_url(self.site, self.document(fmt, page).path)
