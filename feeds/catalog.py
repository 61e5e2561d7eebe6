"""The in-memory index: which articles are in which feed, in which order, at a given moment.

A ``Catalog`` is an immutable snapshot of one version of the data. What is live
depends on the clock (scheduled articles appear when their time comes, retracted and
expired ones leave, their tombstones go after the retention window, and articles age out
of the news sitemap), so feeds are asked of a ``View``: the catalog at one moment. Views
are cached by how many of those moments have passed, the only thing the clock changes.
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

from feeds import moments
from feeds.feed import FEED_KINDS, Feed
from feeds.model import Article, Author, Problem, Section, Site
from feeds.moments import NEWS_WINDOW
from feeds.urls import KINDS, Kind
from feeds.wording import describe

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


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
    # Given by replacing(), whose articles have the same dates in the same order; else
    # computed on first use (see _schedule): every moment the clock changes a view.
    schedule: Sequence[datetime] | None = field(default=None, repr=False, compare=False)

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
            schedule=self._schedule,
        )
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
    def _schedule(self) -> Sequence[datetime]:
        """Return every moment the clock changes what readers see, ascending (moments.py)."""
        if self.schedule is not None:
            return self.schedule
        return moments.schedule(self.articles, moments.retention(self.site))

    def moment(self, now: datetime) -> int:
        """Return how many moments that change a view have passed at `now` (what views,
        and the documents rendered from them, are cached by)."""
        return bisect_right(self._schedule, now)

    def view(self, now: datetime) -> View:
        """Return the publication as readers see it at `now`."""
        count = self.moment(now)
        view = self._views.get(count)
        if view is None:
            view = self._views.setdefault(count, View.at(self, now, count))
        return view

    def counts(self, now: datetime) -> dict[str, int]:
        """Return how many articles are published, scheduled and draft (a retracted or
        expired article is none of these)."""
        view = self.view(now)
        drafts = sum(1 for a in self.articles if a.draft)
        return {"published": len(view.live), "scheduled": len(view._upcoming), "draft": drafts}


# What fixes an article's place in the catalog's order and in every index.
_placement = attrgetter(
    "path", "slug", "id", "section", "authors", "tags", "tag_slugs", "published", "draft",
    "retraction", "expires",
)  # fmt: skip


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

    def __init__(
        self,
        catalog: Catalog,
        *,
        live: tuple[Article, ...],
        upcoming: list[Article],
        indexes: Mapping[Kind, dict[str, list[Article]]],
        tag_names: dict[str, str],
        moment: int,
        gone: list[Article],
        expiring: list[Article],
        recent: list[Article],
    ):
        """Hold a view's parts; View.at builds them from a catalog, replacing() from a view."""
        self.catalog = catalog
        self.live = live
        self.moment = moment  # Catalog.moment() of the times this view stands for
        self._upcoming = upcoming  # scheduled, soonest first
        # Removed (retracted or expired) within the retention window, latest removal first:
        # the Atom feeds carry their tombstones.
        self.gone = gone
        self._expiring = expiring  # live, to be removed: soonest first
        self.recent = recent  # live and published within NEWS_WINDOW, newest first
        # Per kind of feed, its slugs' live articles, newest first (the site's under "").
        self.indexes = indexes
        self.tag_names = tag_names  # tag slug -> the spelling shown
        self._feeds: dict[tuple[Kind, str, int], Feed | None] = {}

    @classmethod
    def at(cls, catalog: Catalog, now: datetime, moment: int = 0) -> View:
        """Return the publication as readers see it at `now`."""
        live: list[Article] = []
        upcoming: list[Article] = []
        gone: list[Article] = []
        expiring: list[Article] = []
        kept = moments.retention(catalog.site)
        # defaultdicts, not setdefault(key, []), which makes a list per call to throw away.
        by_section: defaultdict[str, list[Article]] = defaultdict(list)
        by_author: defaultdict[str, list[Article]] = defaultdict(list)
        by_tag: defaultdict[str, list[Article]] = defaultdict(list)
        first_spelling: dict[str, str] = {}
        spelled_apart: set[str] = set()  # tags written more than one way
        # One pass over every article: this runs after each reload, so it is kept lean,
        # written out rather than through FEED_KINDS' slugs_of.
        for article in catalog.articles:
            if article.draft:
                continue
            if article.published > now:
                upcoming.append(article)
                continue
            if article.removed is not None:
                where = moments.stage(article.removed, now, kept)
                if where != "live":
                    if where == "gone":
                        gone.append(article)
                    continue
                expiring.append(article)
            live.append(article)
            by_section[article.section].append(article)
            for author in article.authors:
                by_author[author].append(article)
            for tag, key in zip(article.tags, article.tag_slugs, strict=True):
                by_tag[key].append(article)
                if first_spelling.setdefault(key, tag) != tag:
                    spelled_apart.add(key)
        # A tag is shown as its most common spelling; ties go to the first in sort order.
        # Most tags are written one way only, so only the others are counted.
        tag_names = first_spelling
        for key in spelled_apart:
            counts: dict[str, int] = {}
            for article in by_tag[key]:
                tag = article.tags[article.tag_slugs.index(key)]
                counts[tag] = counts.get(tag, 0) + 1
            tag_names[key] = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        # Plain dicts from here: a look-up of a missing key must not add it.
        indexes: dict[Kind, dict[str, list[Article]]] = {
            "site": {"": live},
            "section": dict(by_section),
            "author": dict(by_author),
            "tag": dict(by_tag),
        }
        recent = [a for a in live if a.published + NEWS_WINDOW > now]  # live is newest first
        return cls(
            catalog,
            live=tuple(live),
            upcoming=sorted(upcoming, key=attrgetter("published")),
            indexes=indexes,
            tag_names=tag_names,
            moment=moment,
            gone=moments.latest_first(gone),
            expiring=sorted(expiring, key=attrgetter("removed")),
            recent=recent,
        )

    @property
    def by_section(self) -> dict[str, list[Article]]:
        return self.indexes["section"]

    @property
    def by_author(self) -> dict[str, list[Article]]:
        return self.indexes["author"]

    @property
    def by_tag(self) -> dict[str, list[Article]]:
        return self.indexes["tag"]

    def articles(self, kind: Kind, slug: str) -> Sequence[Article]:
        """Return the live articles a feed shows over all its pages, newest first."""
        return self.indexes[kind].get(slug, ())

    def replacing(
        self, catalog: Catalog, replaced: Mapping[int, Article], olds: Iterable[Article]
    ) -> View:
        """Return this view for `catalog`, its articles swapped for edits that left each
        where it was (see Catalog.replacing): only the lists that hold one are copied."""
        indexes = {kind: dict(index) for kind, index in self.indexes.items()}
        for kind, row in FEED_KINDS.items():
            index = indexes[kind]
            for slug in {slug for old in olds for slug in row.slugs_of(old)}:
                if slug in index:  # a draft or scheduled article is in none
                    index[slug] = _swap(index[slug], replaced)
        return View(
            catalog,
            live=tuple(_swap(self.live, replaced)),
            upcoming=_swap(self._upcoming, replaced),
            indexes=indexes,
            tag_names=self.tag_names,  # the same tags, spelled the same
            moment=self.moment,
            gone=_swap(self.gone, replaced),
            expiring=_swap(self._expiring, replaced),
            recent=_swap(self.recent, replaced),
        )

    def documents_holding(self, article: Article) -> list[tuple[Kind, str, int]]:
        """Return the (kind, slug, page) of every feed document that shows a live article."""
        site = self.catalog.site
        found: list[tuple[Kind, str, int]] = []
        lists = [
            (kind, slug, self.articles(kind, slug))
            for kind, row in FEED_KINDS.items()
            for slug in row.slugs_of(article)
        ]
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
        row = FEED_KINDS[kind]
        subjects = row.subjects(self)
        return sorted(subjects) if row.sorted else list(subjects)

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
        subject = FEED_KINDS[kind].subjects(self).get(slug)
        if subject is None:
            return None
        articles = self.articles(kind, slug)
        # RFC 5005 archives: the subscription document holds the newest entries; older ones
        # fill fixed-size pages counted from the oldest, so a full page never changes when
        # new articles arrive. Only the newest page may be partial.
        archived = articles[site.items_per_feed :][::-1]  # oldest first
        size = site.archive_size
        pages = -(-len(archived) // size)
        next_change = self._next_change(kind, slug)
        slugs_of = FEED_KINDS[kind].slugs_of
        expiring = [a for a in self._expiring if slug in slugs_of(a)]
        removed: tuple[Article, ...] = ()
        complete = False
        if page == 0:
            entries = tuple(articles[: site.items_per_feed])
            # Tombstones (RFC 6721) go in the subscription document, which every
            # subscriber polls; archive pages just lose the entry.
            removed = tuple(a for a in self.gone if slug in slugs_of(a))
        elif 1 <= page <= pages:
            entries = tuple(archived[(page - 1) * size : page * size][::-1])
            complete = len(entries) == size
            if complete:
                next_change = None
                if page < pages:  # the last full page also changes when a newer one leaves
                    expiring = moments.leaving_page(expiring, entries[0])
        else:
            return None
        # Removals and the end of tombstones change the document too.
        next_change = moments.next_change(next_change, expiring, removed, moments.retention(site))
        # Every timestamp comes from the data so that the same data gives the same bytes.
        # An empty feed takes the newest time in the publication rather than "now"; a
        # removal is a change of the document, dated when it took effect.
        newest = entries or self.live
        updated = max([*(a.modified for a in newest), *(a.removed for a in removed)], default=EPOCH)
        return Feed(
            site=site,
            kind=kind,
            slug=slug,
            about=describe(kind, site, subject, slug),
            entries=entries,
            updated=updated,
            sections=catalog.sections,
            authors=catalog.authors,
            tag_names=self.tag_names,
            next_change=next_change,
            page=page,
            pages=pages,
            complete=complete,
            removed=removed,
        )

    def _next_change(self, kind: Kind, slug: str) -> datetime | None:
        """Return when the next scheduled article that belongs in this feed goes live."""
        slugs_of = FEED_KINDS[kind].slugs_of
        for article in self._upcoming:
            if slug in slugs_of(article):
                return article.published
        return None
