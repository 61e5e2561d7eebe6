"""Hostile data files: whatever an editor (or an attacker with write access to the data folder)
puts in a file, `feeds check` names the file and line, the server keeps serving every other
article, no feed becomes invalid, and nothing in a file is ever executed.

Every case goes through both doors: `feeds check` (click's runner) and the app (the `client`
fixture, after `refresh()`), and then every feed document the app serves is read back by
lxml / json and feedparser. Cases are batched (many files, one reload) to keep the suite fast;
each file is still checked for its own problem line.

Run with -s to see how many hostile inputs of each kind were tried.
"""

from __future__ import annotations

import codecs
import html
import json
import re
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import pytest
import yaml
from lxml import etree

import feeds.yamlread
from feeds.dates import parse_datetime
from feeds.store import Store

from .editing import replace_in
from .helpers import FORMATS, publisher_of
from .hostile import (
    ARTICLE,
    XML_INVALID,
    article,
    assert_checked,
    check,
    errors,
    problems,
    put,
    read_document,
    read_every_feed,
    shown,
    site_ids,
    tally_of,
)

TRIED: Counter[str] = Counter()
HOST = "news.example.org"
KYIV = ZoneInfo("Europe/Kyiv")


_tally = tally_of(TRIED)


def id_of(rel: str, date: str = "2026-02-11") -> str:
    """Return the default id of an article file written from ARTICLE."""
    return f"tag:{HOST},{date}:{rel.rsplit('/', 1)[-1].rsplit('.', 1)[0].lower()}"


def append(data_dir: Path, rel: str, text: str) -> int:
    """Append lines to a data file; return the line number of the first one."""
    path = data_dir / rel
    old = path.read_text(encoding="utf-8")
    if not old.endswith("\n"):
        old += "\n"
    path.write_text(old + text, encoding="utf-8")
    return len(old.splitlines()) + 1


