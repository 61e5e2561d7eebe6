"""Content fidelity: footnotes, links without a scheme, what the sanitizer removes (and
`feeds check` saying so), and tags that differ in more than case and punctuation."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import nh3
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import bodycheck, links, markup
from feeds.bodycheck import body_warnings
from feeds.cli import main
from feeds.links import body_url
from feeds.markup import render_markdown
from feeds.store import Store
from feeds.text import slugify, tag_slug

from .conftest import SAMPLE
from .editing import article
from .helpers import FORMATS, publisher_of

BASE = "https://news.example.org/war/a-story"
BODY_LINE = 5  # the line of `body:` in editing.ARTICLE
TAGS_LINE = 6  # extra lines start here
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def body(markdown: str) -> str:
    """Return a `body:` value that holds markdown as a YAML block, as editors write it."""
    return "|\n" + textwrap.indent(textwrap.dedent(markdown).strip("\n"), "  ")


def write(data_dir: Path, name: str, *extra: str, **fields: str) -> str:
    """Write an article file; return its default id."""
    fields.setdefault("title", f"Story {name}")
    (data_dir / "articles" / f"{name}.yaml").write_text(article(*extra, **fields), encoding="utf-8")
    return f"tag:news.example.org,2026-02-11:{name}"


def refreshed(app):
    publisher_of(app).refresh()
    return app


def contents(client, path: str = "/feed") -> dict[str, dict[str, str]]:
    """Return {format: {entry id: content HTML}} of one feed in RSS, Atom and JSON Feed."""
    found: dict[str, dict[str, str]] = {"rss": {}, "atom": {}, "json": {}}
    rss = lxml.etree.fromstring(client.get(f"{path}.rss").data)
    for item in rss.iter("item"):
        found["rss"][item.findtext("guid")] = item.findtext(CONTENT)
    atom = lxml.etree.fromstring(client.get(f"{path}.atom").data)
    for entry in atom.iter(f"{ATOM}entry"):
        found["atom"][entry.findtext(f"{ATOM}id")] = entry.findtext(f"{ATOM}content")
    for item in client.get(f"{path}.json").get_json()["items"]:
        found["json"][item["id"]] = item["content_html"]
    return found


def warnings_of(store: Store, path: str) -> list[tuple[int, str]]:
    return [
        (p.line, p.message)
        for p in store.problems
        if p.path == path and p.severity == "warning" and "no image" not in p.message
    ]


def loaded(data_dir: Path) -> Store:
    store = Store(data_dir)
    store.refresh()
    return store


# --- Footnotes ------------------------------------------------------------------------------

FOOTNOTED = """
    Ukrenergo cut power in Kyiv[^1] for the third night.[^grid]

    Repairs go on.[^1]

    [^1]: According to the operator's evening statement.
    [^grid]: The grid lost half its generation in 2024.
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_footnotes_link_both_ways_in_every_format(app, client, data_dir, fmt):
    one = write(data_dir, "one", body=body(FOOTNOTED))
    two = write(data_dir, "two", body=body(FOOTNOTED))
    refreshed(app)
    found = contents(client)[fmt]
    ids: list[set[str]] = []
    for entry in (one, two):
        tree = lxml.html.fragment_fromstring(found[entry], create_parent="div")
        assert "[^" not in tree.text_content()
        refs = tree.xpath("//sup/a")
        assert [a.text for a in refs] == ["[1]", "[2]", "[1]"]
        notes = tree.xpath("//ol/li")
        assert [li.text_content().split(" ↩")[0] for li in notes] == [
            "According to the operator's evening statement.",
            "The grid lost half its generation in 2024.",
        ]
        # Each mark leads to its note and each note back to its marks, on the article's
        # page: absolute, since a feed holds no relative URL (W3C validator).
        note_ids = {li.get("id") for li in notes}
        page = f"https://news.example.org/war/{entry.rsplit(':', 1)[-1]}#"
        assert all(a.get("href").startswith(page) for a in refs)
        assert {a.get("href").split("#")[1] for a in refs} == note_ids
        backrefs = [a for li in notes for a in li.iter("a")]
        assert {a.get("href").split("#")[1] for a in backrefs} == {a.get("id") for a in refs}
        assert all(a.get("href").startswith(page) for a in refs + backrefs)
        ids.append(note_ids | {a.get("id") for a in refs})
    # Two entries in one document (a feed, a reader's river of entries) never share an id.
    assert not ids[0] & ids[1]


def test_footnote_marks_stay_out_of_the_summary():
    _, first_paragraph = render_markdown(textwrap.dedent(FOOTNOTED), BASE)
    assert first_paragraph == "Ukrenergo cut power in Kyiv for the third night."


