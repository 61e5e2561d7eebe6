"""What articles are resolved against: the site, its sections and its people, looked up by
any name an editor writes; the entries articles name that the meta files lack; and the
records kept for entries removed while last good versions still name them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from feeds.meta import AUTHORS_FILE, SECTIONS_FILE, SiteConfig
from feeds.model import Article, Author, Problem, Section
from feeds.text import slugify


def resolve(written: str, by_key: dict[str, str]) -> str | None:
    """Return the slug that `written` names (by slug, title or name, any case), or None."""
    return by_key.get(written.casefold()) or by_key.get(slugify(written))


def lookup_table(items: Iterable[Section | Author]) -> dict[str, str]:
    """Return a map from every way of naming a section or author to its slug."""
    table: dict[str, str] = {}
    items = tuple(items)
    for item in items:
        label = item.title if isinstance(item, Section) else item.name
        for key in (item.slug, label.casefold(), slugify(label)):
            table.setdefault(key, item.slug)
    # Old slugs last: articles written before a rename keep resolving, never to another
    # entry that now has that slug, title or name.
    for item in items:
        for old in item.formerly:
            table.setdefault(old, item.slug)
    return table


@dataclass(frozen=True, kw_only=True, slots=True)
class Context:
    """What an article is resolved against: the site, its sections and its people."""

    config: SiteConfig
    sections: tuple[Section, ...]
    authors: tuple[Author, ...]
    section_keys: dict[str, str]
    author_keys: dict[str, str]

    @classmethod
    def of(
        cls, config: SiteConfig, sections: tuple[Section, ...], authors: tuple[Author, ...]
    ) -> Context:
        return cls(
            config=config,
            sections=sections,
            authors=authors,
            section_keys=lookup_table(sections),
            author_keys=lookup_table(authors),
        )


def resolution_key(config: SiteConfig) -> tuple:
    """Return what of site.yaml an article's reading and building depend on: the url and
    id authority (links, ids), the zone (dates written without an offset) and the largest
    file read. Any other site.yaml field (title, items per feed...) is read by the catalog
    and the renderers, never by an article."""
    site = config.site
    return (site.url, site.tag_authority, config.zone.key, config.max_file_bytes)


def missing_entries(named: dict[tuple[str, str], list[str]], ctx: Context) -> list[Problem]:
    """Point sections.yaml and authors.yaml at each entry that articles name but the file
    lacks: deleted, renamed without `formerly`, or mistyped in the articles.

    `named` maps (kind, slug) to the paths of the articles naming it. Each article has
    its own error already; this is a warning, at the line of the closest entry (a rename
    is the likeliest cause when several articles name it), else at line 1.
    """
    problems: list[Problem] = []
    for (kind, slug), unordered in sorted(named.items()):
        paths = sorted(unordered)
        rel, entries = (
            (SECTIONS_FILE, ctx.sections) if kind == "section" else (AUTHORS_FILE, ctx.authors)
        )
        many = len(paths) > 1
        who = f"{len(paths)} articles name" if many else "1 article names"
        where = paths[0] + (f" and {len(paths) - 1} more" if many else "")
        message = f"{who} the {kind} '{slug}', which is not in {rel} ({where})"
        close = difflib.get_close_matches(slug, [e.slug for e in entries], n=1, cutoff=0.6)
        line = 1
        if close:
            entry = next(e for e in entries if e.slug == close[0])
            line = entry.line or 1
            message += (
                f"; if it is the old slug of '{entry.slug}', add  formerly: [{slug}]  to that entry"
            )
        else:
            message += f"; add its entry back, or  formerly: [{slug}]  to the entry it became"
        problems.append(
            Problem(
                path=rel,
                line=line,
                message=message + ". Until then those articles are in no feed (a running "
                "server keeps serving their last good version)",
                severity="warning",
            )
        )
    return problems


Records = tuple[dict[str, Section], dict[str, Author]]  # sections and authors by slug


def known_records(retained: Records, shown: Records, ctx: Context) -> Records:
    """Return every section and author record known: retained, shown, and today's."""
    return (
        {**retained[0], **shown[0], **{s.slug: s for s in ctx.sections}},
        {**retained[1], **shown[1], **{a.slug: a for a in ctx.authors}},
    )


def records_for(
    articles: Iterable[Article], ctx: Context, known: Records, waiting: Iterable[Article] = ()
) -> tuple[list[Section], list[Author], Records]:
    """Return the sections and authors to index: today's, and the last known record of
    any that a last good version still names after its entry was removed; and apart, to be
    retained, those records and the ones that `waiting` last good versions name (stand-ins
    that stepped aside for now: they must find their section and authors when they return).
    """
    have_sections = {s.slug for s in ctx.sections}
    have_authors = {a.slug for a in ctx.authors}

    def missing(among: Iterable[Article], shown: bool) -> Records:
        # A shown article's records are known (standing_in let in no other); a waiting
        # one's may be gone (a cache written before it stood aside), and it stays out.
        sections: dict[str, Section] = {}
        authors: dict[str, Author] = {}
        for article in among:
            if article.section not in have_sections and (shown or article.section in known[0]):
                sections[article.section] = known[0][article.section]
            for slug in article.authors:
                if slug not in have_authors and (shown or slug in known[1]):
                    authors[slug] = known[1][slug]
        return sections, authors

    shown_sections, shown_authors = missing(articles, shown=True)
    waiting_sections, waiting_authors = missing(waiting, shown=False)
    return (
        list(ctx.sections) + sorted(shown_sections.values(), key=attrgetter("slug")),
        list(ctx.authors) + sorted(shown_authors.values(), key=attrgetter("slug")),
        ({**waiting_sections, **shown_sections}, {**waiting_authors, **shown_authors}),
    )
