"""The publication's records: frozen values with aware UTC datetimes, built without I/O.

Two things are more than plain fields, on purpose: an article's body is a Body
(body.py), a value equal by its Markdown and base URL that renders its HTML once, on
first use, so that loading renders nothing; and Record gives records a fast pickle,
for the parse cache.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from feeds.body import Body
from feeds.settings import default
from feeds.text import truncate_words

Severity = Literal["error", "warning"]


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


@functools.cache
def _setters(cls: type) -> tuple:
    # Each slot's own setter, called directly: object.__setattr__ looks the slot up on
    # the type for every field (a quarter of restoring 10,000 articles from the cache).
    return tuple(getattr(cls, name).__set__ for name in _field_names(cls))


def _restore(cls: type, values: tuple) -> object:
    """Rebuild a frozen record from its field values (see Record)."""
    record = object.__new__(cls)
    for set_field, value in zip(_setters(cls), values, strict=True):
        set_field(record, value)
    return record


class Record:
    """Makes a frozen, slotted dataclass pickle quickly, for the parse cache.

    dataclasses' own __setstate__ looks the fields up again for every object, which was
    half the time of loading a 10,000-article cache.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple:
        cls = type(self)
        return (_restore, (cls, tuple(getattr(self, name) for name in _field_names(cls))))


@dataclass(frozen=True, kw_only=True, slots=True, order=True)
class Problem(Record):
    """Something wrong in a data file, at a line an editor can jump to."""

    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Partner:
    """A news platform the site feeds (site.yaml's `partners`), with its settings there."""

    platform: str  # a name in partners.platforms.PLATFORMS
    logo: str | None = None  # SmartNews: snf:logo
    logo_dark: str | None = None  # SmartNews: snf:darkModeLogo
    description: str | None = None  # SmartNews: the channel's short description
    ttl: int | None = None  # SmartNews: minutes between fetches


@dataclass(frozen=True, kw_only=True, slots=True)
class Site:
    """The publication as a whole, from site.yaml."""

    title: str
    url: str  # absolute, no trailing slash
    # The defaults are the settings table's (settings.py), where site.yaml's fields are
    # documented; load_site gives an empty description the title.
    language: str = default("language")
    description: str = ""
    timezone: str = default("timezone")
    items_per_feed: int = default("items_per_feed")
    max_age: int = default("max_age")
    archive_size: int = default("items_per_feed")  # as many as a subscription document
    archive_max_age: int = default("archive_max_age")
    copyright: str | None = default("copyright")
    icon: str | None = default("icon")
    logo: str | None = default("logo")
    stale_while_revalidate: int = default("stale_while_revalidate")
    stale_if_error: int = default("stale_if_error")
    hubs: tuple[str, ...] = default("hubs")
    purge_webhook: str | None = default("purge_webhook")
    # Who mints article ids (RFC 4151 tag authority): a domain or an email address the
    # publication owned when it first published. Pinned in site.yaml, ids survive a move
    # of `url`; empty means the url's host.
    id_authority: str = default("id_authority")
    removal_retention_days: int = default("removal_retention_days")
    robots_txt: bool = default("robots_txt")
    partners: tuple[Partner, ...] = default("partners")  # in PLATFORMS' order

    def partner(self, platform: str) -> Partner | None:
        """Return the settings of a platform the site feeds, or None if it feeds it not."""
        return next((p for p in self.partners if p.platform == platform), None)

    @property
    def path(self) -> str:
        """Return the path of the site's url ("" at a domain's root), for in-site links."""
        after_host = self.url.split("://", 1)[1]
        return "/" + after_host.split("/", 1)[1] if "/" in after_host else ""

    @property
    def host(self) -> str:
        """Return the host name of the site's url."""
        return self.url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0].lower()

    @property
    def tag_authority(self) -> str:
        """Return the authority of the article ids this site mints (tag:<authority>,...)."""
        return self.id_authority or self.host


@dataclass(frozen=True, kw_only=True, slots=True)
class Section:
    """A section of the publication, from sections.yaml."""

    slug: str
    title: str
    description: str = ""
    formerly: tuple[str, ...] = ()  # slugs it had before a rename; their URLs redirect here
    line: int = field(default=0, compare=False)  # where sections.yaml has it, for problems


@dataclass(frozen=True, kw_only=True, slots=True)
class Author:
    """A person who writes for the publication, from authors.yaml."""

    slug: str
    name: str
    role: str = ""
    bio: str = ""
    email: str | None = None
    url: str | None = None
    image: str | None = None
    formerly: tuple[str, ...] = ()  # slugs they had before a rename; their URLs redirect here
    line: int = field(default=0, compare=False)  # where authors.yaml has them, for problems


@dataclass(frozen=True, kw_only=True, slots=True)
class Image(Record):
    """An article's lead picture."""

    url: str
    caption: str = ""
    credit: str = ""
    alt: str = ""
    type: str = "image/jpeg"
    length: int | None = None
    width: int | None = None  # pixels, when the editor gave them
    height: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Correction(Record):
    """A correction to a published article: when it was made and what it says."""

    date: datetime
    text: str  # plain text


@dataclass(frozen=True, kw_only=True, slots=True)
class Retraction(Record):
    """An article taken back: when, and why, in plain text for readers and platforms."""

    date: datetime
    reason: str


# What a tombstone says of an article that expired (RFC 6721 at:comment).
EXPIRED_NOTE = "This article is no longer available."


@dataclass(frozen=True, kw_only=True, slots=True)
class Article(Record):
    """One article, normalized: plain-text fields tidied, body as sanitized HTML."""

    path: str  # the data file it came from, relative to the data folder
    slug: str
    id: str
    url: str
    title: str
    subtitle: str = ""
    section: str  # a Section slug
    authors: tuple[str, ...]  # Author slugs
    published: datetime
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    tag_slugs: tuple[str, ...] = ()  # the tags' slugs, in the same order
    given_summary: str = ""  # the summary the editor wrote, if any
    body: Body
    image: Image | None = None
    draft: bool = False
    corrections: tuple[Correction, ...] = ()  # oldest first; shown after the body
    # Removal: from the earlier of these moments the article leaves every feed, and the
    # Atom feeds carry a tombstone for it during the site's removal_retention_days.
    retraction: Retraction | None = None
    expires: datetime | None = None  # licensed material that must disappear then
    # The digest of this article's content, worked out by the export (manifest.Digests)
    # the first time it keys the article and kept with it in the parse cache, so that the
    # next build need not work it out again. Not content itself, not compared, and never
    # copied by dataclasses.replace (not an init field): a changed article has none.
    digest: str = field(default="", init=False, compare=False, repr=False)

    @property
    def body_html(self) -> str:
        """Return the body as sanitized HTML (rendered on first use)."""
        return self.body.html

    @property
    def summary(self) -> str:
        """Return the summary: the editor's, or the body's first paragraph cut short."""
        return self.given_summary or truncate_words(self.body.first_paragraph or self.title)

    @property
    def removed(self) -> datetime | None:
        """Return when the article leaves every feed (retracted or expired), or None."""
        moments = [m for m in (self.expires, self.retraction and self.retraction.date) if m]
        return min(moments, default=None)

    @property
    def removal_note(self) -> str:
        """Return what a tombstone says of the article: the retraction's reason, or that
        it is no longer available (expired)."""
        retraction = self.retraction
        if retraction is not None and retraction.date == self.removed:
            return retraction.reason
        return EXPIRED_NOTE

    @property
    def modified(self) -> datetime:
        """Return the last substantive change: updated (which the latest correction moves
        on, when later), else published."""
        return self.updated or self.published
