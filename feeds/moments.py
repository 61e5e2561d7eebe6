"""When the clock changes what readers see, with no edit: the moments a catalog's views turn on.

An article goes live at its publication, leaves the news sitemap NEWS_WINDOW later, leaves
every feed at its removal (retracted or expired), and its tombstone (and the deleted items
of the partner feeds) goes at the end of the site's retention window. The catalog caches
its views by how many of these moments have passed; each document's max-age stops at the
next one that changes it. Pure functions of the articles and the site's settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Literal

from feeds.model import Article, Site

# How long an article stays in the news sitemap after it is published (Google News takes
# articles of the last two days).
NEWS_WINDOW = timedelta(hours=48)

# Where a removed article stands at a moment: still live (its removal to come), gone
# (removed within the retention window: tombstones and deleted items say so) or past
# (removed before the window: nothing shows it any more).
Stage = Literal["live", "gone", "past"]


def retention(site: Site) -> timedelta:
    """Return how long removed articles are announced as removed."""
    return timedelta(days=site.removal_retention_days)


def schedule(articles: Sequence[Article], kept: timedelta) -> list[datetime]:
    """Return every moment the clock changes what readers see, ascending.

    Each non-draft article's publication and its leaving the news sitemap, and each
    removal and the end of its retention window (`kept`). `articles` are newest first,
    so the publication times read backwards need no sorting; the rest are merged in.
    """
    published = [a.published for a in reversed(articles) if not a.draft]
    moments = [*published, *(moment + NEWS_WINDOW for moment in published)]
    for article in articles:
        removed = article.removed
        if removed is not None and not article.draft:
            moments += (removed, removed + kept)
    return sorted(moments)  # runs already in order: timsort merges them


def stage(removed: datetime, now: datetime, kept: timedelta) -> Stage:
    """Return where an article removed at `removed` stands at `now`."""
    if now < removed:
        return "live"
    return "gone" if now < removed + kept else "past"


def next_change(
    scheduled: datetime | None,
    expiring: Iterable[Article],
    gone: Iterable[Article],
    kept: timedelta,
) -> datetime | None:
    """Return the next moment a document changes with no edit, or None.

    `scheduled` is when its next scheduled article goes live, `expiring` the live
    articles in it that will be removed, `gone` the removed ones it announces (until
    their retention window ends).
    """
    moments = [a.removed for a in expiring if a.removed is not None]
    moments += [a.removed + kept for a in gone if a.removed is not None]
    if scheduled is not None:
        moments.append(scheduled)
    return min(moments, default=None)


def leaving_page(expiring: Iterable[Article], newest: Article) -> list[Article]:
    """Return the expiring articles whose removal changes a full archive page, not the
    last, whose newest entry is `newest`: those in it or in older pages (the pages after
    it shift); a newer one leaving changes the later pages only."""
    return [a for a in expiring if not _newer(a, newest)]


def _newer(article: Article, than: Article) -> bool:
    """Return whether an article comes before another in a feed (newest first, ties by id)."""
    if article.published != than.published:
        return article.published > than.published
    return article.id < than.id


def latest_first(gone: Iterable[Article]) -> list[Article]:
    """Return removed articles latest removal first, ties by id (the tombstones' order)."""
    return sorted(gone, key=lambda a: (-a.removed.timestamp() if a.removed else 0.0, a.id))
