"""One article file as the store knows it: what reading, parsing and building its text gave,
and its last good version, which stands in while the file has errors of its own."""

from __future__ import annotations

import hashlib
import operator
import os
from collections.abc import Iterable
from dataclasses import dataclass

from feeds.build import Written, build_article, resolves_alike, written_names
from feeds.context import Context, resolution_key
from feeds.load import ARTICLE_FIELD_NAMES, RawArticle, parse_article
from feeds.model import Article, Problem, Record
from feeds.scan import Signature
from feeds.yamlread import DataError, read_text

_LINE_INDEX = {name: index for index, name in enumerate(ARTICLE_FIELD_NAMES)}


def compact_lines(lines: dict[str, int]) -> str:
    """Return an article's field lines as a string, one character (its code point the line)
    per field in ARTICLE_FIELDS order, 0 where not written: a tenth of the dictionary's
    memory. Lines past chr()'s range (a 1 MB file has at most a million) are clamped."""
    get = lines.get
    return "".join([chr(min(get(name, 0), 0x10FFFF)) for name in ARTICLE_FIELD_NAMES])


def line_in(lines: str, name: str) -> int:
    """Return the line of a field in compact_lines() form (1 if not written)."""
    index = _LINE_INDEX.get(name)
    return (ord(lines[index]) if index is not None and lines else 0) or 1


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def story_digest(raw: RawArticle) -> bytes:
    """Return a digest of an article's title and body, to find copies of one story."""
    story = f"{raw.values['title']}\0{raw.values['body']}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(story).digest()[:8]  # 8 bytes: shared by chance only among billions


@dataclass(frozen=True, slots=True)
class Reading(Record):
    """What reading one article file gave: a built article, or a reading still to build."""

    problems: tuple[Problem, ...]  # the file's own problems (reading and parsing)
    digest: str = ""  # of the text, when it could be used
    raw: RawArticle | None = None  # parsed but not built (no context, or building failed)
    article: Article | None = None  # built in the context of the read
    build_problems: tuple[Problem, ...] = ()
    lines: str = ""  # compact_lines() of a built article's file
    story: bytes = b""  # story_digest(), when it could be parsed
    written: Written | None = None  # written_names() of a built article's file


def read_article_file(
    root: str, rel: str, size: int, max_bytes: int, ctx: Context | None
) -> Reading:
    """Read, parse and (given a context) build one article file.

    A built article comes back without its raw reading, which is let go at once: keeping
    it was a third of a loaded article's memory, and building where the file is parsed
    keeps it from ever reaching the process that serves (see parallel.py).
    """
    try:
        text = read_text(os.path.join(root, rel), rel, max_bytes, size=size)
    except DataError as error:
        return Reading((Problem(path=rel, line=error.line, message=error.message),))
    raw, parse_problems = parse_article(text, rel)
    problems = tuple(parse_problems)  # most are empty: one shared empty tuple, not a list each
    if raw is None:
        return Reading(problems)
    digest, story = digest_of(text), story_digest(raw)
    if ctx is not None:
        article, build_problems = build_article(raw, ctx)
        if article is not None:
            lines, written = compact_lines(raw.lines), written_names(raw)
            return Reading(
                problems, digest, None, article, tuple(build_problems), lines, story, written
            )
    return Reading(problems, digest, raw, story=story)