@pytest.mark.parametrize(
    ("markdown", "warnings"),
    [
        (
            "Text.[^2]\n\n[^1]: A note.\n",
            [
                "the body refers to footnote [^2], which has no note, so it shows as typed: "
                "add the note on a line of its own, [^2]: the note",
                "the body's footnote [^1] is never referred to, so it is not shown: put [^1] "
                "in the text where the note belongs",
            ],
        ),
        ("Text.[^1]\n", ["the body refers to footnote [^1], which has no note"]),
        ("Text.^[An inline note, [linked](www.x.org).]", ["link 'www.x.org'"]),
    ],
    ids=["mismatched", "no-notes-at-all", "inline-note"],
)
def test_footnotes_that_cannot_show_are_reported(markdown, warnings):
    said = body_warnings(markdown, BASE)
    assert len(said) == len(warnings), said
    assert all(words in message for words, message in zip(warnings, said, strict=True)), said


def test_a_footnote_mark_in_code_is_not_reported():
    assert body_warnings("Write `[^1]` for a note, or \\[^1] escaped.\n", BASE) == []


# --- Links ----------------------------------------------------------------------------------

LINKS = [
    # (target as written, href published, what feeds check says, if anything)
    ("www.ua.energy", "https://www.ua.energy", "does not start with https://"),
    ("ua.energy/news/1", "https://ua.energy/news/1", "published as https://ua.energy/news/1"),
    ("WWW.Example.ORG/x", "https://WWW.Example.ORG/x", "does not start with https://"),
    ("приклад.укр/новини", "https://xn--80aikifvh.xn--j1amh/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8", "https://"),
    ("desk@example.org", "mailto:desk@example.org", "does not start with mailto:"),
    ("/war/other-story", "https://news.example.org/war/other-story", None),
    ("../culture/x", "https://news.example.org/culture/x", None),
    ("other-story", "https://news.example.org/war/other-story", None),
    ("report.pdf", "https://news.example.org/war/report.pdf", None),
    ("#analysis", "https://news.example.org/war/a-story#analysis", None),
    ("tel:+380441234567", "tel:+380441234567", None),
    ("mailto:desk@example.org", "mailto:desk@example.org", None),
    ("https://example.org/a", "https://example.org/a", None),
    ("javascript:alert(1)", None, "link to 'javascript:alert(1)' is removed"),
    ("ftp://example.org/file", None, "must start with https://, http://, mailto: or tel:"),
    ("https://example.org:99999/", None, "is removed"),
    ("localhost:8000/x", None, "is removed"),
    ("www.example.org:8080/x", None, "is removed"),
]  # fmt: skip


@pytest.mark.parametrize(("target", "href", "said"), LINKS, ids=[t for t, _, _ in LINKS])
def test_links_are_made_web_addresses_or_absolute_and_reported(target, href, said):
    for markdown in (f"See [the source]({target}).", f'See <a href="{target}">the source</a>.'):
        html, _ = render_markdown(markdown, BASE)
        [link] = lxml.html.fragment_fromstring(html, create_parent="div").iter("a")
        assert link.get("href") == href, markdown
        assert link.text == "the source"
        warnings = body_warnings(markdown, BASE)
        if said is None:
            assert warnings == [], markdown
        else:
            [warning] = warnings
            assert said in warning, warning


@pytest.mark.parametrize(
    ("src", "kept", "said"),
    [
        ("www.example.org/a.jpg", "https://www.example.org/a.jpg", "picture"),
        ("/media/a.jpg", "https://news.example.org/media/a.jpg", None),
        ("data:image/png;base64,iVBORw0KGgo=", None, "picture 'data:image/png"),
        ("javascript:alert(1)", None, "picture 'javascript:alert(1)' is removed"),
        ("mailto:desk@example.org", None, "needs an address starting with https://"),
        ("", None, "picture '' is removed"),
    ],
)
def test_pictures_need_a_web_address_and_leave_nothing_behind(src, kept, said):
    for markdown in (f"![A map]({src})", f'<img src="{src}" alt="A map">'):
        html, _ = render_markdown(markdown, BASE)
        images = list(lxml.html.fragment_fromstring(html, create_parent="div").iter("img"))
        assert [img.get("src") for img in images] == ([kept] if kept else []), markdown
        if kept is None:
            assert html == "", html  # no <img> without a picture, no empty paragraph
        warnings = body_warnings(markdown, BASE)
        assert (said in warnings[0]) if said else warnings == [], warnings


