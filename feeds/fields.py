"""YAML nodes to checked values: a mapping read field by field, each problem at its line.

The converters (``as_text``, ``as_url``, ...) take a field's name and node and return its
value or raise DataError saying what would be right; ``Fields`` applies them to a
mapping and collects the problems instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from feeds import yamllines, yamlslips
from feeds.links import clean_url
from feeds.model import Problem
from feeds.text import tidy_line, xml_safe
from feeds.yamlread import DataError

STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_TYPE_NAMES = {
    "tag:yaml.org,2002:bool": "a true/false value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:null": "nothing (an empty value)",
}


def line_of(node: Node) -> int:
    """Return the line (from 1) a node starts on."""
    return node.start_mark.line + 1


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return ``; did you mean 'x'?`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word.casefold(), [c.casefold() for c in choices], n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


class Fields:
    """A YAML mapping read field by field, collecting problems rather than raising.

    `examples` say, by field name, what to add when a required field is missing: "a line
    like published: 2026-02-10 08:15 (when it went out)".
    """

    def __init__(
        self,
        node: Node,
        path: str,
        problems: list[Problem],
        what: str,
        examples: Mapping[str, str] | None = None,
    ):
        self.path = path
        self.problems = problems
        self.examples = examples or {}
        self.line = line_of(node)
        self.nodes: dict[str, tuple[Node, Node]] = {}
        if not isinstance(node, MappingNode):
            self.problem(self.line, f"{what} must be a mapping of field: value lines")
            return
        if node.tag != MAP_TAG:
            self.problem(self.line, f"{what} has the YAML tag {node.tag}, which is not allowed")
            return
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag != STR_TAG:
                self.problem(line_of(key), "a field name must be plain text")
                continue
            if key.value in self.nodes:
                first = line_of(self.nodes[key.value][0])
                self.problem(
                    line_of(key),
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
                hidden = yamlslips.invisible_in(name)
                if hidden:
                    shown = name.strip(" " + yamllines.INVISIBLE)
                    message = (
                        f"the field name {shown!r} has an invisible "
                        f"{hidden} in it (usually pasted from Word or Google Docs); delete it"
                    )
                self.problem(line_of(key), message, severity="error")

    def missing(self, name: str, also: str = "") -> None:
        """Report a required field that is not there, with the line to add when known.

        It is reported on the mapping's first line: a field may go anywhere in it.
        """
        example = self.examples.get(name)
        self.problem(
            self.line,
            f"missing required field '{name}'{also}" + (f"; add {example}" if example else ""),
        )

    def key_line(self, name: str) -> int:
        return line_of(self.nodes[name][0]) if name in self.nodes else self.line

    def has(self, name: str) -> bool:
        return name in self.nodes and not is_null(self.nodes[name][1])

    def get(self, name: str, convert: Callable[[str, Node], Any], required: bool = False) -> Any:
        if name not in self.nodes:
            if required:
                self.missing(name)
            return None
        key, value = self.nodes[name]
        if is_null(value):
            if required:
                self.problem(line_of(key), f"'{name}' is empty; give it a value")
            return None
        try:
            return convert(name, value)
        except DataError as error:
            self.problem(error.line, error.message)
            return None

    def text(self, name: str, required: bool = False, line: bool = True) -> str | None:
        value = self.get(name, as_text, required)
        if value is None:
            return None
        value = tidy_line(value) if line else xml_safe(value).strip()
        if not value and required:
            self.problem(self.key_line(name), f"'{name}' is blank; give it some text")
            return None
        return value or None


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def as_text(name: str, node: Node) -> str:
    if isinstance(node, ScalarNode):
        if node.tag == STR_TAG:
            return node.value
        if node.tag in _TYPE_NAMES:
            return _wrong_type(name, node)
        tag, hint = _written_tag(node), _tag_hint(name, node)
        raise DataError(
            f"'{name}' has the YAML tag {tag}, which is not allowed here{hint}", line_of(node)
        )
    kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
    raise DataError(f"'{name}' must be text, not {kind}{_colon_hint(node)}", line_of(node))


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
        f"{yamllines.quote(f'{key.value}: {value.value}')}"
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
        f"{name}: {yamllines.quote(f'{_written_tag(node)} {node.value}'.strip())}"
    )


def _wrong_type(name: str, node: ScalarNode) -> str:
    raise DataError(
        f"'{name}': YAML reads {node.value} as {_TYPE_NAMES[node.tag]}, not text; "
        f'put it in quotes: {name}: "{node.value}"',
        line_of(node),
    )


def as_text_list(name: str, node: Node) -> list[tuple[str, int]]:
    """Return [(text, line)] from one text value or a list of them."""
    if isinstance(node, SequenceNode) and node.tag != SEQ_TAG:
        raise DataError(
            f"'{name}' has the YAML tag {node.tag}, which is not allowed", line_of(node)
        )
    items = node.value if isinstance(node, SequenceNode) else [node]
    out = []
    for item in items:
        if is_null(item):
            continue
        value = tidy_line(as_text(name, item))
        if value:
            out.append((value, line_of(item)))
    return out


def as_written_date(name: str, node: Node) -> str:
    """Return a scalar's text as written, whatever YAML would type it as (for dates)."""
    if not isinstance(node, ScalarNode) or node.tag not in (STR_TAG, "tag:yaml.org,2002:timestamp"):
        if isinstance(node, ScalarNode) and node.tag in _TYPE_NAMES:
            raise DataError(
                f"'{name}': YAML reads {node.value} as {_TYPE_NAMES[node.tag]}, not a date; "
                "write a date and time like 2026-02-10 14:05",
                line_of(node),
            )
        raise DataError(f"'{name}' must be a date and time like 2026-02-10 14:05", line_of(node))
    return node.value


def as_bool(name: str, node: Node) -> bool:
    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
        return node.value.lower() in ("true", "yes", "on", "y")
    raise DataError(f"'{name}' must be true or false, not {node.value!r}", line_of(node))


def as_int(name: str, node: Node) -> int:
    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:int":
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            pass
    raise DataError(f"'{name}' must be a whole number, not {node.value!r}", line_of(node))


def as_url(name: str, node: Node) -> str:
    value = as_text(name, node).strip()
    if not re.match(r"(?i)https?://[^/\s]", value):
        raise DataError(
            f"'{name}' must be an absolute http:// or https:// URL, not {value!r}", line_of(node)
        )
    cleaned = clean_url(value)
    if cleaned is None:
        raise DataError(f"'{name}' is not a usable URL: {value!r}", line_of(node))
    return cleaned


def as_url_list(name: str, node: Node) -> list[tuple[str, int]]:
    """Return [(url, line)] from one URL or a list of them."""
    if isinstance(node, SequenceNode) and node.tag != SEQ_TAG:
        raise DataError(
            f"'{name}' has the YAML tag {node.tag}, which is not allowed", line_of(node)
        )
    items = node.value if isinstance(node, SequenceNode) else [node]
    return [(as_url(name, item), line_of(item)) for item in items if not is_null(item)]


# --- Dates ------------------------------------------------------------------------------
