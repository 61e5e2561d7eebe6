"""A platform's feed, by name: which articles it holds, and the module that writes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from feeds.feed import Feed
from feeds.model import Article
from feeds.partners import flipboard, msn, smartnews
from feeds.partners.platforms import PLATFORM_NAMES, PLATFORMS
from feeds.partners.rss import PartnerFeed, partner_feed

RENDERERS: dict[str, Callable[[PartnerFeed], bytes]] = {
    "flipboard": flipboard.render,
    "smartnews": smartnews.render,
    "msn": msn.render,
}
if set(RENDERERS) != set(PLATFORM_NAMES):
    raise ValueError("each platform with a feed (PLATFORM_NAMES) needs its renderer here")


def build_partner_feed(feed: Feed, articles: Sequence[Article], platform: str) -> PartnerFeed:
    """Return a platform's feed of a site or section feed (of all its live `articles`)."""
    partner = feed.site.partner(platform)
    if partner is None:
        raise ValueError(f"the site does not feed {platform!r}")
    return partner_feed(feed, tuple(articles), partner, PLATFORMS[platform])


def render_partner_feed(pf: PartnerFeed) -> bytes:
    """Return a platform's feed as its platform reads it."""
    return RENDERERS[pf.platform.name](pf)
