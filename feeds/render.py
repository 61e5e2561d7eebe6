"""Feeds to bytes. Pure functions: the same Feed always gives the same bytes.

This is the only module that touches feedgen. Where RSS 2.0 and Atom 1.0 differ, the
difference is handled right where it shows:

- Authors: Atom has one author (name, uri) per person, and JSON Feed a list of authors;
  RSS's <author> must be an email address, which we do not publish, so RSS gets one
  dc:creator holding the byline as the newsroom prints it ("Anna Whitfield and Olena
  Marchuk"). One per person would be as valid, but feedparser and newsboat keep only the
  last, so a shared article would read as the second author's alone.
- Images: RSS gets <enclosure> (only with a known length: the spec requires one) and a
  media:content with media:description (caption), media:credit and the width and
  height the editor gave; Atom gets a
  link rel="enclosure" with type and length.
- Updates: Atom's <updated> is required (the publication time when there was none);
  RSS has no such element, so an updated item gets <atom:updated>.
- Corrections follow the body in the content of every format, each marked
  "Correction (date): text"; the summary never comes from them.
- Both get the picture as a <figure> at the top of the content, since many readers
  show neither enclosures nor media:content, and the caption and credit belong to it.
"""

from __future__ import annotations

import html
import json
from datetime import datetime

import feedgen.entry
import feedgen.feed
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds.entries import byline, entry_html, rfc822
from feeds.feed import Feed
from feeds.model import Article
from feeds.tombstones import Tombstones

MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
GENERATOR = "feeds"


# feedgen's formatRFC2822 switches the process-wide locale to "C" and back around
# strftime, which races with every other thread. Our datetimes are aware UTC, which
# email.utils formats identically (English names, numeric zone) with no global state.
feedgen.feed.formatRFC2822 = rfc822
feedgen.entry.formatRFC2822 = rfc822


class _MediaFeed(BaseExtension):
    """Declares the Media RSS namespace on the RSS root (RSS only)."""

    def extend_ns(self):
        return {"media": MEDIA_NS}


class _MediaEntry(BaseEntryExtension):
    """Writes <media:content> with caption and credit (feedgen's media extension has neither)."""

    def __init__(self):
        self.image = None

    def extend_rss(self, item):
        image = self.image
        if image is None:
            return item
        content = etree.SubElement(item, f"{{{MEDIA_NS}}}content", url=image.url, medium="image")
        content.attrib["type"] = image.type
        if image.length:
            content.attrib["fileSize"] = str(image.length)
        if image.width:
            content.attrib["width"] = str(image.width)
        if image.height:
            content.attrib["height"] = str(image.height)
        if image.caption:
            description = etree.SubElement(content, f"{{{MEDIA_NS}}}description", type="plain")
            description.text = image.caption
        if image.credit:
            credit = etree.SubElement(content, f"{{{MEDIA_NS}}}credit")
            credit.text = image.credit
        return item


class _RssUpdated(BaseEntryExtension):
    """Writes <atom:updated> into an RSS item that was updated (RSS only).

    RSS has no element for a later change: readers would never learn of a correction.
    atom:updated is read by feedparser as the entry's `updated`, and the W3C validator
    takes it in an item without a warning (dc:date beside pubDate draws one, for two
    elements meaning the same thing); the feed declares the Atom namespace already.
    """

    def __init__(self):
        self.updated: datetime | None = None

    def extend_rss(self, item):
        if self.updated is not None:
            etree.SubElement(item, f"{{{ATOM_NS}}}updated").text = self.updated.isoformat()
        return item


class _AtomLinks(BaseEntryExtension):
    """Writes an Atom entry's links with their attributes (Atom only).

    feedgen 1.0.0 drops rel, type and length from entry links (its issue #135), so an
    enclosure would come out as a second rel="alternate" link, which Atom forbids.
    We replace its links with our own here.
    """

    def __init__(self):
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry):
        # feedgen builds Atom in no namespace and declares xmlns on the root, so the
        # elements here are plain "link" too.
        for old in entry.findall("link"):
            entry.remove(old)
        for attributes in self.links:
            etree.SubElement(entry, "link", attributes)
        return entry