def line_of(text: str, start: str) -> int:
    """Return the 1-based number of the first line of text that starts with `start`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(start))


@dataclass
class Case:
    """One hostile file: where it goes, what it holds and where its problem must be reported."""

    rel: str
    content: str | bytes
    line: int | None  # None: any line
    words: tuple[str, ...] = ()
    kind: str = "other"


def run_batch(app, client, data_dir: Path, cases: list[Case], loads: dict[str, str] | None = None):
    """Write every case, reload, and assert the contract for each; return the feed documents.

    `loads` maps article files that are expected to load (not refused) to their title.
    """
    loads = loads or {}
    before = site_ids(client)
    for case in cases:
        put(data_dir, case.rel, case.content)
        TRIED[case.kind] += 1
    publisher_of(app).refresh()
    # The server: every other article is still served; refused files are left out.
    after = site_ids(client)
    assert before <= after, before - after
    assert after - before == {id_of(rel) for rel in loads}, after - before
    for case in cases:
        if case.rel in loads:
            continue
        found = errors(client, case.rel)
        assert found, f"/healthz lists no problem for {case.rel}"
        if case.line is not None:
            assert case.line in {p["line"] for p in found}, (case.rel, case.line, found)
        assert "\n" not in "".join(p["message"] for p in found)
    documents = read_every_feed(app, client)
    titles = {e.title for d in documents for e in d.entries.values()}
    assert set(loads.values()) <= titles
    # The command line: one PATH:LINE: message per problem, exit 1, never a traceback.
    code, lines, output = check(data_dir)
    assert code == 1 and "Traceback" not in output, output
    for case in cases:
        if case.rel in loads:
            continue
        prefix = f"{case.rel}:{case.line}: " if case.line is not None else f"{case.rel}:"
        printed = [entry for entry in lines if entry.startswith(prefix)]
        assert printed, f"`feeds check` prints no {prefix!r} line:\n{output}"
        assert any(all(w in entry for w in case.words) for entry in printed), (case.words, printed)
    return documents


# --- YAML tags that would run code in an unsafe loader -------------------------------------


def unsafe_cases(marker: Path) -> list[Case]:
    touch = f'["touch {marker}"]'
    a = "articles/unsafe"
    return [
        Case(
            f"{a}/apply-title.yaml",
            article(title=f"!!python/object/apply:os.system {touch}"),
            1,
            ("'title' must be text",),
        ),
        Case(
            f"{a}/apply-file.yaml",
            f"!!python/object/apply:os.system {touch}\n",
            1,
            ("must be a mapping",),
        ),
        Case(
            f"{a}/apply-tag.yaml",
            article(f"tags: [!!python/object/apply:os.system {touch}]"),
            6,
            ("'tags' must be text",),
        ),
        Case(
            f"{a}/apply-verbatim.yaml",
            article(title=f"!<tag:yaml.org,2002:python/object/apply:os.system> {touch}"),
            1,
            ("'title' must be text",),
        ),
        Case(
            f"{a}/new-popen.yaml",
            article(body=f'!!python/object/new:subprocess.Popen [["touch", "{marker}"]]'),
            5,
            ("'body' must be text",),
        ),
        Case(f"{a}/name.yaml", article(title="!!python/name:os.system"), 1, ("YAML tag",)),
        Case(f"{a}/module.yaml", article("subtitle: !!python/module:os"), 6, ("YAML tag",)),
        Case(f"{a}/bytes.yaml", article("summary: !!python/bytes 'eA=='"), 6, ("YAML tag",)),
        Case(f"{a}/binary.yaml", article(title="!!binary aGVsbG8="), 1, ("YAML tag",)),
        Case(f"{a}/local-tag.yaml", article(title="!custom x"), 1, ("YAML tag",)),
        Case(
            f"{a}/key.yaml",
            "!!python/name:os.system : x\n" + ARTICLE,
            1,
            ("field name must be plain text",),
        ),
        Case(f"{a}/merge.yaml", article("<<: {title: Merged}"), 6, ("field name",)),
    ]


def test_unsafe_yaml_tags_are_reported_and_never_run(app, client, data_dir, tmp_path):
    marker = tmp_path / "PWNED"
    cases = unsafe_cases(marker)
    for case in cases:
        case.kind = "yaml-unsafe-tag"
    # The same tags in the files everything depends on: reported, last good version kept.
    line = append(
        data_dir,
        "authors.yaml",
        f"- slug: evil\n  name: !!python/object/apply:os.system {['touch ' + str(marker)]}\n",
    )
    TRIED["yaml-unsafe-tag"] += 1
    run_batch(app, client, data_dir, cases)
    assert errors(client, "authors.yaml")[0]["line"] == line + 1
    assert not marker.exists(), "a YAML tag ran a command"
    # The control: the payloads are live. An unsafe loader runs them (a harmless touch).
    control = tmp_path / "CONTROL"
    yaml.unsafe_load(cases[0].content.replace(str(marker), str(control)))
    assert control.exists()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (article("image: !!python/object:feeds.model.Image {url: 'https://e.org/a.jpg'}"), 6),
        (article("tags: !!python/tuple [a, b]"), 6),
        ("--- !!python/object:feeds.model.Article\n" + ARTICLE, 1),
        (article("tags: !!python/object/apply:os.system [echo hi]"), 6),
    ],
    ids=["object-image", "tuple-tags", "object-root", "apply-tags-list"],
)
def test_python_tags_on_collections_are_reported(data_dir, text, line):
    TRIED["yaml-unsafe-tag"] += 1
    put(data_dir, "articles/tagged.yaml", text)
    assert_checked(data_dir, "articles/tagged.yaml", line, "tag")


# --- Alias bombs and deep nesting ------------------------------------------------------------


def laughs(depth: int = 12, width: int = 9, name: str = "a") -> str:
    """Return a flow list of anchors, each aliasing the previous one `width` times (9**12)."""
    levels = ["&" + f"{name}0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, depth):
        levels.append(f"&{name}{i} [" + ", ".join([f"*{name}{i - 1}"] * width) + "]")
    return "[" + ", ".join(levels) + "]"


def test_alias_bombs_take_bounded_time_and_memory(app, client, data_dir):
    bomb = laughs()
    merge = "{" + ", ".join(f"k{i}: v" for i in range(9)) + "}"
    cases = [
        Case("articles/bomb/tags.yaml", article(f"tags: {bomb}"), 6, ("'tags' must be text",)),
        Case(
            "articles/bomb/title.yaml",
            f"x: {bomb}\n" + article(title="*a11"),
            1,
            ("unknown field 'x'",),
        ),
        Case(
            "articles/bomb/body.yaml", article(f"subtitle: {bomb}"), 6, ("'subtitle' must be text",)
        ),
        Case(
            "articles/bomb/merge.yaml",
            article(
                f"m0: &m0 {merge}",
                *[f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}]}}" for i in range(1, 10)],
            ),
            6,
            ("unknown field 'm0'",),
        ),
    ]
    for case in cases:
        case.kind = "yaml-alias-bomb"
    line = append(
        data_dir, "sections.yaml", f"- slug: bomb\n  title: Bomb\n  description: {bomb}\n"
    )
    TRIED["yaml-alias-bomb"] += 1
    tracemalloc.start()
    started = time.monotonic()
    try:
        run_batch(app, client, data_dir, cases)
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert errors(client, "sections.yaml")[0]["line"] == line + 2
    # Expanded, 9**12 "lol"s would take terabytes; composed, the node graph is shared.
    assert seconds < 10, seconds
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.1f} MB"


NESTED = {
    "flow-list": ("title: " + "[" * 10_000 + "]" * 10_000 + "\n", 1),
    "flow-map": ("title: " + "{a: " * 10_000 + "x" + "}" * 10_000 + "\n", 1),
    # Block style: each level indented one more space than the last.
    "block-map": ("title:\n" + "".join(" " * i + "a:\n" for i in range(1, 1_200)) + "b\n", None),
}


@pytest.mark.parametrize("loader", ["libyaml", "pure-python"])
def test_deep_nesting_is_reported_not_a_recursion_error(app, client, data_dir, monkeypatch, loader):
    if loader == "pure-python":
        # What runs where libyaml is missing: PyYAML's recursive composer.
        monkeypatch.setattr(feeds.yamlread, "SafeLoader", yaml.SafeLoader)
    cases = [
        Case(
            f"articles/nested/{name}.yaml",
            text + ARTICLE.split("\n", 1)[1],
            line,
            (),
            "yaml-deep-nesting",
        )
        for name, (text, line) in NESTED.items()
        # PyYAML's pure scanner is slow over thousands of '['s; one flow case will do.
        if loader == "libyaml" or name != "flow-list"
    ]
    append(
        data_dir,
        "sections.yaml",
        "- slug: deep\n  title: " + "{a: " * 10_000 + "x" + "}" * 10_000 + "\n",
    )
    TRIED["yaml-deep-nesting"] += 1
    started = time.monotonic()
    run_batch(app, client, data_dir, cases)
    assert time.monotonic() - started < 20
    for case in cases:
        messages = " ".join(p["message"] for p in errors(client, case.rel))
        assert "nest" in messages or "YAML syntax error" in messages, messages
    assert errors(client, "sections.yaml")


# --- Structure: duplicate keys, several documents, not a mapping -----------------------------


def test_duplicate_keys_multiple_documents_and_wrong_shapes(app, client, data_dir):
    a = "articles/shape"
    cases = [
        Case(f"{a}/dup-body.yaml", article("body: Again."), 6, ("field 'body' appears twice",)),
        Case(f"{a}/dup-quoted.yaml", article('"title": Quoted'), 6, ("'title' appears twice",)),
        Case(
            f"{a}/dup-explicit.yaml",
            article("? title", ": Explicit"),
            6,
            ("'title' appears twice",),
        ),
        Case(
            f"{a}/dup-image.yaml",
            article("image:", "  url: https://e.org/a.jpg", "  alt: A", "  alt: B"),
            9,
            ("'alt' appears twice",),
        ),
        Case(
            f"{a}/docs-end.yaml",
            ARTICLE + "...\n---\n" + ARTICLE,
            None,
            ("more than one YAML document",),
        ),
        Case(f"{a}/docs-many.yaml", "---\n" * 1000, None, ("more than one YAML document",)),
        Case(f"{a}/null.yaml", "~\n", 1, ()),
        Case(f"{a}/number.yaml", "42\n", 1, ("must be a mapping",)),
        Case(f"{a}/string.yaml", '"just text"\n', 1, ("must be a mapping",)),
        Case(
            f"{a}/list.yaml",
            "- " + "\n- ".join(ARTICLE.splitlines()) + "\n",
            1,
            ("must be a mapping",),
        ),
        Case(f"{a}/empty-map.yaml", "{}\n", 1, ("missing required field",)),
        Case(f"{a}/empty-list.yaml", "[]\n", 1, ("must be a mapping",)),
        Case(f"{a}/only-marker.yaml", "---\n", None, ("must be a mapping",)),
    ]
    for case in cases:
        case.kind = "yaml-structure"
    # A lone leading --- is one document: it loads.
    ok = Case(
        f"{a}/leading-marker.yaml",
        "---\n" + article(title="Leading marker"),
        None,
        kind="yaml-structure",
    )
    run_batch(app, client, data_dir, [*cases, ok], loads={ok.rel: "Leading marker"})


@pytest.mark.parametrize(
    ("rel", "text", "line", "words"),
    [
        ("site.yaml", "just a title\n", 1, "site.yaml must be a mapping"),
        ("site.yaml", "title: A\ntitle: B\nurl: https://e.org\n", 2, "'title' appears twice"),
        ("site.yaml", "title: A\nurl: https://e.org\n---\ntitle: B\n", 3, "more than one YAML"),
        ("authors.yaml", "42\n", 1, "must be a list"),
        ("authors.yaml", "- slug: a\n  name: A\n  name: B\n", 3, "'name' appears twice"),
        ("sections.yaml", "- war\n- politics\n", 1, "must be a mapping"),
        ("sections.yaml", "[]\n---\n[]\n", 2, "more than one YAML"),
    ],
)
def test_wrong_shapes_in_shared_files_keep_the_last_good_version(
    app, client, data_dir, rel, text, line, words, publisher
):
    TRIED["yaml-structure"] += 1
    before = site_ids(client)
    put(data_dir, rel, text)
    publisher.refresh()
    assert site_ids(client) == before
    assert line in {p["line"] for p in errors(client, rel)}
    read_every_feed(app, client)
    assert_checked(data_dir, rel, line, words)


# --- YAML's implicit typing, in every text field -----------------------------------------------

# (value as written, what YAML reads it as); "" is an empty value.
TRAPS = [
    ("no", "a true/false value"),
    ("on", "a true/false value"),
    ("12:30", "a number"),
    ("010", "a number"),
    ("1.10", "a number"),
    ("2026-02-10", "a date"),
    ("", None),
]
EXTRA_TRAPS = [
    ("OFF", "a true/false value"),
    ("Yes", "a true/false value"),
    ("0b101", "a number"),
    ("1_000", "a number"),
    ("+12", "a number"),
    (".inf", "a number"),
    (".NaN", "a number"),
    ("2026-02-10 14:05:00", "a date"),
    ("~", None),
    ("null", None),
]
# Article fields: (name in messages, how to write it, required?)
ARTICLE_FIELDS = {
    "title": ("title", lambda v: article(title=v), True),
    "subtitle": ("subtitle", lambda v: article(f"subtitle: {v}"), False),
    "summary": ("summary", lambda v: article(f"summary: {v}"), False),
    "body": ("body", lambda v: article(body=v), True),
    "tags": ("tags", lambda v: article(f"tags: [Kyiv, {v}]"), False),
    "caption": (
        "caption",
        lambda v: article("image:", "  url: https://e.org/a.jpg", f"  caption: {v}"),
        False,
    ),
    "credit": (
        "credit",
        lambda v: article("image:", "  url: https://e.org/a.jpg", f"  credit: {v}"),
        False,
    ),
    "alt": ("alt", lambda v: article("image:", "  url: https://e.org/a.jpg", f"  alt: {v}"), False),
}


def trap_batch(data_dir: Path, value: str, reads_as: str | None):
    """Put one trap value in every text field; return (cases, files expected to load)."""
    cases, loads = [], {}
    for field, (name, write, required) in ARTICLE_FIELDS.items():
        rel = f"articles/trap/{field}.yaml"
        text = write(value)
        line = line_of(text, f"{name}:")
        if reads_as is None and not required:
            loads[rel] = "A hostile test"
            put(data_dir, rel, text)
            continue
        words = (
            (f"'{name}' is empty",)
            if reads_as is None
            else (
                f"'{name}': YAML reads {value} as {reads_as}",
                f'put it in quotes: {name}: "{value}"',
            )
        )
        if field == "tags" and reads_as is None:  # an empty item in a list is skipped
            loads[rel] = "A hostile test"
            put(data_dir, rel, text)
            continue
        cases.append(Case(rel, text, line, words, "yaml-implicit-type"))
    return cases, loads


def meta_traps(data_dir: Path, value: str, reads_as: str | None) -> list[tuple[str, int, str]]:
    """Put the trap in author, section and site fields; return the expected (file, line, word).

    site.yaml is written last, by `site_trap`: while it is broken, nothing can be built.
    """
    expected = []

    def expect(rel: str, line: int, name: str, required: bool) -> None:
        if reads_as is not None:
            expected.append((rel, line, f"'{name}': YAML reads {value} as {reads_as}"))
        elif required:
            expected.append((rel, line, f"'{name}' is empty"))

    for name, required in (("name", True), ("role", False), ("bio", False)):
        fields = {"name": "Trap Person", "role": "Reporter", "bio": "Writes."} | {name: value}
        first = append(
            data_dir,
            "authors.yaml",
            f"- slug: trap-{name}\n" + "".join(f"  {k}: {v}\n" for k, v in fields.items()),
        )
        expect("authors.yaml", first + 1 + list(fields).index(name), name, required)
    for name, required in (("title", True), ("description", False)):
        fields = {"title": "Trap", "description": "A section."} | {name: value}
        first = append(
            data_dir,
            "sections.yaml",
            f"- slug: trap-{name}\n" + "".join(f"  {k}: {v}\n" for k, v in fields.items()),
        )
        expect("sections.yaml", first + 1 + list(fields).index(name), name, required)

    def site_trap() -> list[tuple[str, int, str]]:
        expected.clear()
        site = (data_dir / "site.yaml").read_text(encoding="utf-8")
        # One field at a time: while the title is wrong, the rest of site.yaml goes unchecked
        # (see test_every_problem_in_site_yaml_is_reported_at_once).
        name = "title" if value == "" else "description"
        site = re.sub(f"(?m)^{name}: .*$", f"{name}: {value}", site)
        (data_dir / "site.yaml").write_text(site, encoding="utf-8")
        expect("site.yaml", line_of(site, f"{name}:"), name, name == "title")
        return list(expected)

    return expected, site_trap


def assert_all_reported(client, data_dir: Path, expected: list[tuple[str, int, str]]) -> None:
    _, lines, output = check(data_dir)
    for rel, line, word in expected:
        assert any(e.startswith(f"{rel}:{line}: ") and word in e for e in lines), (
            rel,
            line,
            output,
        )
        assert line in {p["line"] for p in errors(client, rel)}, (rel, line)


@pytest.mark.parametrize(("value", "reads_as"), TRAPS, ids=[v or "empty" for v, _ in TRAPS])
def test_implicit_types_in_every_text_field_are_reported(
    app, client, data_dir, value, reads_as, publisher
):
    cases, loads = trap_batch(data_dir, value, reads_as)
    expected, site_trap = meta_traps(data_dir, value, reads_as)
    TRIED["yaml-implicit-type"] += 5
    run_batch(app, client, data_dir, cases, loads)
    assert_all_reported(client, data_dir, expected)
    expected = site_trap()
    TRIED["yaml-implicit-type"] += 2
    publisher.refresh()
    assert_all_reported(client, data_dir, expected)
    # A broken site.yaml keeps its last good version: the title never becomes "False" or "750".
    parsed = feedparser.parse(client.get("/feed.atom").data)
    assert parsed.feed.title == "The Kyiv Ledger"
    read_every_feed(app, client)


@pytest.mark.parametrize(("value", "reads_as"), EXTRA_TRAPS, ids=[v for v, _ in EXTRA_TRAPS])
def test_more_implicit_types_in_article_fields(app, client, data_dir, value, reads_as):
    cases, loads = trap_batch(data_dir, value, reads_as)
    run_batch(app, client, data_dir, cases, loads)


# --- Size, encodings and invisible characters ------------------------------------------------

BIG = 50 * 2**20


def big_file(path: Path, head: str) -> None:
    """Make a 50 MB file quickly: real YAML at the start, then a sparse tail of NULs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(head.encode())
        out.truncate(BIG)


