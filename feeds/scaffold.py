"""A new article file, with every field an editor needs explained in place."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime

# The body of a new article, one paragraph a line. Each paragraph is looked for on its own
# in articles that are not drafts (build.py refuses them), so that one left behind when the
# story is written is caught too; they are worded so that no story would hold them. The
# first is the one every earlier `feeds new` wrote, so older drafts are caught as well.
PLACEHOLDER = (
    "Write the article here, in Markdown: **bold**, _italic_, [links](https://example.org).",
    "Leave a blank line between paragraphs. Replace both placeholder paragraphs before publishing.",
)
# A file name cut from a long title: short enough to read in a listing, and within
# what filesystems allow (255 bytes on most; Cyrillic takes two a letter, CJK three).
SLUG_MAX_CHARACTERS = 80
NAME_MAX_BYTES = 255


def holds_placeholder(body: str) -> bool:
    """Return whether an article's body still holds placeholder text from `feeds new`."""
    return any(paragraph in body for paragraph in PLACEHOLDER)


def file_slug(
    slug: str, characters: int = SLUG_MAX_CHARACTERS, max_bytes: int = NAME_MAX_BYTES - 5
) -> str:
    """Return a slug cut to at most `characters` characters and `max_bytes` UTF-8 bytes.

    The cut falls between words (at a hyphen) unless that would lose more than half of
    what fits: a title in a script written without spaces (Chinese, Japanese, Thai) is
    one long word, cut where it must be, though never between a letter and its marks.
    """
    end = min(len(slug), characters)
    while end > 0 and len(slug[:end].encode("utf-8")) > max_bytes:
        end -= 1
    if end == len(slug) or slug[end] == "-":
        return slug[:end]
    hyphen = slug.rfind("-", 0, end)
    if hyphen > end // 2:
        return slug[:hyphen]
    while end > 1 and unicodedata.category(slug[end]).startswith("M"):
        end -= 1
    return slug[:end]


def _quoted(text: str) -> str:
    # A JSON string is a valid double-quoted YAML scalar: any title is safe in it.
    return json.dumps(text, ensure_ascii=False)


def new_article(title: str, section: str, author: str, published: datetime) -> str:
    """Return the text of a new article file, marked as a draft until the editor is done."""
    return f"""\
# Created by `feeds new`. Fields marked (optional) can be deleted.
# Check your work with `feeds check` before removing `draft: true`.

title: {_quoted(title)}
# subtitle: "One sentence under the title"          (optional)
section: {section}
authors:
  - {author}
# A date and time in any common form; with no zone, the site's timezone applies.
# A time in the future keeps the article out of every feed until then.
published: "{published:%Y-%m-%d %H:%M}"
# updated: "{published:%Y-%m-%d %H:%M}"          (optional) last substantive change
tags: []                                           # e.g. [NATO, Ukraine]
# summary: "Plain text, about 300 characters at most"   (optional) else the first paragraph
# image:                                           (optional)
#   url: https://example.org/media/picture.jpg
#   caption: What the picture shows.
#   credit: Photographer/Agency
#   alt: A description for readers who cannot see it
# slug, id and url are derived from the file name, site and date; set them only to
# keep an old article's address.
draft: true                                        # delete this line to publish
body: |
  {PLACEHOLDER[0]}

  {PLACEHOLDER[1]}
"""
