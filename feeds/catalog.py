"""The in-memory index: which articles are in which feed, in which order, at a given moment.

A ``Catalog`` is an immutable snapshot of one version of the data. What is live
depends on the clock (scheduled articles appear when their time comes), so feeds are
asked of a ``View``: the catalog at one moment. Views are cached by how many
articles are live, the only thing the clock changes.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from operator import attrgetter

from feeds.model import Article, Author, Problem, Section, Site
from feeds.urls import KINDS, DocumentRef, Kind, feed_base, feed_document, public_url

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True, slots=True)
class Feed:
    """One feed's description and entries, everything a renderer needs."""

    site: Site
    kind: Kind
    slug: str
    name: str  # what the feed is about: the site's, section's, author's or tag's name
    title: str
    description: str
    home_url: str  # the HTML page the feed is about
    entries: tuple[Article, ...]
    updated: datetime  # newest published/updated time among the entries
    sections: Mapping[str, Section]
    authors: Mapping[str, Author]
    tag_names: Mapping[str, str]  # tag slug -> display name
    next_change: datetime | None = None  # when a scheduled article changes this document
    page: int = 0  # 0: the subscription document; 1 (oldest) to `pages`: archive documents
    pages: int = 0  # how many archive documents the feed has (RFC 5005)
    complete: bool = False  # an archive document that is full, so stable

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