class _FeedLinks(BaseExtension):
    """Writes WebSub hub links, RFC 5005 links (prev-archive, next-archive, current) and
    fh:archive.

    feedgen only accepts a few link relations and writes none but rel="self" into RSS
    (its issue #122 for hubs), so these are added here: as <link> in Atom and as
    <atom:link> in RSS's channel.
    """

    def __init__(self):
        self.links: list[dict[str, str]] = []
        self.archive = False

    def extend_ns(self):
        return {"fh": HISTORY_NS} if self.archive else {}

    def _extend(self, parent, link_tag: str) -> None:
        for attributes in self.links:
            etree.SubElement(parent, link_tag, attributes)
        if self.archive:
            etree.SubElement(parent, f"{{{HISTORY_NS}}}archive")

    def extend_atom(self, feed):
        self._extend(feed, "link")  # feedgen's Atom elements are in no namespace
        return feed

    def extend_rss(self, feed):
        self._extend(feed.find("channel"), f"{{{ATOM_NS}}}link")
        return feed


def feed_links(feed: Feed, fmt: str) -> list[dict[str, str]]:
    """Return a document's WebSub hubs and RFC 5005 links to older, newer and current pages."""
    links = [{"rel": "hub", "href": hub} for hub in feed.site.hubs]
    links += history_links(feed, fmt)
    return links


def history_links(feed: Feed, fmt: str) -> list[dict[str, str]]:
    """Return the RFC 5005 links of a feed document: to older, newer and current pages."""
    links = []
    if feed.page:
        links.append({"rel": "current", "href": feed.url(fmt, page=0)})
    older = feed.page - 1 if feed.page else feed.pages
    if older >= 1:
        links.append({"rel": "prev-archive", "href": feed.url(fmt, page=older)})
    if feed.page and feed.page < feed.pages:
        links.append({"rel": "next-archive", "href": feed.url(fmt, page=feed.page + 1)})
    for link in links:
        link["type"] = MEDIA_TYPES[fmt]
    return links


def _generator(feed: Feed, fmt: str) -> FeedGenerator:
    """Return a FeedGenerator holding the feed's metadata and entries."""
    site = feed.site
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("media", _MediaFeed, _MediaEntry, atom=False, rss=True)
    fg.register_extension("atomlinks", BaseExtension, _AtomLinks, atom=True, rss=False)
    fg.register_extension("rssupdated", BaseExtension, _RssUpdated, atom=False, rss=True)
    fg.register_extension("links", _FeedLinks, BaseEntryExtension)
    fg.links.links = feed_links(feed, fmt)
    # fh:archive marks an archive document (RFC 5005 section 4). A feed whose only archive
    # page has no prev- or next-archive link leaves it out: the W3C validator reads an
    # fh:archive with neither link as an incomplete archive, and `current` already
    # tells a client where the subscription document is.
    fg.links.archive = feed.page > 0 and feed.pages > 1
    # Every page of a feed is the same feed (RFC 5005), so it has one id.
    fg.id(feed.url("atom", page=0))
    fg.title(feed.title)
    fg.subtitle(feed.description)  # also RSS <description>
    fg.language(site.language)
    fg.generator(GENERATOR)
    fg.updated(feed.updated)  # also RSS lastBuildDate; feedgen would default to now()
    if site.copyright:
        fg.rights(site.copyright)
    if site.icon:
        fg.icon(site.icon)
    if site.logo:
        fg.logo(site.logo)
    for entry in feed.entries:
        _add_entry(fg, feed, entry)
    return fg


