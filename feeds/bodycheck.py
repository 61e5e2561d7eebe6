"""What the sanitizer removes from a body, told in words for `feeds check` (body_warnings),
from the same tables the sanitizer uses."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

from feeds.links import body_url, web_address
from feeds.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_ATTRIBUTES, scanner
from feeds.text import xml_safe

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
    tokens = scanner().parse(xml_safe(source), env)
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
            for name in URL_ATTRIBUTES & allowed & attributes.keys():
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
