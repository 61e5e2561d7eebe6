"""Flipboard's feed: full-text RSS 2.0 with Media RSS pictures, pushed by WebSub.

Follows "Optimizing Your RSS Feed For Flipboard", https://about.flipboard.com/rss-spec/:
each item has <link>, <title> and the full HTML in <content:encoded> (required), and
<pubDate>, <guid>, <description> and <dc:creator> (recommended); the picture is a
<media:content> with its <media:credit> (and an <enclosure> when its size in bytes is
known, which RSS requires of one); the feed holds at least 30 items where the history
has them, and advertises the site's WebSub hubs (<atom:link rel="hub">), the
PubSubHubbub that the spec asks updates to be pushed by.
"""

from __future__ import annotations

from feeds.partners.rss import PartnerFeed, channel, item, media_content, sub, to_bytes


def render(pf: PartnerFeed) -> bytes:
    """Return the Flipboard feed."""
    rss = channel(pf, {}, pf.feed.description)
    ch = rss[0]
    for hub in pf.site.hubs:
        sub(ch, "atom:link", href=hub, rel="hub")
    for article in pf.entries:
        it = item(ch, pf, article)
        if article.updated is not None:
            sub(it, "atom:updated", article.updated.isoformat())
        image = article.image
        if image is not None:
            if image.length:
                sub(it, "enclosure", url=image.url, length=str(image.length), type=image.type)
            media_content(it, image)
    return to_bytes(rss)
