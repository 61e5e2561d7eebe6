"""The URL scheme: every document the server serves, named by a reference, and its path.

Two tables: the kinds of feed (FEED_SEGMENTS, where each lives) and the kinds of document
(DOCUMENTS, each one row whose path template is read both ways). `path_of` turns a
reference into a path and `route` a path back into a reference; they are the only code
that knows what a URL looks like. Routing, Flask's fallback routes, OPML, autodiscovery
links, templates, the export's file names and the change announcer all ask here, so a new
kind of document (a sitemap, a partner feed) is one more row in DOCUMENTS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple
from urllib.parse import quote

from feeds.model import Site

Kind = Literal["site", "section", "author", "tag"]
# The path segment each kind of feed lives under (the site-wide feed has none), in the
# order feeds are listed.
FEED_SEGMENTS: dict[Kind, str] = {
    "site": "",
    "section": "sections",
    "author": "authors",
    "tag": "tags",
}
KINDS: tuple[Kind, ...] = tuple(FEED_SEGMENTS)
FORMATS = ("rss", "atom", "json")


@dataclass(frozen=True, kw_only=True, slots=True)
class DocumentKind:
    """One kind of document: its path after a feed's base, and whether every feed has one."""

    name: str
    # {fmt} and {page} stand for the reference's format and archive page.
    template: str
    per_feed: bool = True  # False: one for the whole site, at the template's path
    feed_document: bool = False  # a feed in one of FORMATS (else HTML or OPML)


DOCUMENTS: dict[str, DocumentKind] = {
    row.name: row
    for row in (
        DocumentKind(name="feed", template="/feed.{fmt}", feed_document=True),
        DocumentKind(name="archive", template="/archive/{page}.{fmt}", feed_document=True),
        DocumentKind(name="page", template="/"),  # the index, or a section/author/tag page
        DocumentKind(name="subscribe", template="/subscribe/"),  # how to subscribe to a feed
        DocumentKind(name="opml", template="/feeds.opml", per_feed=False),
        # Sitemaps (sitemaps.py): each becomes an index of pages past its size limit.
        DocumentKind(name="news_sitemap", template="/sitemaps/news.xml", per_feed=False),
        DocumentKind(
            name="news_sitemap_part", template="/sitemaps/news/{page}.xml", per_feed=False
        ),
        DocumentKind(name="articles_sitemap", template="/sitemaps/articles.xml", per_feed=False),
        DocumentKind(
            name="articles_sitemap_part", template="/sitemaps/articles/{page}.xml", per_feed=False
        ),
        DocumentKind(name="robots", template="/robots.txt", per_feed=False),
    )
}


class DocumentRef(NamedTuple):
    """A document the server may serve: what it is, which feed it presents, format, page.

    `kind` and `slug` name the feed (the site feed for site-wide documents); `fmt` is set
    for feed documents only, `page` for archive documents only (from 1, the oldest).
    A named tuple rather than a frozen dataclass: one is made and hashed per request,
    and a tuple is built and hashed in C (about 0.3 us against 1.3 us for the dataclass,
    measured with timeit beside the request benchmark in the README's Performance
    section).
    """

    document: str  # a name in DOCUMENTS
    kind: Kind = "site"
    slug: str = ""
    fmt: str = ""
    page: int = 0

    @property
    def path(self) -> str:
        """Return this document's URL path."""
        return path_of(self)


def feed_document(kind: Kind, slug: str, fmt: str, page: int = 0) -> DocumentRef:
    """Return the reference of a feed's subscription document (page 0) or an archive page."""
    if page:
        return DocumentRef("archive", kind, slug, fmt, page)
    return DocumentRef("feed", kind, slug, fmt)


def feed_base(kind: Kind, slug: str) -> str:
    """Return a feed's URL path prefix, e.g. /sections/war (empty for the site feed)."""
    segment = FEED_SEGMENTS[kind]
    return f"/{segment}/{slug}" if segment else ""


def path_of(ref: DocumentRef) -> str:
    """Return the URL path of a document: the reverse of route()."""
    row = DOCUMENTS[ref.document]
    suffix = row.template.format(fmt=ref.fmt, page=ref.page)
    return f"{feed_base(ref.kind, ref.slug)}{suffix}" if row.per_feed else suffix


def public_url(site: Site, path: str) -> str:
    """Return the public URL of a path on the site, percent-encoded (slugs may be Cyrillic)."""
    return site.url + quote(path)


def document_url(site: Site, ref: DocumentRef) -> str:
    """Return the public URL of a document."""
    return public_url(site, path_of(ref))


_PLACEHOLDERS = {
    "fmt": "(?P<{name}_fmt>" + "|".join(FORMATS) + ")",
    "page": "(?P<{name}_page>[1-9][0-9]{{0,8}})",
}


def _pattern(row: DocumentKind) -> str:
    """Return the regular expression of a row's template, in a group named after the row."""
    parts = re.split(r"\{(\w+)\}", row.template)  # literal, placeholder, literal, ...
    pattern = "".join(
        _PLACEHOLDERS[part].format(name=row.name) if i % 2 else re.escape(part)
        for i, part in enumerate(parts)
    )
    return f"(?P<{row.name}>{pattern})"


_SEGMENT_KINDS: dict[str, Kind] = {segment: kind for kind, segment in FEED_SEGMENTS.items()}
# One regular expression for every document path. Its outermost groups are named after
# the rows, so match.lastgroup tells which row matched without trying each in turn.
_PATH = re.compile(
    "(?:(?:/(?P<segment>"
    + "|".join(re.escape(s) for s in FEED_SEGMENTS.values() if s)
    + ")/(?P<slug>[^/]+))?(?:"
    + "|".join(_pattern(row) for row in DOCUMENTS.values() if row.per_feed)
    + "))|"
    + "|".join(_pattern(row) for row in DOCUMENTS.values() if not row.per_feed)
)
# Each row's format and page groups, or None where its template has none.
_GROUPS = {
    name: tuple(g if g in _PATH.groupindex else None for g in (f"{name}_fmt", f"{name}_page"))
    for name in DOCUMENTS
}


def route(path: str) -> DocumentRef | None:
    """Return the document a URL path names, or None when it names none."""
    match = _PATH.fullmatch(path)
    if match is None:
        return None
    name = match.lastgroup
    assert name is not None  # every alternative is a named group
    segment = match["segment"]
    kind: Kind = _SEGMENT_KINDS[segment] if segment else "site"
    slug = match["slug"] or ""
    fmt_group, page_group = _GROUPS[name]
    fmt = match[fmt_group] if fmt_group else ""
    page = int(match[page_group]) if page_group else 0
    return DocumentRef(name, kind, slug, fmt, page)


def flask_rules() -> list[str]:
    """Return werkzeug rules matching every document path, for Flask's fallback routes."""
    segments = ", ".join(s for s in FEED_SEGMENTS.values() if s)
    rules = []
    for row in DOCUMENTS.values():
        suffix = re.sub(r"\{(\w+)\}", r"<\1>", row.template)
        rules.append(suffix)
        if row.per_feed:
            rules.append(f"/<any({segments}):segment>/<slug>{suffix}")
    return rules
