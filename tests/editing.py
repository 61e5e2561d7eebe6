"""What editors do to data files, for the tests: a minimal article, and the three ways
editors' programs save a file."""

from __future__ import annotations

import os
import re
import textwrap
import time
from pathlib import Path

ARTICLE = textwrap.dedent(
    """\
    title: A test article
    section: war
    authors: [francis-farrell]
    published: "2026-02-11 10:00"
    body: Text.
    """
)
# XML 1.0's forbidden characters, written out independently of feeds.text as an oracle.
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def article(*extra: str, **replace: str | None) -> str:
    """Return ARTICLE with fields replaced (None drops the line) and lines appended."""
    lines = ARTICLE.splitlines()
    for name, value in replace.items():
        [index] = [i for i, line in enumerate(lines) if line.startswith(f"{name}:")]
        lines[index] = "" if value is None else f"{name}: {value}"
    lines = [line for line in lines if line] + list(extra)
    return "\n".join(lines) + "\n"


def save_in_place(path: Path, text: str) -> None:
    """Save as most editors do: truncate the file, then write it in pieces."""
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, len(text), 200):
            out.write(text[start : start + 200])
            out.flush()
            time.sleep(0.005)


def save_by_rename(path: Path, text: str) -> None:
    """Save as vim and many IDEs do: write a new file beside it, rename it over."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def save_truncate_then_write(path: Path, text: str) -> None:
    """Save with a pause between emptying the file and writing it."""
    with path.open("r+", encoding="utf-8") as out:
        out.truncate(0)
        out.flush()
        time.sleep(0.05)
        out.write(text)


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a data file as an editor would: replace the first `old`, which must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
