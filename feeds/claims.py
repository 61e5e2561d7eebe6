"""Which article keeps a slug or id that two files claim: the first published."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from feeds.model import Article, Problem


def priority(article: Article) -> tuple[bool, datetime, str]:
    """Return the order in which articles claim a slug or id: the first published keeps it.

    Non-drafts before drafts, then the earliest publication time, then path order. This
    depends on the files alone, so a restart, a cache or an export decides as the running
    server did: a new file can never take the slug or id of an article already out.
    """
    return (article.draft, article.published, article.path)


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
            clash = (
                f"slug '{article.slug}' is already used by {by_slug[article.slug]}; "
                "give this one its own 'slug'"
            )
        elif article.id in by_id:
            clash, field = (
                f"id '{article.id}' is already used by {by_id[article.id]}; ids must be unique",
                "id",
            )
        if clash:
            problems.append(Problem(path=article.path, line=line_of(article, field), message=clash))
            continue
        by_slug[article.slug] = article.path
        by_id[article.id] = article.path
        kept.append(article)
    return kept, problems
