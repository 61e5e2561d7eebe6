"""Plain text for feeds: XML-safe characters, tidy one-line fields, slugs, summaries cut short."""

from __future__ import annotations

import functools
import re
import unicodedata

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF):
# lxml refuses a whole document over one of them, so every field goes through this. A
# stray BOM (U+FEFF) inside a value is legal XML but invisible rubbish, so it goes too.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")

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


def file_slug(path: str) -> str:
    """Return the slug an article file's name gives it ("articles/2026/02/grid.yaml": grid),
    the one it has unless a 'slug' field says otherwise."""
    return slugify(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])


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
