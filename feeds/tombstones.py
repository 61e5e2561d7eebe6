"""RFC 6721 tombstones: the Atom extension that tells subscribers an entry was removed.

feedgen knows no at:deleted-entry, so this is a feedgen extension like its own ext/
modules: one namespace, written by extend_atom. Each removed article gives

    <at:deleted-entry ref="<the entry's id>" when="<removal time>">
      <at:link rel="alternate" type="text/html" href="<its page>"/>
      <at:comment xml:lang="<site language>">the retraction's reason</at:comment>
    </at:deleted-entry>

`ref` is the entry's permanent id, so a reader removes the very entry it holds, and
`when` is the retraction's date or the expiry, both from the article's file.
"""

from __future__ import annotations

from collections.abc import Sequence

from feedgen.ext.base import BaseExtension
from lxml import etree

from feeds.model import Article

TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class Tombstones(BaseExtension):
    """Writes an at:deleted-entry for each removed article into an Atom feed (Atom only)."""

    def __init__(self):
        self.removed: Sequence[Article] = ()
        self.language = ""

    def extend_ns(self):
        return {"at": TOMBSTONES_NS} if self.removed else {}

    def extend_atom(self, feed):
        for article in self.removed:
            assert article.removed is not None  # only removed articles get here
            tombstone = etree.SubElement(
                feed,
                f"{{{TOMBSTONES_NS}}}deleted-entry",
                {"ref": article.id, "when": article.removed.isoformat()},
            )
            etree.SubElement(
                tombstone,
                f"{{{TOMBSTONES_NS}}}link",
                {"rel": "alternate", "type": "text/html", "href": article.url},
            )
            comment = etree.SubElement(tombstone, f"{{{TOMBSTONES_NS}}}comment")
            if self.language:
                comment.set(XML_LANG, self.language)
            comment.text = article.removal_note
        return feed
