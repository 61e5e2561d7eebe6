"""Text normalization: XML-safe characters, tidy lines, slugs, Markdown to safe HTML, summaries."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
import zlib
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF):
# lxml refuses a whole document over one of them, so every field goes through this. A
# stray BOM (U+FEFF) inside a value is legal XML but invisible rubbish, so it goes too.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# What a URL that needs no rewriting looks like: absolute http(s), ASCII, nothing to escape.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9\-._~/%+,;=:@]*)?")

SUMMARY_LIMIT = 300


def xml_safe(text: str) -> str:
    """Return text without the characters XML 1.0 cannot carry."""
    # Printable text (no Cc, Cf, Cs, Cn or separator but the space, which covers every
    # character removed) and text the pattern finds nothing in are returned as they are:
    # most values, at a fraction of the cost of building a copy.
    if text.isprintable() or _XML_INVALID.search(text) is None:
        return text
    return _XML_INVALID.sub("", text)


def tidy_line(text: str) -> str:
    """Return single-line text: XML-safe, whitespace runs folded to one space, trimmed."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # its only whitespace is single inner spaces: nothing to fold
    return " ".join(xml_safe(text).split())


@functools.lru_cache(maxsize=8192)  # tags, sections and names repeat across articles
def slugify(text: str) -> str:
    """Return a URL slug: lower case, accents dropped, words joined by hyphens.

    Dots and apostrophes vanish rather than split words, so "N.A.T.O." and "NATO" meet.
    Accents are dropped from Latin letters only ("Café" is "cafe"): in other scripts a
    mark is part of the letter (Ukrainian ї and й, Japanese が), so it is kept.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue  # an accent on a Latin letter
        kept.append(char)
    stripped = re.sub(r"[.'’`]", "", unicodedata.normalize("NFC", "".join(kept)))
    return "-".join(re.findall(r"[^\W_]+", stripped))


# Symbols that make a different tag when they follow a letter or digit ("C", "C++", "C#"
# and "F#" are four languages), so they are spelled out in its slug. Elsewhere they are
# punctuation, like every other symbol: "#Ukraine" is the tag "Ukraine".
TAG_SYMBOLS = {"+": "plus", "#": "sharp", "♯": "sharp"}
_TAG_SYMBOL_RUN = re.compile("(?<=[^\\W_])[" + re.escape("".join(TAG_SYMBOLS)) + "]+")
_REGIONAL_A = 0x1F1E6  # REGIONAL INDICATOR SYMBOL LETTER A: two of them make a flag


def _named_slug(tag: str) -> str:
    """Return a slug from the names of a tag's symbols, for a tag with no letter or digit.

    "🇺🇦" is "flag-ua", "🔥" is "fire", "#" is "number-sign". Skin tones, variation
    selectors, joiners and combining marks only change how a symbol looks: they name
    nothing.
    """
    words: list[str] = []
    letters = ""  # regional indicators seen in a row: every two make a flag
    for char in tag:
        code = ord(char)
        if _REGIONAL_A <= code < _REGIONAL_A + 26:
            letters += chr(ord("a") + code - _REGIONAL_A)
            if len(letters) == 2:
                words.append(f"flag {letters}")
                letters = ""
            continue
        category = unicodedata.category(char)
        if category[0] in "SP" and category != "Sk":
            words.append(unicodedata.name(char, ""))
    return slugify.__wrapped__(" ".join([*words, letters]))


@functools.lru_cache(maxsize=8192)  # tag_slug.__wrapped__ is the uncached function
def tag_slug(tag: str) -> str:
    """Return a tag's slug: "NATO", "nato" and "N.A.T.O." are "nato"; "C++" is "c-plus-plus".

    Case, spaces and punctuation do not tell tags apart; "+" and "#" after a letter or
    digit do (TAG_SYMBOLS). A tag of symbols alone is named after them ("🇺🇦" is
    "flag-ua"). Empty only for a tag with nothing nameable (a joiner, a private-use
    character).
    """
    spelled = _TAG_SYMBOL_RUN.sub(
        lambda run: " " + " ".join(TAG_SYMBOLS[char] for char in run[0]) + " ", tag
    )
    return slugify.__wrapped__(spelled) or _named_slug(tag)


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
_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)", re.DOTALL)


def _normalize_link(url: str) -> str:
    """Lower-case a link's host before markdown-it punycodes it.

    markdown-it encodes "ПРИМЕР.РФ" as the punycode of the capitals, a different name
    that the sanitizer then rejects; hosts are case-insensitive, so lower-case first.
    """
    match = _AUTHORITY.fullmatch(url)
    if match:
        url = match[1] + match[2].lower() + match[3]
    return normalizeLink(url)


_markdown.normalizeLink = _normalize_link  # type: ignore[method-assign]

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
    if _PLAIN_URL.fullmatch(url):
        return url  # the common case, already absolute and clean: skip the parsing
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES:
        return None
    netloc = parts.netloc
    host = parts.hostname  # lower-cased by urlsplit
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        # Rebuild rather than replace: the netloc may spell the host in capitals.
        userinfo = netloc.rpartition("@")[0]
        netloc = (f"{userinfo}@" if userinfo else "") + host
        if parts.port is not None:
            netloc += f":{parts.port}"
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


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _first_paragraph_text(safe_html: str) -> str:
    """Return the plain text of the first paragraph that has any.

    Read from the sanitized HTML, so that the summary holds exactly the words a reader
    sees in the body: nothing from a <script> or <style> the sanitizer removed. nh3
    writes well-formed HTML with bare <p> tags, so a pattern finds them.
    """
    for match in _PARAGRAPH.finditer(safe_html):
        text = tidy_line(html.unescape(_TAG.sub("", match[1])))
        if text:
            return text
    return ""


def _pack(text: str) -> bytes:
    # A 4 KB window and small hash tables (wbits 12, memLevel 4) cover a body of a few KB
    # as well as the defaults, and their 24 KB of state stays clear of glibc's mmap
    # threshold: zlib.compress() took 80 us a body instead of 29 until the allocator
    # adapted.
    packer = zlib.compressobj(1, zlib.DEFLATED, 12, 4)
    return packer.compress(text.encode("utf-8")) + packer.flush()


def _unpack(packed: bytes) -> str:
    return zlib.decompress(packed).decode("utf-8")


class Body:
    """An article's Markdown body, rendered to sanitized HTML the first time it is needed.

    Rendering costs about a millisecond an article, so a publication of 10,000 articles
    is loaded without rendering any, and each body is rendered when a feed that shows
    it is first rendered. Two bodies are equal when their source and base URL are.

    The source and the rendering are kept deflated (zlib level 1): bodies are most of a
    publication's bytes, and Markdown or HTML shrinks to about 40% for some 25 us,
    against 10 us to inflate it each time a feed shows it (a rendering costs 1 ms).
    """

    __slots__ = ("_keep", "_packed", "_rendered", "base_url")

    def __init__(self, source: str, base_url: str):
        self._packed = _pack(source)
        self.base_url = base_url
        self._rendered: tuple[bytes, str] | None = None  # (packed HTML, first paragraph)
        self._keep = False

    @property
    def source(self) -> str:
        """Return the Markdown source."""
        return _unpack(self._packed)

    def _render(self) -> tuple[bytes, str]:
        rendered = self._rendered
        if rendered is None:  # two threads may both render: same result, no harm
            html, first_paragraph = render_markdown(self.source, self.base_url)
            rendered = self._rendered = (_pack(html), first_paragraph)
        return rendered

    @property
    def html(self) -> str:
        """Return the body as sanitized HTML."""
        return _unpack(self._render()[0])

    @property
    def first_paragraph(self) -> str:
        """Return the plain text of the body's first paragraph."""
        return self._render()[1]

    def __getstate__(self) -> tuple[bytes, str, tuple[bytes, str] | None]:
        # The parse cache keeps a rendering only where the store asked for one (keep()).
        return (self._packed, self.base_url, self._rendered if self._keep else None)

    def __setstate__(self, state: tuple[bytes, str, tuple[bytes, str] | None]) -> None:
        self._packed, self.base_url, self._rendered = state
        self._keep = False

    def keep(self) -> None:
        """Render now, and keep the rendering when pickled (for the newest articles)."""
        self._render()
        self._keep = True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Body):
            return NotImplemented
        # The same text deflates to the same bytes: no need to inflate either.
        return self._packed == other._packed and self.base_url == other.base_url

    def __hash__(self) -> int:
        return hash((self._packed, self.base_url))

    def __repr__(self) -> str:
        return f"Body({self.source[:40]!r}..., {self.base_url!r})"
