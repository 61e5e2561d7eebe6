"""The RSS 2.0 every partner feed shares: a channel, items with the full text, pictures,
and the items that tell a platform an article was removed.

Each platform's module calls these and adds what its specification asks beyond them, so
that an item's elements are written in one place: the platform module decides, this
module writes. Same input, same bytes: every time comes from the data.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from feeds.entries import byline, entry_html, rfc822
from feeds.feed import Feed
from feeds.model import Article, Image, Partner, Site
from feeds.partners.platforms import Platform
from feeds.render import ATOM_NS, GENERATOR, MEDIA_NS
from feeds.urls import DocumentRef, document_url

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
NAMESPACES = {"content": CONTENT_NS, "dc": DC_NS, "media": MEDIA_NS, "atom": ATOM_NS}


@dataclass(frozen=True, kw_only=True, slots=True)
class PartnerFeed:
    """One platform's feed of the site or a section: its entries and its settings."""

    feed: Feed  # the site's or section's subscription document it follows
    platform: Platform
    partner: Partner  # site.yaml's settings for the platform
    entries: tuple[Article, ...]  # newest first
    # Retracted or expired articles of the feed, removed within the site's retention
    # window, latest removal first (the feed's tombstones): a platform that documents a
    # removal signal gets an item for each, saying so.
    removed: tuple[Article, ...]
    updated: datetime  # the newest published, updated or removal time among them

    @property
    def site(self) -> Site:
        return self.feed.site

    @property
    def url(self) -> str:
        """Return this document's public URL."""
        ref = DocumentRef("partner", self.feed.kind, self.feed.slug, self.platform.name)
        return document_url(self.site, ref)


def partner_feed(feed: Feed, articles: tuple[Article, ...] | list[Article], partner: Partner,
                 platform: Platform) -> PartnerFeed:  # fmt: skip
    """Return a platform's feed of a feed: as many entries as the site's feeds hold, or
    the platform's minimum where the history has them."""
    count = max(feed.site.items_per_feed, platform.min_items)
    entries = tuple(articles[:count])
    removed = feed.removed
    updated = max(
        [*(a.modified for a in entries), *map(removal_date, removed)], default=feed.updated
    )
    return PartnerFeed(
        feed=feed,
        platform=platform,
        partner=partner,
        entries=entries,
        removed=removed,
        updated=updated,
    )


def removal_date(article: Article) -> datetime:
    """Return the date a platform compares for a removed article: when it was removed (or
    a later update), so that it is newer than any version the platform holds."""
    assert article.removed is not None  # only removed articles get here
    return max(article.removed, article.modified)


def sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str):
    """Append an element (tag as prefix:name, a prefix the document declares); return it."""
    if ":" in tag:
        prefix, name = tag.split(":", 1)
        tag = f"{{{parent.nsmap[prefix]}}}{name}"
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def channel(pf: PartnerFeed, namespaces: dict[str, str], description: str) -> etree._Element:
    """Return an <rss> root whose <channel> holds the feed's title, links and dates."""
    rss = etree.Element("rss", version="2.0", nsmap={**NAMESPACES, **namespaces})
    ch = sub(rss, "channel")
    site, feed = pf.site, pf.feed
    sub(ch, "title", feed.title)
    sub(ch, "link", feed.home_url)
    sub(ch, "description", description)
    sub(ch, "atom:link", href=pf.url, rel="self", type="application/rss+xml")
    sub(ch, "language", site.language)
    if site.copyright:
        sub(ch, "copyright", site.copyright)
    sub(ch, "pubDate", rfc822(pf.updated))
    sub(ch, "lastBuildDate", rfc822(pf.updated))
    sub(ch, "generator", GENERATOR)
    return rss


def item(
    ch: etree._Element, pf: PartnerFeed, article: Article, dated: datetime | None = None
) -> etree._Element:
    """Append an item with what every platform reads: id, headline, link, dates, byline,
    section, summary and the full text. `dated` is its pubDate when not the publication's."""
    feed = pf.feed
    it = _head(ch, article, dated or article.published)
    sub(it, "dc:creator", byline(feed.authors[slug].name for slug in article.authors))
    section = feed.sections[article.section]
    sub(it, "category", section.title, domain=f"{pf.site.url}/sections/")
    sub(it, "description", html.escape(article.summary, quote=False))
    sub(it, "content:encoded", entry_html(article, pf.site.timezone))
    return it


def removed_item(ch: etree._Element, article: Article, dated: datetime) -> etree._Element:
    """Append the item of a removed article: the same id, headline and link, so that the
    platform finds the item it holds, and the tombstone's note (the retraction's reason)
    in place of the summary and the body, which are no longer published."""
    it = _head(ch, article, dated)
    note = article.removal_note
    sub(it, "description", html.escape(note, quote=False))
    sub(it, "content:encoded", f"<p>{html.escape(note)}</p>")
    return it


def _head(ch: etree._Element, article: Article, dated: datetime) -> etree._Element:
    it = sub(ch, "item")
    sub(it, "title", article.title)
    sub(it, "link", article.url)
    sub(it, "guid", article.id, isPermaLink="false")
    sub(it, "pubDate", rfc822(dated))
    return it


def media_content(it: etree._Element, image: Image) -> etree._Element:
    """Append the picture as media:content with its size, caption and credit (Media RSS)."""
    attributes = {"url": image.url, "medium": "image", "type": image.type}
    if image.length:
        attributes["fileSize"] = str(image.length)
    if image.width:
        attributes["width"] = str(image.width)
    if image.height:
        attributes["height"] = str(image.height)
    content = sub(it, "media:content", **attributes)
    if image.caption:
        sub(content, "media:description", image.caption, type="plain")
    if image.credit:
        sub(content, "media:credit", image.credit)
    return content


def to_bytes(rss: etree._Element) -> bytes:
    """Return the document's bytes."""
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
