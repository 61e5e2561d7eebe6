"""Files editors make by accident: odd extensions, their programs' leftovers, stray
documents, copies of a story, a `feeds new` placeholder sent out, and titles too long for
a file name. Each is either read, ignored, or named with what to do, and the problems are
the same whichever way the files were loaded."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.cli import main
from feeds.model import Problem
from feeds.store import Store

from .editing import article

KYIV = ZoneInfo("Europe/Kyiv")  # the sample site's timezone: `feeds new` dates by it
STRAY = "not an article file"
COPY = "likely copy"


def loaded(data_dir: Path, **options) -> Store:
    store = Store(data_dir, **options)
    store.refresh()
    return store


def about(store: Store, path: str) -> list[Problem]:
    return [p for p in store.problems if p.path == path]


def check(runner, data_dir: Path, *args: str):
    return runner.invoke(main, ["check", "--data", str(data_dir), *args])


def new(runner, data_dir: Path, title: str):
    return runner.invoke(
        main, ["new", title, "-s", "war", "-a", "francis-farrell", "--data", str(data_dir)]
    )


# -- file names -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Story.YAML", "story.Yml", "story.YML", "story.yAmL"])
def test_article_extensions_are_read_in_any_case(data_dir, write, name):
    write(f"articles/{name}", article(title="Shouted extension"))
    store = loaded(data_dir)
    [found] = [a for a in store.catalog.articles if a.path == f"articles/{name}"]
    assert (found.title, found.slug) == ("Shouted extension", "story")
    assert not [p for p in about(store, f"articles/{name}") if p.severity == "error"]


LEFTOVERS = [
    ".story.yaml.swp",  # vim's swap file
    "story.yaml.swp",  # vim's, with `directory` set to the file's folder
    "story.yaml.swo",
    "story.yaml.swx",
    "story.yaml~",  # emacs's and others' backup
    "story.yaml.~1~",  # emacs's numbered backup
    ".#story.yaml",  # emacs's lock
    "#story.yaml#",  # emacs's autosave
    "4913",  # vim's test of whether the folder is writable
    "5036",  # the same, when 4913 was taken
    "story.yaml.kate-swp",
    "story.yaml___jb_tmp___",  # JetBrains' safe write
    "story.yaml___jb_old___",
    ".DS_Store",
    "._story.yaml",  # macOS's resource fork on foreign disks
    "Thumbs.db",
    "thumbs.db",
    "ehthumbs.db",
    "desktop.ini",
    "Icon\r",  # macOS's custom folder icon
    "story.yaml.tmp",
    "story.yaml.TEMP",
    "~WRL0001.tmp",  # Word's temporary file
    "~$story.docx",  # Word's lock
    ".~lock.story.docx#",  # LibreOffice's lock
    ".hidden.yaml",
    ".Trash/story.yaml",  # anything in a hidden folder
    "2026/02/.story.yaml.swp",
]


@pytest.mark.parametrize("name", LEFTOVERS)
def test_editor_leftovers_are_ignored_and_other_files_are_named(data_dir, write, name):
    write(f"articles/{name}", article(title="Leftover"))
    write("articles/notes.txt", "Call the embassy back.\n")
    store = loaded(data_dir)
    assert not [a for a in store.catalog.articles if a.title == "Leftover"]
    assert not about(store, f"articles/{name}")
    [warning] = [p for p in store.problems if STRAY in p.message]
    assert (warning.path, warning.line, warning.severity) == ("articles/notes.txt", 1, "warning")


@pytest.mark.parametrize(
    "name",
    [
        "story.txt",
        "story.docx",
        "story.yaml.bak",
        "story.yaml.orig",
        "2026/02/story.md",
        "README",
        "2027",  # a file where a year's folder was meant
    ],
)
def test_other_files_are_listed_once_as_warnings(runner, data_dir, write, name):
    write(f"articles/{name}", article(title="Not read"))
    result = check(runner, data_dir)
    assert result.exit_code == 0, result.output  # a warning: `--strict` fails, plain check not
    lines = [line for line in result.stdout.splitlines() if line.startswith(f"articles/{name}:")]
    assert lines == [
        f"articles/{name}:1: warning: {STRAY}, so it is not published; article files end in "
        ".yaml: rename it if it is an article, else move it out of articles/"
    ]
    assert check(runner, data_dir, "--strict").exit_code == 1
