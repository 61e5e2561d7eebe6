"""Property tests: whatever text an editor writes in any field, the loader either reports a
problem with its file and line, or the feeds come out well-formed and say what was written.

The number of examples per test is 60; set FEEDS_HYPOTHESIS_EXAMPLES for a longer run:

    FEEDS_HYPOTHESIS_EXAMPLES=5000 python -m pytest -q tests/test_properties.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path

import feedparser
import lxml.html
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

import feeds.yamlread
from feeds.render import render_feed
from feeds.store import Store
from feeds.text import tag_slug, tidy_line, xml_safe
from feeds.yamlread import SafeLoader

from .conftest import NOW, SAMPLE
from .helpers import FORMATS

EXAMPLES = int(os.environ.get("FEEDS_HYPOTHESIS_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ATOM = {"a": "http://www.w3.org/2005/Atom"}
RSS_NS = {"media": "http://search.yahoo.com/mrss/", "dc": "http://purl.org/dc/elements/1.1/"}
ARTICLE = "articles/x.yaml"
AUTHORS = "authors.yaml"
AUTHOR_SLUG = "fuzz-author"

# Text an editor (or a paste from a web page) might bring, on top of arbitrary Unicode.
TRICKY = [
    "]]>",
    "<![CDATA[x]]>",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "&amp;",
    "&",
    "&#0;",
    "&nbsp;",
    "<",
    "a\x00b",
    "\x0b\x0c\x1f",
    "\x7f",
    "\x85",
    "\u2028\u2029",
    "\ufeff",
    "\ufffe\uffff",
    "\ud800",
    "\udfff",
    "\U0001f1fa\U0001f1e6",
    "  \t  ",
    "\r\n",
    "no",
    "12:30",
    "- list",
    "key: value",
    "# not a comment",
    "'",
    '"',
    "\\",
    "---",
]
ANY_CHAR = st.characters(exclude_categories=())  # every code point, lone surrogates too
TEXT = st.one_of(
    st.text(ANY_CHAR),
    st.sampled_from(TRICKY),
    st.lists(st.one_of(st.sampled_from(TRICKY), st.text(ANY_CHAR, max_size=4))).map("".join),
)
STYLES = ("escaped", "json", "dump")


# --- Writing values into YAML ---------------------------------------------------------------


def escaped(value: str) -> str:
    """Return a double-quoted YAML scalar holding value, with all but printable ASCII escaped."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def entry(name: str, value: str, style: str, indent: str = "", in_list: bool = False) -> str:
    """Return YAML lines setting name to value (or to [value]), written in one of STYLES."""
    if style == "dump":
        text = yaml.safe_dump(
            {name: [value] if in_list else value}, allow_unicode=True, width=1_000_000
        )
    else:
        scalar = escaped(value) if style == "escaped" else json.dumps(value, ensure_ascii=False)
        text = f"{name}: [{scalar}]\n" if in_list else f"{name}: {scalar}\n"
    return "".join(indent + line for line in text.splitlines(keepends=True))


@dataclass
class Given:
    """The values under test, each with the style it is written in."""

    values: dict[str, str]
    styles: dict[str, str]

    def get(self, name: str, default: str) -> str:
        return self.values.get(name, default)

    def line(self, name: str, default: str, indent: str = "", in_list: bool = False) -> str:
        if name not in self.values:
            return default
        key = name.removeprefix("author_")
        return entry(key, self.values[name], self.styles[name], indent, in_list)


def article_text(case: Given) -> str:
    return "".join(
        [
            case.line("title", "title: A title\n"),
            "section: war\n",
            f"authors: [{AUTHOR_SLUG}]\n",
            'published: "2026-02-11 10:00"\n',
            case.line("body", "body: Text.\n"),
            case.line("subtitle", ""),
            case.line("summary", ""),
            case.line("tags", "", in_list=True),
            "image:\n",
            "  url: https://news.example.org/media/a.jpg\n",
            case.line("caption", "", indent="  "),
            case.line("credit", "", indent="  "),
            case.line("alt", "", indent="  "),
        ]
    )