@dataclass(frozen=True, kw_only=True)
class Catalog:
    """One version of the publication: every article, good or not yet live, and its problems."""

    site: Site
    sections: Mapping[str, Section]
    authors: Mapping[str, Author]
    articles: tuple[Article, ...]  # newest first, ties broken by id; drafts included
    problems: tuple[Problem, ...] = ()
    version: str = ""
    _views: dict[int, View] = field(default_factory=dict, repr=False, compare=False)
    # Set by replacing(): the version this catalog was derived from, and the articles
    # swapped in; nothing else about any document changed (see notify.snapshot).
    edited_from: str = field(default="", repr=False, compare=False)
    edited: tuple[Article, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def build(
        cls,
        site: Site,
        sections: Iterable[Section],
        authors: Iterable[Author],
        articles: Iterable[Article],
        problems: Iterable[Problem] = (),
        version: str = "",
    ) -> Catalog:
        """Index records into a catalog."""
        return cls(
            site=site,
            sections={s.slug: s for s in sections},
            authors={a.slug: a for a in authors},
            # Newest first, ties broken by id: two stable sorts, no key tuples.
            articles=tuple(
                sorted(
                    sorted(articles, key=attrgetter("id")),
                    key=attrgetter("published"),
                    reverse=True,
                )
            ),
            problems=tuple(sorted(problems)),
            version=version,
        )

    def replacing(
        self, replaced: Mapping[int, Article], problems: Iterable[Problem], version: str
    ) -> Catalog | None:
        """Return this catalog with articles swapped for their edits, or None.

        `replaced` maps id(old article) to its new version. When every edit leaves its
        article where it was (same file, slug, id, section, authors, tags, dates, draft),
        the order and every index stay as they are: the new catalog and its views are
        this one's with the objects swapped, instead of sorted and indexed again (most
        of an edit's cost at 10,000 articles). None when an edit moves anything.
        """
        olds = [a for a in self.articles if id(a) in replaced]
        if len(olds) != len(replaced) or any(
            _placement(old) != _placement(replaced[id(old)]) for old in olds
        ):
            return None
        catalog = Catalog(
            site=self.site,
            sections=self.sections,
            authors=self.authors,
            articles=tuple(_swap(self.articles, replaced)),
            problems=tuple(sorted(problems)),
            version=version,
            edited_from=self.version,
            edited=tuple(replaced.values()),
        )
        if "_schedule" in self.__dict__:  # the same dates, in the same order
            catalog.__dict__["_schedule"] = self._schedule
        for count, view in self._views.items():
            catalog._views[count] = view.replacing(catalog, replaced, olds)
        return catalog

    @cached_property
    def renamed(self) -> dict[tuple[Kind, str], str]:
        """Return the current slug of each old slug (`formerly`), by (kind, old slug)."""
        table: dict[tuple[Kind, str], str] = {}
        named: dict[Kind, Mapping[str, Section | Author]] = {
            "section": self.sections,
            "author": self.authors,
        }
        for kind, entries in named.items():
            for entry in entries.values():
                for old in entry.formerly:
                    if old not in entries:  # a current slug keeps its own feed
                        table.setdefault((kind, old), entry.slug)
        return table

    @cached_property
    def _schedule(self) -> list[datetime]:
        """Return the publication times of non-draft articles, ascending: the articles are
        newest first, so read backwards they need no sorting."""
        return [a.published for a in reversed(self.articles) if not a.draft]

    def live_count(self, now: datetime) -> int:
        """Return how many articles are live at `now`."""
        return bisect_right(self._schedule, now)

    def view(self, now: datetime) -> View:
        """Return the publication as readers see it at `now`."""
        count = self.live_count(now)
        view = self._views.get(count)
        if view is None:
            view = self._views.setdefault(count, View(self, now))
        return view

    def counts(self, now: datetime) -> dict[str, int]:
        """Return how many articles are published, scheduled and draft."""
        drafts = sum(1 for a in self.articles if a.draft)
        live = self.live_count(now)
        return {"published": live, "scheduled": len(self.articles) - drafts - live, "draft": drafts}


# What fixes an article's place in the catalog's order and in every index.
_placement = attrgetter(
    "path", "slug", "id", "section", "authors", "tags", "tag_slugs", "published", "draft"
)


def _swap(articles: Iterable[Article], replaced: Mapping[int, Article]) -> list[Article]:
    """Return articles with each one in `replaced` (by id()) swapped for its new version.

    id() reads no attribute, so the articles themselves are not visited: a pass over
    10,000 pointers, not over 10,000 objects scattered in memory."""
    get = replaced.get
    return [get(id(article), article) for article in articles]


def version_of(parts: Iterable[tuple[str, str]]) -> str:
    """Return a short stable digest of (path, content digest) pairs."""
    text = "".join([f"{path}\0{content}\n" for path, content in sorted(parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class View:
    """The catalog at one moment: live articles indexed by section, author and tag."""

    def __init__(self, catalog: Catalog, now: datetime):
        self.catalog = catalog
        live: list[Article] = []
        upcoming: list[Article] = []
        # defaultdicts, not setdefault(key, []), which makes a list per call to throw away.
        by_section: defaultdict[str, list[Article]] = defaultdict(list)
        by_author: defaultdict[str, list[Article]] = defaultdict(list)
        by_tag: defaultdict[str, list[Article]] = defaultdict(list)
        first_spelling: dict[str, str] = {}
        spelled_apart: set[str] = set()  # tags written more than one way
        # One pass over every article: this runs after each reload, so it is kept lean.
        for article in catalog.articles:
            if article.draft:
                continue
            if article.published > now:
                upcoming.append(article)
                continue
            live.append(article)
            by_section[article.section].append(article)
            for author in article.authors:
                by_author[author].append(article)
            for tag, key in zip(article.tags, article.tag_slugs, strict=True):
                by_tag[key].append(article)
                if first_spelling.setdefault(key, tag) != tag:
                    spelled_apart.add(key)
        self.live = tuple(live)
        self._upcoming = sorted(upcoming, key=attrgetter("published"))
        # Plain dicts from here: a look-up of a missing key must not add it.
        self.by_section, self.by_author = dict(by_section), dict(by_author)
        self.by_tag = dict(by_tag)
        # A tag is shown as its most common spelling; ties go to the first in sort order.
        # Most tags are written one way only, so only the others are counted.
        self.tag_names = first_spelling
        for key in spelled_apart:
            counts: dict[str, int] = {}
            for article in by_tag[key]:
                tag = article.tags[article.tag_slugs.index(key)]
                counts[tag] = counts.get(tag, 0) + 1
            self.tag_names[key] = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        self._feeds: dict[tuple[Kind, str, int], Feed | None] = {}

    def replacing(
        self, catalog: Catalog, replaced: Mapping[int, Article], olds: Iterable[Article]
    ) -> View:
        """Return this view for `catalog`, its articles swapped for edits that left each
        where it was (see Catalog.replacing): only the lists that hold one are copied."""
        view = View.__new__(View)
        view.catalog = catalog
        view.live = tuple(_swap(self.live, replaced))
        view._upcoming = _swap(self._upcoming, replaced)
        view.by_section, view.by_author = dict(self.by_section), dict(self.by_author)
        view.by_tag = dict(self.by_tag)
        view.tag_names = self.tag_names  # the same tags, spelled the same
        view._feeds = {}
        indexes = {"section": view.by_section, "author": view.by_author, "tag": view.by_tag}
        touched = {("section", old.section) for old in olds}
        touched |= {("author", slug) for old in olds for slug in old.authors}
        touched |= {("tag", slug) for old in olds for slug in old.tag_slugs}
        for kind, key in touched:
            index = indexes[kind]
            if key in index:  # a draft or scheduled article is in none
                index[key] = _swap(index[key], replaced)
        return view

    def documents_holding(self, article: Article) -> list[tuple[Kind, str, int]]:
        """Return the (kind, slug, page) of every feed document that shows a live article."""
        site = self.catalog.site
        found: list[tuple[Kind, str, int]] = []
        lists: list[tuple[Kind, str, Sequence[Article]]] = [("site", "", self.live)]
        lists.append(("section", article.section, self.by_section.get(article.section, ())))
        lists += [("author", slug, self.by_author.get(slug, ())) for slug in article.authors]
        lists += [("tag", slug, self.by_tag.get(slug, ())) for slug in article.tag_slugs]
        for kind, slug, articles in lists:
            # By identity: equal articles may be different ones (== compares fields).
            index = next((i for i, a in enumerate(articles) if a is article), None)
            if index is None:
                continue
            if index < site.items_per_feed:
                found.append((kind, slug, 0))
            else:  # archive pages count from the oldest (see _make_feed)
                found.append((kind, slug, (len(articles) - 1 - index) // site.archive_size + 1))
        return found

    def slugs(self, kind: Kind) -> list[str]:
        """Return the slugs that have a feed of this kind, in display order."""
        if kind == "site":
            return [""]
        if kind == "section":
            return list(self.catalog.sections)
        if kind == "author":
            return list(self.catalog.authors)
        return sorted(self.by_tag)

    def feeds(self) -> Iterable[Feed]:
        """Yield every subscription document: site-wide, sections, authors, tags."""
        for kind in KINDS:
            for slug in self.slugs(kind):
                feed = self.feed(kind, slug)
                if feed is not None:
                    yield feed

    def documents(self) -> Iterable[Feed]:
        """Yield every feed document: each subscription document and its archive pages."""
        for feed in self.feeds():
            yield feed
            for page in range(1, feed.pages + 1):
                archive = self.feed(feed.kind, feed.slug, page)
                if archive is None:
                    raise LookupError(f"{feed.path}: archive page {page} is missing")
                yield archive

    def feed(self, kind: Kind, slug: str = "", page: int = 0) -> Feed | None:
        """Return one feed document, or None when there is no such feed or page."""
        key = (kind, slug, page)
        if key not in self._feeds:
            self._feeds[key] = self._make_feed(kind, slug, page)
        return self._feeds[key]

    def _make_feed(self, kind: Kind, slug: str, page: int) -> Feed | None:
        catalog, site = self.catalog, self.catalog.site
        if kind == "site" and slug == "":
            name, description, home = site.title, site.description, site.url + "/"
            articles: list[Article] = list(self.live)
        elif kind == "section" and slug in catalog.sections:
            section = catalog.sections[slug]
            name = section.title
            description = section.description or f"{section.title} from {site.title}"
            home = public_url(site, DocumentRef("page", kind, slug).path)
            articles = self.by_section.get(slug, [])
        elif kind == "author" and slug in catalog.authors:
            author = catalog.authors[slug]
            name = author.name
            role = f", {author.role}" if author.role else ""
            description = f"Articles by {author.name}{role}, in {site.title}"
            home = author.url or public_url(site, DocumentRef("page", kind, slug).path)
            articles = self.by_author.get(slug, [])
        elif kind == "tag" and slug in self.by_tag:
            name = self.tag_names[slug]
            description = f"Articles tagged “{name}” in {site.title}"
            home = public_url(site, DocumentRef("page", kind, slug).path)
            articles = self.by_tag[slug]
        else:
            return None
        # RFC 5005 archives: the subscription document holds the newest entries; older ones
        # fill fixed-size pages counted from the oldest, so a full page never changes when
        # new articles arrive. Only the newest page may be partial.
        archived = articles[site.items_per_feed :][::-1]  # oldest first
        size = site.archive_size
        pages = -(-len(archived) // size)
        next_change = self._next_change(kind, slug)
        complete = False
        if page == 0:
            entries = tuple(articles[: site.items_per_feed])
        elif 1 <= page <= pages:
            entries = tuple(archived[(page - 1) * size : page * size][::-1])
            complete = len(entries) == size
            if complete:
                next_change = None
        else:
            return None
        # Every timestamp comes from the data so that the same data gives the same bytes.
        # An empty feed takes the newest time in the publication rather than "now".
        newest = entries or self.live
        updated = max((a.modified for a in newest), default=EPOCH)
        return Feed(
            site=site,
            kind=kind,
            slug=slug,
            name=name,
            title=name if kind == "site" else f"{name} | {site.title}",
            description=description,
            home_url=home,
            entries=entries,
            updated=updated,
            sections=catalog.sections,
            authors=catalog.authors,
            tag_names=self.tag_names,
            next_change=next_change,
            page=page,
            pages=pages,
            complete=complete,
        )

    def _next_change(self, kind: Kind, slug: str) -> datetime | None:
        """Return when the next scheduled article that belongs in this feed goes live."""
        for article in self._upcoming:
            if (
                kind == "site"
                or (kind == "section" and article.section == slug)
                or (kind == "author" and slug in article.authors)
                or (kind == "tag" and slug in article.tag_slugs)
            ):
                return article.published
        return None
