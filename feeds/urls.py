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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple
from urllib.parse import quote

from feeds.model import Site
from feeds.partners.platforms import PLATFORM_NAMES

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
    # {fmt} and {page} stand for the reference's format and archive page; {base}, where
    # written, for the feed's path prefix, which otherwise comes first.
    template: str
    per_feed: bool = True  # False: one for the whole site, at the template's path
    feed_document: bool = False  # a feed in one of FORMATS (else HTML or OPML)
    # A feed in a platform's own dialect: announced to WebSub hubs like a feed document,
    # and changed by a change to any page of its feed (it may hold more entries).
    syndicated: bool = False
    formats: tuple[str, ...] = FORMATS  # what {fmt} may be
    kinds: tuple[Kind, ...] = KINDS  # the kinds of feed that have one (with {base})
    # Whether the site serves a reference of this kind (None: whenever its feed exists).
    served: Callable[[Site, DocumentRef], bool] | None = None

    def serves(self, site: Site, ref: DocumentRef) -> bool:
        """Return whether the site serves this document, given that its feed exists."""
        return self.served is None or self.served(site, ref)


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
        # A news platform's feed of the site or a section, when site.yaml turns it on;
        # {fmt} is the platform: its dialect of RSS.
        DocumentKind(
            name="partner",
            template="/partners/{fmt}{base}/feed.rss",
            formats=PLATFORM_NAMES,
            kinds=("site", "section"),
            syndicated=True,
            served=lambda site, ref: site.partner(ref.fmt) is not None,
        ),
        # What each platform turned on would reject, for editors.
        DocumentKind(
            name="partners",
            template="/partners/",
            per_feed=False,
            served=lambda site, ref: bool(site.partners),
        ),
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


def feed_documents(site: Site, kind: Kind, slug: str) -> Iterator[DocumentRef]:
    """Yield every document a feed has beside its feed documents in FORMATS and their
    archive pages: its page, its subscribe page, and each partner feed the site serves."""
    for name, row in DOCUMENTS.items():
        if not row.per_feed or row.feed_document or kind not in row.kinds:
            continue
        for fmt in row.formats if "{fmt}" in row.template else ("",):
            ref = DocumentRef(name, kind, slug, fmt)
            if row.serves(site, ref):
                yield ref


def site_documents(site: Site) -> Iterator[DocumentRef]:
    """Yield the site-wide documents the site serves (the OPML list, the partners page)."""
    for name, row in DOCUMENTS.items():
        ref = DocumentRef(name)
        if not row.per_feed and row.serves(site, ref):
            yield ref


def feed_base(kind: Kind, slug: str) -> str:
    """Return a feed's URL path prefix, e.g. /sections/war (empty for the site feed)."""
    segment = FEED_SEGMENTS[kind]
    return f"/{segment}/{slug}" if segment else ""


def path_of(ref: DocumentRef) -> str:
    """Return the URL path of a document: the reverse of route()."""
    row = DOCUMENTS[ref.document]
    if "{base}" in row.template:
        return row.template.format(fmt=ref.fmt, page=ref.page, base=feed_base(ref.kind, ref.slug))
    suffix = row.template.format(fmt=ref.fmt, page=ref.page)
    return f"{feed_base(ref.kind, ref.slug)}{suffix}" if row.per_feed else suffix


def public_url(site: Site, path: str) -> str:
    """Return the public URL of a path on the site, percent-encoded (slugs may be Cyrillic)."""
    return site.url + quote(path)


def document_url(site: Site, ref: DocumentRef) -> str:
    """Return the public URL of a document."""
    return public_url(site, path_of(ref))


def _placeholder(row: DocumentKind, name: str) -> str:
    """Return the regular expression of one placeholder of a row's template."""
    if name == "fmt":
        return f"(?P<{row.name}_fmt>" + "|".join(map(re.escape, row.formats)) + ")"
    if name == "page":
        return f"(?P<{row.name}_page>[1-9][0-9]{{0,8}})"
    if name == "base":
        segments = "|".join(re.escape(FEED_SEGMENTS[k]) for k in row.kinds if k != "site")
        base = f"/(?P<{row.name}_segment>{segments})/(?P<{row.name}_slug>[^/]+)"
        return f"(?:{base})?" if "site" in row.kinds else base
    raise ValueError(f"unknown placeholder {{{name}}} in {row.template!r}")


def _pattern(row: DocumentKind) -> str:
    """Return the regular expression of a row's template, in a group named after the row."""
    parts = re.split(r"\{(\w+)\}", row.template)  # literal, placeholder, literal, ...
    pattern = "".join(
        _placeholder(row, part) if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return f"(?P<{row.name}>{pattern})"


def _based(row: DocumentKind) -> bool:
    """Return whether a row places the feed's base itself ({base} in its template)."""
    return "{base}" in row.template


_SEGMENT_KINDS: dict[str, Kind] = {segment: kind for kind, segment in FEED_SEGMENTS.items()}
# One regular expression for every document path. Its outermost groups are named after
# the rows, so match.lastgroup tells which row matched without trying each in turn.
_PATH = re.compile(
    "(?:(?:/(?P<segment>"
    + "|".join(re.escape(s) for s in FEED_SEGMENTS.values() if s)
    + ")/(?P<slug>[^/]+))?(?:"
    + "|".join(_pattern(row) for row in DOCUMENTS.values() if row.per_feed and not _based(row))
    + "))|"
    + "|".join(_pattern(row) for row in DOCUMENTS.values() if not row.per_feed or _based(row))
)
# Each row's format, page, segment and slug groups, or None where its template has none
# (the shared segment and slug groups for rows whose base comes first).
_GROUPS = {
    name: tuple(
        g if g in _PATH.groupindex else None
        for g in (f"{name}_fmt", f"{name}_page", f"{name}_segment", f"{name}_slug")
    )
    for name in DOCUMENTS
}


def route(path: str) -> DocumentRef | None:
    """Return the document a URL path names, or None when it names none."""
    match = _PATH.fullmatch(path)
    if match is None:
        return None
    name = match.lastgroup
    assert name is not None  # every alternative is a named group
    fmt_group, page_group, segment_group, slug_group = _GROUPS[name]
    segment = match[segment_group or "segment"]
    kind: Kind = _SEGMENT_KINDS[segment] if segment else "site"
    slug = match[slug_group or "slug"] or ""
    fmt = match[fmt_group] if fmt_group else ""
    page = int(match[page_group]) if page_group else 0
    return DocumentRef(name, kind, slug, fmt, page)


def flask_rules() -> list[str]:
    """Return werkzeug rules matching every document path, for Flask's fallback routes."""
    segments = ", ".join(s for s in FEED_SEGMENTS.values() if s)
    rules = []
    for row in DOCUMENTS.values():
        if _based(row):
            own = ", ".join(FEED_SEGMENTS[k] for k in row.kinds if k != "site")
            bases = [f"/<any({own}):segment>/<slug>"] + (["/"] if "site" in row.kinds else [])
            for base in bases:
                rule = row.template.replace("{base}", base.rstrip("/"))
                rules.append(re.sub(r"\{(\w+)\}", r"<\1>", rule))
            continue
        suffix = re.sub(r"\{(\w+)\}", r"<\1>", row.template)
        rules.append(suffix)
        if row.per_feed:
            rules.append(f"/<any({segments}):segment>/<slug>{suffix}")
    return rules
