"""Text normalization: XML-safe characters, tidy lines, slugs, Markdown to safe HTML, summaries.

What the sanitizer removes from a body is also told in words (body_warnings), from the
same tables, so that `feeds check` names it.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
import zlib
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from mdit_py_plugins.footnote import footnote_plugin

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF):
# lxml refuses a whole document over one of them, so every field goes through this. A
# stray BOM (U+FEFF) inside a value is legal XML but invisible rubbish, so it goes too.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# What a URL that needs no rewriting looks like: absolute http(s), ASCII, nothing to escape.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:/[A-Za-z0-9\-._~/%+,;=:@]*)?")

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


def _footnote_anchor_name(self: object, tokens: list, idx: int, options: object, env: dict) -> str:
    # Ids unique to the article: a feed reader shows many entries in one page.
    return f"-{env['footnote_prefix']}-{tokens[idx].meta['id'] + 1}"


def _footnote_caption(self: object, tokens: list, idx: int, options: object, env: dict) -> str:
    # Every mark of a note shows its number: "[1]" again, not the plugin's "[1:1]".
    return f"[{tokens[idx].meta['id'] + 1}]"


def _new_markdown(**footnotes: bool) -> MarkdownIt:
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


_markdown = _new_markdown()
# The same grammar for body_warnings, with every [^label] read as a footnote mark and
# each note left where it is written, so that marks without notes and notes without
# marks (which _markdown prints as typed, or drops) can be told.
_scanner = _new_markdown(always_match_refs=True, move_to_end=False)


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
_URL_ATTRIBUTES = {"href", "src", "cite"}
_SAFE_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_url(url: str, base: str | None = None) -> str | None:
    """Return url made absolute against base and percent-encoded, or None if it is unsafe.

    Feed readers show content away from the site, so a relative link would point
    nowhere; anything but http(s), mailto and tel (javascript:, data:...) is dropped.
    """
    url = xml_safe(url).strip()
    if _PLAIN_URL.fullmatch(url):
        return url  # the common case, already absolute and clean: skip the parsing
    try:  # a bracketed host that is no IP address, a port out of range: ValueError
        parts = urlsplit(urljoin(base, url) if base else url)
        port, host = parts.port, parts.hostname  # host lower-cased by urlsplit
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES:
        return None
    if parts.scheme.lower() in ("http", "https") and not _is_usable_host(host):
        return None
    netloc = parts.netloc
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        # Rebuild rather than replace: the netloc may spell the host in capitals.
        userinfo = netloc.rpartition("@")[0]
        netloc = (f"{userinfo}@" if userinfo else "") + host
        if port is not None:
            netloc += f":{port}"
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(parts.path, safe="/%:@!$&'()*+,;=-._~"),
            quote(parts.query, safe="/%:@!$&'()*+,;=-._~?"),
            quote(parts.fragment, safe="/%:@!$&'()*+,;=-._~?"),
        )
    )


# A host name (or IP address) as the sanitizer's URL parser reads one, %XX decoded.
_HOST = re.compile(r"[a-z0-9_.-]+|[0-9a-f:.]*:[0-9a-f:.]*")


def _is_usable_host(host: str | None) -> bool:
    host = unquote(host or "")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return _HOST.fullmatch(host) is not None


# The last part of a name that is a file rather than a web site's: "report.pdf" is a
# relative link, "ua.energy" an address (a few real top-level domains, .zip and .mov
# among them, are read as files: links to sites there are rare, to files common).
_FILE_SUFFIXES = frozenset((
    "html", "htm", "php", "asp", "aspx", "jsp", "cgi", "pdf", "jpg", "jpeg", "png", "gif",
    "webp", "svg", "avif", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "csv",
    "txt", "json", "xml", "rss", "atom", "mp3", "mp4", "m4a", "mov", "avi", "zip", "gz",
    "md", "yaml", "yml",
))  # fmt: skip
_LABEL = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
_EMAIL = re.compile(r"[^@\s/:?#]+@([^@\s/:?#]+)")
# No port: the sanitizer reads "x.org:8080/" as the unknown scheme "x.org:" and drops it.
_HOST_AND_REST = re.compile(r"([^/?#:\s]+)(?:[/?#]\S*)?")


def _is_host_name(name: str) -> bool:
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    top = labels[-1].lower()
    return labels[0].lower() == "www" or (top.isalpha() and top not in _FILE_SUFFIXES)


def web_address(link: str) -> str | None:
    """Return the address meant by a link written without its scheme, or None.

    "www.ua.energy" and "ua.energy/news" mean https://; "desk@example.org" means mailto:.
    Relative links ("/war/story", "../story", "report.pdf") and links with a scheme are
    not: None.
    """
    link = link.strip()
    if not link or link[0] in "/.#?":
        return None
    email = _EMAIL.fullmatch(link)
    if email:
        return f"mailto:{link}" if _is_host_name(email[1]) else None
    match = _HOST_AND_REST.fullmatch(link)
    if match and _is_host_name(match[1]):
        return f"https://{link}"
    return None


def body_url(url: str, base: str, picture: bool = False) -> str | None:
    """Return the address a link (or picture) in a body gets, or None when it is removed.

    A web address written without https:// gets it (never made relative to the site);
    other relative links are made absolute against the article's URL (base). A picture
    needs http(s).
    """
    if picture and not url.strip():
        return None  # made absolute, it would be the article's page
    address = web_address(unquote(url))
    cleaned = clean_url(address or url, base)
    if picture and cleaned is not None and not cleaned.startswith(("https:", "http:")):
        return None
    return cleaned


def render_markdown(source: str, base_url: str) -> tuple[str, str]:
    """Return (sanitized HTML, plain text of the first paragraph) for a Markdown body."""
    prefix = _footnote_prefix(base_url)
    env = {"footnote_prefix": prefix}
    tokens = _markdown.parse(xml_safe(source), env)
    html = _markdown.renderer.render(tokens, _markdown.options, env)

    def keep_safe_urls(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id" or (attribute == "href" and value[:1] == "#"):
            # A footnote's own ids and the links between note and text stay as they are:
            # made absolute, they would leave the reader's page for the site's.
            note = _FOOTNOTE_ID.fullmatch(value.removeprefix("#"))
            if note is not None and note[1] == prefix:
                return value
            if attribute == "id":
                return None
        if attribute in _URL_ATTRIBUTES:
            return body_url(value, base_url, picture=tag == "img")
        return value

    safe_html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_safe_urls,
        url_schemes=_SAFE_SCHEMES,
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
_FOOTNOTE_REF = re.compile(r'<sup><a href="#fn-[^"]*"[^>]*>.*?</a></sup>', re.DOTALL)


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


# --- What the sanitizer removes, in words ---------------------------------------------------

# Bodies worth a closer look: a footnote, HTML the sanitizer may change, a link to other
# than a plain web address or a path on the site. Every body that has something to report
# is one, and few others are, so the Markdown of most bodies is not parsed when they are
# loaded (it is when a feed shows it).
#
# A target that needs no look: http(s) with a plain host name (no port, user, bracket,
# escape or non-ASCII letter in it), a path on the site, a fragment.
_PLAIN_TARGET = r"(?:https?://[a-z0-9.-]+(?=[/?#)>\s\"']|$)|/(?!/)|#)"
_ODD_LINK = re.compile(r"\][(:]\s*+<?+(?!" + _PLAIN_TARGET + ")", re.IGNORECASE)
# A start tag as the standard library's HTML parser reads its name (what _Elements sees).
_START_TAG = re.compile(r"<([a-zA-Z][^\t\n\r\f />\x00]*)([^<>]*)(>?)")
_RISKY_ATTRIBUTE = re.compile(r"(?:^|[\s\"'/])(?:on[a-z]|style)", re.IGNORECASE)
_URL_VALUE = re.compile(r"(?:^|\s)(?:href|src|cite)\s*=\s*[\"']?([^\"'\s>]*)", re.IGNORECASE)
_PLAIN_URL_VALUE = re.compile(_PLAIN_TARGET, re.IGNORECASE)
_HAS_SRC = re.compile(r"(?:^|\s)src\s*=", re.IGNORECASE)


def _worth_a_look(source: str) -> bool:
    # Each search is skipped when a character it needs is missing.
    return (
        "[^" in source
        or ("<" in source and _changed_html(source))
        or ("]" in source and _ODD_LINK.search(source) is not None)
    )


def _changed_html(source: str) -> bool:
    """Return whether any start tag may lose something: an element or attribute the
    sanitizer removes, a link that is not plain. <figure>, <img src="https://...">, <b>
    and the like need no look."""
    for match in _START_TAG.finditer(source):
        name, attributes, closed = match[1].lower(), match[2], match[3]
        if not closed or (name not in ALLOWED_TAGS and name not in _UNSEEN):
            return True
        if name == "img" and _HAS_SRC.search(attributes) is None:
            return True
        if attributes.strip() and (
            attributes.count('"') % 2
            or attributes.count("'") % 2  # a quote may hide a ">": look closer
            or _RISKY_ATTRIBUTE.search(attributes)
            or any(not _PLAIN_URL_VALUE.match(url[1]) for url in _URL_VALUE.finditer(attributes))
        ):
            return True
    return False


# Elements the sanitizer removes, by what an editor is told: why, and what to do instead.
_REMOVED_WHY = (
    ("script", "removed with what it holds: feeds never run scripts"),
    ("style", "removed with what it holds: feed readers apply their own styles"),
    (
        "object embed applet frame frameset portal",
        "removed: feeds carry no plugins or frames; link to the file instead",
    ),
    (
        "form input button select option optgroup textarea label fieldset legend datalist output",
        "removed (the text stays): readers cannot send forms; link to the form's page instead",
    ),
    (
        "svg",
        "removed with what it holds: give a drawing as a picture, ![what it shows](https://...)",
    ),
    ("math", "removed with what it holds: write the formula as text, or as a picture"),
    ("template", "removed with what it holds: feeds show only what a page shows"),
    (
        "html head body title meta link base",
        "removed: a body holds the article's text, not a web page's settings",
    ),
)
_REMOVED = {tag: why for tags, why in _REMOVED_WHY for tag in tags.split()}
_DROPPED_WHOLE = frozenset(("svg", "math", "template"))  # and what they hold, by nh3
_OTHER_REMOVED = (
    "removed (the text stays): feeds keep simple formatting only (paragraphs, "
    "emphasis, links, lists, quotes, tables, pictures)"
)
# Removed without a word: nothing a reader sees goes with them (a picture's <source> is
# an alternative to its <img>; a video's goes with the video, which is reported).
_UNSEEN = frozenset(
    ("div", "span", "section", "article", "header", "footer", "main", "aside", "nav",
     "picture", "source", "track", "wbr", "nobr")
)  # fmt: skip
# Embedded players, by what the warning calls their content and suggests as link text.
_EMBEDS = {
    "iframe": ("it", "what it shows"),
    "video": ("the video", "Watch the video"),
    "audio": ("the recording", "Listen"),
}
# Players whose address is not the page a reader wants: (player, name, page).
_PLAYERS = (
    (
        re.compile(r"https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]+)"),
        "a YouTube video",
        "https://www.youtube.com/watch?v={}",
    ),
    (
        re.compile(r"https?://player\.vimeo\.com/video/([0-9]+)"),
        "a Vimeo video",
        "https://vimeo.com/{}",
    ),
)


class _Elements(HTMLParser):
    """Collects the start tags of HTML fragments, with attribute values unescaped; not
    those inside an element the sanitizer drops whole (the <circle> of an <svg>)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.inside = 0  # how deep in elements dropped whole

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.inside:
            self.found.append((tag, dict(attrs)))
        if tag in _DROPPED_WHOLE:
            self.inside += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.inside:
            self.found.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_WHOLE and self.inside:
            self.inside -= 1

    def parse_html_declaration(self, i: int) -> int:
        # A comment, a doctype or <![...> (a comment in HTML): none shows, none is
        # reported. The standard library's stricter reading raises on some of them.
        if self.rawdata.startswith("<!--", i):
            return self.parse_comment(i)
        end = self.rawdata.find(">", i + 2)
        return -1 if end < 0 else end + 1


