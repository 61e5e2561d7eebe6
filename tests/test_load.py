"""Data files to records: every kind of problem reported as PATH:LINE: message, and the
normalization every field goes through on its way to the feeds."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import pytest

from feeds.build import build_article
from feeds.cli import main
from feeds.dates import parse_datetime
from feeds.load import parse_article
from feeds.model import Article, Problem
from feeds.store import Store
from feeds.text import SUMMARY_LIMIT

from .conftest import NOW
from .editing import XML_INVALID, article, replace_in

REL = "articles/x.yaml"
# A minimal valid article. Its lines are numbered 1-5; extra fields start on line 6.
KYIV = ZoneInfo("Europe/Kyiv")


def load(data_dir) -> Store:
    store = Store(data_dir)
    store.refresh()
    return store


def errors(store: Store, path: str = REL) -> list[Problem]:
    return [p for p in store.problems if p.path == path and p.severity == "error"]


def the_error(data_dir, path: str = REL) -> Problem:
    """Return the one error reported for path."""
    found = errors(load(data_dir), path)
    assert len(found) == 1, found
    return found[0]


def built(store: Store, path: str = REL) -> Article:
    [found] = [a for a in store.catalog.articles if a.path == path]
    return found


def check(runner, data_dir) -> tuple[int, list[str]]:
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    return result.exit_code, result.stdout.splitlines()


def assert_reported(problem: Problem, line: int, *words: str) -> None:
    assert (problem.path, problem.line) == (REL, line), problem
    for word in words:
        assert word in problem.message, problem
    assert "\n" not in problem.message  # one line per problem in `feeds check`


# --- Problems in article files ----------------------------------------------------------

ARTICLE_PROBLEMS = [
    # YAML syntax: the line of the slip, what it is and the fix, then PyYAML's words
    # (tests/test_yaml_slips.py has many more).
    pytest.param(
        "title: [oops\nsection: war\n",
        1,
        ['starts with "["', "not closed", 'title: "[oops"', "(YAML: "],
        id="syntax-flow",
    ),
    pytest.param(
        "title: T\nsection: war\n  indented: x\nbody: y\n",
        3,
        ['indented under "section"', "mapping values are not allowed"],
        id="syntax-indent",
    ),
    pytest.param(
        'title: "unclosed\nsection: war\n',
        1,
        ["quote", "not closed", 'title: "unclosed"', "end of stream"],
        id="syntax-quote",
    ),
    # Not a mapping.
    pytest.param("- title\n- body\n", 1, ["article file must be a mapping"], id="list"),
    pytest.param("# a comment\n\n- title\n", 3, ["must be a mapping"], id="list-after-comment"),
    pytest.param("just some words\n", 1, ["must be a mapping"], id="scalar"),
    pytest.param("", 1, ["file is empty"], id="empty"),
    pytest.param("# nothing here yet\n\n", 1, ["file is empty"], id="comments-only"),
    pytest.param(
        article() + "---\n" + article(),
        6,
        ["more than one YAML document", "---", "one article per file"],
        id="two-documents",
    ),
    # Missing required fields: reported on the mapping's first line.
    *[
        pytest.param(
            article(**{name: None}), 1, [f"missing required field '{name}'"], id=f"no-{name}"
        )
        for name in ("title", "section", "published", "body")
    ],
    pytest.param(
        article(authors=None),
        1,
        ["missing required field 'authors' (or 'author')"],
        id="no-authors",
    ),
    pytest.param(article(title=""), 1, ["'title' is empty"], id="title-null"),
    pytest.param(article(title='"   "'), 1, ["'title' is blank"], id="title-blank"),
    pytest.param(article(authors="[]"), 3, ["'authors' is empty"], id="authors-empty"),
    pytest.param(
        article("author: francis-farrell"), 6, ["either 'authors' or 'author'"], id="both"
    ),
    # Duplicate keys: the second occurrence, naming the first.
    pytest.param(
        article("title: Again"),
        6,
        ["field 'title' appears twice (first on line 1)"],
        id="duplicate-key",
    ),
    pytest.param(
        article("image:", "  url: https://e.org/a.jpg", "  alt: A", "  url: https://e.org/b.jpg"),
        9,
        ["field 'url' appears twice (first on line 7)"],
        id="duplicate-key-nested",
    ),
    # Unknown sections and authors, with the closest known name.
    pytest.param(
        article(section="wr"),
        2,
        ["unknown section 'wr'", "did you mean 'war'?", "sections: war, politics"],
        id="unknown-section",
    ),
    pytest.param(
        article(authors="[francis-farel]"),
        3,
        ["unknown author 'francis-farel'", "did you mean 'francis-farrell'?", "authors.yaml"],
        id="unknown-author",
    ),
    pytest.param(
        article(authors="\n  - Olena Marchuk\n  - Fransis Farrell"),
        5,
        ["unknown author 'Fransis Farrell'", "did you mean 'Francis Farrell'?"],
        id="unknown-author-in-block-list",
    ),
    # Dates.
    pytest.param(
        article(published='"next tuesday-ish"'),
        4,
        ["'published'", "cannot read 'next tuesday-ish' as a date", "2026-02-10 14:05"],
        id="unparseable-date",
    ),
    pytest.param(
        article(published='"03/04/2026 10:00"'),
        4,
        ["could be day/month or month/day", "2026-03-04 or 2026-04-03"],
        id="ambiguous-date",
    ),
    pytest.param(
        article(published='"2026-02-11 10:00 XYZ"'),
        4,
        ["unknown time zone 'XYZ'", "write an offset like +02:00"],
        id="unknown-zone",
    ),
    pytest.param(
        article(published="yes"),
        4,
        ["'published'", "true/false value, not a date"],
        id="date-is-bool",
    ),
    pytest.param(
        article('updated: "2026-02-11 09:59"'),
        6,
        ["'updated' is earlier than 'published'"],
        id="updated-before-published",
    ),
    # Links and pictures that are not http(s).
    pytest.param(
        article("url: javascript:alert(1)"),
        6,
        ["'url' must be an absolute http:// or https:// URL", "javascript:alert(1)"],
        id="url-javascript",
    ),
    pytest.param(
        article("image: {url: ftp://example.org/a.jpg}"),
        6,
        ["'url' must be an absolute http:// or https:// URL", "ftp://example.org/a.jpg"],
        id="image-ftp-flow",
    ),
    pytest.param(
        article("image:", "  caption: A caption", "  url: data:image/png;base64,AAAA"),
        8,
        ["'url' must be an absolute http:// or https:// URL"],
        id="image-data-block",
    ),
    pytest.param(
        article("image:", "  caption: C"), 7, ["missing required field 'url'"], id="image-no-url"
    ),
    # Unknown fields.
    pytest.param(
        article("tittle: Typo"),
        6,
        ["unknown field 'tittle'; did you mean 'title'?"],
        id="unknown-field",
    ),
    pytest.param(
        article("summery: Typo"),
        6,
        ["unknown field 'summery'; did you mean 'summary'?"],
        id="unknown-field-summary",
    ),
    pytest.param(
        article("image:", "  url: https://e.org/a.jpg", "  captoin: C"),
        8,
        ["unknown field 'captoin'; did you mean 'caption'?"],
        id="unknown-image-field",
    ),
    # Not UTF-8: the line of the bad byte.
    pytest.param(
        article().encode() + b"subtitle: caf\xe9 au lait\n",
        6,
        ["not UTF-8", "0xe9", "save it as UTF-8"],
        id="latin-1",
    ),
    # Tags that could run code are refused, not constructed.
    pytest.param(
        article(title="!!python/name:os.system ''"),
        1,
        ["'title' has the YAML tag", "not allowed"],
        id="python-tag",
    ),
]


@pytest.mark.parametrize(("text", "line", "words"), ARTICLE_PROBLEMS)
def test_article_problem_is_reported_with_path_and_line(data_dir, write, text, line, words):
    if isinstance(text, bytes):
        (data_dir / REL).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / REL).write_bytes(text)
    else:
        write(REL, text)
    store = load(data_dir)
    [problem] = errors(store)
    assert_reported(problem, line, *words)
    assert REL not in {a.path for a in store.catalog.articles}


IMPLICIT_TYPES = [
    ("title", "no", 1, "a true/false value"),
    ("title", "yes", 1, "a true/false value"),
    ("title", "12:30", 1, "a number"),  # YAML 1.1 sexagesimal: 750
    ("title", "1.10", 1, "a number"),  # 1.1
    ("title", "0x1F", 1, "a number"),
    ("subtitle", "2026-02-10", 6, "a date"),
    ("summary", "on", 6, "a true/false value"),
    ("tags", "[no, Ukraine]", 6, "a true/false value"),
]


@pytest.mark.parametrize(("name", "value", "line", "kind"), IMPLICIT_TYPES)
def test_implicitly_typed_text_is_refused_with_a_quoting_hint(
    data_dir, write, name, value, line, kind
):
    if name == "title":
        write(REL, article(title=value))
    else:
        write(REL, article(f"{name}: {value}"))
    store = load(data_dir)
    [problem] = errors(store)
    written = value.strip("[]").split(",")[0]
    assert_reported(
        problem,
        line,
        f"'{name}': YAML reads {written} as {kind}, not text",
        f'put it in quotes: {name}: "{written}"',
    )
    titles = {a.title for a in store.catalog.articles}
    assert not titles & {"False", "True", "750", "1.1", "31"}


def test_quoted_values_are_taken_as_written(data_dir, write):
    write(
        REL,
        article('subtitle: "2026-02-10"', 'summary: "1.10"', 'tags: ["no", "12:30"]', title='"no"'),
    )
    store = load(data_dir)
    assert errors(store) == []
    got = built(store)
    assert (got.title, got.subtitle, got.summary, got.tags) == (
        "no",
        "2026-02-10",
        "1.10",
        ("no", "12:30"),
    )


def test_raw_control_character_is_reported_on_its_line(data_dir, write):
    write(REL, article("subtitle: bell \x07 here"))
    [problem] = errors(load(data_dir))
    assert_reported(problem, 6, "control character")


@pytest.mark.parametrize("written", ["10:00", "Feb 10 10:00", "2026-02", "Monday"])
def test_incomplete_date_is_refused_not_completed_from_today(data_dir, write, written):
    write(REL, article(published=f'"{written}"'))
    found = errors(load(data_dir))
    assert [(p.line, "'published'" in p.message) for p in found] == [(4, True)], found


@pytest.mark.parametrize("cli", [False, True], ids=["store", "cli"])
def test_same_slug_in_two_files_reports_the_second_and_keeps_the_first(
    data_dir, write, runner, cli
):
    write("articles/a/same.yaml", article(title="First"))
    write("articles/b/same.yaml", article(title="Second"))
    message = (
        "slug 'same' is already used by articles/a/same.yaml; give this one its own 'slug' "
        "(or, if this article was out first, articles/a/same.yaml is the one to change: "
        "until then this one is left out)"
    )
    if cli:
        code, lines = check(runner, data_dir)
        assert code == 1
        assert f"articles/b/same.yaml:1: {message}" in lines
        return
    store = load(data_dir)
    assert [(p.line, p.message) for p in errors(store, "articles/b/same.yaml")] == [(1, message)]
    assert errors(store, "articles/a/same.yaml") == []
    assert [a.title for a in store.catalog.articles if a.slug == "same"] == ["First"]


def test_clash_with_a_sample_article_keeps_the_earlier_path(data_dir, write):
    write("articles/2026/04/japan-nato-purl.yaml", article(title="Impostor"))
    store = load(data_dir)
    [problem] = errors(store, "articles/2026/04/japan-nato-purl.yaml")
    assert problem.line == 1
    assert "already used by articles/2026/02/japan-nato-purl.yaml" in problem.message
    [kept] = [a for a in store.catalog.articles if a.slug == "japan-nato-purl"]
    assert kept.path == "articles/2026/02/japan-nato-purl.yaml"


@pytest.mark.parametrize(
    "claim", ["slug: winter-grid", "id: tag:example.org,2026-02-10:winter-grid"]
)
@pytest.mark.parametrize("running", [False, True], ids=["cold", "running"])
def test_a_copy_keeping_the_date_never_takes_the_original_s_place(data_dir, write, claim, running):
    # An editor copies an article to start another story and leaves its slug (or id) and
    # its date in: the copy, whose path sorts first, must not take the original's place.
    original = "articles/2026/02/winter-grid.yaml"
    write(original, article(*([claim] if claim.startswith("id") else []), title="Original"))
    store = Store(data_dir, settle=0)
    store.refresh()
    if running:
        assert [a.title for a in store.catalog.articles if a.path == original] == ["Original"]
    write("articles/2026/01/new-story.yaml", article(claim, title="Another story"))
    if running:
        store.refresh()
    else:
        store = load(data_dir)
    assert [a.path for a in store.catalog.articles if a.title in ("Original", "Another story")] == [
        original
    ]
    [problem] = errors(store, "articles/2026/01/new-story.yaml")
    assert f"already used by {original}" in problem.message
    assert not errors(store, original)


def test_of_two_copies_keeping_the_date_the_first_path_keeps_the_slug(data_dir, write):
    # Neither is named after the slug: path order decides, as before.
    write("articles/b.yaml", article("slug: shared", title="B"))
    write("articles/a.yaml", article("slug: shared", title="A"))
    store = load(data_dir)
    assert [a.title for a in store.catalog.articles if a.slug == "shared"] == ["A"]
    assert errors(store, "articles/b.yaml")


def test_same_id_in_two_files_reports_the_second_and_keeps_the_first(data_dir, write):
    write("articles/one.yaml", article("id: tag:example.org,2026:story", title="First"))
    write("articles/two.yaml", article("id: tag:example.org,2026:story", title="Second"))
    store = load(data_dir)
    [problem] = errors(store, "articles/two.yaml")
    assert problem.message == (
        "id 'tag:example.org,2026:story' is already used by articles/one.yaml; ids must be "
        "unique (if this article was out first, articles/one.yaml is the one to change: until "
        "then this one is left out)"
    )
    assert [a.path for a in store.catalog.articles if a.id == "tag:example.org,2026:story"] == [
        "articles/one.yaml"
    ]


@pytest.mark.parametrize(
    ("extra", "line"),
    [("slug: same", 6), ("id: tag:example.org,2026:story", 6)],
    ids=["slug", "id"],
)
def test_explicit_slug_or_id_clash_points_at_its_line(data_dir, write, extra, line):
    write("articles/one.yaml", article(extra))
    write("articles/two.yaml", article(extra, title="Second"))
    [problem] = errors(load(data_dir), "articles/two.yaml")
    assert problem.line == line


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        pytest.param(article("tittle: Typo"), 6, "unknown field 'tittle'; did you mean 'title'?"),
        pytest.param(article(section="wr"), 2, "unknown section 'wr'; did you mean 'war'?"),
        pytest.param(article(title="no"), 1, 'put it in quotes: title: "no"'),
        pytest.param("title: [oops\n", 1, 'the title starts with "["'),
    ],
)
def test_check_prints_path_line_message_and_exits_1(data_dir, write, runner, text, line, words):
    write(REL, text)
    code, lines = check(runner, data_dir)
    assert code == 1
    [printed] = [entry for entry in lines if entry.startswith(f"{REL}:")]
    assert printed.startswith(f"{REL}:{line}: ")
    assert words in printed
    assert not any("Traceback" in entry for entry in lines)


# --- Problems in site.yaml, sections.yaml and authors.yaml --------------------------------


def append_to(data_dir, rel: str, text: str) -> int:
    """Append lines to a data file; return the line number of the first one."""
    path = data_dir / rel
    old = path.read_text(encoding="utf-8")
    path.write_text(old + text, encoding="utf-8")
    return len(old.splitlines()) + 1


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        (
            "url: https://news.example.org",
            "url: news.example.org",
            2,
            "'url' must be an absolute http:// or https:// URL",
        ),
        (
            "url: https://news.example.org",
            "url: javascript:alert(1)",
            2,
            "'url' must be an absolute",
        ),
        (
            "timezone: Europe/Kyiv",
            "timezone: Mars/Olympus",
            5,
            "unknown timezone 'Mars/Olympus'; use an IANA name",
        ),
        (
            "items_per_feed: 50",
            "items_per_feed: lots",
            6,
            "'items_per_feed' must be a whole number",
        ),
        ("max_age: 300", "max_aeg: 300", 7, "unknown field 'max_aeg'; did you mean 'max_age'?"),
    ],
    ids=["url-no-scheme", "url-javascript", "timezone", "items-not-number", "unknown-field"],
)
def test_site_problem_is_reported(data_dir, runner, old, new, line, words):
    replace_in(data_dir / "site.yaml", old, new)
    found = [p for p in load(data_dir).problems if p.path == "site.yaml"]
    assert [p.line for p in found] == [line], found
    assert words in found[0].message
    code, lines = check(runner, data_dir)
    assert code == 1
    assert f"site.yaml:{line}: {found[0].message}" in lines


def test_site_that_is_not_a_mapping_is_reported(data_dir):
    (data_dir / "site.yaml").write_text("- title: The Kyiv Ledger\n", encoding="utf-8")
    store = load(data_dir)
    assert (
        Problem(
            path="site.yaml", line=1, message="site.yaml must be a mapping of field: value lines"
        )
        in store.problems
    )


def test_sections_that_are_not_a_list_are_reported(data_dir):
    (data_dir / "sections.yaml").write_text("war: War\npolitics: Politics\n", encoding="utf-8")
    found = [p for p in load(data_dir).problems if p.path == "sections.yaml"]
    assert [(p.line, p.message) for p in found] == [
        (1, "sections.yaml must be a list of entries (- slug: ...)")
    ]


def test_duplicate_section_slug_is_reported(data_dir):
    line = append_to(data_dir, "sections.yaml", "- slug: war\n  title: War again\n")
    store = load(data_dir)
    found = [p for p in store.problems if p.path == "sections.yaml"]
    assert [(p.line, p.message) for p in found] == [
        (line, "section slug 'war' is already used on line 1")
    ]
    assert store.catalog.sections["war"].title == "War"


def test_author_without_a_name_is_reported(data_dir, runner):
    line = append_to(data_dir, "authors.yaml", "- slug: nobody\n  role: Reporter\n  bio: B.\n")
    found = [p for p in load(data_dir).problems if p.path == "authors.yaml"]
    assert [(p.line, p.message) for p in found] == [
        (
            line,
            "missing required field 'name'; add a line like name: Olena Marchuk (as readers "
            "see it) to this entry",
        )
    ]
    code, lines = check(runner, data_dir)
    assert code == 1
    assert f"authors.yaml:{line}: {found[0].message}" in lines


def test_author_with_a_bad_url_is_reported(data_dir):
    line = append_to(
        data_dir,
        "authors.yaml",
        "- slug: new-reporter\n  name: New Reporter\n  bio: B.\n  url: ftp://e.org/me\n",
    )
    found = [p for p in load(data_dir).problems if p.path == "authors.yaml"]
    assert [p.line for p in found] == [line + 3]
    assert "'url' must be an absolute http:// or https:// URL" in found[0].message


# --- One bad file never takes down the others ---------------------------------------------

BROKEN = {
    "syntax": "title: [oops\n",
    "not-a-mapping": "- a list\n",
    "empty": "",
    "missing-fields": "title: Only a title\n",
    "unknown-section": article(section="wr"),
    "bool-title": article(title="no"),
    "bad-date": article(published='"03/04/2026"'),
    "non-utf8": b"title: caf\xe9\n",
    "duplicate-slug": article(title="Impostor"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_one_bad_file_never_takes_down_the_others(publisher, client, data_dir, kind):
    def site_feed_ids() -> set[str]:
        parsed = feedparser.parse(client.get("/feed.atom").data)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        return {entry.id for entry in parsed.entries}

    before = site_feed_ids()
    assert len(before) > 10
    text = BROKEN[kind]
    # Sorted after the sample's own copy, so the clash reports this file, not the sample.
    rel = "articles/2026/04/japan-nato-purl.yaml" if kind == "duplicate-slug" else REL
    path = data_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    (data_dir / "articles/good.yaml").write_text(article(title="Good"), encoding="utf-8")
    publisher.refresh()

    good_id = "tag:news.example.org,2026-02-11:good"
    assert site_feed_ids() == before | {good_id}
    problems = client.get("/healthz").get_json()["problems"]
    assert any(p["path"] == rel and p["line"] >= 1 for p in problems), problems


# --- Normalization ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026-02-11 10:00", "2026-02-11T08:00"),  # no zone: Kyiv, UTC+2 in winter
        ("2026-07-01 10:00", "2026-07-01T07:00"),  # and UTC+3 in summer
        ("Feb. 10, 2026 14:05", "2026-02-10T12:05"),
        ("March 3, 2026 7:45 PM", "2026-03-03T17:45"),
        ("10 February 2026, 14:05", "2026-02-10T12:05"),
        ("2026-02-10T18:40:00+02:00", "2026-02-10T16:40"),
        ("3 Mar 2026 18:00 +0000", "2026-03-03T18:00"),
        ("2026-02-10T14:05:00Z", "2026-02-10T14:05"),
        ("2026-02-10 14:05 UTC", "2026-02-10T14:05"),
        ("13/04/2026 10:00", "2026-04-13T07:00"),  # only one reading possible
        ("03/03/2026 10:00", "2026-03-03T08:00"),  # both readings agree
    ],
)
def test_dates_are_read_in_common_forms_and_normalized_to_utc(written, utc):
    moment = parse_datetime(written, KYIV)
    assert moment.tzinfo is UTC
    assert moment == datetime.fromisoformat(utc + "+00:00")


@pytest.mark.parametrize(
    "written", ["2026-02-10 14:05 UTC+02:00", "2026-02-10 14:05 GMT+2", "2026-02-10 15:05 GMT+3"]
)
def test_utc_plus_offset_means_ahead_of_utc(written):
    # Not dateutil's POSIX reading, in which GMT+2 is two hours *behind*.
    assert parse_datetime(written, KYIV) == datetime(2026, 2, 10, 12, 5, tzinfo=UTC)


def test_published_and_updated_are_normalized_end_to_end(data_dir):
    store = load(data_dir)
    japan = built(store, "articles/2026/02/japan-nato-purl.yaml")
    assert japan.published == datetime(2026, 2, 10, 12, 5, tzinfo=UTC)
    assert japan.updated == datetime(2026, 2, 10, 16, 40, tzinfo=UTC)
    assert japan.id == "tag:news.example.org,2026-02-10:japan-nato-purl"


def test_updated_equal_to_published_is_no_update(data_dir, write):
    write(REL, article('updated: "2026-02-11T08:00:00Z"'))
    got = built(load(data_dir))
    assert got.updated is None
    assert got.modified == datetime(2026, 2, 11, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("section", "authors"),
    [
        ("War", "[Francis Farrell]"),
        ("war", "[francis-farrell]"),
        ("WAR", "[FRANCIS FARRELL, Olena Marchuk, francis-farrell]"),
    ],
)
def test_sections_and_authors_resolve_by_slug_title_or_name(data_dir, write, section, authors):
    write(REL, article(section=section, authors=authors))
    store = load(data_dir)
    assert errors(store) == []
    got = built(store)
    assert got.section == "war"
    assert got.authors[0] == "francis-farrell"
    assert len(got.authors) == len(set(got.authors))


def test_single_author_field(data_dir, write):
    write(REL, article("author: Olena Marchuk", authors=None))
    got = built(load(data_dir))
    assert got.authors == ("olena-marchuk",)


def test_id_is_a_tag_uri_and_survives_edits(data_dir):
    store = load(data_dir)
    ctx = store.context
    rel = "articles/2026/02/japan-nato-purl.yaml"
    text = (data_dir / rel).read_text(encoding="utf-8")
    edited = (
        text.replace("title: Japan could join", "title: Japan may join")
        .replace("section: war", "section: Politics")
        .replace("  - francis-farrell", "  - olena-marchuk\n  - Taras Hnatiuk")
        .replace("Japan is preparing", "Tokyo is preparing")
    )
    assert edited.count("\n") > text.count("\n")  # the edits happened
    ids = []
    for version in (text, edited):
        raw, problems = parse_article(version, rel)
        assert raw is not None, problems
        got, problems = build_article(raw, ctx)
        assert got is not None, problems
        ids.append(got.id)
    assert ids == ["tag:news.example.org,2026-02-10:japan-nato-purl"] * 2
    raw, _ = parse_article(edited, rel)
    got, _ = build_article(raw, ctx)
    assert (got.title[:13], got.section, got.authors) == (
        "Japan may joi",
        "politics",
        ("olena-marchuk", "taras-hnatiuk"),
    )


def test_explicit_id_and_url_are_kept(data_dir, write):
    write(REL, article("id: urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", "url: https://e.org/a"))
    got = built(load(data_dir))
    assert (got.id, got.url) == ("urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", "https://e.org/a")


def test_default_url_and_slug_come_from_site_section_and_file_name(data_dir, write):
    write("articles/2026/02/My Story.yaml", article())
    store = load(data_dir)
    got = built(store, "articles/2026/02/My Story.yaml")
    assert (got.slug, got.url) == ("my-story", "https://news.example.org/war/my-story")


def test_whitespace_is_tidied_in_single_line_fields(data_dir, write):
    write(
        REL,
        article(
            'subtitle: "  A\\tsubtitle \\n\\n with  gaps "',
            "summary: |",
            "  A summary",
            "  over   two lines.",
            'tags: ["  Military\\t aid ", " Kyiv"]',
            "image:",
            "  url: https://e.org/a.jpg",
            '  caption: " A  caption "',
            '  credit: "Photo:\\n  someone "',
            '  alt: "\\talt  text"',
            title=">\n  A title\n  folded   over lines",
        ),
    )
    got = built(load(data_dir))
    assert got.title == "A title folded over lines"
    assert got.subtitle == "A subtitle with gaps"
    assert got.summary == "A summary over two lines."
    assert got.tags == ("Military aid", "Kyiv")
    assert (got.image.caption, got.image.credit, got.image.alt) == (
        "A caption",
        "Photo: someone",
        "alt text",
    )


BAD = "\\0\\x01\\x08\\x0b\\x0c\\x1f\\uFFFE\\uFFFF\\uFEFF"  # YAML escapes: XML-invalid or invisible


def test_xml_invalid_characters_are_stripped_from_every_field(data_dir, write, client, publisher):
    write(
        REL,
        article(
            f'subtitle: "Sub{BAD}title"',
            f'summary: "Sum{BAD}mary"',
            f'tags: ["Ta{BAD}g"]',
            "image:",
            "  url: https://e.org/a.jpg",
            f'  caption: "Cap{BAD}tion"',
            f'  credit: "Cre{BAD}dit"',
            f'  alt: "A{BAD}lt"',
            title=f'"Ti{BAD}tle"',
            body=f'"Bo{BAD}dy"',
        ),
    )
    append_to(
        data_dir,
        "authors.yaml",
        f'- slug: new-reporter\n  name: "New{BAD} Reporter"\n  role: "Ro{BAD}le"\n'
        f'  bio: "B{BAD}io"\n',
    )
    replace_in(data_dir / "sections.yaml", "  title: War", f'  title: "W{BAD}ar"')
    replace_in(data_dir / "site.yaml", "title: The Kyiv Ledger", f'title: "The{BAD} Kyiv Ledger"')
    replace_in(data_dir / REL, "authors: [francis-farrell]", "authors: [new-reporter]")
    publisher.refresh()
    store = publisher.store
    assert [p for p in store.problems if p.severity == "error"] == []
    got = built(store)
    assert (got.title, got.subtitle, got.summary, got.tags) == (
        "Title",
        "Subtitle",
        "Summary",
        ("Tag",),
    )
    assert got.body_html == "<p>Body</p>"
    assert (got.image.caption, got.image.credit, got.image.alt) == ("Caption", "Credit", "Alt")
    author = store.catalog.authors["new-reporter"]
    assert (author.name, author.role, author.bio) == ("New Reporter", "Role", "Bio")
    assert store.catalog.sections["war"].title == "War"
    assert store.catalog.site.title == "The Kyiv Ledger"
    for path in ("/feed.rss", "/feed.atom", "/authors/new-reporter/feed.atom", "/feed.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not XML_INVALID.search(response.get_data(as_text=True)), path
        assert "\ufeff" not in response.get_data(as_text=True), path
    parsed = feedparser.parse(client.get("/authors/new-reporter/feed.atom").data)
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == ["Title"]


BODY = """\
Intro with <script>alert(1)</script> a [safe link](https://e.org/x), a
[relative one](/war/other), a [bad one](javascript:alert(1)) and *em* and **strong**.

<a href="javascript:alert(2)">raw link</a> <a href="other-story">sibling</a>
<img src="pic.jpg" onerror="alert(3)" alt="P">

## A heading

> A quote.

- one
- two

<figure><img src="/media/a.jpg" alt="A"><figcaption>Cap</figcaption></figure>

<iframe src="https://evil.example/"></iframe><style>p {color: red}</style>
<p onclick="alert(4)" style="color:red">styled</p>
"""


def test_body_markdown_becomes_sanitized_html_with_absolute_links(data_dir, write):
    write(REL, article(body=json.dumps(BODY)))
    got = built(load(data_dir))
    html = got.body_html
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    tags = {element.tag for element in tree.iter()}
    assert {"p", "a", "em", "strong", "ul", "li", "blockquote", "h2", "img", "figure"} <= tags
    assert {"figcaption"} <= tags
    assert not tags & {"script", "iframe", "style"}
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on"), (element.tag, name)
            assert name != "style"
            assert "javascript:" not in value.lower()
    assert "alert(" not in "".join(e.get("href", "") for e in tree.iter("a"))
    hrefs = [a.get("href") for a in tree.iter("a") if a.get("href")]
    assert hrefs == [
        "https://e.org/x",
        "https://news.example.org/war/other",
        "https://news.example.org/war/other-story",
    ]
    srcs = [img.get("src") for img in tree.iter("img")]
    assert srcs == ["https://news.example.org/war/pic.jpg", "https://news.example.org/media/a.jpg"]
    assert "<script" not in html and "onerror" not in html and "alert(2)" not in html
    # A javascript: link loses its address and keeps its words (and feeds check says so)
    assert "a bad one and" in tree.text_content()


def test_summary_is_derived_from_the_first_paragraph(data_dir, write):
    body = "Kyiv **bright** and [linked](https://e.org) `code`,\nwith a line break.\n\nSecond."
    write(REL, article(body=json.dumps(body)))
    got = built(load(data_dir))
    assert got.summary == "Kyiv bright and linked code, with a line break."


def test_long_summary_is_cut_at_a_word_ending_with_an_ellipsis(data_dir, write):
    words = [f"word{i:03d}" for i in range(120)]
    paragraph = " ".join(words)
    write(REL, article(body=json.dumps(f"# Heading\n\n{paragraph}\n\nSecond paragraph.")))
    summary = built(load(data_dir)).summary
    assert len(summary) <= SUMMARY_LIMIT
    assert len(summary) > SUMMARY_LIMIT - 15
    assert summary.endswith("…")
    kept = summary[:-1]
    assert paragraph.startswith(kept)
    assert paragraph[len(kept)] == " "  # cut between words, never inside one


def test_given_summary_is_kept(data_dir, write):
    write(REL, article("summary: A summary of my own."))
    assert built(load(data_dir)).summary == "A summary of my own."


def test_derived_summary_leaves_out_what_the_body_sanitizer_drops(data_dir, write):
    write(REL, article(body='"Before <script>alert(1)</script> <style>p {}</style>after."'))
    got = built(load(data_dir))
    assert "alert" not in got.body_html
    assert "alert" not in got.summary
    assert "p {}" not in got.summary
    assert got.summary.startswith("Before") and got.summary.endswith("after.")


def test_sample_publication_has_no_errors(data_dir):
    store = load(data_dir)
    assert [p for p in store.problems if p.severity == "error"] == []
    assert store.catalog.view(NOW).live


def _example_line(message: str) -> str:
    """Return the line a missing-field message says to add ("add a line like X (...)")."""
    found = re.search(r"; add a line like (.+?)(?: \(|, indented| to this entry|$)", message)
    assert found, message
    return found[1]


@pytest.mark.parametrize("name", ["title", "section", "authors", "published"])
def test_a_missing_field_says_which_line_to_add_and_that_line_does(data_dir, write, name):
    write(REL, article(**{name: None}))
    problem = the_error(data_dir)
    assert problem.line == 1
    assert problem.message.startswith(f"missing required field '{name}'")
    example = _example_line(problem.message)
    assert example.startswith(f"{name}: ")
    write(REL, article(**{name: None}) + example + "\n")
    assert errors(load(data_dir)) == []


def test_a_missing_body_says_to_add_a_block(data_dir, write):
    write(REL, article(body=None))
    message = the_error(data_dir).message
    assert message.startswith("missing required field 'body'; add the line body: |")
    assert "indented by two spaces" in message


def test_a_missing_image_url_says_which_line_to_add(data_dir, write):
    write(REL, article("image:", "  caption: C"))
    problem = the_error(data_dir)
    assert problem.line == 7
    example = _example_line(problem.message)
    write(REL, article("image:", "  caption: C", f"  {example}"))
    assert errors(load(data_dir)) == []


@pytest.mark.parametrize(
    ("rel", "entry", "name"),
    [
        ("sections.yaml", "- slug: sport\n  description: Games.\n", "title"),
        ("authors.yaml", "- slug: nobody\n  role: Reporter\n  bio: B.\n", "name"),
    ],
)
def test_a_meta_entry_missing_its_name_says_which_line_to_add(data_dir, rel, entry, name):
    line = append_to(data_dir, rel, entry)
    [problem] = errors(load(data_dir), rel)
    assert problem.line == line
    example = _example_line(problem.message)
    assert example.startswith(f"{name}: ")
    append_to(data_dir, rel, f"  {example}\n")
    assert errors(load(data_dir), rel) == []


@pytest.mark.parametrize("name", ["title", "url"])
def test_site_yaml_missing_a_required_field_says_which_line_to_add(data_dir, name):
    site = data_dir / "site.yaml"
    kept = [line for line in site.read_text().splitlines() if not line.startswith(f"{name}:")]
    site.write_text("\n".join(kept) + "\n")
    [problem] = errors(load(data_dir), "site.yaml")
    example = _example_line(problem.message)
    site.write_text("\n".join(kept) + f"\n{example}\n")
    assert errors(load(data_dir), "site.yaml") == []