def test_a_link_without_a_scheme_is_reported_by_feeds_check_at_the_body(runner, data_dir):
    write(data_dir, "energy", body=body("Power from [Ukrenergo](www.ua.energy) resumed."))
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output  # a warning, not an error
    [line] = [line for line in result.output.splitlines() if "www.ua.energy" in line]
    assert line == (
        f"articles/energy.yaml:{BODY_LINE}: warning: the body's link 'www.ua.energy' does "
        "not start with https://; it is published as https://www.ua.energy: write it so"
    )


# --- What the sanitizer removes --------------------------------------------------------------

YOUTUBE = (
    '<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=x" '
    'title="YouTube video player" frameborder="0" allowfullscreen></iframe>'
)
REMOVED = [
    # (HTML in a body, words of the warning, words the reader still sees)
    (YOUTUBE, "<iframe> (a YouTube video) is removed: feeds carry no embeds; link to the "
     "video instead, like [Watch the video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)", ""),
    ('<iframe src="https://player.vimeo.com/video/76979871"></iframe>',
     "(a Vimeo video)", ""),
    ('<iframe src="https://maps.example.com/embed?q=kyiv"></iframe>',
     "<iframe> (https://maps.example.com/embed?q=kyiv) is removed", ""),
    ('<video controls><source src="/media/drone.mp4" type="video/mp4"></video>',
     "[Watch the video](https://news.example.org/media/drone.mp4)", ""),
    ('<video src="https://cdn.example.org/a.mp4"></video>', "<video>", ""),
    ('<audio src="https://cdn.example.org/a.mp3" controls></audio>',
     "link to the recording instead, like [Listen](https://cdn.example.org/a.mp3)", ""),
    ("<iframe></iframe>", "the body's <iframe> is removed: feeds carry no embeds", ""),
    ("<script>alert(1)</script>", "<script> is removed with what it holds", ""),
    ("<style>p { color: red }</style>", "<style> is removed with what it holds", ""),
    ('<form action="https://example.org/s"><input name="q"><button>Send</button></form>',
     "<form>, <input> and <button> are removed (the text stays): readers cannot send forms",
     "Send"),
    ('<object data="https://example.org/x.swf">Flash</object>', "no plugins", "Flash"),
    ('<embed src="https://example.org/x.swf">', "<embed> is removed", ""),
    ('<svg viewBox="0 0 1 1"><circle r="1"/></svg>', "<svg> is removed with what it holds", ""),
    ("<math><mi>x</mi></math>", "write the formula as text", ""),
    ("<template><p>Later</p></template>", "<template> is removed with what it holds", ""),
    ('<meta http-equiv="refresh" content="0">', "not a web page's settings", ""),
    ("<marquee>Breaking</marquee>", "<marquee> is removed (the text stays)", "Breaking"),
    ('<p onclick="alert(1)">Tap</p>', "event handlers (onclick) are removed", "Tap"),
    ('<span style="color: red">Red</span>', "style attributes are removed", "Red"),
    ('<a href="javascript:alert(1)">Go</a>', "link to 'javascript:alert(1)' is removed", "Go"),
    ('<a href="jav&#x61;script:alert(1)">Go</a>', "'javascript:alert(1)' is removed", "Go"),
    ('<blockquote cite="javascript:alert(1)">Q</blockquote>', "is removed", "Q"),
    ('<img src="data:image/png;base64,iVBORw0KGgo=" alt="A">', "picture 'data:image", ""),
]  # fmt: skip


@pytest.mark.parametrize(("html", "said", "seen"), REMOVED, ids=range(len(REMOVED)))
@pytest.mark.parametrize("where", ["block", "inline"])
def test_what_the_sanitizer_removes_is_reported(html, said, seen, where):
    markdown = f"Before.\n\n{html}\n\nAfter." if where == "block" else f"Before {html} after."
    rendered, _ = render_markdown(markdown, BASE)
    warnings = body_warnings(markdown, BASE)
    assert any(said in w for w in warnings), warnings
    assert len(warnings) == 1, warnings
    tree = lxml.html.fragment_fromstring(rendered, create_parent="div")
    words = " ".join(tree.text_content().split())
    expected = f"Before. {seen} After." if where == "block" else f"Before {seen} after."
    assert words == " ".join(expected.split())
    assert not re.search(r"<(p|figure|blockquote)>\s*</\1>", rendered), rendered


