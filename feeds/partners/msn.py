"""MSN's (Microsoft Start's) feed: RSS 2.0 as its ingestion reads it.

Follows "Feed Item Requirements",
https://helpcenter.microsoftstart.com/kb/articles/51-feed-item-requirements, and the RSS
examples beside it: every item has a unique id (<guid>, kept for life), a <title>, a
publication date (<pubDate>, RFC 822) and, for an article, a body (the full HTML in
<content:encoded>). An item is ingested again only when its updated date moves, so each
carries <dcterms:modified> (RFC 3339), moved by `updated` and by each correction; the
picture is a <media:content> with <media:credit>, since MSN asks that photographers be
credited.
"""

from __future__ import annotations

from feeds.partners.rss import PartnerFeed, channel, item, media_content, sub, to_bytes

DCTERMS_NS = "http://purl.org/dc/terms/"


def render(pf: PartnerFeed) -> bytes:
    """Return the MSN feed."""
    rss = channel(pf, {"dcterms": DCTERMS_NS}, pf.feed.description)
    ch = rss[0]
    for article in pf.entries:
        it = item(ch, pf, article)
        sub(it, "dcterms:modified", article.modified.isoformat())
        if article.image is not None:
            media_content(it, article.image)
    return to_bytes(rss)
