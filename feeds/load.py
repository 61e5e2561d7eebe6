"""Data files to records, every problem collected with its file and line.

Each YAML file is *composed* (parsed to nodes, never constructed into Python
objects), so no tag can run code, every value keeps the line it came from, and
YAML's implicit typing (``title: no`` is a boolean, ``12:30`` a number) is caught
before it reaches a reader as "False" or "750".

Articles load in two steps so that a live reload can redo only what changed:
``read_article`` turns one file into a ``RawArticle`` (fields and their lines, no
cross-references), and ``build_article`` resolves it against the site, sections and
authors into an ``Article``.
"""

from __future__ import annotations

import codecs
import difflib
import email.utils
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateutil.parser
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from feeds import yamlhelp
from feeds.model import Article, Author, Correction, Image, Problem, Record, Section, Site
from feeds.scaffold import holds_placeholder
from feeds.text import (
    SUMMARY_LIMIT,
    Body,
    body_warnings,
    clean_url,
    slugify,
    tag_slug,
    tidy_line,
    xml_safe,
)

# libyaml's C loader is several times faster; the pure one is the same grammar.
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _lean(loader: type) -> type:
    """Return `loader` with PyYAML's per-node resolver calls made cheaper, same results.

    Composing calls three Python methods for every node: two that only matter for path
    resolvers (the safe loader has none) and resolve(), which looks up the implicit-type
    patterns for the scalar's first character and concatenates two lists each time. They
    were a fifth of composing an article. The patterns are read once, here: the YAML 1.1
    rules as the safe loader has them (null, bool, int, float, timestamp, merge, value).
    """
    implicit = loader.yaml_implicit_resolvers
    anywhere = tuple(implicit.get(None, ()))
    by_first = {first: tuple(found) + anywhere for first, found in implicit.items() if first}
    by_first[""] = tuple(implicit.get("", ())) + anywhere
    str_tag = loader.DEFAULT_SCALAR_TAG
    seq_tag, map_tag = loader.DEFAULT_SEQUENCE_TAG, loader.DEFAULT_MAPPING_TAG
    assert not loader.yaml_path_resolvers

    class Lean(loader):  # type: ignore[misc, valid-type]
        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

        def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
            if kind is ScalarNode:
                if implicit[0]:
                    for tag, pattern in by_first.get(value[:1], anywhere):
                        if pattern.match(value):
                            return tag
                return str_tag
            return seq_tag if kind is SequenceNode else map_tag

    Lean.__name__ = Lean.__qualname__ = f"Lean{loader.__name__}"
    return Lean


SITE_FILE = "site.yaml"
SECTIONS_FILE = "sections.yaml"
AUTHORS_FILE = "authors.yaml"
ARTICLES_DIR = "articles"
ARTICLE_SUFFIXES = (".yaml", ".yml")  # in any case: story.YAML is an article too
DEFAULT_MAX_FILE_BYTES = 1_000_000

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TYPE_NAMES = {
    "tag:yaml.org,2002:bool": "a true/false value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:null": "nothing (an empty value)",
}


class DataError(Exception):
    """A value is wrong; the message says what would be right."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return ``; did you mean 'x'?`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word.casefold(), [c.casefold() for c in choices], n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# --- Files to nodes ---------------------------------------------------------------------


def read_text(
    path: Path | str, rel: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES, size: int | None = None
) -> str:
    """Return a data file's text, raising DataError for unreadable, oversized or non-UTF-8 files.

    `size`, when the caller has just stat'ed the file, saves a second stat.
    """
    try:
        if size is None:
            size = os.stat(path).st_size
        if size > max_bytes:
            raise DataError(
                f"file is {size:,} bytes, over the limit of {max_bytes:,} "
                "(max_file_bytes in site.yaml); split it or raise the limit",
                1,
            )
        data = _read_bounded(path, size, max_bytes)
        if len(data) > max_bytes:
            raise DataError(
                f"file is over the limit of {max_bytes:,} bytes (max_file_bytes "
                "in site.yaml); split it or raise the limit",
                1,
            )
    except FileNotFoundError:
        raise DataError("file disappeared while it was being read", 1) from None
    except IsADirectoryError:
        raise DataError("is a folder, not a file", 1) from None
    except OSError as error:
        raise DataError(f"cannot be read: {error.strerror or error}", 1) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(
            f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save it as UTF-8", line
        ) from None


def _read_bounded(path: Path | str, size: int, max_bytes: int) -> bytes:
    """Return a file's bytes, at most max_bytes + 1 of them (a file may grow after its stat).

    The first read asks for the size the stat gave, plus one byte to notice growth: asking
    for max_bytes at once would allocate a megabyte for every 3 KB article, which took
    longer than the read itself.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, min(size, max_bytes) + 1)
        while data and len(data) <= max_bytes:
            more = os.read(fd, min(65536, max_bytes + 1 - len(data)))
            if not more:
                break
            data += more
        return data
    finally:
        os.close(fd)


