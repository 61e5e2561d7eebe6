"""SmartNews's feed: SmartFormat, RSS 2.0 with the snf namespace.

Follows "SmartFormat Specification Version 2.1",
https://publishers.smartnews.com/hc/en-us/articles/360036526213-SmartFormat-Specification-Version-2-1:
the channel has <title>, <link>, a <description> of 30 characters or less, <pubDate>
and <language> (required), <copyright>, <ttl> in minutes, and the publisher's logo as
<snf:logo><url>…</url></snf:logo> and, for dark mode, <snf:darkModeLogo>; each item has
<title>, <link>, <guid>, <pubDate>, the full HTML in <content:encoded>, the byline in
<dc:creator> and the picture as <media:thumbnail>. The W3C feed validator does not know
the snf namespace and says so (see the README's Partners section).
"""

from __future__ import annotations

from feeds.partners.config import SHORT_DESCRIPTION
from feeds.partners.rss import PartnerFeed, channel, item, sub, to_bytes
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
        it = item(ch, pf, article)
        image = article.image
        if image is not None:
            size = {
                name: str(value)
                for name, value in (("width", image.width), ("height", image.height))
                if value
            }
            sub(it, "media:thumbnail", url=image.url, **size)
    return to_bytes(rss)
