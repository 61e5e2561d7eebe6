"""Valid YAML that means something other than what the editor sees, found for warnings.

`` #`` ends a one-line value (the rest is a comment), ``&`` starts an anchor, a comma does
not make a list, and a folded ``body: >`` joins Markdown lists, headings and paragraphs.
Every function is pure: text and nodes in, 1-based lines and messages out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from feeds.yamllines import (
    BREAK,
    INVISIBLE,
    NULL_TAG,
    STR_TAG,
    describe,
    quote,
    shortened,
    source_lines,
    the_field,
    whole_value,
)

# A Markdown block start that a folded scalar would run into the line before it.
_MARKDOWN_BLOCK = re.compile(r"(?:[-*+][ \t]|\d{1,9}[.)](?:[ \t]|$)|#{1,6}(?:[ \t]|$)|>)")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")


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
    match = BREAK.search(text, index)
    return match.start() if match else len(text)


def _scalar_slip(
    text: str, node: ScalarNode, name: str, item: bool, is_list: bool
) -> tuple[int, str] | None:
    start, end = node.start_mark, node.end_mark
    what = f"an item of '{name}'" if item else the_field(name)
    whole = "the whole item" if item else whole_value(name)
    written_as = "- " if item else f"{name}: "
    if node.tag == STR_TAG and text[start.index : start.index + 1] == "&":
        written = text[start.index : _line_end(text, start.index)]
        return start.line + 1, (
            f'{what} starts with "&", which YAML reads as a label (an anchor) and drops with '
            f"its first word, leaving {shortened(node.value, 50)!r}; put {whole} in double "
            f"quotes: {written_as}{quote(shortened(written))}"
        )
    rest = text[end.index : _line_end(text, end.index)]
    if not re.match(r"[ \t]+#", rest):
        return None
    if node.tag == NULL_TAG:
        if not re.match(r"[ \t]+#[^\s#]", rest):
            return None  # "tags:  # none yet" is a note, most likely meant as one
        if is_list and not item:
            fix = f"write a list: {name}: [{', '.join(quote(word) for word in rest.split())}]"
        else:
            fix = f"put {whole} in double quotes: {written_as}{quote(shortened(rest))}"
        return start.line + 1, (
            f'{what} is empty to YAML, because " #" starts a note that YAML drops; {fix}'
        )
    if node.tag != STR_TAG:
        return None
    if start.line == end.line:
        written = text[start.index : end.index] + rest
        fix = f"put {whole} in double quotes: {written_as}{quote(shortened(written))}"
    else:
        fix = f"put {whole} in double quotes"
    return end.line + 1, (
        f'{what} has " #" in it, which starts a note that YAML drops, so it reads only '
        f"{shortened(node.value, 50)!r}; {fix} (or, if the rest is a note to editors, move it "
        "to a line of its own)"
    )


def comma_list(name: str, node: Node, one: str, field: str) -> str | None:
    """Return a warning when a field that takes a list is given one text with commas.

    A comma can belong in a name ("Martin Luther King, Jr.") or a tag ("Washington, D.C."),
    so the text is not split: the editor is shown the list they likely meant, and a list
    of one keeps the comma with no warning. `one` names an item ("tag"), `field` the field
    to write the list in.
    """
    if not (isinstance(node, ScalarNode) and node.tag == STR_TAG):
        return None
    parts = [part.strip() for part in re.split(r"[,;]", node.value)]
    if len(parts) < 2 or not all(parts):
        return None
    listed = ", ".join(_flow_item(part) for part in parts)
    return (
        f"'{name}' is one {one}, {shortened(node.value, 60)!r}: a comma does not separate "
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
    lines = source_lines(text)
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
        f'{the_field(name)} is written "{name}: {header}", which folds its lines together: '
        f'{what} {number} {how}; write "{name}: |" to keep every line as written'
    )


def invisible_in(name: str) -> str | None:
    """Return a description of the first invisible character in a field's name, or None."""
    found = next((char for char in name if char in INVISIBLE), None)
    return describe(found) if found else None
