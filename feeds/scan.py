"""The articles folder walked: every article file with its signature, and what else is there.

Change detection is by polling each file's signature (mtime_ns, size, inode). Polling
works the same on every filesystem (network mounts, containers' bind mounts, editors
that rename over the file), needs no extra dependency, and one ``stat`` per file is
cheap: 10,000 files take a few tens of milliseconds per poll, in a background thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from feeds.load import ARTICLE_SUFFIXES, ARTICLES_DIR
from feeds.model import Problem

Signature = tuple[int, int, int]


def signature_of(path: Path) -> Signature | None:
    """Return a file's signature, or None when it is not there."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


@dataclass(frozen=True, slots=True)
class Scan:
    """What one walk of the articles folder found."""

    files: dict[str, Signature]  # path relative to the data folder -> signature
    unreadable: tuple[str, ...] = ()  # folders that exist but could not be listed
    missing: bool = False  # the articles folder itself is not there
    strays: tuple[str, ...] = ()  # other files, neither articles nor editors' leftovers


# What editors' programs leave beside the files they edit (swap, lock, backup and
# autosave files, folder metadata), skipped without a word; hidden files (.DS_Store,
# vim's .x.swp, emacs's .#x lock, macOS's ._x) are skipped before these are looked at.
# Names are compared lower-cased.
_LEFTOVER_NAMES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r"})
_LEFTOVER_SUFFIXES = (
    "~",  # emacs's and many editors' backups: x~, x.~1~
    ".swp", ".swo", ".swx",  # vim's swap files, when kept beside the file
    ".kate-swp",
    ".tmp", ".temp",  # safe-save temporaries (Word's ~WRL0001.tmp among them)
    "___jb_tmp___", "___jb_old___",  # JetBrains' safe write
)  # fmt: skip


def _leftover(name: str) -> bool:
    """Return whether a (lower-cased, not hidden) file name is an editor's leftover."""
    return (
        name in _LEFTOVER_NAMES
        or name.endswith(_LEFTOVER_SUFFIXES)
        or name.startswith("~$")  # Word's lock on an open document
        or (name.startswith("#") and name.endswith("#"))  # emacs's autosave
        or _vim_probe(name)
    )


def ignored(name: str) -> bool:
    """Return whether a file name under articles/ is skipped without a word: hidden, or an
    editor's leftover (scan_articles neither reads nor warns of it)."""
    return name.startswith(".") or _leftover(name.lower())


def _vim_probe(name: str) -> bool:
    """Return whether a file name is one vim gives the file it writes for a moment to see
    whether it may write in a folder: 4913, else 5036, 5159... (it adds 123)."""
    return name.isdigit() and int(name) >= 4913 and (int(name) - 4913) % 123 == 0


def scan_articles(root: Path) -> Scan:
    """Return every article file with its signature, in path order, and what else it met.

    One os.scandir walk on plain strings: directory entries tell files from folders
    without a stat, so each article costs one stat call per poll and no pathlib objects.
    Article files end in ARTICLE_SUFFIXES in any case (story.YAML); other files that are
    not editors' leftovers are returned as strays, for a warning.
    """
    found: dict[str, Signature] = {}
    unreadable: list[str] = []
    strays: list[str] = []
    prefix = len(str(root)) + 1
    top = os.path.join(root, ARTICLES_DIR)
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except FileNotFoundError:
            if folder == top:
                return Scan(files={}, missing=True)
            continue  # removed while we walked: its files are gone
        except OSError:
            unreadable.append(folder[prefix:].replace(os.sep, "/"))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    stack.append(entry.path)
                elif name.endswith(ARTICLE_SUFFIXES) or name.lower().endswith(ARTICLE_SUFFIXES):
                    if entry.is_file():
                        st = entry.stat()
                        rel = entry.path[prefix:].replace(os.sep, "/")
                        found[rel] = (st.st_mtime_ns, st.st_size, st.st_ino)
                elif not _leftover(name.lower()) and entry.is_file():
                    strays.append(entry.path[prefix:].replace(os.sep, "/"))
            except OSError:
                continue  # deleted between listing and stat: gone
    return Scan(
        files=dict(sorted(found.items())),
        unreadable=tuple(sorted(unreadable)),
        strays=tuple(sorted(strays)),
    )


def scan_problems(scan: Scan, root: Path, had_files: bool) -> list[Problem]:
    """Return the problems of a walk: unreadable folders, files that are not articles, and
    (when articles had been read from it) an articles folder that has disappeared."""
    problems = [
        Problem(
            path=f"{folder}/",
            line=1,
            message="this folder cannot be read (permission denied?); its articles keep "
            "their last good version",
        )
        for folder in scan.unreadable
    ]
    problems += [
        Problem(
            path=rel,
            line=1,
            message="not an article file, so it is not published; article files end in "
            f".yaml: rename it if it is an article, else move it out of {ARTICLES_DIR}/",
            severity="warning",
        )
        for rel in scan.strays
    ]
    if scan.missing and had_files:
        where = ARTICLES_DIR if root.is_dir() else "."
        problems.append(
            Problem(
                path=f"{where}/",
                line=1,
                message="the folder has disappeared; still serving the last good articles "
                "until it is back",
            )
        )
    return problems