def authors_text(case: Given) -> str:
    return "".join(
        [
            f"- slug: {AUTHOR_SLUG}\n",
            case.line("author_name", "  name: Fuzz Author\n", indent="  "),
            "  role: Reporter\n",
            case.line("author_bio", "  bio: A bio.\n", indent="  "),
        ]
    )


def read_back(data: bytes) -> object | None:
    """Return what YAML itself makes of a file (with the loader feeds uses), None if nothing."""
    try:
        return yaml.load(data.decode("utf-8"), Loader=SafeLoader)
    except (UnicodeDecodeError, yaml.YAMLError):
        return None


# --- The data folder under test ------------------------------------------------------------


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """Return a data folder with the sample's site and sections and one article."""
    root = tmp_path_factory.mktemp("props")
    for name in ("site.yaml", "sections.yaml"):
        shutil.copy(SAMPLE / name, root / name)
    (root / "articles").mkdir()
    return root


def write_files(root: Path, files: dict[str, str]) -> dict[str, bytes]:
    written = {}
    for rel, text in files.items():
        data = text.encode("utf-8", "surrogatepass")  # a lone surrogate: bytes that aren't UTF-8
        (root / rel).write_bytes(data)
        written[rel] = data
    return written


def line_count(data: bytes) -> int:
    """Return how many lines a file has, counting every line break YAML knows (NEL, LS, PS)."""
    text = data.decode("utf-8", "replace")
    return len(text.splitlines()) + 1


def load(root: Path, written: dict[str, bytes]) -> Store:
    """Load the folder; every problem must name a written file and a line inside it."""
    store = Store(root)
    store.refresh()
    for problem in store.problems:
        assert problem.path in written, problem
        assert 1 <= problem.line <= line_count(written[problem.path]), problem
    return store


def errors_in(store: Store, path: str) -> list:
    return [p for p in store.problems if p.severity == "error" and p.path == path]


# --- Reading the feeds back ----------------------------------------------------------------


def rendered(store: Store, kind: str = "site", slug: str = "") -> dict[str, bytes]:
    feed = store.catalog.view(NOW).feed(kind, slug)
    assert feed is not None
    return {fmt: render_feed(feed, fmt) for fmt in FORMATS}


def well_formed(documents: dict[str, bytes]) -> dict[str, object]:
    """Parse each document strictly (lxml, json) and with feedparser; return the strict trees."""
    trees: dict[str, object] = {"json": json.loads(documents["json"])}
    for fmt in ("rss", "atom"):
        trees[fmt] = etree.fromstring(documents[fmt])
        parsed = feedparser.parse(documents[fmt])
        assert parsed.bozo == 0, (fmt, parsed.get("bozo_exception"))
        trees[f"{fmt}-feedparser"] = parsed
    return trees


def feedparser_keeps(text: str) -> bool:
    """Return whether feedparser gives text back as is (lxml above is exact for the rest).

    feedparser unescapes and sanitizes markup, reads C1 controls (U+0080-U+009F, which
    XML 1.0 allows and only YAML escapes can produce) as their cp1252 letters, and
    "repairs" Latin-1 text that is also valid UTF-8 ("Â¡" becomes "¡").
    """
    if set(text) & set("<&") or re.search("[\x80-\x9f]", text):
        return False
    try:
        return text.encode("latin-1").decode("utf-8") == text
    except UnicodeError:
        return True


def content_html(atom_entry) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(
        atom_entry.findtext("a:content", namespaces=ATOM), create_parent="div"
    )


def assert_safe(tree: lxml.html.HtmlElement) -> None:
    for element in tree.iter():
        assert element.tag not in ("script", "iframe", "style", "object", "embed"), element.tag
        for name, value in element.attrib.items():
            assert not name.startswith("on"), (element.tag, name)
            if name in ("href", "src"):
                assert value.startswith(("https://", "http://", "mailto:")), value


# --- The properties ------------------------------------------------------------------------

FIELDS = (
    "title",
    "subtitle",
    "summary",
    "body",
    "tags",
    "caption",
    "credit",
    "alt",
    "author_name",
    "author_bio",
)