def test_a_50_mb_file_is_refused_before_parsing(app, client, data_dir, monkeypatch, publisher):
    replace_in(data_dir / "site.yaml", "max_age: 300", "max_age: 300\nmax_file_bytes: 2000000")
    big_file(data_dir / "articles/big.yaml", ARTICLE)
    big_file(data_dir / "authors.yaml", (data_dir / "authors.yaml").read_text(encoding="utf-8"))
    TRIED["oversized-file"] += 2
    parsed_sizes: list[int] = []
    compose = feeds.yamlread.compose

    def spy(text: str, *args):
        parsed_sizes.append(len(text))
        return compose(text, *args)

    monkeypatch.setattr(feeds.yamlread, "compose", spy)
    before = site_ids(client)
    started = time.monotonic()
    publisher.refresh()
    assert time.monotonic() - started < 2
    assert max(parsed_sizes, default=0) < 2_000_000, "a file over the limit was parsed"
    [problem] = errors(client, "articles/big.yaml")
    assert problem["line"] == 1
    assert "max_file_bytes" in problem["message"] and "2,000,000" in problem["message"]
    # authors.yaml is read before site.yaml's limit applies: the built-in limit holds.
    assert "1,000,000" in errors(client, "authors.yaml")[0]["message"]
    assert site_ids(client) == before
    read_every_feed(app, client)
    started = time.monotonic()
    line = assert_checked(data_dir, "articles/big.yaml", 1, "over the limit of 2,000,000")
    assert time.monotonic() - started < 2
    assert "52,428,800 bytes" in line