@pytest.mark.parametrize(
    "markdown",
    [
        "Plain text with **bold** and [a link](https://example.org/a).",
        "<div>A wrapper</div> and <span>a span</span> go without a word.",
        '<p class="lead" id="x">A lead paragraph.</p>',
        "<!-- a note to the desk --> Text.",
        "Code: `<iframe src=x>` and\n\n    <script>alert(1)</script>\n",
        '<b>bold</b> <i>it</i> <figure><img src="/a.jpg" alt="A"><figcaption>C</figcaption>'
        "</figure>",
        '<a href="https://example.org/" title="T" target="_blank">ok</a>',
        "if a<b and c>d, fine",
        "[a][ref]\n\n[ref]: https://example.org/r",
        "Footnote.[^1]\n\n[^1]: A note.",
    ],
)
def test_what_loses_nothing_is_not_reported(markdown):
    assert body_warnings(markdown, BASE) == []


def test_a_pasted_embed_is_reported_by_feeds_check_and_leaves_no_empty_paragraph(
    app, client, runner, data_dir
):
    entry = write(data_dir, "embed", body=body(f"Watch:\n\n<p>{YOUTUBE}</p>\n\nMore text."))
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "iframe" in line]
    assert line.startswith(f"articles/embed.yaml:{BODY_LINE}: warning: the body's <iframe>")
    refreshed(app)
    for fmt, found in contents(client).items():
        assert re.sub(r">\s+<", "><", found[entry]) == "<p>Watch:</p><p>More text.</p>", fmt


def test_every_load_reports_the_same_body_warnings(app, client, runner, data_dir):
    """Cold, from the parse cache, after an edit: the same problems (they come from the
    files alone)."""
    path = write(data_dir, "mixed", body=body(f"[a](www.a.org)\n\n{YOUTUBE}"))
    cold = runner.invoke(main, ["check", "--data", str(data_dir)]).output
    assert "www.a.org" in cold and "YouTube" in cold
    warm = runner.invoke(main, ["check", "--data", str(data_dir)]).output  # parse cache
    assert warm == cold
    refreshed(app)
    served = {(p["path"], p["line"], p["message"]) for p in client.get("/healthz").json["problems"]}
    checked = {
        (p["path"], p["line"], p["message"])
        for p in json.loads(
            runner.invoke(main, ["check", "--data", str(data_dir), "--format", "json"]).output
        )["problems"]
    }
    assert served == checked
    del path


@pytest.mark.parametrize(
    ("markdown", "parsed"),
    [
        ("Text with **bold**, [a link](https://example.org/a) and [a path](/war/x).", False),
        ('<figure><img src="https://e.org/a.jpg" alt="A"><figcaption>A <b>c</b></figcaption>'
         "</figure>\n\nText.<br>\n\n[ref]: https://example.org/r", False),
        ("<div>A wrapper</div> a<b and c>d", False),
        ("Text.[^1]\n\n[^1]: A note.", True),
        ("[a](www.x.org)", True),
        ('<img src="x.org/a.jpg">', True),
        ('<p class="x">A</p>', False),
        ('<p style="x">A</p>', True),
    ],
)  # fmt: skip
def test_only_bodies_that_may_lose_something_are_parsed_at_load(monkeypatch, markdown, parsed):
    """Bodies are rendered lazily; the load looks closer only where a warning may be."""
    calls = []
    original = markup.scanner().parse
    monkeypatch.setattr(markup.scanner(), "parse", lambda *a: calls.append(a) or original(*a))
    body_warnings(markdown, BASE)
    assert bool(calls) == parsed


# The scan that keeps most bodies from being parsed at load must never hide a warning.
PIECES = st.sampled_from(
    [
        "Text ", "\n\n", "[a](", ")", "www.x.org", "x.org/p", "https://x.org/", "/war/x",
        "javascript:y", "tel:1", "<", ">", "iframe", "video src=", "https://x.org:99999",
        "https://[::1", "https://пример.рф", "[^1]", "[^1]: n", "]: ", "[r]", "`", "<a href=",
        '"', "style=", " onclick=", "![p](", "data:x", "mailto:", "@", "#", "\\", "    ",
        "> ", "- ", "<!--", "-->", "<script>", "</p>", "<p>", "%20", "https://x%5B.org",
        "<b:x>", "<img", "<img src=/a.jpg>", '<img src="https://x.org/a.jpg" alt="a">', "'",
        "<figure>", "<A HREF=", " title='>' ", "ONCLICK=", "<div>", "<svg>", "</svg>", " ",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=14).map("".join))
def test_the_quick_scan_never_hides_a_warning(markdown):
    assert body_warnings(markdown, BASE) == bodycheck._body_warnings(markdown, BASE)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=8).map("".join))