def check_publication(root: Path, case: Given) -> None:
    """Write the files for `case`, load them, and check the outcome either way."""
    written = write_files(root, {ARTICLE: article_text(case), AUTHORS: authors_text(case)})
    store = load(root, written)

    article_yaml = read_back(written[ARTICLE])
    authors_yaml = read_back(written[AUTHORS])
    if article_yaml is None or authors_yaml is None:
        # YAML cannot carry the value as written (a lone surrogate, a raw control character):
        # that is the editor's to fix, and the loader must say where.
        broken = ARTICLE if article_yaml is None else AUTHORS
        event("outcome: YAML cannot carry it, problem reported")
        assert errors_in(store, broken), (broken, store.problems)
        assert not [a for a in store.catalog.articles if a.path == ARTICLE]
        return

    # What YAML read is what the editor wrote; the escaped style must carry it exactly.
    image = article_yaml["image"]
    [author] = authors_yaml
    read = {
        "title": article_yaml["title"],
        "subtitle": article_yaml.get("subtitle"),
        "summary": article_yaml.get("summary"),
        "body": article_yaml["body"],
        "tags": (article_yaml.get("tags") or [None])[0],
        "caption": image.get("caption"),
        "credit": image.get("credit"),
        "alt": image.get("alt"),
        "author_name": author["name"],
        "author_bio": author["bio"],
    }
    for name, value in case.values.items():
        if case.styles[name] == "escaped":
            assert read[name] == value, name

    title = tidy_line(read["title"])
    if not title or not xml_safe(read["body"]).strip() or not tidy_line(read["author_name"]):
        # A required field with nothing readable in it: a problem, never a blank entry.
        event("outcome: blank required field, problem reported")
        assert [p for p in store.problems if p.severity == "error"], store.problems
        assert not [a for a in store.catalog.articles if a.path == ARTICLE]
        return

    assert [p for p in store.problems if p.severity == "error"] == []
    event("outcome: published")
    [article] = store.catalog.articles
    assert article.title == title
    assert article.subtitle == tidy_line(read["subtitle"] or "")
    if tidy_line(read["summary"] or ""):
        assert article.summary == tidy_line(read["summary"])
    assert article.summary
    tag = tidy_line(read["tags"] or "")
    assert article.tags == ((tag,) if tag_slug(tag) else ())
    for name in ("caption", "credit", "alt"):
        assert getattr(article.image, name) == tidy_line(read[name] or ""), name
    author_name = tidy_line(read["author_name"])
    assert store.catalog.authors[AUTHOR_SLUG].name == author_name

    trees = well_formed(rendered(store))
    rss_item = trees["rss"].find("channel/item")
    atom_entry = trees["atom"].find("a:entry", ATOM)
    json_item = trees["json"]["items"][0]

    # Titles and other plain text read back exactly, whatever markup they look like.
    assert rss_item.findtext("title") == title
    assert atom_entry.findtext("a:title", namespaces=ATOM) == title
    assert json_item["title"] == title
    # RSS descriptions are HTML to readers, so the plain-text summary is escaped there.
    assert rss_item.findtext("description") == html_escape(article.summary, quote=False)
    assert atom_entry.findtext("a:summary", namespaces=ATOM) == article.summary
    assert atom_entry.findtext("a:author/a:name", namespaces=ATOM) == author_name
    assert [c.text for c in rss_item.findall("dc:creator", RSS_NS)] == [author_name]
    labels = [
        c.get("label")
        for c in atom_entry.findall("a:category", ATOM)
        if c.get("scheme", "").endswith("/tags/")
    ]
    assert labels == list(article.tags)
    media = rss_item.find("media:content", RSS_NS)
    assert (media.findtext("media:description", namespaces=RSS_NS) or "") == article.image.caption
    assert (media.findtext("media:credit", namespaces=RSS_NS) or "") == article.image.credit
    parsed = trees["atom-feedparser"].entries[0]
    assert parsed.id == article.id
    if feedparser_keeps(title):
        assert parsed.title == title
        assert trees["rss-feedparser"].entries[0].title == title

    html = content_html(atom_entry)
    assert_safe(html)
    [img] = html.find("figure").findall("img")
    assert img.get("alt") == article.image.alt
    if article.subtitle:
        assert html.find("p/strong").text_content() == article.subtitle

    author_trees = well_formed(rendered(store, "author", AUTHOR_SLUG))
    assert author_trees["atom"].findtext("a:title", namespaces=ATOM) == (
        f"{author_name} | {store.catalog.site.title}"
    )