def compose(text: str, fields: Iterable[str] = ()) -> Node | None:
    """Parse YAML text to its node tree with the safe loader, raising DataError on errors.

    A syntax error is reported at the line of the slip that caused it, when it is a common
    one, with the fix (see yamlhelp); `fields` are the names the file's fields may have.
    """
    try:
        return yaml.compose(text, Loader=_lean(SafeLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(str(p) for p in (error.context, error.problem) if p)
        if "expected a single document" in what:
            what = "holds more than one YAML document (a line with ---); keep one article per file"
            raise DataError(f"YAML syntax error: {what}", line) from None
        explained = yamlhelp.explain(text, error, fields)
        if explained is not None:
            raise DataError(explained[1], explained[0]) from None
        raise DataError(f"YAML syntax error: {what}", line) from None
    except yaml.reader.ReaderError as error:
        # Raised before parsing, with a character position instead of a mark.
        position = error.position if isinstance(error.position, int) else 0
        line = text[:position].count("\n") + 1
        raise DataError(
            f"contains the control character U+{error.character:04X}, which YAML does not "
            "allow in a file; delete it",
            line,
        ) from None
    except yaml.YAMLError as error:
        raise DataError(f"YAML error: {error}", 1) from None
    except RecursionError:
        raise DataError("YAML is nested too deeply to be an article", 1) from None


def load_node(
    path: Path,
    rel: str,
    text: str | None = None,
    fields: Iterable[str] = (),
    problems: list[Problem] | None = None,
) -> Node:
    """Return the root node of a data file (or of its text, already read), raising
    DataError for anything unreadable.

    Given `problems`, warnings for values YAML reads otherwise than they look (a " #" in a
    one-line value, an anchor) are added to it.
    """
    if text is None:
        text = read_text(path, rel)
    root = compose(text, fields)
    if root is None:
        raise DataError("file is empty", 1)
    if problems is not None:
        for line, message in yamlhelp.value_slips(text, root):
            problems.append(Problem(path=rel, line=line, message=message, severity="warning"))
    return root


# --- Nodes to values --------------------------------------------------------------------


class _Fields:
    """A YAML mapping read field by field, collecting problems rather than raising."""

    def __init__(self, node: Node, path: str, problems: list[Problem], what: str):
        self.path = path
        self.problems = problems
        self.line = _line(node)
        self.nodes: dict[str, tuple[Node, Node]] = {}
        if not isinstance(node, MappingNode):
            self.problem(self.line, f"{what} must be a mapping of field: value lines")
            return
        if node.tag != _MAP:
            self.problem(self.line, f"{what} has the YAML tag {node.tag}, which is not allowed")
            return
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag != _STR:
                self.problem(_line(key), "a field name must be plain text")
                continue
            if key.value in self.nodes:
                first = _line(self.nodes[key.value][0])
                self.problem(
                    _line(key),
                    f"field '{key.value}' appears twice (first on line {first}); keep one",
                )
                continue
            self.nodes[key.value] = (key, value)

    def problem(self, line: int, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(path=self.path, line=line, message=message, severity=severity))

    def check_known(self, known: Iterable[str]) -> None:
        known = list(known)
        for name, (key, _) in self.nodes.items():
            if name not in known:
                message = f"unknown field '{name}'{suggest(name, known)}"
                hidden = yamlhelp.invisible_in(name)
                if hidden:
                    message = (
                        f"the field name {name.strip(' ' + yamlhelp.INVISIBLE)!r} has an invisible "
                        f"{hidden} in it (usually pasted from Word or Google Docs); delete it"
                    )
                self.problem(_line(key), message, severity="error")

    def key_line(self, name: str) -> int:
        return _line(self.nodes[name][0]) if name in self.nodes else self.line

    def has(self, name: str) -> bool:
        return name in self.nodes and not _is_null(self.nodes[name][1])

    def get(self, name: str, convert: Callable[[str, Node], Any], required: bool = False) -> Any:
        if name not in self.nodes:
            if required:
                self.problem(self.line, f"missing required field '{name}'")
            return None
        key, value = self.nodes[name]
        if _is_null(value):
            if required:
                self.problem(_line(key), f"'{name}' is empty; give it a value")
            return None
        try:
            return convert(name, value)
        except DataError as error:
            self.problem(error.line, error.message)
            return None

    def text(self, name: str, required: bool = False, line: bool = True) -> str | None:
        value = self.get(name, _text, required)
        if value is None:
            return None
        value = tidy_line(value) if line else xml_safe(value).strip()
        if not value and required:
            self.problem(self.key_line(name), f"'{name}' is blank; give it some text")
            return None
        return value or None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _text(name: str, node: Node) -> str:
    if isinstance(node, ScalarNode):
        if node.tag == _STR:
            return node.value
        if node.tag in _TYPE_NAMES:
            return _wrong_type(name, node)
        tag, hint = _written_tag(node), _tag_hint(name, node)
        raise DataError(
            f"'{name}' has the YAML tag {tag}, which is not allowed here{hint}", _line(node)
        )
    kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
    raise DataError(f"'{name}' must be text, not {kind}{_colon_hint(node)}", _line(node))


def _colon_hint(node: Node) -> str:
    """Return how to keep "Kyiv: the plan" as text where YAML read it as a field."""
    if not isinstance(node, MappingNode) or len(node.value) != 1:
        return ""
    key, value = node.value[0]
    if not (isinstance(key, ScalarNode) and isinstance(value, ScalarNode)) or value.style:
        return ""
    if key.start_mark.line != value.end_mark.line:
        return ""
    return (
        f'; if the ": " is part of the text, put it all in double quotes: '
        f"{yamlhelp.quote(f'{key.value}: {value.value}')}"
    )


def _written_tag(node: Node) -> str:
    """Return a node's tag as the editor wrote it: !!binary, not tag:yaml.org,2002:binary."""
    return node.tag.replace("tag:yaml.org,2002:", "!!", 1)


def _tag_hint(name: str, node: ScalarNode) -> str:
    """Return how to keep a value that starts with "!" as text (YAML read it as a tag)."""
    if node.style:
        return ""
    return (
        f'; if the "!" is part of the text, put the whole {name} in double quotes: '
        f"{name}: {yamlhelp.quote(f'{_written_tag(node)} {node.value}'.strip())}"
    )


def _wrong_type(name: str, node: ScalarNode) -> str:
    raise DataError(
        f"'{name}': YAML reads {node.value} as {_TYPE_NAMES[node.tag]}, not text; "
        f'put it in quotes: {name}: "{node.value}"',
        _line(node),
    )


def _text_list(name: str, node: Node) -> list[tuple[str, int]]:
    """Return [(text, line)] from one text value or a list of them."""
    if isinstance(node, SequenceNode) and node.tag != _SEQ:
        raise DataError(f"'{name}' has the YAML tag {node.tag}, which is not allowed", _line(node))
    items = node.value if isinstance(node, SequenceNode) else [node]
    out = []
    for item in items:
        if _is_null(item):
            continue
        value = tidy_line(_text(name, item))
        if value:
            out.append((value, _line(item)))
    return out


def _raw_scalar(name: str, node: Node) -> str:
    """Return a scalar's text as written, whatever YAML would type it as (for dates)."""
    if not isinstance(node, ScalarNode) or node.tag not in (_STR, "tag:yaml.org,2002:timestamp"):
        if isinstance(node, ScalarNode) and node.tag in _TYPE_NAMES:
            raise DataError(
                f"'{name}': YAML reads {node.value} as {_TYPE_NAMES[node.tag]}, not a date; "
                "write a date and time like 2026-02-10 14:05",
                _line(node),
            )
        raise DataError(f"'{name}' must be a date and time like 2026-02-10 14:05", _line(node))
    return node.value


def _bool(name: str, node: Node) -> bool:
    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
        return node.value.lower() in ("true", "yes", "on", "y")
    raise DataError(f"'{name}' must be true or false, not {node.value!r}", _line(node))


def _int(name: str, node: Node) -> int:
    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:int":
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            pass
    raise DataError(f"'{name}' must be a whole number, not {node.value!r}", _line(node))


def _url(name: str, node: Node) -> str:
    value = _text(name, node).strip()
    if not re.match(r"(?i)https?://[^/\s]", value):
        raise DataError(
            f"'{name}' must be an absolute http:// or https:// URL, not {value!r}", _line(node)
        )
    cleaned = clean_url(value)
    if cleaned is None:
        raise DataError(f"'{name}' is not a usable URL: {value!r}", _line(node))
    return cleaned


def _url_list(name: str, node: Node) -> list[tuple[str, int]]:
    """Return [(url, line)] from one URL or a list of them."""
    if isinstance(node, SequenceNode) and node.tag != _SEQ:
        raise DataError(f"'{name}' has the YAML tag {node.tag}, which is not allowed", _line(node))
    items = node.value if isinstance(node, SequenceNode) else [node]
    return [(_url(name, item), _line(item)) for item in items if not _is_null(item)]


# --- Dates ------------------------------------------------------------------------------


class _UnknownZone(Exception):
    pass


def _zone_for(name: str | None, offset: int | None) -> timezone | None:
    if name is None and offset is None:
        return None  # no zone written: the caller applies the site's
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    if name and name.upper() in ("UTC", "GMT", "Z", "UT"):
        return UTC
    raise _UnknownZone(name)


# Dates outside these are typing mistakes to readers (the W3C validator calls them
# "implausible"): a scheduled article in 2300 would never appear, an `updated` in 2300
# would date the whole feed.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_AMBIGUOUS = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b")
# dateutil reads "GMT+2" the POSIX way (two hours *behind*); people mean +02:00.
_NAMED_OFFSET = re.compile(r"\b(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\b", re.IGNORECASE)
# Year 1 shows a missing year; a 1 in month or day may be real, so a second parse with
# another default tells (see _parse_any).
_DEFAULTS = (datetime(1, 1, 1), datetime(1, 2, 2))
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_WRITTEN = re.compile(
    r"(?P<month>[A-Za-z]+)\.? (?P<day>\d{1,2}), (?P<year>\d{4}),? "
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?: ?(?P<ampm>[AaPp]\.?[Mm]\.?))?"
)


def parse_datetime(written: str, zone: ZoneInfo) -> datetime:
    """Return an aware UTC datetime for a date written in any common form.

    A time with no zone is in `zone` (the site's). Numeric day/month forms such as
    03/04/2026 are refused when both readings are possible, rather than guessed.
    """
    text = written.strip()
    ambiguous = _AMBIGUOUS.match(text)
    if ambiguous:
        first, second = int(ambiguous[1]), int(ambiguous[2])
        year = int(ambiguous[3]) + (2000 if len(ambiguous[3]) == 2 else 0)
        if first <= 12 and second <= 12 and first != second:
            raise ValueError(
                f"{text!r} could be day/month or month/day; write it as "
                f"{year}-{first:02d}-{second:02d} or {year}-{second:02d}-{first:02d}"
            )
    parsed = _parse_common(text)
    if parsed is None:
        parsed = _parse_any(written, text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01 in a zone east of UTC, 9999-12-31 west of it
        raise ValueError(f"{text!r} is outside the calendar") from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError(
            f"{text!r} is not between {EARLIEST.year} and {LATEST.year - 1}: feed readers "
            "and validators take such dates for mistakes"
        )
    return moment


_RFC2822 = re.compile(
    r"(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UTC?)"
)


def _parse_common(text: str) -> datetime | None:
    """Return the two commonest machine-written forms quickly, or None for the rest.

    ISO 8601 and RFC 2822 are read by the standard library in microseconds; dateutil
    takes about 100 us, which is a third of a second for 10,000 articles on every load.
    """
    if text[:4].isdigit() and text[4:5] == "-" and len(text) >= 10:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    if _RFC2822.fullmatch(text):
        try:
            return email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    written = _WRITTEN.fullmatch(text)  # newsroom style: "Feb. 10, 2026 2:05 PM"
    if written and written["month"].lower() in _MONTHS:
        hour = int(written["hour"])
        if written["ampm"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if written["ampm"][0] in "Pp" else 0)
        try:
            return datetime(
                int(written["year"]),
                _MONTHS[written["month"].lower()],
                int(written["day"]),
                hour,
                int(written["minute"]),
            )
        except ValueError:
            return None
    return None


def _parse_any(written: str, text: str) -> datetime:
    """Return a date in any form dateutil reads, refusing one with a part missing."""
    text = _NAMED_OFFSET.sub(lambda m: f" {m[1]}{int(m[2]):02d}:{m[3] or '00'}", text)
    try:
        first = dateutil.parser.parse(text, tzinfos=_zone_for, default=_DEFAULTS[0])
        if first.month == 1 or first.day == 1:
            second = dateutil.parser.parse(text, tzinfos=_zone_for, default=_DEFAULTS[1])
        else:
            second = first
    except _UnknownZone as error:
        raise ValueError(
            f"unknown time zone {error.args[0]!r} in {text!r}; write an offset like +02:00"
        ) from None
    except (ValueError, OverflowError):
        raise ValueError(
            f"cannot read {text!r} as a date; write it like 2026-02-10 14:05 or "
            "2026-02-10T14:05:00+02:00"
        ) from None
    if first.year == 1 or first.date() != second.date():
        raise ValueError(
            f"{written.strip()!r} lacks a day, month or year; write the full date, "
            "like 2026-02-10 14:05"
        )
    return first


# --- Site, sections, authors ------------------------------------------------------------

SITE_FIELDS = (
    "title", "url", "language", "description", "timezone", "items_per_feed", "max_age",
    "archive_size", "archive_max_age", "copyright", "icon", "logo", "max_file_bytes",
    "stale_while_revalidate", "stale_if_error", "hubs", "purge_webhook", "id_authority",
)  # fmt: skip
# RFC 4151 taggingEntity authorities: a DNS name or an email address.
_AUTHORITY = re.compile(
    r"(?:[^@\s]+@)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class SiteConfig:
    """site.yaml as read: the Site plus settings the loader itself needs."""

    site: Site
    zone: ZoneInfo
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


def load_site(root: Path, text: str | None = None) -> tuple[SiteConfig | None, list[Problem]]:
    """Read site.yaml (or its text, when the caller has read it)."""
    problems: list[Problem] = []
    try:
        node = load_node(root / SITE_FILE, SITE_FILE, text, SITE_FIELDS, problems)
    except DataError as error:
        return None, [Problem(path=SITE_FILE, line=error.line, message=error.message)]
    f = _Fields(node, SITE_FILE, problems, "site.yaml")
    f.check_known(SITE_FIELDS)
    title = f.text("title", required=True)
    url = f.get("url", _url, required=True)
    zone_name = f.text("timezone") or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        f.problem(
            f.key_line("timezone"),
            f"unknown timezone {zone_name!r}; use an IANA name like Europe/Kyiv or UTC",
        )
        zone = ZoneInfo("UTC")

    def number(name: str, minimum: int, default: int) -> int:
        value = f.get(name, _int)
        if value is None:
            return default
        if value < minimum:
            f.problem(f.key_line(name), f"'{name}' must be {minimum} or more")
            return default
        return value

    items = number("items_per_feed", 1, 50)
    max_age = number("max_age", 0, 300)
    archive_size = number("archive_size", 1, items)
    archive_max_age = number("archive_max_age", 0, 86400)
    max_bytes = number("max_file_bytes", 1, DEFAULT_MAX_FILE_BYTES)
    stale_while_revalidate = number("stale_while_revalidate", 0, 0)
    stale_if_error = number("stale_if_error", 0, 0)
    hubs = tuple(url for url, _ in f.get("hubs", _url_list) or [])
    # Every field is read before deciding, so that every problem is reported at once.
    language = f.text("language") or "en"
    description = f.text("description")
    copyright_ = f.text("copyright")
    icon, logo = f.get("icon", _url), f.get("logo", _url)
    purge_webhook = f.get("purge_webhook", _url)
    id_authority = _id_authority(f, url)
    if any(p.severity == "error" for p in problems) or title is None or url is None:
        return None, problems
    site = Site(
        title=title,
        url=url.rstrip("/"),
        language=language,
        description=description or title,
        timezone=zone_name,
        items_per_feed=items,
        max_age=max_age,
        archive_size=archive_size,
        archive_max_age=archive_max_age,
        copyright=copyright_,
        icon=icon,
        logo=logo,
        stale_while_revalidate=stale_while_revalidate,
        stale_if_error=stale_if_error,
        hubs=hubs,
        purge_webhook=purge_webhook,
        id_authority=id_authority,
    )
    return SiteConfig(site=site, zone=zone, max_file_bytes=max_bytes), problems


def _id_authority(f: _Fields, url: str | None) -> str:
    """Return site.yaml's `id_authority`, or warn that ids follow the url's host.

    Article ids are tag URIs minted by this authority (RFC 4151). An id must never change
    (RFC 4287 4.2.6): readers would show every article again. Derived from `url`, they
    would all change the day the site moves to another domain, so the authority is pinned
    in site.yaml, and until it is, every check says how.
    """
    host = Site(title="", url=url).host if url else ""
    written = f.text("id_authority")
    if written is not None:
        written = written.lower()  # RFC 4151: compared case-insensitively, written lower
    if written is None:
        if host:
            f.problem(
                f.line,
                f"article ids are minted from the host of 'url' ({host}) and would all change "
                f"if the site moved; pin them with the line  id_authority: {host}",
                severity="warning",
            )
        return ""
    if not _AUTHORITY.fullmatch(written):
        f.problem(
            f.key_line("id_authority"),
            f"'id_authority' {written!r} must be a domain name (like {host or 'example.org'}) "
            "or an email address that the publication owned when it first published",
        )
        return ""
    return written


# The fields of sections.yaml and authors.yaml entries, to explain a field missing its colon.
_ENTRY_FIELDS = ("slug", "title", "description", "name", "role", "bio", "email", "url", "image",
                 "formerly")  # fmt: skip


def _load_list(
    root: Path, rel: str, problems: list[Problem], text: str | None
) -> Iterator[_Fields]:
    """Yield each entry of a YAML list file as _Fields."""
    try:
        node = load_node(root / rel, rel, text, _ENTRY_FIELDS, problems)
    except DataError as error:
        problems.append(Problem(path=rel, line=error.line, message=error.message))
        return
    if not isinstance(node, SequenceNode) or node.tag != _SEQ:
        problems.append(
            Problem(
                path=rel, line=_line(node), message=f"{rel} must be a list of entries (- slug: ...)"
            )
        )
        return
    for item in node.value:
        yield _Fields(item, rel, problems, "each entry")


def _slug_for(f: _Fields, fallback_field: str) -> str | None:
    given = f.text("slug")
    if given is not None:
        if slugify(given) != given:
            f.problem(
                f.key_line("slug"),
                f"slug {given!r} must be lower-case words joined by hyphens, "
                f"like {slugify(given)!r}",
            )
            return None
        return given
    fallback = f.text(fallback_field)
    return slugify(fallback) if fallback else None


def _check_unique(f: _Fields, slug: str, seen: dict[str, int], kind: str) -> bool:
    if slug in seen:
        f.problem(f.key_line("slug"), f"{kind} slug '{slug}' is already used on line {seen[slug]}")
        return False
    seen[slug] = f.key_line("slug")
    return True


def _formerly(f: _Fields, slug: str, kind: str) -> tuple[str, ...]:
    """Return the slugs an entry had before a rename (`formerly: [old-slug, ...]`)."""
    written = f.get("formerly", _text_list) or []
    old: list[str] = []
    for value, line in written:
        if slugify(value) != value:
            f.problem(
                line,
                f"'formerly' slug {value!r} must be lower-case words joined by hyphens, "
                f"like {slugify(value)!r}",
            )
        elif value == slug:
            f.problem(line, f"'formerly' lists '{value}', the {kind}'s own slug; remove it")
        elif value not in old:
            old.append(value)
    return tuple(old)


def _check_renames(
    entries: Iterable[Section | Author], kind: str, lines: dict[str, int], rel: str
) -> list[Problem]:
    """Report an old slug (`formerly`) that is another entry's slug or another's old slug:
    its URLs could not redirect to both."""
    problems: list[Problem] = []
    current = {entry.slug for entry in entries}
    claimed: dict[str, str] = {}
    for entry in entries:
        for old in entry.formerly:
            if old in current:
                message = f"'formerly' lists '{old}', which is the slug of another {kind}"
            elif old in claimed:
                message = f"'formerly' lists '{old}', which {kind} '{claimed[old]}' lists too"
            else:
                claimed[old] = entry.slug
                continue
            problems.append(Problem(path=rel, line=lines[entry.slug], message=message))
    return problems


def load_sections(root: Path, text: str | None = None) -> tuple[tuple[Section, ...], list[Problem]]:
    """Read sections.yaml (or its text, when the caller has read it)."""
    problems: list[Problem] = []
    sections: list[Section] = []
    seen: dict[str, int] = {}
    for f in _load_list(root, SECTIONS_FILE, problems, text):
        f.check_known(("slug", "title", "description", "formerly"))
        title = f.text("title", required=True)
        slug = _slug_for(f, "title")
        if title and slug and _check_unique(f, slug, seen, "section"):
            sections.append(
                Section(
                    slug=slug,
                    title=title,
                    description=f.text("description") or "",
                    formerly=_formerly(f, slug, "section"),
                    line=f.line,
                )
            )
    problems += _check_renames(sections, "section", seen, SECTIONS_FILE)
    return tuple(sections), problems


def load_authors(root: Path, text: str | None = None) -> tuple[tuple[Author, ...], list[Problem]]:
    """Read authors.yaml (or its text, when the caller has read it)."""
    problems: list[Problem] = []
    authors: list[Author] = []
    seen: dict[str, int] = {}
    for f in _load_list(root, AUTHORS_FILE, problems, text):
        f.check_known(("slug", "name", "role", "bio", "email", "url", "image", "formerly"))
        name = f.text("name", required=True)
        slug = _slug_for(f, "name")
        email = f.text("email")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            f.problem(f.key_line("email"), f"'email' {email!r} is not an email address")
            email = None
        author = Author(
            slug=slug or "",
            name=name or "",
            role=f.text("role") or "",
            bio=f.text("bio", line=False) or "",
            email=email,
            url=f.get("url", _url),
            image=f.get("image", _url),
            formerly=_formerly(f, slug, "author") if slug else (),
            line=f.line,
        )
        if name and slug and _check_unique(f, slug, seen, "author"):
            if not author.bio:
                f.problem(f.line, f"author '{slug}' has no bio", severity="warning")
            authors.append(author)
    problems += _check_renames(authors, "author", seen, AUTHORS_FILE)
    return tuple(authors), problems


# --- Articles ---------------------------------------------------------------------------

# The parse cache keeps each field's line by its index here (store.compact_lines), so new
# fields go at the end.
ARTICLE_FIELDS = (
    "title", "subtitle", "section", "authors", "author", "published", "updated", "tags",
    "summary", "body", "image", "draft", "slug", "id", "url", "corrections",
)  # fmt: skip
IMAGE_FIELDS = ("url", "caption", "credit", "alt", "type", "length")
CORRECTION_FIELDS = ("date", "text")
CORRECTION_EXAMPLE = (
    "'- date: 2026-02-11 10:00' with 'text: What was wrong, and what is right' below it"
)
# A correction note written at the top of the body: "Correction:", "**Correction (Feb. 11):**",
# "_Clarification, Feb. 11:_". Not "Corrections officers said:".
_CORRECTION_NOTE = re.compile(
    r"[\s*_#>]*(?:correction|clarification)s?\s*(?:\([^)\n]*\)|,[^:\n]{0,40})?\s*[*_]*\s*:",
    re.IGNORECASE,
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
        node = compose(text, ARTICLE_FIELDS)
    except DataError as error:
        return None, [Problem(path=rel, line=error.line, message=error.message)]
    if node is None:
        return None, [Problem(path=rel, line=1, message="file is empty")]
    f = _Fields(node, rel, problems, "an article file")
    if not isinstance(node, MappingNode):
        return None, problems
    f.check_known(ARTICLE_FIELDS)
    _warn_slips(f, text, node)
    values: dict[str, Any] = {
        "title": f.text("title", required=True),
        "subtitle": f.text("subtitle"),
        "section": f.text("section", required=True),
        "published": f.get("published", _raw_scalar, required=True),
        "updated": f.get("updated", _raw_scalar),
        "tags": f.get("tags", _text_list) or [],
        "summary": f.text("summary"),
        "body": f.text("body", required=True, line=False),
        "draft": bool(f.get("draft", _bool)),
        "slug": f.text("slug"),
        "id": f.text("id"),
        "url": f.get("url", _url),
    }
    if f.has("authors") and f.has("author"):
        f.problem(f.key_line("author"), "give either 'authors' or 'author', not both")
    elif f.has("authors") or f.has("author"):
        name = "authors" if f.has("authors") else "author"
        values["authors"] = f.get(name, _text_list)
        if not values["authors"]:
            f.problem(f.key_line(name), f"'{name}' is empty; name at least one author")
    else:
        f.problem(f.line, "missing required field 'authors' (or 'author')")
    if f.has("image"):
        values["image"] = _read_image(f, problems, rel)
    values["corrections"] = _read_corrections(f, problems, rel) if f.has("corrections") else []
    lines = {name: f.key_line(name) for name in f.nodes}
    lines["authors"] = f.key_line("authors" if "authors" in f.nodes else "author")
    if any(p.severity == "error" for p in problems):
        return None, problems
    return RawArticle(path=rel, values=values, lines=lines), problems


def _warn_slips(f: _Fields, text: str, node: Node) -> None:
    """Warn about values YAML reads otherwise than the editor wrote them: a " #" or "&" in
    a value, a comma where a list was meant, a folded body that joins Markdown blocks."""
    for line, message in yamlhelp.value_slips(text, node, lists=("tags", "authors", "author")):
        f.problem(line, message, severity="warning")
    lists = (
        ("tags", "tag", "tags"),
        ("authors", "author", "authors"),
        ("author", "author", "authors"),
    )
    for name, one, listed in lists:
        if name in f.nodes:
            message = yamlhelp.comma_list(name, f.nodes[name][1], one, listed)
            if message:
                f.problem(f.key_line(name), message, severity="warning")
    if "body" in f.nodes:
        message = yamlhelp.folded_markdown(text, f.nodes["body"][1], "body")
        if message:
            f.problem(f.key_line("body"), message, severity="warning")


def _read_image(parent: _Fields, problems: list[Problem], rel: str) -> Image | None:
    node = parent.nodes["image"][1]
    if isinstance(node, ScalarNode) and node.tag == _STR:
        url = parent.get("image", _url)
        return Image(url=url) if url else None
    f = _Fields(node, rel, problems, "'image'")
    if not f.nodes:
        return None
    f.check_known(IMAGE_FIELDS)
    url = f.get("url", _url, required=True)
    length = f.get("length", _int)
    if length is not None and length <= 0:
        f.problem(f.key_line("length"), "image 'length' must be the file's size in bytes, above 0")
        length = None
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
    )


def _read_corrections(
    parent: _Fields, problems: list[Problem], rel: str
) -> list[tuple[str, int, str]]:
    """Return each correction as (date as written, the date's line, text).

    The dates are read in build_article, which knows the site's timezone.
    """
    node = parent.nodes["corrections"][1]
    if not isinstance(node, SequenceNode) or node.tag != _SEQ:
        parent.problem(
            _line(node),
            f"'corrections' must be a list of entries, each with a date and a text, like "
            f"{CORRECTION_EXAMPLE}",
        )
        return []
    corrections = []
    for item in node.value:
        if not isinstance(item, MappingNode):
            parent.problem(
                _line(item),
                f"each correction needs a date and a text on lines of their own, like "
                f"{CORRECTION_EXAMPLE}",
            )
            continue
        f = _Fields(item, rel, problems, "each correction")
        f.check_known(CORRECTION_FIELDS)
        if not f.has("date"):
            f.problem(
                f.key_line("date"),
                "correction has no 'date'; add when it was made, like 2026-02-11 10:00",
            )
        written = f.get("date", _raw_scalar)
        reported = len(problems)
        text = f.text("text")
        if text is None and len(problems) == reported:  # not there, or blank
            f.problem(
                f.key_line("text"),
                "correction has no 'text'; write what was wrong and what is right, like "
                "'An earlier version of this article gave the wrong date of the vote.'",
            )
        if written and text:
            corrections.append((written, f.key_line("date"), text))
    return corrections


def _guess_image_type(url: str) -> str:
    ext = url.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
    return {
        "png": "image/png",
        "gif": "image/gif",
        "webp": "image/webp",
        "avif": "image/avif",
        "svg": "image/svg+xml",
    }.get(ext, "image/jpeg")


def resolve(written: str, by_key: dict[str, str]) -> str | None:
    """Return the slug that `written` names (by slug, title or name, any case), or None."""
    return by_key.get(written.casefold()) or by_key.get(slugify(written))


def lookup_table(items: Iterable[Section | Author]) -> dict[str, str]:
    """Return a map from every way of naming a section or author to its slug."""
    table: dict[str, str] = {}
    items = tuple(items)
    for item in items:
        label = item.title if isinstance(item, Section) else item.name
        for key in (item.slug, label.casefold(), slugify(label)):
            table.setdefault(key, item.slug)
    # Old slugs last: articles written before a rename keep resolving, never to another
    # entry that now has that slug, title or name.
    for item in items:
        for old in item.formerly:
            table.setdefault(old, item.slug)
    return table


@dataclass(frozen=True, kw_only=True, slots=True)
class Context:
    """What an article is resolved against: the site, its sections and its people."""

    config: SiteConfig
    sections: tuple[Section, ...]
    authors: tuple[Author, ...]
    section_keys: dict[str, str]
    author_keys: dict[str, str]

    @classmethod
    def of(
        cls, config: SiteConfig, sections: tuple[Section, ...], authors: tuple[Author, ...]
    ) -> Context:
        return cls(
            config=config,
            sections=sections,
            authors=authors,
            section_keys=lookup_table(sections),
            author_keys=lookup_table(authors),
        )


def unresolved(raw: RawArticle, ctx: Context) -> list[tuple[str, str]]:
    """Return (kind, slug) for each section or author an article names that ctx lacks."""
    missing: list[tuple[str, str]] = []
    section = raw.values.get("section")
    if section and resolve(section, ctx.section_keys) is None:
        missing.append(("section", slugify(section) or section))
    for name, _ in raw.values.get("authors") or []:
        if resolve(name, ctx.author_keys) is None:
            missing.append(("author", slugify(name) or name))
    return missing


def missing_entries(named: dict[tuple[str, str], list[str]], ctx: Context) -> list[Problem]:
    """Point sections.yaml and authors.yaml at each entry that articles name but the file
    lacks: deleted, renamed without `formerly`, or mistyped in the articles.

    `named` maps (kind, slug) to the paths of the articles naming it. Each article has
    its own error already; this is a warning, at the line of the closest entry (a rename
    is the likeliest cause when several articles name it), else at line 1.
    """
    problems: list[Problem] = []
    for (kind, slug), unordered in sorted(named.items()):
        paths = sorted(unordered)
        rel, entries = (
            (SECTIONS_FILE, ctx.sections) if kind == "section" else (AUTHORS_FILE, ctx.authors)
        )
        many = len(paths) > 1
        who = f"{len(paths)} articles name" if many else "1 article names"
        where = paths[0] + (f" and {len(paths) - 1} more" if many else "")
        message = f"{who} the {kind} '{slug}', which is not in {rel} ({where})"
        close = difflib.get_close_matches(slug, [e.slug for e in entries], n=1, cutoff=0.6)
        line = 1
        if close:
            entry = next(e for e in entries if e.slug == close[0])
            line = entry.line or 1
            message += (
                f"; if it is the old slug of '{entry.slug}', add  formerly: [{slug}]  to that entry"
            )
        else:
            message += f"; add its entry back, or  formerly: [{slug}]  to the entry it became"
        problems.append(
            Problem(
                path=rel,
                line=line,
                message=message + ". Until then those articles are in no feed (a running "
                "server keeps serving their last good version)",
                severity="warning",
            )
        )
    return problems


def build_article(raw: RawArticle, ctx: Context) -> tuple[Article | None, list[Problem]]:
    """Resolve a RawArticle against the site, sections and authors into an Article."""
    problems: list[Problem] = []
    v = raw.values
    site = ctx.config.site

    def problem(name: str, message: str, severity: str = "error") -> None:
        problems.append(
            Problem(path=raw.path, line=raw.line(name), message=message, severity=severity)
        )

    section = resolve(v["section"], ctx.section_keys)
    if section is None:
        known = [s.slug for s in ctx.sections]
        problem(
            "section",
            f"unknown section {v['section']!r}{suggest(v['section'], known)} "
            f"(sections: {', '.join(known) or 'none'})",
        )
    authors: list[str] = []
    for name, line in v.get("authors") or []:
        slug = resolve(name, ctx.author_keys)
        if slug is None:
            choices = [a.slug for a in ctx.authors] + [a.name for a in ctx.authors]
            problems.append(
                Problem(
                    path=raw.path,
                    line=line,
                    message=f"unknown author {name!r}{suggest(name, choices)}; "
                    "add them to authors.yaml",
                )
            )
        elif slug not in authors:
            authors.append(slug)

    dates: dict[str, datetime | None] = {}
    for name in ("published", "updated"):
        dates[name] = None
        if v.get(name):
            try:
                dates[name] = parse_datetime(v[name], ctx.config.zone)
            except ValueError as error:
                problem(name, f"'{name}': {error}")
    published, updated = dates["published"], dates["updated"]
    if published and updated and updated < published:
        problem("updated", "'updated' is earlier than 'published'; it must be the same or later")
    if published and updated == published:
        updated = None
    corrections = _build_corrections(raw, ctx, published, problems)

    stem = raw.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    slug = v["slug"] or slugify(stem)
    if v["slug"] and slugify(v["slug"]) != v["slug"]:
        problem(
            "slug",
            f"slug {v['slug']!r} must be lower-case words joined by hyphens, "
            f"like {slugify(v['slug'])!r}",
        )
    if not slug:
        problem("slug", "the file name gives no usable slug; add a 'slug' field")
    if not v["draft"] and holds_placeholder(v["body"]):
        problem(
            "body",
            "the body is still the placeholder from feeds new; write the story or set draft: true",
        )
    article_id = v["id"]
    if article_id and not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", article_id):
        problem(
            "id", f"'id' {article_id!r} must be a URI, like tag:example.org,2026-02-10:my-story"
        )
    if any(p.severity == "error" for p in problems) or not (section and authors and published):
        return None, problems

    if not article_id:
        # RFC 4151 tag URI: who minted it, when, and what. Nothing an editor revises
        # (title, section, body, authors) goes in, so readers never see it twice.
        # Slugs may be Cyrillic: ids and URLs carry them percent-encoded (RFC 3986).
        article_id = (
            f"tag:{site.tag_authority},{published.date().isoformat()}:{quote(slug, safe='')}"
        )
    url = v["url"] or f"{site.url}/{quote(section, safe='')}/{quote(slug, safe='')}"
    summary = v["summary"]
    if summary and len(summary) > SUMMARY_LIMIT:
        problem(
            "summary",
            f"summary is {len(summary)} characters; readers show about {SUMMARY_LIMIT}",
            severity="warning",
        )
    tags: dict[str, str] = {}  # slug -> the tag as written, first spelling wins
    for tag, line in v["tags"]:
        key = tag_slug(tag)
        if not key:
            problems.append(
                Problem(
                    path=raw.path,
                    line=line,
                    message=f"tag {tag!r} has nothing to name its web address after, so it "
                    "is left out; write it in words",
                    severity="warning",
                )
            )
        elif key not in tags:
            tags[key] = tag
    for message in body_warnings(v["body"], url):
        problem("body", message, severity="warning")
    image = v.get("image")
    if image is None and not v["draft"]:
        problem("title", "article has no image; readers show a blank card", severity="warning")
    if _CORRECTION_NOTE.match(v["body"]):
        problem(
            "body",
            "the body starts with a correction note; move it to a 'corrections' entry (date "
            "and text), which readers see marked after the article, and the summary is not "
            "taken from it",
            severity="warning",
        )
    if corrections and corrections[-1].date > (updated or published):
        updated = corrections[-1].date  # a correction is a substantive change
    article = Article(
        path=raw.path,
        slug=slug,
        id=article_id,
        url=url,
        title=v["title"],
        subtitle=v["subtitle"] or "",
        section=section,
        authors=tuple(authors),
        published=published,
        updated=updated,
        tags=tuple(tags.values()),
        tag_slugs=tuple(tags),
        given_summary=summary or "",
        body=Body(v["body"], url),
        image=image,
        draft=v["draft"],
        corrections=corrections,
    )
    return article, problems


def _build_corrections(
    raw: RawArticle, ctx: Context, published: datetime | None, problems: list[Problem]
) -> tuple[Correction, ...]:
    """Return an article's corrections, oldest first; report bad dates at their lines."""
    corrections: list[Correction] = []
    for written, line, text in raw.values.get("corrections") or ():
        try:
            moment = parse_datetime(written, ctx.config.zone)
        except ValueError as error:
            problems.append(
                Problem(path=raw.path, line=line, message=f"correction 'date': {error}")
            )
            continue
        if published and moment < published:
            problems.append(
                Problem(
                    path=raw.path,
                    line=line,
                    message=f"correction 'date' {written!r} is earlier than 'published'; a "
                    "correction is made after the article is out",
                )
            )
            continue
        corrections.append(Correction(date=moment, text=text))
    return tuple(sorted(corrections, key=lambda correction: correction.date))


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
