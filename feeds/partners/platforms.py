"""What each news platform asks of a feed, from its published specification: one row each.

Most platforms ingest a feed of their own (/partners/<name>/feed.rss); Google News reads
the site's pages and its news sitemap instead (`feed=False`), so it has rules and a place
in the readiness report but no partner feed, no OPML entry and nothing to export.

The numbers are the platforms' own, each with the page that says so. A platform that
publishes no number for something has None there, and the readiness report says nothing
about it rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Platform:
    """A news platform the site feeds: its rules, and where they are written."""

    name: str  # in URLs and site.yaml: /partners/<name>/feed.rss
    label: str  # as editors know it
    spec: str  # the published specification the feed follows
    min_width: int  # the narrowest lead picture it takes, in pixels
    min_items: int = 0  # items a feed must hold (where the history has them)
    title_max: int | None = None  # characters of a headline it shows whole
    full_text: bool = False  # it needs the whole body: a shorter one reads as a summary
    credit: bool = False  # it shows the picture's credit, and wants one
    options: tuple[str, ...] = ()  # what its block in site.yaml may set
    # Whether it ingests a partner feed of its own; False: it reads the site's pages,
    # found through the news sitemap (/sitemaps/news.xml, served whatever site.yaml says).
    feed: bool = True


# Below this many characters of text, a body reads as a summary to a platform that wants
# the full text: MSN's "Strategies for successful article publishing" demotes articles
# of fewer than 450 characters, and no platform asks for less.
SHORT_BODY = 450

PLATFORMS: dict[str, Platform] = {
    row.name: row
    for row in (
        # "Optimizing your RSS feed": the entire body copy, at least one image per article
        # no less than 400 px wide, at least 30 items, updates pushed by PubSubHubbub
        # (WebSub); Media RSS for images.
        Platform(
            name="flipboard",
            label="Flipboard",
            spec="https://about.flipboard.com/rss-spec/",
            min_width=400,
            min_items=30,
            full_text=True,
            credit=True,
        ),
        # SmartFormat 2.1: RSS 2.0 with the snf namespace; channel description of 30
        # characters or less, ttl in minutes, snf:logo and snf:darkModeLogo; items with
        # content:encoded, dc:creator and media:thumbnail. SmartView shows the body
        # in the app, so it needs the full text. SmartFormat gives no picture size or
        # headline length: thumbnails are shown at 320 x 240 and headlines cut after
        # about 90 characters (publishers' guides, e.g. csa-content-standards'
        # platform-smartnews page), so those are the figures used here.
        Platform(
            name="smartnews",
            label="SmartNews",
            spec="https://publishers.smartnews.com/hc/en-us/articles/"
            "360036526213-SmartFormat-Specification-Version-2-1",
            min_width=320,
            title_max=90,
            full_text=True,
            options=("logo", "logo_dark", "description", "ttl"),
        ),
        # Microsoft Start / MSN "Feed Item Requirements" and "Feed Content
        # Specifications": unique id, title, publish date and body required; an update is
        # re-ingested only when its updated date moves; images at least 720 px recommended
        # (150 px the least taken), and only articles with images are auto-published.
        Platform(
            name="msn",
            label="MSN (Microsoft Start)",
            spec="https://helpcenter.microsoftstart.com/kb/articles/51-feed-item-requirements",
            min_width=720,
            full_text=True,
            credit=True,
        ),
        # Google News and Discover read the article pages, which the news sitemap lists
        # ("News sitemaps", developers.google.com/search/docs/crawling-indexing/sitemaps/
        # news-sitemap: only articles created in the last two days, so an older or a
        # scheduled story is not a fault, just not in it yet or any more). What Google
        # publishes as a number is the picture's width: "Large images need to be at
        # least 1200 px wide and enabled by the max-image-preview:large setting"
        # (Get on Discover, the spec below; max-image-preview is the article page's
        # business, not a feed's). No headline limit: Google dropped the 110 characters
        # of Article structured data in 2023 ("long titles may be truncated on some
        # devices", developers.google.com/search/docs/appearance/structured-data/article),
        # and the news sitemap's news:title has none either. No credit, no body length.
        Platform(
            name="google_news",
            label="Google News",  # the rule below is Discover's, its feed of stories
            spec="https://developers.google.com/search/docs/appearance/google-discover",
            min_width=1200,
            feed=False,
        ),
    )
}
# The platforms with a partner feed of their own: the {fmt} of /partners/{fmt}/feed.rss.
PLATFORM_NAMES = tuple(name for name, row in PLATFORMS.items() if row.feed)