def test_non_utf8_bytes_are_reported_on_their_line(app, client, data_dir):
    base = article("subtitle: S").encode()
    cases = [
        Case(
            "articles/enc/invalid-pair.yaml",
            base + b"summary: a\xc3\x28b\n",
            7,
            ("not UTF-8", "0xc3"),
        ),
        Case("articles/enc/overlong.yaml", base + b"summary: \xc0\xaf\n", 7, ("not UTF-8", "0xc0")),
        Case(
            "articles/enc/cesu-surrogate.yaml", base + b"summary: \xed\xa0\x80\n", 7, ("not UTF-8",)
        ),
        Case("articles/enc/truncated.yaml", base + b"summary: \xe2\x82", 7, ("not UTF-8",)),
        Case(
            "articles/enc/windows-1251.yaml",
            "title: Київ\n".encode("cp1251") + base,
            1,
            ("not UTF-8",),
        ),
        Case(
            "articles/enc/utf16-no-bom.yaml",
            ARTICLE.encode("utf-16-le"),
            1,
            ("not UTF-8", "looks like UTF-16", "save it as UTF-8"),
        ),
        Case("articles/enc/utf32.yaml", ARTICLE.encode("utf-32"), 1, ("looks like UTF-32",)),
        Case("articles/enc/nul.yaml", b"title: a\x00b\n" + base, 1, ("control character U+0000",)),
    ]
    for case in cases:
        case.kind = "encoding"
    run_batch(app, client, data_dir, cases)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_files_with_a_byte_order_mark_load(app, client, data_dir, bom, codec, publisher):
    TRIED["encoding"] += 3
    text = article("subtitle: Київ, Україна", "tags: [Щедрик]", title="BOM story")
    put(data_dir, "articles/bom.yaml", bom + text.encode(codec))
    sections = (data_dir / "sections.yaml").read_text(encoding="utf-8")
    put(
        data_dir,
        "sections.yaml",
        bom + sections.replace("title: War", "title: Війна").encode(codec),
    )
    authors = (data_dir / "authors.yaml").read_text(encoding="utf-8")
    put(data_dir, "authors.yaml", bom + authors.encode(codec))
    publisher.refresh()
    assert [p for p in problems(client) if p["severity"] == "error"] == []
    documents = read_every_feed(app, client)
    atom = next(d for d in documents if d.path == "/sections/war/feed" and d.fmt == "atom")
    entry = atom.entries[id_of("articles/bom.yaml")]
    assert entry.title == "BOM story"
    assert atom.title == "Війна | The Kyiv Ledger"
    assert "\ufeff" not in atom.body.decode()
    code, _, output = check(data_dir)
    assert code == 0, output


def test_stray_byte_order_marks_inside_values_are_stripped(app, client, data_dir, publisher):
    TRIED["invisible-character"] += 4
    text = article(
        "subtitle: Sub\ufefftitle",
        'tags: ["\ufeffKyiv"]',
        title="Ti\ufefftle\ufeff",
        body='"Bo\\uFEFFdy"',
    )
    put(data_dir, "articles/feff.yaml", "\ufeff" + text)
    publisher.refresh()
    assert errors(client, "articles/feff.yaml") == []
    for document in read_every_feed(app, client):
        assert "\ufeff" not in document.body.decode(), document.path
    parsed = feedparser.parse(client.get("/feed.atom").data)
    entry = next(e for e in parsed.entries if e.id == id_of("articles/feff.yaml"))
    assert (entry.title, entry.content[0].value) == (
        "Title",
        "<p><strong>Subtitle</strong></p>\n<p>Body</p>",
    )
    assert "kyiv" in [t.term for t in entry.tags]


@pytest.mark.parametrize("loader", ["libyaml", "pure-python"])
def test_lone_surrogate_escapes_are_reported_or_stripped(
    app, client, data_dir, monkeypatch, loader, publisher
):
    if loader == "pure-python":
        monkeypatch.setattr(feeds.yamlread, "SafeLoader", yaml.SafeLoader)
    writes = {
        "title": article(title='"A\\ud800B"'),
        "pair": article(title='"A\\ud83d\\ude00B"'),
        "low": article('summary: "x\\udfffy"'),
        "tag": article('tags: ["\\udbff"]'),
    }
    for name, text in writes.items():
        put(data_dir, f"articles/surrogate/{name}.yaml", text)
        TRIED["lone-surrogate"] += 1
    before = site_ids(client)
    publisher.refresh()
    documents = read_every_feed(app, client)
    served = {e.id: e for d in documents if d.fmt == "atom" for e in d.entries.values()}
    for name in writes:
        rel = f"articles/surrogate/{name}.yaml"
        if id_of(rel) in served:  # loaded: the surrogates are gone, the rest kept
            assert not re.search(
                "[\ud800-\udfff]", served[id_of(rel)].title + served[id_of(rel)].summary
            )
        else:
            [problem] = errors(client, rel)
            assert problem["line"] in (1, 6), problem
    assert before <= site_ids(client)
    _, _, output = check(data_dir)
    assert "Traceback" not in output


