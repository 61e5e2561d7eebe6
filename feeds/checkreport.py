"""What `feeds check` lists: the store's problems, with a broken sections.yaml or
authors.yaml first and what follows from it said once.

A cold check has no last good version of a meta file to stand in while it has errors of
its own, so every article naming a section (or author) it no longer gives gets an
"unknown section" error of its own: a screenful, listed before the file's real error.
The report leads with that file's problems, and says in one line how many articles'
sections (or authors) were not checked because of it. The store's problems stay as they
are: a server's report (/healthz) and the differential tests read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from feeds.load import ARTICLES_DIR
from feeds.meta import AUTHORS_FILE, SECTIONS_FILE
from feeds.model import Problem


@dataclass(frozen=True, slots=True)
class _Cascade:
    """A meta file and the start of the article errors that follow from its breakage."""

    file: str
    kind: str  # what articles name from it, in the plural: "sections", "authors"
    error: str  # how build.py's message starts for a name the file does not give


CASCADES = (
    # Not up to the quote: a name is written as repr() gives it, "O'Brien" in double ones.
    _Cascade(SECTIONS_FILE, "sections", "unknown section "),
    _Cascade(AUTHORS_FILE, "authors", "unknown author "),
)


def report_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Return the problems `feeds check` lists, in order: each broken meta file's own,
    one line for the articles it left unchecked, then the rest, as the store sorts them."""
    rest = sorted(problems)
    first: list[Problem] = []
    for cascade in CASCADES:
        own = [p for p in rest if p.path == cascade.file]
        errors = [p for p in own if p.severity == "error"]
        if not errors:
            continue
        follows = [
            p
            for p in rest
            if p.severity == "error"
            and p.path.startswith(f"{ARTICLES_DIR}/")
            and p.message.startswith(cascade.error)
        ]
        first += own
        if follows:
            articles = len({p.path for p in follows})
            first.append(
                Problem(
                    path=cascade.file,
                    line=errors[0].line,
                    message=f"the {cascade.kind} of {_articles(articles)} were not checked, "
                    f"because {cascade.file} has errors (above); fix them, then check again",
                )
            )
        dropped = set(own) | set(follows)
        rest = [p for p in rest if p not in dropped]
    return first + rest


def _articles(count: int) -> str:
    return "1 article" if count == 1 else f"{count:,} articles"