@pytest.mark.parametrize("field", FIELDS)
@SETTINGS
@given(value=TEXT, style=st.sampled_from(STYLES))
def test_any_text_in_one_field_gives_a_problem_or_good_feeds(root, field, value, style):
    check_publication(root, Given(values={field: value}, styles={field: style}))


@SETTINGS
@given(
    values=st.fixed_dictionaries({}, optional={name: TEXT for name in FIELDS}),
    styles=st.fixed_dictionaries({name: st.sampled_from(STYLES) for name in FIELDS}),
)
def test_any_text_in_every_field_at_once_gives_a_problem_or_good_feeds(root, values, styles):
    check_publication(root, Given(values=values, styles=styles))


@SETTINGS
@given(
    content=st.one_of(
        st.binary(),
        st.text(ANY_CHAR).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.lists(st.sampled_from(article_text(Given({}, {})).splitlines(keepends=True) + TRICKY))
        .map("".join)
        .map(lambda text: text.encode("utf-8", "surrogatepass")),
    )
)
def test_any_file_content_gives_a_problem_or_an_article(root, content):
    (root / AUTHORS).write_text(authors_text(Given({}, {})), encoding="utf-8")
    (root / ARTICLE).write_bytes(content)
    store = load(root, {ARTICLE: content, AUTHORS: (root / AUTHORS).read_bytes()})
    articles = [a for a in store.catalog.articles if a.path == ARTICLE]
    assert bool(articles) != bool(errors_in(store, ARTICLE)), store.problems
    event("outcome: published" if articles else "outcome: problem reported")
    if articles:
        well_formed(rendered(store))


# Every character class the fast paths reason about: controls, separators, BOMs,
# noncharacters, surrogates, and ordinary text.
_AWKWARD = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(" \t\n\r\x00\x0b\x1f\x7f\x85\xa0\u2028\u3000\ufeff\ufffe\uffff\ud800"),
    ),
    max_size=40,
)


@SETTINGS
@given(_AWKWARD)
def test_xml_safe_and_tidy_line_equal_their_plain_definitions(text):
    # The definitions, without the shortcuts taken for text that needs no change.
    removed = re.sub(
        "[^\t\n\r\x20-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]", "", text
    )
    assert xml_safe(text) == removed
    assert tidy_line(text) == " ".join(removed.split())


def _tags(node) -> list:
    if isinstance(node, yaml.ScalarNode):
        return [(node.tag, node.value)]
    out = [node.tag]
    for item in node.value:
        out += _tags(item[0]) + _tags(item[1]) if isinstance(item, tuple) else _tags(item)
    return out


@SETTINGS
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("0123456789+-.:_eExXoObB~<=nNyYtTfFaluse ,'\"[]{}#!"))
        | st.sampled_from(
            [
                "yes",
                "No",
                "null",
                "~",
                "<<",
                "=",
                ".inf",
                "-.NaN",
                "0x1F",
                "0o17",
                "1_000",
                "2026-02-10",
                "2026-02-10 14:05:00+02:00",
                "",
            ]
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_lean_loader_types_every_scalar_as_pyyaml_does(values):
    lean = feeds.yamlread._lean(SafeLoader)
    for value in values:
        for text in (f"k: {value}\n", f"- {value}\n", f"{{k: {value}}}\n"):
            try:
                expected = _tags(yaml.compose(text, Loader=SafeLoader))
            except yaml.YAMLError:
                with pytest.raises(yaml.YAMLError):
                    yaml.compose(text, Loader=lean)
                continue
            assert _tags(yaml.compose(text, Loader=lean)) == expected