# --- Characters XML cannot carry, CDATA ends, markup in plain text ---------------------------

# Every C0 control but tab, LF and CR, then U+FFFE, U+FFFF, and a stray BOM: YAML escapes.
FORBIDDEN = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff", "\ufeff"]
ESCAPED = "".join(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in FORBIDDEN)


def every_field(data_dir: Path, make) -> None:
    """Write make(field name) into every text field: article, image, author, section, site."""
    put(
        data_dir,
        "articles/every.yaml",
        article(
            f'subtitle: "{make("subtitle")}"',
            f'summary: "{make("summary")}"',
            f'tags: ["{make("tag")}"]',
            "image:",
            "  url: https://e.org/a.jpg",
            f'  caption: "{make("caption")}"',
            f'  credit: "{make("credit")}"',
            f'  alt: "{make("alt")}"',
            title=f'"{make("title")}"',
            body=f'"{make("body")}"',
            authors="[every-author]",
        ),
    )
    append(
        data_dir,
        "authors.yaml",
        (
            f'- slug: every-author\n  name: "{make("name")}"\n  role: "{make("role")}"\n'
            f'  bio: "{make("bio")}"\n'
        ),
    )
    replace_in(data_dir / "sections.yaml", "  title: War\n", f'  title: "{make("section")}"\n')
    text = (data_dir / "site.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", lambda _: f'title: "{make("site")}"', text)
    text = re.sub(
        r"(?m)^description: .*$", lambda _: f'description: "{make("site description")}"', text
    )
    (data_dir / "site.yaml").write_text(text, encoding="utf-8")
    replace_in(
        data_dir / "sections.yaml",
        'description: "Front-line',
        f'description: "{make("section description")} Front-line',
    )


def test_every_character_xml_forbids_is_stripped_from_every_field(app, client, data_dir, publisher):
    # test_load covers a sample of these characters; here: all of them, in every field,
    # including section and site descriptions.
    every_field(data_dir, lambda name: f"{name}{ESCAPED} end")
    TRIED["xml-forbidden-character"] += len(FORBIDDEN) * 16
    publisher.refresh()
    assert [p for p in problems(client) if p["severity"] == "error"] == []
    store = publisher.store
    [got] = [a for a in store.catalog.articles if a.path == "articles/every.yaml"]
    assert (got.title, got.subtitle, got.summary, got.tags) == (
        "title end",
        "subtitle end",
        "summary end",
        ("tag end",),
    )
    assert (got.image.caption, got.image.credit, got.image.alt) == (
        "caption end",
        "credit end",
        "alt end",
    )
    assert got.body_html == "<p>body end</p>"
    author = store.catalog.authors["every-author"]
    assert (author.name, author.role, author.bio) == ("name end", "role end", "bio end")
    war = store.catalog.sections["war"]
    assert war.title == "section end"
    assert war.description.startswith("section description end Front-line")
    site = store.catalog.site
    assert (site.title, site.description) == ("site end", "site description end")
    for path in ("/", "/feeds.opml", "/sections/war/", "/authors/every-author/", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not XML_INVALID.search(response.get_data(as_text=True)), path
    for document in read_every_feed(app, client):
        assert "\ufeff" not in document.body.decode(), document.path


def test_cdata_end_in_every_field_is_kept_as_text(app, client, data_dir, publisher):
    every_field(data_dir, lambda name: f"{name} ]]> end")
    put(
        data_dir,
        "articles/cdata-url.yaml",
        article(
            "image:",
            "  url: https://e.org/a]]>b.jpg",
            "  caption: x",
            "url: https://e.org/s]]>",
            body='"<abbr title=\\"x]]>y\\">A</abbr> `]]>` <![CDATA[ x ]]> ]]>"',
            authors="[every-author]",
        ),
    )
    TRIED["cdata-end"] += 18
    publisher.refresh()
    assert [p for p in problems(client) if p["severity"] == "error"] == []
    documents = read_every_feed(app, client)
    for document in documents:
        if document.path != "/authors/every-author/feed":
            continue
        entry = document.entries[id_of("articles/every.yaml")]
        assert entry.title == "title ]]> end", document.fmt
        assert "subtitle ]]&gt; end" in entry.content_html
        assert "caption ]]&gt; end" in entry.content_html
        assert "<p>body ]]&gt; end</p>" in entry.content_html
        assert document.title == "name ]]> end | site ]]> end"
        links = entry.links
        assert (
            "https://e.org/s%5D%5D%3E" in document.entries[id_of("articles/cdata-url.yaml")].links
        )
        assert all("]]>" not in link for link in links)


MARKUP = "<b>bold</b> & <script>alert(1)</script> &amp; &lt;i&gt;"


def test_markup_in_titles_is_shown_as_text(publisher, client, data_dir):
    escaped = MARKUP.replace('"', '\\"')
    every_field(data_dir, lambda name: f"{name} {escaped}")
    TRIED["markup-in-plain-text"] += 16
    publisher.refresh()
    assert [p for p in problems(client) if p["severity"] == "error"] == []
    for fmt in FORMATS:
        body = client.get(f"/authors/every-author/feed.{fmt}").data
        document = read_document("/authors/every-author/feed", fmt, body)
        entry = document.entries[id_of("articles/every.yaml")]
        assert entry.title == f"title {MARKUP}", fmt
        assert document.title == f"name {MARKUP} | site {MARKUP}", fmt
        if fmt == "json":
            item = json.loads(body)["items"][0]
            assert item["summary"] == f"summary {MARKUP}"
            assert html.escape(f"caption {MARKUP}", quote=False) in item["content_html"]
            assert f"tag {MARKUP}" in item["tags"]
            continue
        parsed = document.parsed
        [shown_entry] = [e for e in parsed.entries if e.id == id_of("articles/every.yaml")]
        assert shown_entry.title == f"title {MARKUP}", fmt  # feedparser: text, not HTML
        assert parsed.feed.title == f"name {MARKUP} | site {MARKUP}", fmt
        # The subtitle and caption sit inside the HTML content, escaped: shown as written.
        content = lxml.html.fragment_fromstring(entry.content_html, create_parent="div")
        assert content.findtext(".//strong") == f"subtitle {MARKUP}"
        assert not content.findall(".//script")  # the body may hold <b>: it is Markdown


def test_markup_in_a_summary_is_shown_as_text_in_rss(publisher, client, data_dir):
    TRIED["markup-in-plain-text"] += 1
    put(data_dir, "articles/markup.yaml", article(f"summary: '{MARKUP}'"))
    publisher.refresh()
    parsed = feedparser.parse(client.get("/feed.rss").data)
    [entry] = [e for e in parsed.entries if e.id == id_of("articles/markup.yaml")]
    assert shown(entry.summary_detail) == MARKUP


# --- The sanitizer: payloads from feedparser's and OWASP's test suites ------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<img src="javascript:alert(1)">',
    '<img src="JaVaScRiPt:alert(1)">',
    '<img src="jav&#x61;script:alert(1)">',
    '<img src="jav&#97;script:alert(1)">',
    '<img src="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">',
    '<img src=" &#14;  javascript:alert(1)">',
    '<img src="jav\tascript:alert(1)">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<a href="javascript:alert(1)">a</a>',
    '<a href="JAVASCRIPT:alert(1)">b</a>',
    '<a href="jav&#x61;script:alert(1)">c</a>',
    '<a href="jav&#x0A;ascript:alert(1)">d</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">e</a>',
    '<a href="vbscript:msgbox(1)">f</a>',
    '<a href="  javascript:alert(1)">g</a>',
    '<a href="java\0script:alert(1)">h</a>',
    "[md](javascript:alert(1))",
    "[md2](JaVaScRiPt:alert(1))",
    "![md3](javascript:alert(1))",
    "<javascript:alert(1)>",
    '<body onload="alert(1)">body</body>',
    '<p onmouseover="alert(1)" onclick=alert(1)>p</p>',
    '<div style="background:url(javascript:alert(1))">s1</div>',
    '<div style="width: expression(alert(1))">s2</div>',
    '<span style="-moz-binding:url(https://evil.example/x.xml#x)">s3</span>',
    "<style>@import 'https://evil.example/x.css'; p {background:url(javascript:alert(1))}</style>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<applet code="x.class"></applet>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<form action="https://evil.example/"><input name="q"><button>go</button></form>',
    "<textarea>x</textarea><select><option>y</option></select>",
    "<video src=x onerror=alert(1)></video><audio src=x onerror=alert(1)></audio>",
    '<table background="javascript:alert(1)"><tr><td>t</td></tr></table>',
    '<a href="https://e.org/" target="_blank" formaction="javascript:alert(1)">ok</a>',
    '<blockquote cite="javascript:alert(1)">q</blockquote>',
    '<img src="x" alt="a" title="t" style="x:expression(alert(1))" width="1">',
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<xss:script xmlns:xss="http://www.w3.org/1999/xhtml">alert(1)</xss:script>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">i</a>',
    '<a href="javascript&colon;alert(1)">j</a>',
    "<isindex type=image src=1 onerror=alert(1)>",
    '<marquee onstart="alert(1)">m</marquee>',
    '<details open ontoggle="alert(1)">d</details>',
]
BAD_ELEMENTS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "applet",
    "meta",
    "base",
    "link",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "option",
    "svg",
    "math",
    "video",
    "audio",
    "body",
    "marquee",
    "details",
    "isindex",
    "frame",
    "frameset",
}
SAFE_URL = re.compile(r"(?i)^(https?://|mailto:)")


