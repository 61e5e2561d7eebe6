"""Article files to RawArticles: each file's fields read as the table ARTICLE_FIELDS declares.

A RawArticle holds the values and their lines, with no cross-references, so that a live
reload redoes only what changed: build.py resolves it into an Article.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from feeds import yamlread, yamlslips
from feeds.fields import (
    SEQ_TAG,
    STR_TAG,
    Fields,
    as_bool,
    as_int,
    as_text_list,
    as_url,
    as_written_date,
    line_of,
)
from feeds.model import Image, Problem, Record
from feeds.yamlread import DEFAULT_MAX_FILE_BYTES, DataError, read_text

ARTICLES_DIR = "articles"
ARTICLE_SUFFIXES = (".yaml", ".yml")  # in any case: story.YAML is an article too


# --- The fields of an article file ----------------------------------------------------------

# How a field's value is read from the file: (the file's fields, the field's name, whether
# it is required) to the value, each problem reported through the Fields.
Reader = Callable[[Fields, str, bool], Any]


@dataclass(frozen=True, slots=True)
class ArticleField:
    """A field an article file may have: its name, how it is read, whether it is required."""

    name: str
    read: Reader
    required: bool = False
    alias_of: str = ""  # another name for that field, read with it ('author' for 'authors')
    example: str = ""  # for a required field: what to add when it is missing


def _line_text(f: Fields, name: str, required: bool) -> str | None:
    return f.text(name, required)


def _block_text(f: Fields, name: str, required: bool) -> str | None:
    return f.text(name, required, line=False)


def _written_date(f: Fields, name: str, required: bool) -> str | None:
    return f.get(name, as_written_date, required)  # read in build_article, in the site's zone


def _text_list(f: Fields, name: str, required: bool) -> list[tuple[str, int]]:
    return f.get(name, as_text_list, required) or []


def _flag(f: Fields, name: str, required: bool) -> bool:
    return bool(f.get(name, as_bool, required))


def _url(f: Fields, name: str, required: bool) -> str | None:
    return f.get(name, as_url, required)


def _authors(f: Fields, name: str, required: bool) -> list[tuple[str, int]] | None:
    """Read 'authors', or 'author' for one: a list (or one) of names, and their lines."""
    if f.has("authors") and f.has("author"):
        f.problem(f.key_line("author"), "give either 'authors' or 'author', not both")
        return None
    if not (f.has("authors") or f.has("author")):
        if required:
            f.missing("authors", " (or 'author')")
        return None
    written = "authors" if f.has("authors") else "author"
    names = f.get(written, as_text_list)
    if not names:
        f.problem(f.key_line(written), f"'{written}' is empty; name at least one author")
    return names


def _image(f: Fields, name: str, required: bool) -> Image | None:
    return _read_image(f, f.problems, f.path) if f.has(name) else None


def _corrections(f: Fields, name: str, required: bool) -> list[tuple[str, int, str]]:
    return _read_corrections(f, f.problems, f.path) if f.has(name) else []


def _retraction(f: Fields, name: str, required: bool) -> tuple[str, int, str] | None:
    return _read_retraction(f, f.problems, f.path) if name in f.nodes else None


# The parse cache keeps each field's line by its index here (filestate.compact_lines), so new
# fields go at the end.
ARTICLE_FIELDS = (
    ArticleField(
        "title",
        _line_text,
        required=True,
        example="a line like title: Kharkiv trains a new generation of drone crews",
    ),
    ArticleField("subtitle", _line_text),
    ArticleField(
        "section",
        _line_text,
        required=True,
        example="a line like section: war (a section's slug or title, as in sections.yaml)",
    ),
    ArticleField(
        "authors",
        _authors,
        required=True,
        example="a line like authors: [olena-marchuk] (slugs or names, as in authors.yaml)",
    ),
    ArticleField("author", _authors, alias_of="authors"),
    ArticleField(
        "published",
        _written_date,
        required=True,
        example="a line like published: 2026-02-10 08:15 (when it went out)",
    ),
    ArticleField("updated", _written_date),
    ArticleField("tags", _text_list),
    ArticleField("summary", _line_text),
    ArticleField(
        "body",
        _block_text,
        required=True,
        example="the line body: | with the article below it, in Markdown, each line "
        "indented by two spaces",
    ),
    ArticleField("image", _image),
    ArticleField("draft", _flag),
    ArticleField("slug", _line_text),
    ArticleField("id", _line_text),
    ArticleField("url", _url),
    ArticleField("corrections", _corrections),
    ArticleField("retraction", _retraction),
    ArticleField("expires", _written_date),
)
ARTICLE_FIELD_NAMES = tuple(article_field.name for article_field in ARTICLE_FIELDS)
ARTICLE_EXAMPLES = {spec.name: spec.example for spec in ARTICLE_FIELDS if spec.example}
IMAGE_EXAMPLES = {
    "url": "a line like url: https://news.example.org/media/photo.jpg, indented under image: "
    "like its other lines"
}
IMAGE_FIELDS = ("url", "caption", "credit", "alt", "type", "length", "width", "height")
CORRECTION_FIELDS = ("date", "text")
RETRACTION_FIELDS = ("date", "reason")
RETRACTION_EXAMPLE = (
    "'retraction:' with 'date: 2026-02-12 09:00' and 'reason: Why it was taken back' "
    "indented below it"
)
CORRECTION_EXAMPLE = (
    "'- date: 2026-02-11 10:00' with 'text: What was wrong, and what is right' below it"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class RawArticle(Record):
    """One article file as written: values checked for type, not yet resolved."""

    path: str
    values: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, name: str) -> int:
        return self.lines.get(name, 1)


def read_article(
    root: Path, rel: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> tuple[RawArticle | None, list[Problem]]:
    """Read one article file into a RawArticle; None when it cannot be used at all."""
    try:
        text = read_text(root / rel, rel, max_bytes)
    except DataError as error:
        return None, [Problem(path=rel, line=error.line, message=error.message)]
    return parse_article(text, rel)


def parse_article(text: str, rel: str) -> tuple[RawArticle | None, list[Problem]]:
    """Parse one article file's text into a RawArticle; None when it cannot be used at all."""
    problems: list[Problem] = []
    try:
        node = yamlread.compose(text, ARTICLE_FIELD_NAMES)
    except DataError as error:
        return None, [Problem(path=rel, line=error.line, message=error.message)]
    if node is None:
        return None, [Problem(path=rel, line=1, message="file is empty")]
    f = Fields(node, rel, problems, "an article file", ARTICLE_EXAMPLES)
    if not isinstance(node, MappingNode):
        return None, problems
    f.check_known(ARTICLE_FIELD_NAMES)
    _warn_slips(f, text, node)
    values = {
        spec.name: spec.read(f, spec.name, spec.required)
        for spec in ARTICLE_FIELDS
        if not spec.alias_of
    }
    lines = {name: f.key_line(name) for name in f.nodes}
    lines["authors"] = f.key_line("authors" if "authors" in f.nodes else "author")
    if any(p.severity == "error" for p in problems):
        return None, problems
    return RawArticle(path=rel, values=values, lines=lines), problems