def body_warnings(source: str, base_url: str) -> list[str]:
    """Return what rendering a Markdown body removes or rewrites, one sentence each.

    The same tables decide as render_markdown does (ALLOWED_TAGS, ALLOWED_ATTRIBUTES,
    body_url), from the Markdown alone, so every load of the same text says the same.
    """
    return _body_warnings(source, base_url) if _worth_a_look(source) else []


def _body_warnings(source: str, base_url: str) -> list[str]:
    env: dict = {}
    tokens = _scanner.parse(xml_safe(source), env)
    notes = env.get("footnotes", {}).get("list", {}).values()
    inline = [child for token in tokens for child in token.children or ()]
    inline += [child for note in notes for child in note.get("tokens", ())]  # ^[a note]
    said: dict[str, None] = {}  # in order, once each
    fragments = [token.content for token in tokens if token.type == "html_block"]
    for child in inline:
        if child.type == "link_open":
            _say(said, _link_warning(str(child.attrGet("href") or ""), base_url, False))
        elif child.type == "image":
            _say(said, _link_warning(str(child.attrGet("src") or ""), base_url, True))
        elif child.type == "html_inline":
            fragments.append(child.content)
    if fragments:
        _html_warnings(said, fragments, base_url)
    written = [t.meta["label"] for t in tokens if t.type == "footnote_reference_open"]
    marked = [t.meta["label"] for t in inline if t.type == "footnote_ref" and "label" in t.meta]
    for label in dict.fromkeys(marked):
        if label not in written:
            _say(
                said,
                f"the body refers to footnote [^{label}], which has no note, so it shows as "
                f"typed: add the note on a line of its own, [^{label}]: the note",
            )
    for label in dict.fromkeys(written):
        if label not in marked:
            _say(
                said,
                f"the body's footnote [^{label}] is never referred to, so it is not shown: "
                f"put [^{label}] in the text where the note belongs",
            )
    return list(said)