def assert_sanitized(fragment: str, where: str) -> None:
    """Assert an HTML fragment has no active content: elements, handlers, styles, bad URLs."""
    lowered = fragment.lower()
    for needle in (
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "<svg",
        "<meta",
        "<base",
        "<form",
        "<style",
    ):
        assert needle not in lowered, (where, needle)
    tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in BAD_ELEMENTS, (where, element.tag)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, element.tag, name)
            assert name.lower() not in ("style", "formaction", "background", "srcdoc"), (
                where,
                name,
            )
            if name.lower() in ("href", "src", "cite", "action", "data"):
                assert SAFE_URL.match(value.strip()), (where, element.tag, name, value)
            assert "javascript" not in value.lower() and "expression(" not in value.lower(), (
                where,
                name,
                value,
            )


def test_sanitizer_payloads_never_survive_in_any_format(app, client, data_dir, publisher):
    body = "A first, harmless paragraph.\n\n" + "\n\n".join(PAYLOADS) + "\n\n" + " ".join(PAYLOADS)
    put(data_dir, "articles/xss.yaml", article(body=json.dumps(body), title="XSS"))
    TRIED["sanitizer-payload"] += 2 * len(PAYLOADS)
    publisher.refresh()
    assert errors(client, "articles/xss.yaml") == []
    checked = 0
    for document in read_every_feed(app, client):
        entry = document.entries.get(id_of("articles/xss.yaml"))
        if entry is None:
            continue
        assert entry.content_html.startswith("<p>A first, harmless paragraph.</p>")
        assert_sanitized(entry.content_html, f"{document.path}.{document.fmt}")
        assert entry.summary == "A first, harmless paragraph." or document.fmt == "rss"
        checked += 1
    assert checked == 9  # the site, war section and author feeds, in three formats
    # Links that were safe survive, made absolute and percent-encoded.
    page = client.get("/feed.json").get_json()
    [item] = [i for i in page["items"] if i["id"] == id_of("articles/xss.yaml")]
    assert '<a href="https://e.org/" rel="noopener">ok</a>' in item["content_html"]


# --- Links and picture URLs -------------------------------------------------------------------

REFUSED_URLS = [
    ("url", "JaVaScRiPt:alert(1)"),
    ("url", '" javascript:alert(1)"'),
    ("url", '"java\\tscript:alert(1)"'),
    ("url", "javascript&#58;alert(1)"),
    ("url", "vbscript:msgbox(1)"),
    ("url", '"data:text/html,<script>alert(1)</script>"'),
    ("url", "//evil.example/story"),
    ("url", "/war/relative"),
    ("url", "https://"),
    ("image", "javascript:alert(1)"),
    ("image", "{url: 'JAVASCRIPT:alert(1)'}"),
    ("image", "{url: 'data:image/svg+xml;base64,PHN2Zz4='}"),
    ("image", "{url: 'file:///etc/passwd'}"),
]


def test_unsafe_urls_in_url_fields_are_refused(app, client, data_dir):
    cases = [
        Case(
            f"articles/urls/u{i}.yaml",
            article(f"{name}: {value}"),
            6,
            (f"'{'url' if name == 'url' else name}'",),
            "unsafe-url",
        )
        for i, (name, value) in enumerate(REFUSED_URLS)
    ]
    for case in cases[9:]:
        case.words = ()
    line = append(
        data_dir,
        "authors.yaml",
        "- slug: js\n  name: JS\n  bio: B.\n  url: javascript:alert(1)\n"
        "  image: 'data:image/png;base64,AA'\n",
    )
    TRIED["unsafe-url"] += 2
    documents = run_batch(app, client, data_dir, cases)
    assert {line + 3, line + 4} <= {p["line"] for p in errors(client, "authors.yaml")}
    for document in documents:
        assert b"javascript:" not in document.body.lower(), document.path