def _warn_slips(f: Fields, text: str, node: Node) -> None:
    """Warn about values YAML reads otherwise than the editor wrote them: a " #" or "&" in
    a value, a comma where a list was meant, a folded body that joins Markdown blocks."""
    for line, message in yamlslips.value_slips(text, node, lists=("tags", "authors", "author")):
        f.problem(line, message, severity="warning")
    lists = (
        ("tags", "tag", "tags"),
        ("authors", "author", "authors"),
        ("author", "author", "authors"),
    )
    for name, one, listed in lists:
        if name in f.nodes:
            message = yamlslips.comma_list(name, f.nodes[name][1], one, listed)
            if message:
                f.problem(f.key_line(name), message, severity="warning")
    if "body" in f.nodes:
        message = yamlslips.folded_markdown(text, f.nodes["body"][1], "body")
        if message:
            f.problem(f.key_line("body"), message, severity="warning")


def _read_image(parent: Fields, problems: list[Problem], rel: str) -> Image | None:
    node = parent.nodes["image"][1]
    if isinstance(node, ScalarNode) and node.tag == STR_TAG:
        url = parent.get("image", as_url)
        return Image(url=url) if url else None
    f = Fields(node, rel, problems, "'image'", IMAGE_EXAMPLES)
    if not f.nodes:
        return None
    f.check_known(IMAGE_FIELDS)
    url = f.get("url", as_url, required=True)
    length = f.get("length", as_int)
    if length is not None and length <= 0:
        f.problem(f.key_line("length"), "image 'length' must be the file's size in bytes, above 0")
        length = None
    width, height = _pixels(f, "width"), _pixels(f, "height")
    kind = f.text("type")
    if kind and not re.fullmatch(r"[\w.+-]+/[\w.+-]+", kind):
        f.problem(f.key_line("type"), f"image 'type' {kind!r} is not a media type like image/jpeg")
        kind = None
    if url is None:
        return None
    return Image(
        url=url,
        caption=f.text("caption") or "",
        credit=f.text("credit") or "",
        alt=f.text("alt") or "",
        type=kind or _guess_image_type(url),
        length=length,
        width=width,
        height=height,
    )


