"""YAML syntax errors explained to editors: the line at fault, what is wrong in plain words,
the fix.

Editors are journalists: they paste from Word and Google Docs and type headlines with
colons, hashes and asterisks. PyYAML says where its parser gave up, in parser terms and
often a line after the slip. ``explain`` looks at the source lines themselves (the error's
line and the lines before it) to find the slip, and keeps PyYAML's words as a short detail.

Every function is pure: text and PyYAML's error in, 1-based lines and messages out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from feeds.yamllines import (
    INVISIBLE,
    LOOK_BACK,
    Line,
    describe,
    lines_above,
    previous_line,
    read_line,
    shortened,
    source_lines,
    spaces_word,
    the_field,
    whole_value,
)

_NO_SPACE = re.compile(r"[ ]*(?:-[ ]+)*(?P<key>[A-Za-z_][\w-]*):(?P<after>[^\s:/\\].*)")
_MISSING_COLON = re.compile(
    r"[ ]*(?P<dashes>(?:-[ ]+)*)(?P<key>[A-Za-z_][\w-]*)(?:[ \t]*=[ \t]*|[ \t]+)(?P<rest>\S.*)"
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
        source_lines(text), (mark.line, mark.column), (start.line, start.column), error, set(fields)
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
    here, began = read_line(lines, at[0]), read_line(lines, start[0])
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


def _tab(line: Line, error_column: int | None) -> tuple[int, str] | None:
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
        f'there is a tab after "{shortened(before, 40)}", where YAML needs an ordinary space; '
        "replace the tab with a space"
    )


def _invisible(line: Line) -> tuple[int, str] | None:
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
            found.format(describe(text[column]), where)
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
        char, where = after[0], f'after "{shortened(name, 40)}:"'
    elif text[colon - 1] in INVISIBLE:
        char, where = text[colon - 1], f'between "{shortened(name, 40)}" and its colon'
    else:
        return None
    fixed = f"{name}: {after.lstrip(f' {INVISIBLE}')}".rstrip()
    return line.number, (
        found.format(describe(char), where) + pasted + f"; write it as {shortened(fixed)}"
    )


def _never_closed(line: Line) -> str:
    noun = line.noun
    if line.value[:1] == "'":
        return (
            f"{the_field(noun)} starts with ', which YAML reads as an opening quote, and it "
            f"is not closed on its line; put {whole_value(noun)} in double quotes: {line.fix()}"
        )
    return (
        f'{the_field(noun)} opens a quote (") that is not closed on its line, so YAML '
        f'reads on to the next " in the file; close the quote at the end of {the_field(noun)}: '
        f"{line.fix(line.value[1:])}"
    )


def _quote_read_on(lines: list[str], at: tuple[int, int]) -> tuple[int, str] | None:
    """Explain a quote opened on an earlier line that YAML read on to the error's line."""
    for line in lines_above(lines, at[0]):
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


def _starts_badly(line: Line) -> tuple[int, str] | None:
    """Explain a value whose first character means something to YAML."""
    value, noun = line.value, line.noun
    first = value[:1]
    quote_it = f"put {whole_value(noun)} in double quotes: {line.fix()}"
    if first in ("'", '"'):
        end = _closing(value, first, 1)
        if end is None:
            return line.number, _never_closed(line)
        if _goes_on(value[end + 1 :]):
            return line.number, (
                f"{the_field(noun)} starts with a quote that closes before {the_field(noun)} ends "
                f"({shortened(value[: end + 1], 40)}), and YAML needs quotes around all of it; "
                f"put {whole_value(noun)} in quotes: {line.fix()}"
            )
        return None
    if first in "[{":
        kind, closer = ("a list", "]") if first == "[" else ("a group of fields", "}")
        end = _bracket_end(value)
        if " #" in value[: len(value) if end is None else end]:
            return line.number, (
                f'{the_field(noun)} has " #" inside its "{first}", which YAML reads as the start '
                f'of a note, hiding the rest of the line; put the item with the "#" in double '
                f"quotes"
            )
        if end is None:
            return line.number, (
                f'{the_field(noun)} starts with "{first}", which YAML reads as the start of '
                f'{kind}, and it is not closed on this line: if you meant {kind}, close it with "'
                f'{closer}"; if the bracket is part of the text, {quote_it}'
            )
        if _goes_on(value[end + 1 :]):
            return line.number, (
                f'{the_field(noun)} starts with "{shortened(value[: end + 1], 40)}", which YAML '
                f"reads as {kind}, and then goes on; {quote_it}"
            )
        return None
    if first in "-?" and value[1:2] in ("", " "):
        reads = "a list item" if first == "-" else "a field name written the long way"
        return line.number, (
            f'{the_field(noun)} starts with "{first} ", which YAML reads as {reads}; {quote_it}'
        )
    if first in _STARTERS:
        starter = _STARTERS[first]
        return line.number, f'{the_field(noun)} starts with "{first}", {starter}; {quote_it}'
    return None


