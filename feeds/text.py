"""Text normalization: XML-safe characters, tidy lines, slugs, Markdown to safe HTML, summaries."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import nh3
from markdown_it import MarkdownIt

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
# lxml refuses a whole document over one of them, so every field goes through this.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A stray BOM inside a value is legal XML but invisible rubbish to every reader.
_INVISIBLE = re.compile("[\ufeff]")

SUMMARY_LIMIT = 300


def xml_safe(text: str) -> str:
    """Return text without the characters XML 1.0 cannot carry."""
    return _INVISIBLE.sub("", _XML_INVALID.sub("", text))


def tidy_line(text: str) -> str:
    """Return single-line text: XML-safe, whitespace runs folded to one space, trimmed."""
    return " ".join(xml_safe(text).split())


def slugify(text: str) -> str:
    """Return a URL slug: lower case, accents dropped, words joined by hyphens.

    Dots and apostrophes vanish rather than split words, so "N.A.T.O." and "NATO" meet;
    letters outside Latin (Ukrainian, Japanese...) are kept, not lost.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = re.sub(r"[.'’`]", "", stripped)
    return "-".join(re.findall(r"[^\W_]+", stripped))


def truncate_words(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Return text cut at a word boundary so that it is at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup",
    "small", "mark", "code", "pre", "kbd", "blockquote", "q", "cite", "abbr", "time",
    "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "img", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "abbr": {"title"},
    "time": {"datetime"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_URL_ATTRIBUTES = {"href", "src", "cite"}
_SAFE_SCHEMES = {"http", "https", "mailto"}


def clean_url(url: str, base: str | None = None) -> str | None:
    """Return url made absolute against base and percent-encoded, or None if it is unsafe.

    Feed readers show content away from the site, so a relative link would point
    nowhere; anything but http(s) and mailto (javascript:, data:...) is dropped.
    """
    url = xml_safe(url).strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES:
        return None
    netloc = parts.netloc
    if parts.hostname and not parts.hostname.isascii():
        try:
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        netloc = netloc.replace(parts.hostname, host)
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(parts.path, safe="/%:@!$&'()*+,;=-._~"),
            quote(parts.query, safe="/%:@!$&'()*+,;=-._~?"),
            quote(parts.fragment, safe="/%:@!$&'()*+,;=-._~?"),
        )
    )


def render_markdown(source: str, base_url: str) -> tuple[str, str]:
    """Return (sanitized HTML, plain text of the first paragraph) for a Markdown body."""
    tokens = _markdown.parse(xml_safe(source))
    html = _markdown.renderer.render(tokens, _markdown.options, {})

    def keep_safe_urls(tag: str, attribute: str, value: str) -> str | None:
        if attribute in _URL_ATTRIBUTES:
            return clean_url(value, base_url)
        return value

    safe_html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_safe_urls,
        url_schemes=_SAFE_SCHEMES,
        link_rel="noopener",
    )
    safe_html = xml_safe(safe_html).strip()
    return safe_html, _first_paragraph_text(safe_html)


class _FirstParagraph(HTMLParser):
    """Collect the text of the first <p> that has any, from sanitized HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []
        self.done = False

    def handle_starttag(self, tag, attrs):
        if tag == "p" and not self.done:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "p" and self.depth:
            self.depth -= 1
            if not self.depth and tidy_line("".join(self.parts)):
                self.done = True
            elif not self.depth:
                self.parts = []

    def handle_data(self, data):
        if self.depth and not self.done:
            self.parts.append(data)


def _first_paragraph_text(safe_html: str) -> str:
    """Return the plain text of the first paragraph that has any.

    Read from the sanitized HTML, so that the summary holds exactly the words a reader
    sees in the body: nothing from a <script> or <style> the sanitizer removed.
    """
    parser = _FirstParagraph()
    parser.feed(safe_html)
    parser.close()
    return tidy_line("".join(parser.parts)) if parser.done else ""
