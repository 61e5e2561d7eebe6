"""A YAML file's source lines read the way an editor writes fields, and the words messages
about them share: a value quoted to copy, shortened to show, a character described.

Every function is pure: text in, 1-based lines and words out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
# How far above the error's line a slip is looked for: a quote or a block opens there.
LOOK_BACK = 2000

# The line breaks YAML counts (PyYAML's marks count these; str.splitlines counts more).
BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Characters that look like a space, or like nothing, and are not a space to YAML. Word
# and Google Docs paste the first two after colons and in indentation.
INVISIBLE = (
    "\u00a0\u202f\u2007\u200b\u200c\u200d\u2060\ufeff\u00ad\u1680\u180e"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000"
)
# A line as an editor writes a field: indentation, list dashes, a plain name, a colon
# followed by a space or the end of the line, then the value.
_FIELD = re.compile(
    r"(?P<lead>[ ]*(?:-[ ]+)*)"
    r"(?:(?P<key>[^\s#\"'\[\]{}&*!|>%@`,?-][^:]*?|-[^\s:][^:]*?)[ ]*:(?:[ \t]+|$))?"
    r"(?P<value>.*)"
)


@dataclass(frozen=True, slots=True)
class Line:
    """One source line, read the way an editor writes a field."""

    number: int  # 1-based
    text: str
    indent: int  # leading spaces
    key: str | None  # the field's name, when the line starts a field
    value: str  # what follows "name: " (or "- "), right-trimmed
    value_col: int  # where the value starts

    @property
    def blank(self) -> bool:
        stripped = self.text.strip(" \t")
        return not stripped or stripped.startswith("#")

    @property
    def is_item(self) -> bool:
        return self.text[self.indent : self.indent + 1] == "-"

    @property
    def noun(self) -> str:
        return self.key or ("list item" if self.is_item else "value")

    def fix(self, value: str | None = None) -> str:
        """Return the line as it should read, its value quoted: title: "Kyiv: the plan"."""
        name = f"{self.key}: " if self.key else "- " if self.is_item else ""
        return name + quote(shortened(self.value if value is None else value))


def source_lines(text: str) -> list[str]:
    return BREAK.split(text)


def read_line(lines: list[str], index: int) -> Line:
    """Return line `index` (0-based) read as a field; past the end, an empty line."""
    text = lines[index] if 0 <= index < len(lines) else ""
    match = _FIELD.match(text)
    assert match is not None  # every part of the pattern is optional
    key = match["key"].rstrip() if match["key"] else None
    indent = len(text) - len(text.lstrip(" "))
    return Line(index + 1, text, indent, key, match["value"].rstrip(" \t"), match.start("value"))


def lines_above(lines: list[str], index: int) -> Iterator[Line]:
    """Yield the lines above line `index` (0-based) that are not blank or comments, nearest
    first, at most LOOK_BACK of them."""
    for before in range(index - 1, max(-1, index - 1 - LOOK_BACK), -1):
        line = read_line(lines, before)
        if not line.blank:
            yield line


def previous_line(lines: list[str], index: int) -> Line | None:
    return next(lines_above(lines, index), None)


def quote(value: str) -> str:
    """Return `value` as a YAML quoted scalar an editor can copy: in double quotes when it
    needs no escapes, else in single quotes (where a ' is written twice)."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def shortened(value: str, limit: int = 90) -> str:
    """Return a value short enough for a one-line message."""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def the_field(name: str) -> str:
    """Return how a message names a field: "the title", but "'tags'" (not "the tags is")."""
    return f"'{name}'" if name.endswith("s") else f"the {name}"


def whole_value(name: str) -> str:
    return "the whole value" if name.endswith("s") else f"the whole {name}"


def spaces_word(count: int) -> str:
    return "no space" if count == 0 else "1 space" if count == 1 else f"{count} spaces"


def describe(char: str) -> str:
    name = unicodedata.name(char, "invisible character").lower()
    return f"{name} (U+{ord(char):04X})"