def _add_entry(fg: FeedGenerator, feed: Feed, article: Article) -> None:
    fe = fg.add_entry(order="append")  # feedgen prepends by default
    fe.id(article.id)
    fe.guid(article.id, permalink=False)
    fe.title(article.title)
    fe.link(href=article.url, rel="alternate")
    fe.published(article.published)  # also RSS pubDate
    fe.updated(article.modified)
    fe.rssupdated.updated = article.updated
    for slug in article.authors:
        author = feed.authors[slug]
        fe.author({"name": author.name, **({"uri": author.url} if author.url else {})})
    fe.dc.dc_creator(byline(feed.authors[slug].name for slug in article.authors))
    section = feed.sections[article.section]
    fe.category(term=section.slug, label=section.title, scheme=f"{feed.site.url}/sections/")
    for tag, slug in zip(article.tags, article.tag_slugs, strict=True):
        label = feed.tag_names.get(slug, tag)
        fe.category(term=slug, label=label, scheme=f"{feed.site.url}/tags/")
    # Atom's <summary> is text; RSS's <description> is read as HTML by every reader, so
    # the plain-text summary is escaped there (markup in it shows as typed). feedgen's
    # description() also overwrites the Atom content, and summary() leaves a description
    # it did not write alone, so the order of these three calls matters.
    fe.description(html.escape(article.summary, quote=False))
    fe.content(entry_html(article, feed.site.timezone), type="html")
    fe.summary(article.summary)
    links = [{"rel": "alternate", "type": "text/html", "href": article.url}]
    image = article.image
    if image is not None:
        fe.media.image = image
        if image.length:
            fe.enclosure(image.url, str(image.length), image.type)
        enclosure = {"rel": "enclosure", "type": image.type, "href": image.url}
        if image.length:
            enclosure["length"] = str(image.length)
        links.append(enclosure)
    fe.atomlinks.links = links


def render_rss(feed: Feed) -> bytes:
    """Return the feed as an RSS 2.0 document."""
    fg = _generator(feed, "rss")
    # RSS takes the channel <link> from the last link added, so the page goes last.
    fg.link(href=feed.url("rss"), rel="self", type="application/rss+xml")
    fg.link(href=feed.home_url, rel="alternate")
    return fg.rss_str(pretty=True)


def render_atom(feed: Feed) -> bytes:
    """Return the feed as an Atom 1.0 document, with tombstones of removed entries."""
    fg = _generator(feed, "atom")
    fg.register_extension("tombstones", Tombstones, BaseEntryExtension, atom=True, rss=False)
    fg.tombstones.removed = feed.removed
    fg.tombstones.language = feed.site.language
    fg.link(href=feed.url("atom"), rel="self", type="application/atom+xml")
    fg.link(href=feed.home_url, rel="alternate", type="text/html")
    return fg.atom_str(pretty=True)


def render_json(feed: Feed) -> bytes:
    """Return the feed as a JSON Feed 1.1 document; older pages are linked by next_url."""
    site = feed.site
    document: dict = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.url("json", page=0),
        "description": feed.description,
    }
    older = feed.page - 1 if feed.page else feed.pages
    if older >= 1:
        document["next_url"] = feed.url("json", page=older)
    if site.icon:
        document["icon"] = site.icon
    if feed.kind == "author":
        document["authors"] = [_json_author(feed.authors[feed.slug])]
    else:
        document["authors"] = [{"name": site.title, "url": site.url + "/"}]
    document["language"] = site.language
    if site.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in site.hubs]
    document["items"] = [_json_item(feed, article) for article in feed.entries]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_author(author) -> dict[str, str]:
    out = {"name": author.name}
    if author.url:
        out["url"] = author.url
    if author.image:
        out["avatar"] = author.image
    return out


def _json_item(feed: Feed, article: Article) -> dict:
    item: dict = {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "summary": article.summary,
        "content_html": entry_html(article, feed.site.timezone),
    }
    if article.image is not None:
        item["image"] = article.image.url
    item["date_published"] = article.published.isoformat()
    if article.updated is not None:
        item["date_modified"] = article.updated.isoformat()
    item["authors"] = [_json_author(feed.authors[slug]) for slug in article.authors]
    section = feed.sections[article.section].title
    item["tags"] = [section] + [
        feed.tag_names.get(slug, tag)
        for tag, slug in zip(article.tags, article.tag_slugs, strict=True)
    ]
    return item


RENDERERS = {"rss": render_rss, "atom": render_atom, "json": render_json}
CONTENT_TYPES = {fmt: f"{media_type}; charset=utf-8" for fmt, media_type in MEDIA_TYPES.items()}


def render_feed(feed: Feed, fmt: str) -> bytes:
    """Return the feed document in one format: rss, atom or json."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown feed format {fmt!r}") from None
    return renderer(feed)