def _say(said: dict[str, None], message: str | None) -> None:
    if message:
        said[message] = None


def _shown(url: str) -> str:
    url = unquote(url).strip()
    return url if len(url) <= 60 else url[:59] + "…"


def _link_warning(url: str, base_url: str, picture: bool) -> str | None:
    what = "picture" if picture else "link"
    address = web_address(unquote(url))
    if address is not None:
        start = "mailto:" if address.startswith("mailto:") else "https://"
        return (
            f"the body's {what} {_shown(url)!r} does not start with {start}; it is published "
            f"as {_shown(address)}: write it so"
        )
    if body_url(url, base_url, picture) is not None:
        return None
    if picture:
        return (
            f"the body's picture {_shown(url)!r} is removed: a picture needs an address "
            "starting with https:// (upload it, and give that address)"
        )
    return (
        f"the body's link to {_shown(url)!r} is removed (its text stays): links must start "
        "with https://, http://, mailto: or tel:"
    )


def _html_warnings(said: dict[str, None], fragments: list[str], base_url: str) -> None:
    parser = _Elements()
    for fragment in fragments:  # each alone: an unclosed <script> must not swallow the next
        parser.feed(fragment)
        parser.close()
        parser.reset()
    removed: dict[str, list[str]] = {}  # message -> tags
    embeds: list[tuple[str, str]] = []  # (tag, src)
    handlers: dict[str, None] = {}
    styled = False
    for tag, attributes in parser.found:
        if tag in _EMBEDS:
            embeds.append((tag, attributes.get("src") or ""))
        elif tag == "source" and embeds and not embeds[-1][1]:
            embeds[-1] = (embeds[-1][0], attributes.get("src") or "")
        elif tag not in ALLOWED_TAGS and tag not in _UNSEEN:
            removed.setdefault(_REMOVED.get(tag, _OTHER_REMOVED), []).append(f"<{tag}>")
        handlers.update((name, None) for name in attributes if name.startswith("on"))
        styled = styled or "style" in attributes
        if tag in ALLOWED_TAGS:
            allowed = ALLOWED_ATTRIBUTES.get(tag, set())
            for name in _URL_ATTRIBUTES & allowed & attributes.keys():
                _say(said, _link_warning(attributes[name] or "", base_url, tag == "img"))
            if tag == "img" and "src" not in attributes:
                _say(said, _link_warning("", base_url, picture=True))
    for message, tags in removed.items():
        names = list(dict.fromkeys(tags))
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        verb = "is" if len(names) == 1 else "are"
        _say(said, f"the body's {listed} {verb} {message}")
    for tag, src in embeds:
        _say(said, _embed_warning(tag, src, base_url))
    if handlers:
        _say(
            said,
            f"the body's event handlers ({', '.join(handlers)}) are removed: feeds "
            "never run scripts",
        )
    if styled:
        _say(said, "the body's style attributes are removed: feed readers apply their own styles")


def _embed_warning(tag: str, src: str, base_url: str) -> str:
    address = body_url(src, base_url) if src else None
    if address is None or not address.startswith(("https:", "http:")):
        return f"the body's <{tag}> is removed: feeds carry no embeds"
    what, it, link_text, page = _shown(address), *_EMBEDS[tag], address
    for player, name, page_address in _PLAYERS:
        match = player.match(address)
        if match:
            what, it, link_text = name, "the video", "Watch the video"
            page = page_address.format(match[1])
            break
    return (
        f"the body's <{tag}> ({what}) is removed: feeds carry no embeds; link to {it} "
        f"instead, like [{link_text}]({page})"
    )


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