def _colon(lines: list[str], here: Line, column: int, fields: set[str]) -> tuple[int, str] | None:
    """Explain "mapping values are not allowed": a ": " where YAML cannot start a field."""
    if here.key and column >= here.value_col:
        value = here.value
        if value[:1] in _CURLY_OPEN:
            inner = value[1:-1] if value[-1:] in _CURLY_CLOSE else value[1:]
            return here.number, (
                f"{the_field(here.noun)} is in curly quotes ({value[0]}…{_CURLY_CLOSE[0]}), which "
                f'are not quotes to YAML, so the ": " inside it reads as the start of another '
                f"field; use straight double quotes: {here.fix(inner)}"
            )
        colon = 'ends with ":"' if column + 1 >= len(here.text.rstrip()) else 'contains ": "'
        return here.number, (
            f"{the_field(here.noun)} {colon}, which YAML reads as the start of another field; "
            f"put {whole_value(here.noun)} in double quotes: {here.fix()}"
        )
    above = previous_line(lines, here.number - 1)
    if above is None:
        return None
    if not above.key and here.indent in (above.indent, _item_content(above)):
        # A line with no field above this one, in its column or as the list item this
        # line's field belongs to ("- slug war" over "  title: War"): YAML read this line
        # as more of that line's text, where ": " is not allowed.
        return _not_a_field(lines, above, fields)
    owner = next(
        (line for line in lines_above(lines, here.number - 1) if line.indent < here.indent), None
    )
    if owner is None or owner.key is None:
        return None
    return here.number, (
        f'this line is indented under "{owner.key}" (line {owner.number}), so YAML reads it '
        f'as more of its value, where ": " is not allowed: if it is a field of its own, start '
        f'it in the same column as "{owner.key}"; if it is part of {the_field(owner.key)}, put '
        f"{whole_value(owner.key)} in double quotes"
    )


def _item_content(line: Line) -> int | None:
    """Return the column a list item's content starts at ("- slug war": 2), else None."""
    if not line.is_item:
        return None
    lead = re.match(r"[ ]*(?:-[ ]+)+", line.text)
    return lead.end() if lead else None


def _not_a_field(lines: list[str], line: Line, fields: set[str]) -> tuple[int, str]:
    """Explain a line where YAML expected a field (name: value) and found none."""
    found = _tab(line, None) or _invisible(line)
    if found:
        return found
    match = _NO_SPACE.match(line.text)
    if match:
        key, after = match["key"], match["after"]
        return line.number, (
            f'"{shortened(key + ":" + after, 40)}" needs a space after the colon, or YAML does '
            f"not see a field; write it as {key}: {shortened(after)}"
        )
    found = _unindented_block(lines, line, fields)
    if found:
        return found
    match = _MISSING_COLON.match(line.text)
    if match and match["key"] in fields:
        dashes = " ".join(match["dashes"].split()) + " " if match["dashes"] else ""
        return line.number, (
            f'"{match["key"]}" needs a colon after it to be a field; write it as '
            f"{dashes}{match['key']}: {shortened(match['rest'])}"
        )
    above = previous_line(lines, line.number - 1)
    if above and above.key and above.value and above.indent <= line.indent:
        return line.number, (
            f'this line is neither a field ("name: value") nor indented under one: if it '
            f"continues the {above.key} on line {above.number}, start it with "
            f"{spaces_word(above.indent + 2)} (or join it to line {above.number}); if it is a "
            "field, put a colon and a space after its name"
        )
    return line.number, (
        'this line is not a field ("name: value"): put a colon and a space after the '
        "field's name, or, if it is text that belongs to the field above, indent it under it"
    )


def _unindented_block(lines: list[str], line: Line, fields: set[str]) -> tuple[int, str] | None:
    """Explain text meant for a block (`body: |`) that is not indented under it."""
    between: list[Line] = []  # the lines between the block's header and this line
    for header in lines_above(lines, line.number - 1):
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
            f"with {spaces_word(header.indent + 2)}"
        )
    above = between[0] if between else None
    if above is not None and above.indent > header.indent:
        return line.number, (
            f"this line is not indented like the rest of the {header.key} (from line "
            f"{header.number}), so YAML ends the {header.key} before it: start it with "
            f"{spaces_word(first.indent)}, like line {above.number}"
        )
    return None


def _previous_after(lines: list[str], index: int) -> Line | None:
    """Return the first line below line `index` (0-based) that is not blank or a comment."""
    for after in range(index + 1, min(len(lines), index + 1 + LOOK_BACK)):
        line = read_line(lines, after)
        if not line.blank:
            return line
    return None


def _misaligned(lines: list[str], line: Line) -> tuple[int, str] | None:
    """Explain a line whose indentation lines up with none of the lines above it."""
    deeper = shallower = None
    for above in lines_above(lines, line.number - 1):
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
    options = f"line {deeper.number} ({spaces_word(deeper.indent)})"
    if shallower is not None:
        options += f" or line {shallower.number} ({spaces_word(shallower.indent)})"
    return line.number, (
        f"this line is indented by {spaces_word(line.indent)}, which lines up with no line above "
        f"it; indent it like {options}"
    )
