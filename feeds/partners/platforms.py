"""What each news platform asks of a feed, from its published specification: one row each.

The numbers are the platforms' own, each with the page that says so. A platform that
publishes no number for something has None there, and the readiness report says nothing
about it rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True, slots=True)
class Platform:
    """A news platform that ingests a feed of its own: its rules, and where they are written."""

    name: str  # in URLs and site.yaml: /partners/<name>/feed.rss
    label: str  # as editors know it
    spec: str  # the published specification the feed follows
    min_width: int  # the narrowest lead picture it takes, in pixels
    min_items: int = 0  # items a feed must hold (where the history has them)
    title_max: int | None = None  # characters of a headline it shows whole
    full_text: bool = False  # it needs the whole body: a shorter one reads as a summary
    credit: bool = False  # it shows the picture's credit, and wants one
    options: tuple[str, ...] = ()  # what its block in site.yaml may set


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
    )
}
PLATFORM_NAMES = tuple(PLATFORMS)
