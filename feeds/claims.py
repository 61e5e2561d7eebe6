"""Which of the files that claim one slug, id or story keeps it: the first published, and
which last good versions may stand in beside them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import quote

from feeds.model import Article, Author, Problem, Section
from feeds.text import file_slug


def priority(article: Article) -> tuple[bool, datetime, bool, str]:
    """Return the order in which articles claim a slug or id: the first published keeps it.

    Non-drafts before drafts, then the earliest publication time; of two published at the
    same moment (most often a file copied to start another story, its slug or id and its
    date left in) the one whose slug and id are its own; then path order.
    This depends on the files alone, so a restart, a cache or an export decides as the
    running server did. A new file takes the slug or id of an article already out only by
    claiming an earlier publication time (or the same, with no better name): the loser's
    problem says so.
    """
    return (article.draft, article.published, not _own_identity(article), article.path)


def _own_identity(article: Article) -> bool:
    """Return whether an article's slug and id are its own: the slug its file name gives
    (no 'slug' field, or one saying what the name does) and an id ending in that slug, as
    a minted one does. A copy named for its new story, holding the original's slug or id,
    has neither."""
    slug = article.slug
    return file_slug(article.path) == slug and article.id.endswith(":" + quote(slug, safe=""))


def check_identity(
    articles: Iterable[Article], line_of: Callable[[Article, str], int] = lambda a, field: 1
) -> tuple[list[Article], list[Problem]]:
    """Keep the first article (by priority()) for each slug and id; report the rest.

    `line_of(article, field)` gives the line of a field in the article's file.
    """
    ordered = list(articles)
    # Clashes are rare: two set sizes (in C) tell when there are none, before the sort
    # and walk below (a third of rebuilding the catalog after an edit at 10,000 articles).
    count = len(ordered)
    if len({a.slug for a in ordered}) == count and len({a.id for a in ordered}) == count:
        return ordered, []
    ordered.sort(key=priority)
    kept: list[Article] = []
    problems: list[Problem] = []
    by_slug: dict[str, str] = {}
    by_id: dict[str, str] = {}
    for article in ordered:
        clash, field = None, "slug"
        if article.slug in by_slug:
            winner = by_slug[article.slug]
            clash = (
                f"slug '{article.slug}' is already used by {winner}; give this one its own "
                f"'slug' (or, if this article was out first, {winner} is the one to change: "
                "until then this one is left out)"
            )
        elif article.id in by_id:
            winner = by_id[article.id]
            clash, field = (
                f"id '{article.id}' is already used by {winner}; ids must be unique (if this "
                f"article was out first, {winner} is the one to change: until then this one "
                "is left out)",
                "id",
            )
        if clash:
            problems.append(Problem(path=article.path, line=line_of(article, field), message=clash))
            continue
        by_slug[article.slug] = article.path
        by_id[article.id] = article.path
        kept.append(article)
    return kept, problems


def copies(
    articles: list[Article],
    story_of: Callable[[Article], bytes],
    line_of: Callable[[Article, str], int],
) -> list[Problem]:
    """Warn of each article whose title and body are another's: most likely a copy of
    its file (Finder's "story copy.yaml", Explorer's "story (1).yaml"), which readers
    would see twice, under two ids. Drafts are left out: no reader sees them.

    `story_of` gives a digest of an article's title and body. Only articles built from
    the files as they are now take part, never last good versions, so that every load
    reports the same. The one that priority() puts first is the original; for two files
    published at the same moment (a copy made by a file manager) the shorter file name
    wins before the path does, as copying adds to a name and "story copy.yaml" sorts
    before "story.yaml".
    """
    stories = [(story_of(a), a) for a in articles if not a.draft]

    def order(item: tuple[bytes, Article]) -> tuple:
        article = item[1]
        path = article.path
        return (article.draft, article.published, len(path) - path.rfind("/"), path)

    first: dict[bytes, Article] = {}
    problems: list[Problem] = []
    for story, article in sorted(stories, key=order):
        original = first.setdefault(story, article)
        if original is not article:
            problems.append(
                Problem(
                    path=article.path,
                    line=line_of(article, "title"),
                    message=f"same title and body as {original.path}: a likely copy, "
                    "which readers would see twice under two addresses; delete this "
                    "file, or give it its own title and body",
                    severity="warning",
                )
            )
    return problems


def standing_in(
    published: list[Article],
    stand_ins: list[Article],
    known: tuple[dict[str, Section], dict[str, Author]],
) -> list[Article]:
    """Return the last good versions that stand in for files with errors: every one
    whose slug and id no published article holds (the first by priority() on a tie) and
    whose section and authors have a record to show.

    A file that lost a clash publishes nothing, so it takes nothing from a stand-in: an
    edit to one file never takes another's article out of the feeds.
    """
    if not stand_ins:
        return []
    sections, authors = known
    slugs = {a.slug for a in published}
    ids = {a.id for a in published}
    kept: list[Article] = []
    for article in sorted(stand_ins, key=priority):
        if (
            article.slug not in slugs
            and article.id not in ids
            and article.section in sections
            and all(slug in authors for slug in article.authors)
        ):
            slugs.add(article.slug)
            ids.add(article.id)
            kept.append(article)
    return kept
