"""YAML slips explained to editors: the line at fault, what is wrong in plain words, the fix.

Editors are journalists: they paste from Word and Google Docs and type headlines with
colons, hashes and asterisks. PyYAML says where its parser gave up, in parser terms and
often a line after the slip. ``explain`` looks at the source lines themselves (the error's
line and the lines before it) to find the slip, and keeps PyYAML's words as a short detail.

Valid YAML can also mean something other than what the editor sees: `` #`` ends a one-line
value (the rest is a comment), ``&`` starts an anchor, a comma does not make a list, and a
folded ``body: >`` joins Markdown lists, headings and paragraphs. The other functions find
those, for warnings.

Every function is pure: text, PyYAML's error or nodes in, 1-based lines and messages out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
# How far above the error's line a slip is looked for: a quote or a block opens there.
_LOOK_BACK = 2000

# The line breaks YAML counts (PyYAML's marks count these; str.splitlines counts more).
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
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
_NO_SPACE = re.compile(r"[ ]*(?:-[ ]+)*(?P<key>[A-Za-z_][\w-]*):(?P<after>[^\s:/\\].*)")
_MISSING_COLON = re.compile(
    r"[ ]*(?:-[ ]+)*(?P<key>[A-Za-z_][\w-]*)(?:[ \t]*=[ \t]*|[ \t]+)(?P<rest>\S.*)"
)
_BLOCK_HEADER = re.compile(r"[|>](?:[1-9]?[+-]?|[+-]?[1-9]?)(?:[ \t]+#.*)?")
_CURLY_OPEN = "“„«‘‚"
_CURLY_CLOSE = "”“»’‘"
_RESERVED = "%@`"
_STARTERS = {
    "*": "which YAML reads as a reference to a label elsewhere in the file (an alias)",
    "&": "which YAML reads as a label for reuse (an anchor)",
    "!": "which YAML reads as a type tag",
    "|": "which YAML reads as the marker of a block of text on the lines below",
    ">": "which YAML reads as the marker of a block of text on the lines below",
    **{char: "a character YAML does not allow at the start of a value" for char in _RESERVED},
}
# A Markdown block start that a folded scalar would run into the line before it.
_MARKDOWN_BLOCK = re.compile(r"(?:[-*+][ \t]|\d{1,9}[.)](?:[ \t]|$)|#{1,6}(?:[ \t]|$)|>)")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")


@dataclass(frozen=True, slots=True)
class _Line:
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
        return name + quote(_shown(self.value if value is None else value))


def _lines(text: str) -> list[str]:
    return _BREAK.split(text)


def _read(lines: list[str], index: int) -> _Line:
    """Return line `index` (0-based) read as a field; past the end, an empty line."""
    text = lines[index] if 0 <= index < len(lines) else ""
    match = _FIELD.match(text)
    assert match is not None  # every part of the pattern is optional
    key = match["key"].rstrip() if match["key"] else None
    indent = len(text) - len(text.lstrip(" "))
    return _Line(index + 1, text, indent, key, match["value"].rstrip(" \t"), match.start("value"))


def _above(lines: list[str], index: int) -> Iterator[_Line]:
    """Yield the lines above line `index` (0-based) that are not blank or comments, nearest
    first, at most _LOOK_BACK of them."""
    for before in range(index - 1, max(-1, index - 1 - _LOOK_BACK), -1):
        line = _read(lines, before)
        if not line.blank:
            yield line


def _previous(lines: list[str], index: int) -> _Line | None:
    return next(_above(lines, index), None)


def quote(value: str) -> str:
    """Return `value` as a YAML quoted scalar an editor can copy: in double quotes when it
    needs no escapes, else in single quotes (where a ' is written twice)."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _shown(value: str, limit: int = 90) -> str:
    """Return a value short enough for a one-line message."""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _the(name: str) -> str:
    """Return how a message names a field: "the title", but "'tags'" (not "the tags is")."""
    return f"'{name}'" if name.endswith("s") else f"the {name}"


def _whole(name: str) -> str:
    return "the whole value" if name.endswith("s") else f"the whole {name}"


def _spaces(count: int) -> str:
    return "no space" if count == 0 else "1 space" if count == 1 else f"{count} spaces"


# --- Errors ---------------------------------------------------------------------------------


def explain(
    text: str, error: yaml.MarkedYAMLError, fields: Iterable[str] = ()
) -> tuple[int, str] | None:
    """Return (line, message) for a YAML syntax error in `text`, or None when no common
    slip explains it.

    `fields` are the names the file's fields may have, to tell a field missing its colon
    from a line of text.
    """
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return None
    start = error.context_mark or mark
    found = _diagnose(
        _lines(text), (mark.line, mark.column), (start.line, start.column), error, set(fields)
    )
    if found is None:
        return None
    line, message = found
    return line, f"{message} (YAML: {error.problem or error.context})"


def _diagnose(
    lines: list[str],
    at: tuple[int, int],
    start: tuple[int, int],
    error: yaml.MarkedYAMLError,
    fields: set[str],
) -> tuple[int, str] | None:
    """Find the slip from the error's mark (`at`) and the mark of where the parser began
    what it could not finish (`start`), both (0-based line, column)."""
    here, began = _read(lines, at[0]), _read(lines, start[0])
    suspects = [began, here] if start[0] < at[0] else [here]
    for line in suspects:
        found = _tab(line, at[1] if line is here else None) or _invisible(line)
        if found:
            return found
    found = _quote_read_on(lines, at)
    # A value that starts with a character YAML reserves: the parser began it, or the
    # error points into it.
    for line, column in ((began, start[1]), (here, at[1])):
        if not found and line.value and column >= line.value_col:
            found = _starts_badly(line)
    # A ": " where no field can start (the mark points at the colon).
    if not found and (here.text[at[1] : at[1] + 1] == ":" or "mapping values" in str(error)):
        found = _colon(lines, here, at[1], fields)
    # A line the parser took for a field's name (a "simple key") and found no colon after.
    if not found and start[0] < at[0] and began.key is None and not began.blank:
        found = _not_a_field(lines, began, fields)
    if not found and at[1] == here.indent and here.text.strip():
        found = _misaligned(lines, here)
    return found


def _tab(line: _Line, error_column: int | None) -> tuple[int, str] | None:
    """Explain a tab where YAML needs a space: in the indentation or after a colon."""
    text = line.text
    if "\t" not in text:
        return None
    lead = re.match(r"[ \t]*(?:-[ \t]*)*", text)
    after_colon = re.match(r"[ ]*(?:-[ ]+)*[^\s:\"'][^:\t\"']*:[ ]*(?=\t)", text)
    if error_column is not None and text[error_column : error_column + 1] == "\t":
        column = error_column
    elif lead and "\t" in lead.group(0):
        column = text.index("\t")
    elif after_colon:
        column = after_colon.end()
    else:
        return None
    before = text[:column].strip()
    if not before or before.strip("- ") == "":
        return line.number, (
            "this line is indented with a tab, which YAML does not allow; indent it with "
            "spaces, lined up with the lines above"
        )
    return line.number, (
        f'there is a tab after "{_shown(before, 40)}", where YAML needs an ordinary space; '
        "replace the tab with a space"
    )


def _invisible(line: _Line) -> tuple[int, str] | None:
    """Explain an invisible character where YAML needs a space: in the indentation, or
    next to the colon after a field's name."""
    text = line.text
    found = "there is an invisible character, a {}, {}, where YAML needs an ordinary space"
    pasted = " (it usually comes from pasting from Word or Google Docs)"
    lead = len(text) - len(text.lstrip(f" \t-{INVISIBLE}"))
    column = next((i for i in range(lead) if text[i] in INVISIBLE), None)
    if column is not None:
        where = "after the dash" if "-" in text[:column] else "in the indentation"
        return line.number, (
            found.format(_describe(text[column]), where)
            + pasted
            + "; replace it with an ordinary space"
        )
    if text[lead : lead + 1] in ("'", '"'):
        return None
    colon = text.find(":", lead)
    if colon <= lead:
        return None
    name = text[lead:colon].rstrip(f" {INVISIBLE}")
    after = text[colon + 1 :]
    if after[:1] in INVISIBLE and after[:1]:
        char, where = after[0], f'after "{_shown(name, 40)}:"'
    elif text[colon - 1] in INVISIBLE:
        char, where = text[colon - 1], f'between "{_shown(name, 40)}" and its colon'
    else:
        return None
    fixed = f"{name}: {after.lstrip(f' {INVISIBLE}')}".rstrip()
    return line.number, (
        found.format(_describe(char), where) + pasted + f"; write it as {_shown(fixed)}"
    )


def _describe(char: str) -> str:
    name = unicodedata.name(char, "invisible character").lower()
    return f"{name} (U+{ord(char):04X})"


def _never_closed(line: _Line) -> str:
    if line.value[:1] == "'":
        return (
            f"{_the(line.noun)} starts with ', which YAML reads as an opening quote, and it is "
            f"not closed on its line; put {_whole(line.noun)} in double quotes: {line.fix()}"
        )
    return (
        f'{_the(line.noun)} opens a quote (") that is not closed on its line, so YAML reads on '
        f'to the next " in the file; close the quote at the end of {_the(line.noun)}: '
        f"{line.fix(line.value[1:])}"
    )


def _quote_read_on(lines: list[str], at: tuple[int, int]) -> tuple[int, str] | None:
    """Explain a quote opened on an earlier line that YAML read on to the error's line."""
    for line in _above(lines, at[0]):
        mark = line.value[:1]
        if mark not in ("'", '"'):
            continue
        if _closing(line.value, mark, 1) is not None:
            continue  # closed on its own line
        # Open at the end of its line: YAML reads on to the next closing quote.
        for row in range(line.number, at[0] + 1):
            end = _closing(lines[row], mark, 0)
            if end is not None:
                if row == at[0] and end < at[1]:
                    return line.number, _never_closed(line)
                return None
        return None
    return None


def _closing(text: str, mark: str, column: int) -> int | None:
    """Return the column of the quote that closes a quoted scalar read from `column` on."""
    while column < len(text):
        char = text[column]
        if mark == '"' and char == "\\":
            column += 2
            continue
        if char == mark:
            if mark == "'" and text[column + 1 : column + 2] == "'":
                column += 2
                continue
            return column
        column += 1
    return None


def _bracket_end(value: str) -> int | None:
    """Return where the bracket opening `value` closes (skipping quoted text), or None."""
    depth, quoted = 0, ""
    for column, char in enumerate(value):
        if quoted:
            quoted = "" if char == quoted else quoted
        elif char in "\"'" and value[column - 1 : column] in ("", " ", "[", "{", ","):
            quoted = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return column
    return None


def _goes_on(rest: str) -> bool:
    """Return whether text follows a closed quote or bracket (other than a comment)."""
    rest = rest.strip()
    return bool(rest) and not rest.startswith("#")


def _starts_badly(line: _Line) -> tuple[int, str] | None:
    """Explain a value whose first character means something to YAML."""
    value, noun = line.value, line.noun
    first = value[:1]
    quote_it = f"put {_whole(noun)} in double quotes: {line.fix()}"
    if first in ("'", '"'):
        end = _closing(value, first, 1)
        if end is None:
            return line.number, _never_closed(line)
        if _goes_on(value[end + 1 :]):
            return line.number, (
                f"{_the(noun)} starts with a quote that closes before {_the(noun)} ends "
                f"({_shown(value[: end + 1], 40)}), and YAML needs quotes around all of it; "
                f"put {_whole(noun)} in quotes: {line.fix()}"
            )
        return None
    if first in "[{":
        kind, closer = ("a list", "]") if first == "[" else ("a group of fields", "}")
        end = _bracket_end(value)
        if " #" in value[: len(value) if end is None else end]:
            return line.number, (
                f'{_the(noun)} has " #" inside its "{first}", which YAML reads as the start of a '
                f'note, hiding the rest of the line; put the item with the "#" in double quotes'
            )
        if end is None:
            return line.number, (
                f'{_the(noun)} starts with "{first}", which YAML reads as the start of {kind}, '
                f'and it is not closed on this line: if you meant {kind}, close it with "'
                f'{closer}"; if the bracket is part of the text, {quote_it}'
            )
        if _goes_on(value[end + 1 :]):
            return line.number, (
                f'{_the(noun)} starts with "{_shown(value[: end + 1], 40)}", which YAML reads as '
                f"{kind}, and then goes on; {quote_it}"
            )
        return None
    if first in "-?" and value[1:2] in ("", " "):
        reads = "a list item" if first == "-" else "a field name written the long way"
        return line.number, (
            f'{_the(noun)} starts with "{first} ", which YAML reads as {reads}; {quote_it}'
        )
    if first in _STARTERS:
        return line.number, f'{_the(noun)} starts with "{first}", {_STARTERS[first]}; {quote_it}'
    return None


def _colon(lines: list[str], here: _Line, column: int, fields: set[str]) -> tuple[int, str] | None:
    """Explain "mapping values are not allowed": a ": " where YAML cannot start a field."""
    if here.key and column >= here.value_col:
        value = here.value
        if value[:1] in _CURLY_OPEN:
            inner = value[1:-1] if value[-1:] in _CURLY_CLOSE else value[1:]
            return here.number, (
                f"{_the(here.noun)} is in curly quotes ({value[0]}…{_CURLY_CLOSE[0]}), which are "
                f'not quotes to YAML, so the ": " inside it reads as the start of another '
                f"field; use straight double quotes: {here.fix(inner)}"
            )
        colon = 'ends with ":"' if column + 1 >= len(here.text.rstrip()) else 'contains ": "'
        return here.number, (
            f"{_the(here.noun)} {colon}, which YAML reads as the start of another field; "
            f"put {_whole(here.noun)} in double quotes: {here.fix()}"
        )
    above = _previous(lines, here.number - 1)
    if above is None:
        return None
    if above.indent == here.indent and not above.key:
        return _not_a_field(lines, above, fields)
    owner = next(
        (line for line in _above(lines, here.number - 1) if line.indent < here.indent), None
    )
    if owner is None or owner.key is None:
        return None
    return here.number, (
        f'this line is indented under "{owner.key}" (line {owner.number}), so YAML reads it '
        f'as more of its value, where ": " is not allowed: if it is a field of its own, start '
        f'it in the same column as "{owner.key}"; if it is part of {_the(owner.key)}, put '
        f"{_whole(owner.key)} in double quotes"
    )


def _not_a_field(lines: list[str], line: _Line, fields: set[str]) -> tuple[int, str]:
    """Explain a line where YAML expected a field (name: value) and found none."""
    found = _tab(line, None) or _invisible(line)
    if found:
        return found
    match = _NO_SPACE.match(line.text)
    if match:
        key, after = match["key"], match["after"]
        return line.number, (
            f'"{_shown(key + ":" + after, 40)}" needs a space after the colon, or YAML does '
            f"not see a field; write it as {key}: {_shown(after)}"
        )
    found = _unindented_block(lines, line, fields)
    if found:
        return found
    match = _MISSING_COLON.match(line.text)
    if match and match["key"] in fields:
        return line.number, (
            f'"{match["key"]}" needs a colon after it to be a field; write it as '
            f"{match['key']}: {_shown(match['rest'])}"
        )
    above = _previous(lines, line.number - 1)
    if above and above.key and above.value and above.indent <= line.indent:
        return line.number, (
            f'this line is neither a field ("name: value") nor indented under one: if it '
            f"continues the {above.key} on line {above.number}, start it with "
            f"{_spaces(above.indent + 2)} (or join it to line {above.number}); if it is a "
            "field, put a colon and a space after its name"
        )
    return line.number, (
        'this line is not a field ("name: value"): put a colon and a space after the '
        "field's name, or, if it is text that belongs to the field above, indent it under it"
    )


def _unindented_block(lines: list[str], line: _Line, fields: set[str]) -> tuple[int, str] | None:
    """Explain text meant for a block (`body: |`) that is not indented under it."""
    between: list[_Line] = []  # the lines between the block's header and this line
    for header in _above(lines, line.number - 1):
        if header.indent < line.indent:
            return None
        if header.key and _BLOCK_HEADER.fullmatch(header.value):
            break
        between.append(header)
    else:
        return None
    first = _previous_after(lines, header.number - 1)
    if first is None:
        return None
    if first.indent <= header.indent:
        # Nothing is indented under the header: the block is empty and its text reads as
        # fields, until a line that is no field. A real field in between means the block
        # was meant to be empty and the slip is elsewhere.
        if any(other.key in fields for other in between):
            return None
        return first.number, (
            f'the text under "{header.key}: {header.value}" (line {header.number}) is not '
            f"indented, so YAML does not see it as the {header.key}: start each of its lines "
            f"with {_spaces(header.indent + 2)}"
        )
    above = between[0] if between else None
    if above is not None and above.indent > header.indent:
        return line.number, (
            f"this line is not indented like the rest of the {header.key} (from line "
            f"{header.number}), so YAML ends the {header.key} before it: start it with "
            f"{_spaces(first.indent)}, like line {above.number}"
        )
    return None


def _previous_after(lines: list[str], index: int) -> _Line | None:
    """Return the first line below line `index` (0-based) that is not blank or a comment."""
    for after in range(index + 1, min(len(lines), index + 1 + _LOOK_BACK)):
        line = _read(lines, after)
        if not line.blank:
            return line
    return None


def _misaligned(lines: list[str], line: _Line) -> tuple[int, str] | None:
    """Explain a line whose indentation lines up with none of the lines above it."""
    deeper = shallower = None
    for above in _above(lines, line.number - 1):
        if above.indent > line.indent and deeper is None and (above.key or above.is_item):
            deeper = above
        if above.indent < line.indent:
            shallower = above
            break
    if deeper is None:
        if shallower is None or shallower.key is None or not shallower.value:
            return None
        return line.number, (
            f'this line is indented under "{shallower.key}" (line {shallower.number}), which '
            f'already has its value; start it in the same column as "{shallower.key}"'
        )
    options = f"line {deeper.number} ({_spaces(deeper.indent)})"
    if shallower is not None:
        options += f" or line {shallower.number} ({_spaces(shallower.indent)})"
    return line.number, (
        f"this line is indented by {_spaces(line.indent)}, which lines up with no line above "
        f"it; indent it like {options}"
    )


# --- Valid YAML that means something else ---------------------------------------------------


def value_slips(
    text: str, root: Node, lists: Iterable[str] = (), depth: int = 3
) -> Iterator[tuple[int, str]]:
    """Yield (line, warning) for each unquoted value that YAML reads otherwise than it looks.

    `` #`` ends a one-line value (the rest is a comment YAML drops), and ``&`` at the start
    of a value is an anchor (YAML drops it and its word). Both are seen in the text around
    the value's node, so nodes are walked only when the text has a " #" or a "&". `lists`
    are the fields that take a list, for the fix of ``tags: #ukraine #war``.
    """
    # One-character searches first: they are memchr, far faster than looking for " #".
    if ("#" in text and (" #" in text or "\t#" in text)) or "&" in text:
        yield from _walk(text, root, None, False, frozenset(lists), depth)


def _walk(
    text: str, node: Node, name: str | None, item: bool, lists: frozenset[str], depth: int
) -> Iterator[tuple[int, str]]:
    if isinstance(node, MappingNode) and depth:
        for key, value in node.value:
            label = key.value if isinstance(key, ScalarNode) else name
            yield from _walk(text, value, label, False, lists, depth - 1)
    elif isinstance(node, SequenceNode) and depth:
        for entry in node.value:
            yield from _walk(text, entry, name, True, lists, depth - 1)
    elif isinstance(node, ScalarNode) and not node.style and name is not None:
        found = _scalar_slip(text, node, name, item, name in lists)
        if found:
            yield found


def _line_end(text: str, index: int) -> int:
    match = _BREAK.search(text, index)
    return match.start() if match else len(text)


def _scalar_slip(
    text: str, node: ScalarNode, name: str, item: bool, is_list: bool
) -> tuple[int, str] | None:
    start, end = node.start_mark, node.end_mark
    what = f"an item of '{name}'" if item else _the(name)
    whole = "the whole item" if item else _whole(name)
    written_as = "- " if item else f"{name}: "
    if node.tag == _STR and text[start.index : start.index + 1] == "&":
        written = text[start.index : _line_end(text, start.index)]
        return start.line + 1, (
            f'{what} starts with "&", which YAML reads as a label (an anchor) and drops with '
            f"its first word, leaving {_shown(node.value, 50)!r}; put {whole} in double "
            f"quotes: {written_as}{quote(_shown(written))}"
        )
    rest = text[end.index : _line_end(text, end.index)]
    if not re.match(r"[ \t]+#", rest):
        return None
    if node.tag == _NULL:
        if not re.match(r"[ \t]+#[^\s#]", rest):
            return None  # "tags:  # none yet" is a note, most likely meant as one
        if is_list and not item:
            fix = f"write a list: {name}: [{', '.join(quote(word) for word in rest.split())}]"
        else:
            fix = f"put {whole} in double quotes: {written_as}{quote(_shown(rest))}"
        return start.line + 1, (
            f'{what} is empty to YAML, because " #" starts a note that YAML drops; {fix}'
        )
    if node.tag != _STR:
        return None
    if start.line == end.line:
        written = text[start.index : end.index] + rest
        fix = f"put {whole} in double quotes: {written_as}{quote(_shown(written))}"
    else:
        fix = f"put {whole} in double quotes"
    return end.line + 1, (
        f'{what} has " #" in it, which starts a note that YAML drops, so it reads only '
        f"{_shown(node.value, 50)!r}; {fix} (or, if the rest is a note to editors, move it "
        "to a line of its own)"
    )


def comma_list(name: str, node: Node, one: str, field: str) -> str | None:
    """Return a warning when a field that takes a list is given one text with commas.

    A comma can belong in a name ("Martin Luther King, Jr.") or a tag ("Washington, D.C."),
    so the text is not split: the editor is shown the list they likely meant, and a list
    of one keeps the comma with no warning. `one` names an item ("tag"), `field` the field
    to write the list in.
    """
    if not (isinstance(node, ScalarNode) and node.tag == _STR):
        return None
    parts = [part.strip() for part in re.split(r"[,;]", node.value)]
    if len(parts) < 2 or not all(parts):
        return None
    listed = ", ".join(_flow_item(part) for part in parts)
    return (
        f"'{name}' is one {one}, {_shown(node.value, 60)!r}: a comma does not separate "
        f"{one}s; for several, write a list: {field}: [{listed}] (to keep the comma in one "
        f"{one}, write {field}: [{quote(node.value)}])"
    )


def _flow_item(part: str) -> str:
    """Return a list item as written inside [...]: bare when that is safe, else quoted."""
    if re.fullmatch(r"[^\s\"'\[\]{},#:&*!|>%@`?-][^\[\]{},#:]*", part):
        return part
    return quote(part)


def folded_markdown(text: str, node: Node, name: str) -> str | None:
    """Return a warning when a folded block (``>``) joins Markdown structure.

    Folding joins each line to the next with a space and makes one blank line a single
    line break, so a list item, a heading or a quote runs into the line next to it, and
    two paragraphs become one.
    """
    if not (isinstance(node, ScalarNode) and node.style == ">"):
        return None
    lines = _lines(text)
    end = node.end_mark
    last = min(end.line if end.column else end.line - 1, len(lines) - 1)
    body = [(index + 1, lines[index]) for index in range(node.start_mark.line + 1, last + 1)]
    content = [line for _, line in body if line.strip()]
    if not content:
        return None
    indent = min(len(line) - len(line.lstrip(" ")) for line in content)
    joined = None
    previous: str | None = None  # the last line at the block's indentation
    blanks = 0
    for number, line in body:
        if not line.strip():
            blanks += 1
            continue
        stripped = line.strip()
        deeper = len(line) - len(line.lstrip(" ")) > indent
        if not deeper and previous is not None:
            if blanks == 0 and _MARKDOWN_BLOCK.match(stripped):
                kind = {"#": "heading", ">": "quote"}.get(stripped[0], "list item")
                joined = (number, f"the {kind} on line", "runs into the line above it")
            elif blanks == 0 and _HEADING.match(previous):
                joined = (number, "line", "runs into the heading above it")
            elif blanks == 1:
                joined = (number, "the paragraph on line", "runs into the one above it")
            if joined:
                break
        previous = None if deeper else stripped
        blanks = 0
    if joined is None:
        return None
    number, what, how = joined
    header = text[node.start_mark.index :].split(None, 1)[0]
    return (
        f'{_the(name)} is written "{name}: {header}", which folds its lines together: '
        f'{what} {number} {how}; write "{name}: |" to keep every line as written'
    )


def invisible_in(name: str) -> str | None:
    """Return a description of the first invisible character in a field's name, or None."""
    found = next((char for char in name if char in INVISIBLE), None)
    return _describe(found) if found else None
