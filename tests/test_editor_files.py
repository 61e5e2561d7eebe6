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


# -- copies -----------------------------------------------------------------------------

ORIGINAL = "articles/2026/02/story.yaml"


@pytest.mark.parametrize(
    "copy",
    [
        "articles/2026/02/story copy.yaml",  # Finder
        "articles/2026/02/story copy 2.yaml",
        "articles/2026/02/story (1).yaml",  # Windows Explorer
        "articles/2026/02/story - Copy.yaml",
        "articles/2026/02/Copy of story.yaml",
        "articles/2026/02/story 2.yaml",
        "articles/2026/03/story-again.yaml",  # copied to another folder and renamed
    ],
)
def test_a_copy_is_reported_naming_both_files(data_dir, write, copy):
    text = article(title="Air defence pledge", body="Ten countries pledged new systems.")
    write(ORIGINAL, text)
    write(copy, text)  # a byte-for-byte copy: same published time, same everything
    write("articles/2026/02/other.yaml", article(title="Air defence pledge", body="Another."))
    store = loaded(data_dir)
    copies = [p for p in store.problems if COPY in p.message]
    assert [(p.path, p.line, p.severity) for p in copies] == [(copy, 1, "warning")]
    assert copies[0].message == (
        f"same title and body as {ORIGINAL}: a {COPY}, which readers would see twice "
        "under two addresses; delete this file, or give it its own title and body"
    )
    # Still a warning: both stay published until an editor decides.
    assert {ORIGINAL, copy} <= {a.path for a in store.catalog.articles}


@pytest.mark.parametrize(
    ("first", "second", "flagged"),
    [
        # The one published first keeps the story, whatever the file names.
        ('"2026-02-11 10:00"', '"2026-02-12 09:00"', "articles/2026/02/story copy.yaml"),
        ('"2026-02-12 09:00"', '"2026-02-11 10:00"', ORIGINAL),
    ],
)
def test_the_copy_is_the_one_published_later(data_dir, write, first, second, flagged):
    write(ORIGINAL, article(published=first))
    write("articles/2026/02/story copy.yaml", article("tags: [edited]", published=second))
    [copy] = [p for p in loaded(data_dir).problems if COPY in p.message]
    assert copy.path == flagged


def test_a_draft_copy_is_reported_once_it_would_go_out(data_dir, write):
    write(ORIGINAL, article())
    copy = write("articles/2026/02/story copy.yaml", article("draft: true"))
    assert not [p for p in loaded(data_dir).problems if COPY in p.message]  # no reader sees it
    copy.write_text(article(), encoding="utf-8")
    assert [p.path for p in loaded(data_dir).problems if COPY in p.message] == [
        "articles/2026/02/story copy.yaml"
    ]


# -- the same problems on every load path -----------------------------------------------


def _every_load_path(data_dir: Path, live: Store) -> None:
    """Assert that a cold load, a parallel one and one from the parse cache the running
    store wrote report exactly what the running store reports."""
    live.save_cache()
    expected = live.problems
    assert loaded(data_dir, use_cache=False).problems == expected
    assert loaded(data_dir, use_cache=False, workers=2, parallel_from=1).problems == expected
    warm = Store(data_dir)
    warm.refresh()
    assert warm.problems == expected


def test_stray_and_copy_warnings_are_the_same_however_the_files_were_loaded(data_dir, write):
    live = loaded(data_dir, settle=0)
    steps = [
        (lambda: write("articles/notes.txt", "x"), 1, 0),
        (lambda: write(ORIGINAL, article()), 1, 0),
        (lambda: write("articles/2026/02/story copy.yaml", article()), 1, 1),
        (lambda: write("articles/2026/02/story.yaml~", article()), 1, 1),
        (lambda: write("articles/2026/02/story copy.yaml", article(body="Rewritten.")), 1, 0),
        (lambda: write("articles/2026/02/story copy.yaml", article()), 1, 1),
        (lambda: write(ORIGINAL, article(title="Retitled")), 1, 0),
        (lambda: (data_dir / "articles/notes.txt").rename(data_dir / "articles/n.md"), 1, 0),
        (lambda: write(ORIGINAL, article()), 1, 1),
        (lambda: (data_dir / "articles/n.md").unlink(), 0, 1),
        (lambda: (data_dir / ORIGINAL).unlink(), 0, 0),
    ]
    for number, (step, strays, copies) in enumerate(steps):
        step()
        live.refresh()
        found = [p.message for p in live.problems]
        assert (sum(STRAY in m for m in found), sum(COPY in m for m in found)) == (
            strays,
            copies,
        ), (number, found)
        _every_load_path(data_dir, live)


# -- the placeholder of `feeds new` -----------------------------------------------------


def _drop_draft(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if "draft: true" not in line)


def _replace_paragraph(text: str, index: int, by: str) -> str:
    body = text.index("body: |\n") + len("body: |\n")
    paragraphs = text[body:].split("\n\n")
    paragraphs[index] = by
    return text[:body] + "\n\n".join(paragraphs)


STORY = "  Ten countries pledged new air defence systems on Tuesday."
PLACEHOLDER_EDITS = {
    "draft line deleted": _drop_draft,
    "draft set to false": lambda text: text.replace("draft: true", "draft: false"),
    "story above the placeholder": lambda text: _drop_draft(
        text.replace("body: |\n", f"body: |\n{STORY}\n\n")
    ),
    "first paragraph left": lambda text: _replace_paragraph(_drop_draft(text), 1, STORY + "\n"),
    "second paragraph left": lambda text: _replace_paragraph(_drop_draft(text), 0, STORY),
}


@pytest.mark.parametrize("edit", PLACEHOLDER_EDITS.values(), ids=PLACEHOLDER_EDITS.keys())
def test_placeholder_text_outside_a_draft_is_an_error(runner, data_dir, edit):
    created = new(runner, data_dir, "Air defence pledge")
    assert created.exit_code == 0, created.output
    path = Path(created.output.strip())
    rel = path.relative_to(data_dir).as_posix()
    assert check(runner, data_dir).exit_code == 0  # a draft may hold it
    text = edit(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    body_line = text.splitlines().index("body: |") + 1
    result = check(runner, data_dir)
    assert result.exit_code == 1, result.output
    assert (
        f"{rel}:{body_line}: the body is still the placeholder from feeds new; write the "
        "story or set draft: true"
    ) in result.stdout.splitlines()
    # Once the story is written, it goes out.
    path.write_text(text[: text.index("body: |")] + f"body: |\n{STORY}\n", encoding="utf-8")
    result = check(runner, data_dir)
    assert result.exit_code == 0, result.output
    assert rel in {a.path for a in loaded(data_dir).catalog.articles}
