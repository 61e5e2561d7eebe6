"""Markdown bodies to sanitized HTML, with footnotes unique to each article, and the plain
text of their first paragraph."""

from __future__ import annotations

import functools
import hashlib
import html
import re
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from feeds.links import SAFE_SCHEMES, body_url
from feeds.text import tidy_line, xml_safe

_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)", re.DOTALL)


def _normalize_link(url: str) -> str:
    """Lower-case a link's host before markdown-it punycodes it.

    markdown-it encodes "ПРИМЕР.РФ" as the punycode of the capitals, a different name
    that the sanitizer then rejects; hosts are case-insensitive, so lower-case first.
    """
    match = _AUTHORITY.fullmatch(url)
    if match:
        url = match[1] + match[2].lower() + match[3]
    from markdown_it.common.normalize_url import normalizeLink  # loaded by _new_markdown

    return normalizeLink(url)


def _footnote_anchor_name(self: object, tokens: list, idx: int, options: object, env: dict) -> str:
    # Ids unique to the article: a feed reader shows many entries in one page.
    return f"-{env['footnote_prefix']}-{tokens[idx].meta['id'] + 1}"


def _footnote_caption(self: object, tokens: list, idx: int, options: object, env: dict) -> str:
    # Every mark of a note shows its number: "[1]" again, not the plugin's "[1:1]".
    return f"[{tokens[idx].meta['id'] + 1}]"


def _new_markdown(**footnotes: bool) -> MarkdownIt:
    # Imported on first use: a process that renders no body (a rebuild, a restart whose
    # first feeds come rendered from the parse cache) does not load markdown-it.
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    markdown = (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin, **footnotes)
    )
    markdown.normalizeLink = _normalize_link  # type: ignore[method-assign]
    # Every link is judged once, by body_url in the sanitizer: markdown-it's own check
    # would print a javascript: link as its Markdown source, and hide it from
    # body_warnings.
    markdown.validateLink = lambda url: True  # type: ignore[method-assign]
    markdown.add_render_rule("footnote_anchor_name", _footnote_anchor_name)
    markdown.add_render_rule("footnote_caption", _footnote_caption)
    return markdown


@functools.cache
def _renderer() -> MarkdownIt:
    return _new_markdown()


@functools.cache
def scanner() -> MarkdownIt:
    """Return the same grammar for body_warnings, with every [^label] read as a footnote
    mark and each note left where it is written, so that marks without notes and notes
    without marks (which the renderer prints as typed, or drops) can be told."""
    return _new_markdown(always_match_refs=True, move_to_end=False)


def _footnote_prefix(base_url: str) -> str:
    """Return what the ids of an article's footnotes start with, from its URL."""
    return hashlib.blake2s(base_url.encode(), digest_size=4).hexdigest()


# fn-<prefix>-1 (a note), fnref-<prefix>-1 and fnref-<prefix>-1:1 (where the text refers to it)
_FOOTNOTE_ID = re.compile(r"fn(?:ref)?-([0-9a-f]{8})-[0-9]+(?::[0-9]+)?")

ALLOWED_TAGS = {
    "p", "br", "hr", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup",
    "small", "mark", "code", "pre", "kbd", "blockquote", "q", "cite", "abbr", "time",
    "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "img", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},  # id: footnote references only
    "li": {"id"},  # footnotes only
    "img": {"src", "alt", "title", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "abbr": {"title"},
    "time": {"datetime"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_ATTRIBUTES = {"href", "src", "cite"}


def render_markdown(source: str, base_url: str) -> tuple[str, str]:
    """Return (sanitized HTML, plain text of the first paragraph) for a Markdown body."""
    prefix = _footnote_prefix(base_url)
    env = {"footnote_prefix": prefix}
    markdown = _renderer()
    tokens = markdown.parse(xml_safe(source), env)
    html = markdown.renderer.render(tokens, markdown.options, env)

    def keep_safe_urls(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id" or (attribute == "href" and value[:1] == "#"):
            # A footnote's own ids stay, and the links between note and mark point at
            # them on the article's page, absolute: a feed must hold no relative URL (the
            # W3C validator warns of one in content:encoded), and readers resolve a bare
            # "#fn" against the entry's link anyway.
            note = _FOOTNOTE_ID.fullmatch(value.removeprefix("#"))
            if note is not None and note[1] == prefix:
                return value if attribute == "id" else f"{base_url}{value}"
            if attribute == "id":
                return None
        if attribute in URL_ATTRIBUTES:
            return body_url(value, base_url, picture=tag == "img")
        return value

    safe_html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_safe_urls,
        url_schemes=SAFE_SCHEMES,
        link_rel="noopener",
    )
    safe_html = _drop_emptied(xml_safe(safe_html)).strip()
    return safe_html, _first_paragraph_text(safe_html)


_ADDRESSLESS_PICTURE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_EMPTY_BLOCK = re.compile(r"<(p|figure|figcaption|blockquote)>\s*</\1>\n?")


def _drop_emptied(safe_html: str) -> str:
    """Remove what the sanitizer left empty: a picture without its address, the paragraph
    that held a video, and so on outwards."""
    if "<img" in safe_html:
        safe_html = _ADDRESSLESS_PICTURE.sub("", safe_html)
    while True:
        tidied = _EMPTY_BLOCK.sub("", safe_html)
        if tidied == safe_html:
            return tidied
        safe_html = tidied


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_FOOTNOTE_REF = re.compile(r'<sup><a href="[^"#]*#fn-[^"]*"[^>]*>.*?</a></sup>', re.DOTALL)


def _first_paragraph_text(safe_html: str) -> str:
    """Return the plain text of the first paragraph that has any.

    Read from the sanitized HTML, so that the summary holds exactly the words a reader
    sees in the body: nothing from a <script> or <style> the sanitizer removed, and no
    footnote marks. nh3 writes well-formed HTML with bare <p> tags, so a pattern finds them.
    """
    for match in _PARAGRAPH.finditer(safe_html):
        paragraph = match[1]
        if "<sup>" in paragraph:
            paragraph = _FOOTNOTE_REF.sub("", paragraph)
        text = tidy_line(html.unescape(_TAG.sub("", paragraph)))
        if text:
            return text
    return ""
