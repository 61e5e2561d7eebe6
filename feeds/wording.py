"""How each kind of feed is described to readers: its name, title, description and page.

One row per kind of feed (urls.FEED_SEGMENTS names the kinds). The catalog decides which
articles a feed holds; the words readers see on it are written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from feeds.model import Author, Section, Site
from feeds.urls import DocumentRef, Kind, public_url


@dataclass(frozen=True, kw_only=True, slots=True)
class Description:
    """The words and the page a feed is presented with."""

    name: str  # what the feed is about: the site's, section's, author's or tag's name
    title: str
    description: str
    home_url: str  # the HTML page the feed is about


def _page(site: Site, kind: Kind, slug: str) -> str:
    return public_url(site, DocumentRef("page", kind, slug).path)


def _site(site: Site, subject: Site, slug: str) -> Description:
    return Description(
        name=site.title, title=site.title, description=site.description, home_url=site.url + "/"
    )


def _section(site: Site, section: Section, slug: str) -> Description:
    return Description(
        name=section.title,
        title=f"{section.title} | {site.title}",
        description=section.description or f"{section.title} from {site.title}",
        home_url=_page(site, "section", slug),
    )


def _author(site: Site, author: Author, slug: str) -> Description:
    role = f", {author.role}" if author.role else ""
    return Description(
        name=author.name,
        title=f"{author.name} | {site.title}",
        description=f"Articles by {author.name}{role}, in {site.title}",
        home_url=author.url or _page(site, "author", slug),
    )


def _tag(site: Site, name: str, slug: str) -> Description:
    return Description(
        name=name,
        title=f"{name} | {site.title}",
        description=f"Articles tagged “{name}” in {site.title}",
        home_url=_page(site, "tag", slug),
    )


# By kind of feed: (site, subject, slug) -> its description. The subject is the record the
# feed is about (the Site, a Section, an Author) or, for a tag, its shown spelling.
DESCRIPTIONS: dict[Kind, Callable[..., Description]] = {
    "site": _site,
    "section": _section,
    "author": _author,
    "tag": _tag,
}


def describe(kind: Kind, site: Site, subject: object, slug: str) -> Description:
    """Return how a feed of a kind about `subject` is presented to readers."""
    return DESCRIPTIONS[kind](site, subject, slug)