def _pixels(f: Fields, name: str) -> int | None:
    """Return an image's width or height: a whole number of pixels above 0, or None."""
    if not f.has(name):
        return None
    key, node = f.nodes[name]
    value = (
        node.value.strip().lower().removesuffix("px").strip()
        if isinstance(node, ScalarNode)
        else ""
    )
    if value.isdigit() and int(value) > 0 and node.tag in (STR_TAG, "tag:yaml.org,2002:int"):
        return int(value)
    written = node.value if isinstance(node, ScalarNode) else "a list or mapping"
    f.problem(
        line_of(key),
        f"image '{name}' must be the picture's {name} in pixels, a whole number above 0 "
        f"like {name}: {1200 if name == 'width' else 800}, not {written!r}",
    )
    return None


def _read_corrections(
    parent: Fields, problems: list[Problem], rel: str
) -> list[tuple[str, int, str]]:
    """Return each correction as (date as written, the date's line, text).

    The dates are read in build_article, which knows the site's timezone.
    """
    node = parent.nodes["corrections"][1]
    if not isinstance(node, SequenceNode) or node.tag != SEQ_TAG:
        parent.problem(
            line_of(node),
            f"'corrections' must be a list of entries, each with a date and a text, like "
            f"{CORRECTION_EXAMPLE}",
        )
        return []
    corrections = []
    for item in node.value:
        if not isinstance(item, MappingNode):
            parent.problem(
                line_of(item),
                f"each correction needs a date and a text on lines of their own, like "
                f"{CORRECTION_EXAMPLE}",
            )
            continue
        f = Fields(item, rel, problems, "each correction")
        f.check_known(CORRECTION_FIELDS)
        written, text = _date_and_text(
            f,
            problems,
            "text",
            "correction has no 'date'; add when it was made, like 2026-02-11 10:00",
            "correction has no 'text'; write what was wrong and what is right, like "
            "'An earlier version of this article gave the wrong date of the vote.'",
        )
        if written and text:
            corrections.append((written, f.key_line("date"), text))
    return corrections


def _date_and_text(
    f: Fields, problems: list[Problem], text_field: str, no_date: str, no_text: str
) -> tuple[str | None, str | None]:
    """Return a dated note's date as written and its text (a correction, a retraction),
    each reported at its line when missing or blank."""
    if not f.has("date"):
        f.problem(f.key_line("date"), no_date)
    written = f.get("date", as_written_date)
    reported = len(problems)
    text = f.text(text_field)
    if text is None and len(problems) == reported:  # not there, or blank
        f.problem(f.key_line(text_field), no_text)
    return written, text


def _read_retraction(
    parent: Fields, problems: list[Problem], rel: str
) -> tuple[str, int, str] | None:
    """Return the retraction as (date as written, the date's line, reason), or None.

    Both are required: the date says when the article left, from the file alone (never
    from when a server noticed), and the reason is what readers and platforms are told.
    """
    node = parent.nodes["retraction"][1]
    if not isinstance(node, MappingNode):
        parent.problem(
            line_of(node),
            f"'retraction' needs a date and a reason on lines of their own, like "
            f"{RETRACTION_EXAMPLE}",
        )
        return None
    f = Fields(node, rel, problems, "'retraction'")
    f.check_known(RETRACTION_FIELDS)
    written, reason = _date_and_text(
        f,
        problems,
        "reason",
        "retraction has no 'date'; add when the article was taken back, like "
        "date: 2026-02-12 09:00",
        "retraction has no 'reason'; write in a sentence why the article was taken "
        "back, like 'reason: The article relied on a document that proved to be forged.'",
    )
    if written and reason:
        return written, f.key_line("date"), reason
    return None


def _guess_image_type(url: str) -> str:
    ext = url.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
    return {
        "png": "image/png",
        "gif": "image/gif",
        "webp": "image/webp",
        "avif": "image/avif",
        "svg": "image/svg+xml",
    }.get(ext, "image/jpeg")