@dataclass(kw_only=True, slots=True)
class ArticleFile:
    """What we know of one article file: what its text gives now, and its last good version.

    `article` and the problems always describe the file as it is; `kept` is the version
    the catalog last held, which stands in while the file has errors of its own.
    """

    signature: Signature | None = None
    raw: RawArticle | None = None  # the current reading, until it is built (kept if that fails)
    digest: str = ""  # of the current text
    story: bytes = b""  # of the current title and body (story_digest), to find copies
    read_problems: tuple[Problem, ...] = ()
    article: Article | None = None  # built from the current text; None while it has errors
    build_problems: tuple[Problem, ...] = ()
    # What `article` or the failed build was made from: the raw reading itself (not its
    # id(), which a new object can reuse) and the generation of the context it was
    # resolved against.
    built_raw: RawArticle | None = None
    built_generation: int = -1
    # Once built, the raw reading is let go (it was a third of a loaded article's memory)
    # and the file is read again if the context changes; a state restored from the parse
    # cache starts that way. Its field lines are kept, compactly, for problem reports.
    lines: str = ""
    # The section and authors the file names (build.written_names), also kept once built:
    # a meta edit that resolves them alike keeps the article without reading the file.
    written: Written | None = None
    kept: Article | None = None  # the version the catalog last held
    kept_digest: str = ""  # of the text behind `kept`

    def built(
        self,
        article: Article,
        problems: tuple[Problem, ...],
        lines: str,
        generation: int,
        written: Written,
    ) -> None:
        """Keep a newly built article and let its raw reading go."""
        self.article, self.build_problems, self.lines = article, problems, lines
        self.written = written
        self.built_generation = generation
        self.raw = self.built_raw = None

    def unreadable(self, problems: tuple[Problem, ...], digest: str = "") -> None:
        """Record a reading that gave no article: only its problems describe the file now."""
        self.read_problems, self.digest = problems, digest
        self.article, self.raw, self.built_raw, self.build_problems = None, None, None, ()

    @property
    def broken(self) -> bool:
        """Return whether the file has errors of its own (a clash is not one of them)."""
        return any(p.severity == "error" for p in self.read_problems + self.build_problems)

    def build(self, raw: RawArticle, ctx: Context, generation: int) -> None:
        """Build the file's current reading in the context of this generation."""
        article, build_problems = build_article(raw, ctx)
        if article is not None:
            lines, written = compact_lines(raw.lines), written_names(raw)
            self.built(article, tuple(build_problems), lines, generation, written)
        else:
            self.article, self.build_problems = None, tuple(build_problems)
            self.built_raw, self.built_generation = raw, generation
            self.lines = compact_lines(raw.lines)

    def cache_entry(self) -> tuple:
        """Return what the parse cache keeps of this file (see from_cache)."""
        return (
            self.signature,
            self.lines,
            self.digest,
            self.read_problems,
            self.article,
            self.build_problems,
            self.raw,
            (self.kept, self.kept_digest) if self.kept is not None else None,
            self.story,
            self.written,
        )

    @classmethod
    def from_cache(cls, cached: tuple, generation: int) -> ArticleFile:
        """Return a file's state as the parse cache holds it, built in this generation."""
        (signature, lines, digest, read_problems, article, build_problems, raw, kept, story,
         written) = cached  # fmt: skip
        return cls(
            signature=signature,
            lines=lines,
            digest=digest,
            story=story,
            read_problems=read_problems,
            article=article,
            build_problems=build_problems,
            raw=raw,  # a reading whose build failed: built again, which is cheap
            built_generation=generation,
            kept=kept[0] if kept else None,
            kept_digest=kept[1] if kept else "",
            written=written,
        )


def cached_signature(cached: tuple) -> Signature:
    """Return the signature of the file a parse cache entry was read from."""
    return cached[0]


def usable_elsewhere(cached: tuple, ctx: Context) -> bool:
    """Return whether a parse cache entry written under other meta files (but the same
    resolution key) is good in `ctx` as it is: an article that resolves alike
    (build.resolves_alike: the same article and problems as building it again, as
    carry_over keeps one after a meta edit); a reading whose build failed (it is built
    again in `ctx`: from_cache); or a file that could not be read (its problems are its
    own). Any other is read again."""
    article, raw, written = cached_article(cached), cached[6], cached[9]
    if article is None:
        return True
    return raw is None and written is not None and resolves_alike(written, article, ctx)


def cached_article(cached: tuple) -> Article | None:
    """Return the article a parse cache entry holds (None when its file had errors)."""
    return cached[4]


def cached_kept(cached: tuple) -> tuple[Article, str] | None:
    """Return the last good version (and its text's digest) a parse cache entry holds."""
    return cached[7]


def carry_over(
    files: Iterable[ArticleFile], previous: Context | None, ctx: Context | None, generation: int
) -> int:
    """Keep in `generation` (the new context's) every article built in the one before that
    `ctx` resolves alike (build.resolves_alike), so that a meta edit reads again only the
    files whose section or authors now resolve otherwise; return how many were kept.
    Under another site url, id authority, timezone or size limit every file is read again.
    """
    if previous is None or ctx is None:
        return 0
    if resolution_key(previous.config) != resolution_key(ctx.config):
        return 0
    kept = 0
    for state in files:
        article = state.article
        if (
            state.raw is None
            and article is not None
            and state.written is not None
            and state.built_generation == generation - 1
            and resolves_alike(state.written, article, ctx)
        ):
            state.built_generation = generation
            kept += 1
    return kept


def entry_mark(entry: tuple) -> tuple:
    """Return what tells a parse cache entry apart from the one written before: its parts,
    compared by identity (an unchanged file keeps its objects), whether its bodies'
    renderings go with it and whether its article's digest does (see same_mark)."""
    kept = entry[7] or (None, "")
    article = entry[4]
    return (
        *entry[:7],
        *kept,
        *entry[8:],
        article is not None and article.body.kept,
        kept[0] is not None and kept[0].body.kept,
        article is not None and bool(article.digest),  # worked out since: written with it
    )


def same_mark(one: tuple, other: tuple) -> bool:
    """Return whether two entry_mark()s are of the same entry, part for part."""
    return len(one) == len(other) and all(map(operator.is_, one, other))  # in C