NON_ASCII = {
    "url": "https://пример.рф/новини/перша стаття",
    "image": "https://пример.рф/фото/київ 1.jpg",
    "body": "[link](https://пример.рф/шлях?q=я#ф) <img src='/медіа/фото 2.jpg' alt='x'>",
}
EXPECTED_URLS = {
    "https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8/%D0%BF%D0%B5%D1%80%D1%88%D0%B0%20%D1%81%D1%82%D0%B0%D1%82%D1%82%D1%8F",
    "https://xn--e1afmkfd.xn--p1ai/%D1%84%D0%BE%D1%82%D0%BE/%D0%BA%D0%B8%D1%97%D0%B2%201.jpg",
}


def test_non_ascii_hosts_and_paths_are_encoded_on_output(app, client, data_dir, publisher):
    put(
        data_dir,
        "articles/idn.yaml",
        article(
            f"url: {NON_ASCII['url']}",
            "image:",
            f"  url: {NON_ASCII['image']}",
            "  length: 1000",
            body=json.dumps(NON_ASCII["body"]),
        ),
    )
    TRIED["non-ascii-url"] += 4
    publisher.refresh()
    assert errors(client, "articles/idn.yaml") == []
    seen = 0
    for document in read_every_feed(app, client):
        entry = document.entries.get(id_of("articles/idn.yaml"))
        if entry is None:
            continue
        seen += 1
        assert set(entry.links) >= EXPECTED_URLS, (document.fmt, entry.links)
        tree = lxml.html.fragment_fromstring(entry.content_html, create_parent="div")
        urls = [e.get("href") or e.get("src") for e in tree.iter("a", "img")]
        assert "https://xn--e1afmkfd.xn--p1ai/%D1%88%D0%BB%D1%8F%D1%85?q=%D1%8F#%D1%84" in urls
        # Relative to the article's own (given) url.
        assert (
            "https://xn--e1afmkfd.xn--p1ai/%D0%BC%D0%B5%D0%B4%D1%96%D0%B0/%D1%84%D0%BE%D1%82%D0%BE%202.jpg"
            in urls
        )
        for url in [*entry.links, *urls]:
            assert url.isascii() and " " not in url, url
    assert seen == 9  # the site, war section and author feeds, in three formats


def test_upper_case_non_ascii_hosts_are_idna_encoded(publisher, client, data_dir):
    put(
        data_dir,
        "articles/idn-upper.yaml",
        article(
            "url: https://ПРИМЕР.РФ/a",
            "image: https://Пример.рф/b.jpg",
            body=json.dumps("[md](https://ПРИМЕР.РФ/c) <a href='https://ПРИМЕР.РФ/d'>raw</a>"),
        ),
    )
    TRIED["non-ascii-url"] += 4
    publisher.refresh()
    body = client.get("/feed.json").get_json()
    [item] = [i for i in body["items"] if i["id"] == id_of("articles/idn-upper.yaml")]
    assert item["url"] == "https://xn--e1afmkfd.xn--p1ai/a"
    assert item["image"] == "https://xn--e1afmkfd.xn--p1ai/b.jpg"
    assert 'href="https://xn--e1afmkfd.xn--p1ai/c"' in item["content_html"]
    assert 'href="https://xn--e1afmkfd.xn--p1ai/d"' in item["content_html"]


# --- Dates -----------------------------------------------------------------------------------


def test_impossible_and_ambiguous_dates_are_refused(app, client, data_dir):
    impossible = [
        "2026-02-30 10:00",
        "2026-02-29 10:00",
        "2026-13-01 10:00",
        "2026-00-10 10:00",
        "2026-02-10 24:00",
        "2026-02-10 10:60",
        "Feb 30, 2026 10:00",
        "0000-01-01 10:00",
    ]
    cases = [
        Case(
            f"articles/dates/impossible-{i}.yaml",
            article(published=f'"{d}"'),
            4,
            (f"cannot read {d!r} as a date",),
            "impossible-date",
        )
        for i, d in enumerate(impossible)
    ]
    ambiguous = {
        "03/04/2026 10:00": "2026-03-04 or 2026-04-03",
        "03.04.2026 10:00": "2026-03-04 or 2026-04-03",
        "4-3-2026 10:00": "2026-04-03 or 2026-03-04",
        "04/03/2026 10:00 +02:00": "2026-04-03 or 2026-03-04",
    }
    cases += [
        Case(
            f"articles/dates/ambiguous-{i}.yaml",
            article(published=f'"{d}"'),
            4,
            ("could be day/month or month/day", both),
            "ambiguous-date",
        )
        for i, (d, both) in enumerate(ambiguous.items())
    ]
    run_batch(app, client, data_dir, cases)


def test_ambiguous_date_with_a_two_digit_year_suggests_full_dates():
    TRIED["ambiguous-date"] += 1
    with pytest.raises(ValueError, match="2026-03-04 or 2026-04-03"):
        parse_datetime("3-4-26 10:00", KYIV)


@pytest.mark.parametrize("written", ["0001-01-01 00:00", "9999-12-31 23:59 -05:00"])
def test_dates_at_the_edge_of_the_calendar_are_reported_not_a_crash(data_dir, written):
    TRIED["implausible-date"] += 1
    put(data_dir, "articles/edge.yaml", article(published=f'"{written}"'))
    assert_checked(data_dir, "articles/edge.yaml", 4, "'published'")


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        ({"published": '"1850-06-01 12:00"'}, 4),
        ({"published": '"1989-12-31 12:00"'}, 4),
        ({"published": '"2300-01-01 12:00"'}, 4),
        ({"updated": '"2300-01-01 12:00"'}, 6),
    ],
    ids=["published-1850", "published-1989", "published-2300", "updated-2300"],
)
def test_implausible_dates_are_reported(data_dir, extra, line):
    TRIED["implausible-date"] += 1
    [(name, value)] = extra.items()
    text = article(published=value) if name == "published" else article(f"updated: {value}")
    put(data_dir, "articles/when.yaml", text)
    assert_checked(data_dir, "articles/when.yaml", line, f"'{name}'", warning_will_do=True)


