"""Data files to YAML node trees, raising DataError with the line an editor can fix.

Each file is *composed* (parsed to nodes, never constructed into Python objects), so no
tag can run code, every value keeps the line it came from, and YAML's implicit typing
(``title: no`` is a boolean, ``12:30`` a number) is seen before it reaches a reader as
"False" or "750" (fields.py turns nodes into values).
"""

from __future__ import annotations

import codecs
import functools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node, ScalarNode, SequenceNode

from feeds import yamlhelp, yamlslips
from feeds.model import Problem
from feeds.settings import SETTINGS

# libyaml's C loader is several times faster; the pure one is the same grammar.
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_MAX_FILE_BYTES: int = SETTINGS["max_file_bytes"].default


class DataError(Exception):
    """A value is wrong; the message says what would be right."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


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
    if loader.yaml_path_resolvers:
        raise TypeError(f"{loader.__name__} has path resolvers, which the lean one would skip")

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
    wide = _wide_encoding(data)
    if wide is not None:
        raise DataError(f"is not UTF-8 text (it looks like {wide}); save it as UTF-8", 1)
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


# How far into a file NUL bytes are looked at to tell UTF-16 or UTF-32 from UTF-8 text.
_SNIFF_BYTES = 4096


def _wide_encoding(data: bytes) -> str | None:
    """Return which UTF-16 or UTF-32 a file's bytes look like, when that is clear and the
    file is not one read as it is (UTF-16 with a byte-order mark), else None.

    Saved in UTF-16 without a byte-order mark, or in UTF-32, a file's ASCII characters
    (every field name, space and line break) come with NUL bytes: in UTF-16 in alternate
    positions, in UTF-32 three in each four. Read as UTF-8, they were reported as
    control characters to delete. A stray NUL in UTF-8 text still is: it takes many NULs
    in the pattern, and the bytes being text without NULs in the encoding they suggest.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"  # before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one
    sample = data[:_SNIFF_BYTES]
    if b"\0" not in sample or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    high, low = sample[3::4], sample[0::4]  # the byte that is NUL in every UTF-32 character
    if high and not high.strip(b"\0") and _text_in(sample, "utf-32-le"):
        return "UTF-32"
    if low and not low.strip(b"\0") and _text_in(sample, "utf-32-be"):
        return "UTF-32"
    for nuls, others, encoding in (
        (sample[1::2], sample[0::2], "utf-16-le"),
        (sample[0::2], sample[1::2], "utf-16-be"),
    ):
        # An eighth of the characters ASCII at least: YAML's own colons, spaces and line
        # breaks are more than that, whatever the script of the text.
        many = nuls.count(0) * 8 >= len(nuls) and others.count(0) * 10 < nuls.count(0)
        if many and _text_in(sample, encoding):
            return "UTF-16 saved without a byte-order mark"
    return None


def _text_in(sample: bytes, encoding: str) -> bool:
    """Return whether a file's first bytes are text without NULs in `encoding`."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        text = decoder.decode(sample, final=False)  # the sample may end inside a character
    except UnicodeDecodeError:
        return False
    return bool(text) and "\0" not in text


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
        for line, message in yamlslips.value_slips(text, root):
            problems.append(Problem(path=rel, line=line, message=message, severity="warning"))
    return root


# --- Nodes to values --------------------------------------------------------------------
