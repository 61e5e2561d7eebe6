"""SmartNews's feed: SmartFormat, RSS 2.0 with the snf namespace.

Follows "SmartFormat Specification Version 2.1",
https://publishers.smartnews.com/hc/en-us/articles/360036526213-SmartFormat-Specification-Version-2-1:
the channel has <title>, <link>, a <description> of 30 characters or less, <pubDate>
and <language> (required), <copyright>, <ttl> in minutes, and the publisher's logo as
<snf:logo><url>…</url></snf:logo> and, for dark mode, <snf:darkModeLogo>; each item has
<title>, <link>, <guid>, <pubDate>, the full HTML in <content:encoded>, the byline in
<dc:creator> and the picture as <media:thumbnail>. The W3C feed validator does not know
the snf namespace and says so (see the README's Partners section).

SmartNews compares an item's <pubDate> to decide whether to fetch it again: "Deleting
Articles", https://publishers.smartnews.com/hc/en-us/articles/360021354914-Deleting-Articles,
says a deletion flag is sent only when <pubDate> is updated, and its page on replacing an
article's video (publishers.smartnews.com/hc/ja/articles/4409349226393) names a new item
<pubDate> as the flag of an update. So each item's <pubDate> is its last substantive
change (`updated`, which each correction moves; a cosmetic edit moves nothing). A
retracted or expired article stays, for the site's retention window, as an item with the
same <guid> and <link>, carrying Media RSS's <media:status state="deleted"/>
(https://www.rssboard.org/media-rss#media-status, the element "Deleting Articles" names)
with the reason, and its <pubDate> moved to the removal. The W3C validator knows Media
RSS 1.1 only and calls media:status undefined (w3c/feedvalidator#55; see the README).
"""

from __future__ import annotations

from feeds.partners.config import SHORT_DESCRIPTION
from feeds.partners.rss import (
    PartnerFeed,
    channel,
    item,
    removal_date,
    removed_item,
    sub,
    to_bytes,
)
from feeds.text import truncate_words

SNF_NS = "http://www.smartnews.be/snf"
DEFAULT_TTL = 15  # minutes: the specification's example


def description(pf: PartnerFeed) -> str:
    """Return the channel's short description: site.yaml's, else the feed's, cut short."""
    return pf.partner.description or truncate_words(pf.feed.description, SHORT_DESCRIPTION)


def render(pf: PartnerFeed) -> bytes:
    """Return the SmartFormat feed."""
    rss = channel(pf, {"snf": SNF_NS}, description(pf))
    ch = rss[0]
    sub(ch, "ttl", str(pf.partner.ttl or DEFAULT_TTL))
    logo = pf.partner.logo or pf.site.logo
    if logo:
        sub(sub(ch, "snf:logo"), "url", logo)
    if pf.partner.logo_dark:
        sub(sub(ch, "snf:darkModeLogo"), "url", pf.partner.logo_dark)
    for article in pf.entries:
        it = item(ch, pf, article, dated=article.modified)
        image = article.image
        if image is not None:
            size = {
                name: str(value)
                for name, value in (("width", image.width), ("height", image.height))
                if value
            }
            sub(it, "media:thumbnail", url=image.url, **size)
    for article in pf.removed:
        it = removed_item(ch, article, removal_date(article))
        sub(it, "media:status", state="deleted", reason=article.removal_note)
    return to_bytes(rss)