# Kyiv's clocks go 03:00 -> 04:00 on 2026-03-29 and 04:00 -> 03:00 on 2026-10-25.
# zoneinfo reads a local time with fold=0: in the gap, with the offset in force before the
# change (+02:00, so 03:30 is read as 04:30 summer time); in the overlap, the first
# occurrence (+03:00, summer time). Both are documented here and must never drift.
DST = {
    "gap": ("2026-03-29 03:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    "overlap": ("2026-10-25 03:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    "before-gap": ("2026-03-29 02:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
    "after-gap": ("2026-03-29 04:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    "after-overlap": ("2026-10-25 04:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
}


@pytest.mark.parametrize("case", list(DST))
def test_local_times_in_a_dst_change_give_one_documented_utc_time(data_dir, case, clock):
    written, utc = DST[case]
    TRIED["dst-local-time"] += 1
    assert {parse_datetime(written, KYIV) for _ in range(3)} == {utc}
    put(data_dir, "articles/dst.yaml", article(published=f'"{written}"'))
    clock.now = datetime(2027, 1, 1, tzinfo=UTC)
    seen = set()
    for _ in range(2):  # two loads, as in two workers or after a restart
        store = Store(data_dir)
        store.refresh()
        [got] = [a for a in store.catalog.articles if a.path == "articles/dst.yaml"]
        seen.add((got.published, got.id))
    assert seen == {(utc, f"tag:{HOST},{utc.date().isoformat()}:dst")}
    _, lines, _ = check(data_dir)
    assert not [
        entry for entry in lines if entry.startswith("articles/dst.yaml") and "warning" not in entry
    ]


# --- Identity: clashing slugs -----------------------------------------------------------------


def test_same_slug_from_yml_and_yaml_is_a_clash(app, client, data_dir):
    # One smoke case; test_load covers slug and id clashes in depth.
    cases = [
        Case(
            "articles/same.yml",
            article(title="Second"),
            1,
            ("slug 'same' is already used by articles/same.yaml",),
            "identity-clash",
        )
    ]
    put(data_dir, "articles/same.yaml", article(title="First"))
    run_batch(app, client, data_dir, cases, loads={"articles/same.yaml": "First"})


def test_a_section_and_an_author_with_the_same_slug_have_separate_feeds(
    app, client, data_dir, publisher
):
    TRIED["identity-clash"] += 1
    append(
        data_dir, "authors.yaml", "- slug: war\n  name: War Reporter\n  role: Reporter\n  bio: B.\n"
    )
    put(data_dir, "articles/by-war.yaml", article(authors="[war]", title="By the war reporter"))
    publisher.refresh()
    assert [p for p in problems(client) if p["severity"] == "error"] == []
    read_every_feed(app, client)
    for fmt in FORMATS:
        section = client.get(f"/sections/war/feed.{fmt}")
        author = client.get(f"/authors/war/feed.{fmt}")
        assert section.status_code == author.status_code == 200
        assert section.data != author.data
        assert section.headers["ETag"] != author.headers["ETag"]
        if fmt == "json":
            s, a = section.get_json(), author.get_json()
            assert (s["feed_url"], a["feed_url"]) == (
                "https://news.example.org/sections/war/feed.json",
                "https://news.example.org/authors/war/feed.json",
            )
            assert [i["title"] for i in a["items"]] == ["By the war reporter"]
            continue
        s, a = feedparser.parse(section.data), feedparser.parse(author.data)
        if fmt == "atom":
            assert s.feed.id != a.feed.id
        self_links = [{link.href for link in p.feed.links if link.rel == "self"} for p in (s, a)]
        assert self_links == [
            {f"https://news.example.org/sections/war/feed.{fmt}"},
            {f"https://news.example.org/authors/war/feed.{fmt}"},
        ]
        assert [e.title for e in a.entries] == ["By the war reporter"]
        assert len(s.entries) > 1
    for path in ("/sections/war/", "/authors/war/"):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "names",
    [("Café.yaml", "cafe.yaml"), ("CAFE.yaml", "cafe.yaml"), ("Cafe\u0301.yaml", "Café.yaml")],
    ids=["accent", "case", "nfd-vs-nfc"],
)
def test_slugs_differing_in_case_or_accents_are_reported_as_a_clash(
    app, client, data_dir, names, publisher
):
    TRIED["identity-clash"] += 1
    first, second = sorted(names)
    put(data_dir, f"articles/{first}", article(title="First"))
    put(data_dir, f"articles/{second}", article(title="Second"))
    publisher.refresh()
    [problem] = errors(client, f"articles/{second}")
    assert f"slug 'cafe' is already used by articles/{first}" in problem["message"]
    for document in read_every_feed(app, client):
        urls = [e.links[0] for e in document.entries.values()]
        assert len(urls) == len(set(urls)), document.path
    entries = read_document("/feed", "atom", client.get("/feed.atom").data).entries.values()
    assert [e.title for e in entries if e.links[0].endswith("/war/cafe")] == ["First"]
    assert_checked(data_dir, f"articles/{second}", 1, "slug 'cafe' is already used")


def test_every_problem_in_site_yaml_is_reported_at_once(data_dir):
    TRIED["yaml-implicit-type"] += 2
    site = (data_dir / "site.yaml").read_text(encoding="utf-8")
    site = re.sub("(?m)^title: .*$", "title: no", site)
    site = re.sub("(?m)^description: .*$", "description: 12:30", site)
    (data_dir / "site.yaml").write_text(site, encoding="utf-8")
    assert_checked(data_dir, "site.yaml", line_of(site, "title:"), "'title'")
    assert_checked(data_dir, "site.yaml", line_of(site, "description:"), "'description'")


def test_article_problems_are_reported_while_site_yaml_is_broken(data_dir):
    TRIED["yaml-structure"] += 1
    put(data_dir, "site.yaml", "title: [broken\n")
    put(data_dir, "articles/broken.yaml", "title: [also broken\n")
    assert_checked(data_dir, "site.yaml", None)
    assert_checked(data_dir, "articles/broken.yaml", 1, 'starts with "["', "not closed")


URL_ATTRIBUTES = {"href", "url", "domain", "scheme", "xmlUrl", "htmlUrl"}
URL_ELEMENTS = {"id", "link", "guid", "loc", "uri", "url"}
URL_KEYS = {"id", "url", "feed_url", "home_page_url", "next_url", "image", "avatar"}


def non_ascii_urls(document) -> list[str]:
    """Return every id or URL in a feed document that is not plain ASCII (an IRI)."""
    found = []
    if document.fmt == "json":

        def walk(value, key=None):
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(v, k)
            elif isinstance(value, list):
                for v in value:
                    walk(v, key)
            elif key in URL_KEYS and isinstance(value, str) and not value.isascii():
                found.append(f"{key}: {value}")

        walk(json.loads(document.body))
        return found
    for element in etree.fromstring(document.body).iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        for attribute, value in element.attrib.items():
            if attribute in URL_ATTRIBUTES and not value.isascii():
                found.append(f"{name}/@{attribute}: {value}")
        if name in URL_ELEMENTS and element.text and not element.text.isascii():
            found.append(f"{name}: {element.text}")
    return found


def test_non_ascii_slugs_give_ascii_ids_and_urls(app, client, data_dir, publisher):
    TRIED["non-ascii-url"] += 2
    put(data_dir, "articles/київ.yaml", article("tags: [Україна]", title="Kyiv file"))
    publisher.refresh()
    assert errors(client, "articles/київ.yaml") == []
    found = {
        f"{d.path}.{d.fmt}": non_ascii_urls(d)
        for d in read_every_feed(app, client)
        if non_ascii_urls(d)
    }
    assert found == {}
