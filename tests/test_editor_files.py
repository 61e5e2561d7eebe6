"""Files editors make by accident: odd extensions, their programs' leftovers, stray
documents, copies of a story, a `feeds new` placeholder sent out, and titles too long for
a file name. Each is either read, ignored, or named with what to do, and the problems are
the same whichever way the files were loaded."""

from __future__ import annotations

import errno
import io
import os
import pathlib
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.cli import main
from feeds.model import Problem
from feeds.store import Store
from feeds.text import slugify

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


# -- `feeds new` and long titles --------------------------------------------------------

UKRAINIAN = (
    "Україна та партнери домовилися про нові поставки систем протиповітряної оборони для "
    "захисту енергетичної інфраструктури перед зимою, повідомили в Міністерстві оборони"
)
ARABIC = (
    "أوكرانيا وشركاؤها يتفقون على تسليم أنظمة دفاع جوي جديدة لحماية البنية التحتية للطاقة "
    "قبل حلول فصل الشتاء بحسب ما أعلنته وزارة الدفاع في كييف اليوم"
)
JAPANESE = (  # written without spaces: one long word
    "日本はウクライナ向けの米国製兵器を購入する北大西洋条約機構主導の枠組みに参加する可能性が"
    "あると公共放送が報じたが在ウクライナ日本大使館はまだ何も決まっていないと述べ慎重な姿勢を示した"
)
LATIN = (
    "Japan could join the NATO-led initiative to buy US weapons for Ukraine, media reports, "
    "though the embassy says that no decision has been made and talks will go on for weeks"
)
ASTRAL = "𠀀𠀁𠀂𠀃𠀄" * 30  # four bytes a character in UTF-8


def _name_max_is(monkeypatch, name_max: int | None) -> None:
    """Make the system say that file names take at most name_max bytes (None: it cannot
    tell, as on Windows)."""
    if name_max is None:
        monkeypatch.delattr(os, "pathconf")
        return
    real_pathconf = os.pathconf

    def pathconf(path, name):
        return name_max if name == "PC_NAME_MAX" else real_pathconf(path, name)

    monkeypatch.setattr(os, "pathconf", pathconf)


@pytest.mark.parametrize("name_max", [255, 143, None], ids=["most disks", "ecryptfs", "windows"])
@pytest.mark.parametrize(
    ("title", "at_a_word"),
    [(UKRAINIAN, True), (ARABIC, True), (LATIN, True), (JAPANESE, False), (ASTRAL, False)],
    ids=["ukrainian", "arabic", "latin", "japanese", "astral"],
)
def test_new_cuts_long_titles_to_a_file_name(
    runner, data_dir, monkeypatch, title, at_a_word, name_max
):
    _name_max_is(monkeypatch, name_max)
    result = new(runner, data_dir, title)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    stem, full = path.name.removesuffix(".yaml"), slugify(title)
    assert len(stem) <= 80 and len(path.name.encode("utf-8")) <= (name_max or 255)
    assert full.startswith(stem) and len(stem) >= 20
    if at_a_word:
        assert full[len(stem)] == "-"  # cut between words, never inside one
    text = path.read_text(encoding="utf-8")
    assert title in text  # the title itself is kept whole
    checked = check(runner, data_dir)
    assert checked.exit_code == 0 and path.name not in checked.stdout, checked.output


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("-".join(["word"] * 30), "-".join(["word"] * 16)),  # 79 characters, at a hyphen
        # A short word, then one too long to fit: cut inside it rather than keep "a".
        ("a-" + "日" * 200, "a-" + "日" * 78),
        # KA, then KA with the vowel sign I (a combining mark): the cut at 80 would part
        # the 40th KA from its sign, so it falls before that KA.
        ("क" + "कि" * 60, "क" + "कि" * 39),
        ("україна-" * 12, "-".join(["україна"] * 10)),  # 158 bytes at most: within 250
    ],
    ids=["words", "one-long-word", "marks", "cyrillic"],
)
def test_file_slugs_are_cut_between_words_or_letters(slug, expected):
    from feeds.scaffold import file_slug

    assert file_slug(slug) == expected
    assert not unicodedata.category(slug[len(expected)]).startswith("M")


def test_new_refuses_a_title_that_fits_no_file_name(runner, data_dir, monkeypatch):
    _name_max_is(monkeypatch, len("x.yaml"))  # room for one byte: no Cyrillic letter fits
    result = new(runner, data_dir, "Україна")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "gives no usable file name" in result.output


def _in_the_way(data_dir: Path, depth: int) -> Path:
    today = datetime.now(KYIV)
    blocked = data_dir / "articles" / f"{today:%Y}" / f"{today:%m}"
    blocked = [data_dir / "articles", blocked.parent, blocked][depth]
    if blocked.is_dir():
        for child in sorted(blocked.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        blocked.rmdir()
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("not a folder\n", encoding="utf-8")
    return blocked


@pytest.mark.parametrize("depth", [0, 1, 2], ids=["articles", "year", "month"])
def test_new_names_a_file_in_the_way_of_its_folder(runner, data_dir, depth):
    blocked = _in_the_way(data_dir, depth)
    result = new(runner, data_dir, "Air defence pledge")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert f"{blocked} is a file, not a folder; move or rename it" in result.output
    assert blocked.read_text(encoding="utf-8") == "not a folder\n"


FAILURES = {
    errno.EACCES: "you may not write there",
    errno.EROFS: "the disk is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "your disk quota is used up",
    errno.ENAMETOOLONG: "the path is too long",
    errno.EIO: os.strerror(errno.EIO),
}


@pytest.mark.parametrize("when", ["opening", "writing"])
@pytest.mark.parametrize("code", FAILURES, ids=[errno.errorcode[c] for c in FAILURES])
def test_new_never_shows_a_traceback_nor_leaves_half_a_file(
    runner, data_dir, monkeypatch, code, when
):
    real_open = pathlib.Path.open

    class Failing(io.TextIOWrapper):
        def write(self, text: str) -> int:
            super().write(text[:100])
            self.flush()
            raise OSError(code, os.strerror(code))

    def failing_open(self, mode="r", *args, **kwargs):
        if "articles" not in self.parts or not ({"w", "x"} & set(mode)):
            return real_open(self, mode, *args, **kwargs)
        if when == "opening":
            raise OSError(code, os.strerror(code), str(self))
        return Failing(real_open(self, mode.replace("t", "") + "b"), encoding="utf-8")

    monkeypatch.setattr(pathlib.Path, "open", failing_open)
    result = new(runner, data_dir, "Air defence pledge")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    today = datetime.now(KYIV)
    path = data_dir / "articles" / f"{today:%Y}" / f"{today:%m}" / "air-defence-pledge.yaml"
    assert f"cannot write {path}: " in result.output and FAILURES[code] in result.output
    assert not path.exists()  # no half-written draft to trip over next time


def test_new_names_a_path_too_long_for_the_system(runner, tmp_path):
    # A data folder deep enough that its article paths pass the system's limit on a whole
    # path (4096 bytes on Linux), while its own files are still within reach.
    import shutil

    from .conftest import SAMPLE

    deep = tmp_path
    while len(str(deep)) < 4010:
        deep = deep / ("d" * min(200, 4010 - len(str(deep))))
    shutil.copytree(SAMPLE, deep / "data")
    result = new(runner, deep / "data", LATIN)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert "the path is too long" in result.output