def test_a_link_loses_its_address_exactly_when_a_warning_says_so(target):
    markdown = f"[words]({target.replace(')', '').replace(chr(10), '')})"
    html, _ = render_markdown(markdown, BASE)
    tree = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    links = [a for a in tree.iter("a") if a.text == "words"]
    warnings = body_warnings(markdown, BASE)
    if links:
        removed = links[0].get("href") is None
        assert removed == any("words" not in w and " is removed" in w for w in warnings)


@given(st.text(max_size=40))
def test_whatever_body_url_keeps_the_sanitizer_keeps(url):
    kept = body_url(url, BASE)
    if kept is not None:
        anchor = nh3.clean(
            f'<a href="{nh3.clean_text(kept)}">x</a>', url_schemes=links.SAFE_SCHEMES
        )
        assert "href=" in anchor, (kept, anchor)


# --- Tags -----------------------------------------------------------------------------------

TAG_SLUGS = [
    ("NATO", "nato"),
    ("nato", "nato"),
    ("N.A.T.O.", "nato"),
    ("Air defence", "air-defence"),
    ("C", "c"),
    ("C++", "c-plus-plus"),
    ("c++", "c-plus-plus"),
    ("C#", "c-sharp"),
    ("C♯", "c-sharp"),
    ("F#", "f-sharp"),
    ("Disney+", "disney-plus"),
    ("C++20", "c-plus-plus-20"),
    ("#StandWithUkraine", "standwithukraine"),
    ("Research + development", "research-development"),
    ("Україна", "україна"),
    ("🇺🇦", "flag-ua"),
    ("🇺🇦 Ukraine", "ukraine"),
    ("🔥", "fire"),
    ("👍🏽", "thumbs-up-sign"),
    ("#", "number-sign"),
    ("+", "plus-sign"),
    ("\u200d", ""),
    ("\ue000", ""),
]


@pytest.mark.parametrize(("tag", "slug"), TAG_SLUGS, ids=[t for t, _ in TAG_SLUGS])
def test_tag_slugs(tag, slug):
    assert tag_slug(tag) == slug


def test_the_sample_publications_tags_keep_their_slugs():
    tags = set()
    for path in sorted(SAMPLE.glob("articles/**/*.yaml")):
        tags.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("tags") or ())
    assert tags
    assert {tag: tag_slug(tag) for tag in tags} == {tag: slugify(tag) for tag in tags}


def test_c_cpp_csharp_and_fsharp_are_four_tags(app, client, data_dir):
    languages = {"C": "c", "C++": "c-plus-plus", "C#": "c-sharp", "F#": "f-sharp"}
    ids = {
        tag: write(data_dir, slug, f"tags: [{json.dumps(tag)}, Programming]")
        for tag, slug in languages.items()
    }
    write(data_dir, "cpp-again", "tags: [c++]")  # another spelling of the same tag
    refreshed(app)
    for tag, slug in languages.items():
        feed = feedparser.parse(client.get(f"/tags/{slug}/feed.atom").data)
        assert feed.feed.title.startswith(f"{tag} |"), feed.feed.title
        expected = {ids[tag]} | (
            {"tag:news.example.org,2026-02-11:cpp-again"} if tag == "C++" else set()
        )
        assert {e.id for e in feed.entries} == expected
        entry = next(e for e in feed.entries if e.id == ids[tag])
        assert (slug, tag) in {(t.term, t.label) for t in entry.tags}
    assert len(feedparser.parse(client.get("/tags/programming/feed.atom").data).entries) == 4
    # A URL in another spelling of a tag answers 301 to that tag, not to a neighbour.
    answer = client.get("/tags/C++/feed.rss")
    assert answer.status_code == 301
    assert answer.headers["Location"] == "https://news.example.org/tags/c-plus-plus/feed.rss"


def test_a_tag_of_symbols_gets_a_readable_slug(app, client, data_dir):
    entry = write(data_dir, "flag", 'tags: ["🇺🇦", "#"]')
    refreshed(app)
    feed = client.get("/tags/flag-ua/feed.json").get_json()
    assert feed["title"].startswith("🇺🇦 |")
    assert [item["id"] for item in feed["items"]] == [entry]
    assert client.get("/tags/number-sign/feed.json").status_code == 200


def test_a_tag_with_nothing_to_name_it_after_is_reported_at_its_line(data_dir):
    write(data_dir, "blank-tag", "tags:", "  - Kyiv", '  - "\\u200d"')
    store = loaded(data_dir)
    assert warnings_of(store, "articles/blank-tag.yaml") == [
        (
            TAGS_LINE + 2,
            "tag '\\u200d' has nothing to name its web address after, so it is left out; "
            "write it in words",
        )
    ]
    [got] = [a for a in store.catalog.articles if a.path == "articles/blank-tag.yaml"]
    assert got.tags == ("Kyiv",)
