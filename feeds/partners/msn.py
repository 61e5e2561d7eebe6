"""MSN's (Microsoft Start's) feed: RSS 2.0 as its ingestion reads it.

Follows "Feed Item Requirements",
https://helpcenter.microsoftstart.com/kb/articles/51-feed-item-requirements, and the RSS
examples beside it: every item has a unique id (<guid>, kept for life), a <title>, a
publication date (<pubDate>, RFC 822) and, for an article, a body (the full HTML in
<content:encoded>). An item is ingested again only when its updated date moves, so each
carries <dcterms:modified> (RFC 3339), moved by `updated` and by each correction; the
picture is a <media:content> with <media:credit>, since MSN asks that photographers be
credited.

Removals follow "MSN content expiration and takedown rules",
https://support.microsoft.com/topic/msn-content-expiration-and-takedown-rules-c06e8a18-8365-43dc-a5b3-364f1a470edf:
an item with the same unique id, an expiration date in the past and an updated date newer
than the version ingested is taken down; in Media RSS the expiration date is
<dcterms:valid> at the item's root. So a retracted or expired article stays, for the
site's retention window, as an item with its <guid>, <dcterms:valid> at the removal and
<dcterms:modified> moved to it. An article that will be removed carries <dcterms:valid>
ahead of time ("Expiration date: the item will be removed by the specified date", "MSN
feed item metadata requirements"), so licensed material leaves MSN on time even between
two fetches. MSN's other form, <mi:expirationDate>, is left out: its namespace is
Microsoft's own, and dcterms is one every reader knows.
"""

from __future__ import annotations

from feeds.partners.rss import (
    PartnerFeed,
    channel,
    item,
    media_content,
    removal_date,
    removed_item,
    sub,
    to_bytes,
)

DCTERMS_NS = "http://purl.org/dc/terms/"


def render(pf: PartnerFeed) -> bytes:
    """Return the MSN feed."""
    rss = channel(pf, {"dcterms": DCTERMS_NS}, pf.feed.description)
    ch = rss[0]
    for article in pf.entries:
        it = item(ch, pf, article)
        sub(it, "dcterms:modified", article.modified.isoformat())
        if article.removed is not None:
            sub(it, "dcterms:valid", article.removed.isoformat())
        if article.image is not None:
            media_content(it, article.image)
    for article in pf.removed:
        it = removed_item(ch, article, article.published)
        sub(it, "dcterms:modified", removal_date(article).isoformat())
        sub(it, "dcterms:valid", article.removed.isoformat())
    return to_bytes(rss)
