"""What a static export holds: each file's content key, so that a build renders only what
changed since the last one.

A document's bytes are a pure function of its content key: for a feed document the key
the change announcer compares (notify.content_key), for a page that key and the number of
entries it counts, for the index and the OPML list every feed's. Keys are digested here
in a canonical form that is the same in every process, so the next build, a new process,
can compare them with the ones written beside the last build. A document whose key and
code are the same as last time has the same bytes: its files are linked from the last
build instead of rendered again.

The manifest of a build is written, atomically, before the build is swapped in, in a
folder beside the builds (never served); an interrupted build is never swapped in, so
the manifest of the build OUT points to always describes it.
"""

from __future__ import annotations

import copyreg
import dataclasses
import functools
import hashlib
import importlib.metadata
import io
import json
import logging
import operator
import os
import pickle
import re
import sys
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from feeds import sitemaps
from feeds.body import Body
from feeds.catalog import View
from feeds.feed import Feed
from feeds.model import Article, Author, Correction, Image, Retraction, Section
from feeds.notify import entry_parts, feed_parts, readiness_key
from feeds.partners.render import build_partner_feed
from feeds.urls import FORMATS, DocumentRef, feed_documents

log = logging.getLogger(__name__)
FORMAT = 1  # bump when what a manifest holds changes shape


@dataclass(frozen=True, kw_only=True, slots=True)
class Entry:
    """One exported document: its content key and the sizes of its two files."""

    key: str
    size: int  # bytes of the identity file
    gzip_size: int  # bytes of its .gz sibling


@dataclass(frozen=True, kw_only=True, slots=True)
class Manifest:
    """Every document of one build, by file path, and the code and data it was built from."""

    code: str
    version: str  # the catalog's data version, for operators reading the file
    documents: dict[str, Entry]
    # The files of the articles the build published: the next build with errors
    # (--keep-going) must not leave one out for want of its last good version.
    articles: tuple[str, ...] = ()


@functools.cache
def code_version() -> str:
    """Return a digest of everything besides the data that the exported bytes depend on.

    This package's source and templates, the versions of the libraries it renders with,
    zlib's and Python's: any change to one of them renders every document again.
    """
    digest = hashlib.sha256(f"{FORMAT} {sys.version} {zlib.ZLIB_RUNTIME_VERSION}".encode())
    package = Path(__file__).parent
    for source in sorted([*package.glob("*.py"), *package.glob("templates/*")]):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    try:
        requirements = importlib.metadata.requires("feeds") or []
    except importlib.metadata.PackageNotFoundError:  # run from a checkout, not installed
        requirements = []
    for requirement in sorted(requirements):
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        try:
            digest.update(f"{name}={importlib.metadata.version(name)}\n".encode())
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional extra that is not installed
    return digest.hexdigest()[:24]


# Types whose repr() is canonical: the same value gives the same text in every process.
_PLAIN = frozenset({str, int, bool, float, type(None)})


def _body_reduce(body: Body) -> tuple:
    # What two bodies are compared by (their deflated source and base URL), without the
    # rendering a kept body pickles with: the digest is of content, not of what is cached.
    return (Body, (body.pack(), body.base_url))


@functools.cache
def _compared_getter(cls: type) -> operator.attrgetter:
    return operator.attrgetter(*_compared(cls))


def _record_reduce(record: object) -> tuple:
    # A record's compared fields, read in C (a section's or author's line in its meta file
    # is not compared: not content).
    cls = type(record)
    return (cls, _compared_getter(cls)(record))


def _timezone_reduce(zone: timezone) -> tuple:
    # As pickle would reduce it, without copyreg's generic path, which a build took for
    # each of the 20,000 dates it keys (0.03 s).
    return (timezone, zone.__getinitargs__())  # type: ignore[attr-defined]


class _Pickled:
    """Digests of values as pickles: one pass in C, for the 10,000s of entries a build keys.

    Without a memo (fast mode) a pickle spells out every value where it occurs, so values
    that are equal give the same bytes whatever objects they share; the pickle of records
    made of strings, numbers, dates and tuples is the same in every process of one Python
    (its version is part of the code version). Bytes that differ for equal values (a set,
    whose order follows string hashing, which differs between processes; a dict filled in
    another order) would only render a document again, never keep a changed one.
    """

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._pickler = pickle.Pickler(self._buffer, protocol=5)
        self._pickler.fast = True
        self._pickler.dispatch_table = {
            **copyreg.dispatch_table,
            Body: _body_reduce,
            timezone: _timezone_reduce,
            **dict.fromkeys(
                (Article, Image, Correction, Retraction, Section, Author), _record_reduce
            ),
        }

    def __call__(self, value: object) -> str:
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._pickler.dump(value)
        return hashlib.sha256(buffer.getbuffer()).hexdigest()[:32]


class Digests:
    """Canonical digests of records, each worked out once per build (by identity)."""

    def __init__(self) -> None:
        # id() -> (the object, kept alive so that its id is not reused; its digest)
        self._memo: dict[int, tuple[object, str]] = {}
        # id(article) -> its entry's digest; the articles are kept alive in _shown
        self._entries: dict[int, str] = {}
        self._shown: list[Article] = []
        self._pickled = _Pickled()

    def of(self, value: object) -> str:
        """Return the digest of a value made of records, strings, numbers, dates, tuples."""
        return self._pickled(self._shallow(value))

    def entry(self, feed: Feed, article: Article) -> str:
        """Return the digest of an entry as feeds show it (notify.entry_parts): of the
        article's own digest (kept with it, Article.digest) and of the section, authors
        and tag names it shows (the same in every feed of one view: one Digests is used
        for one view)."""
        digest = self._entries.get(id(article))
        if digest is None:
            own = article.digest
            if not own:
                own = self._pickled(article)
                object.__setattr__(article, "digest", own)  # the article's, once for all
            _, section, authors, tags = entry_parts(feed, article)
            record = self.record
            shown = f"{own}|{record(section)}|{','.join(map(record, authors))}|{tags!r}"
            digest = hashlib.sha256(shown.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            self._entries[id(article)] = digest
            self._shown.append(article)
        return digest

    def entries(self, feed: Feed, articles: list[Article]) -> str:
        """Return the digests of entries, one after another: looked up in C once each
        entry was digested (a build looks up some 60,000 at 10,000 articles)."""
        try:
            return "".join(map(self._entries.__getitem__, map(id, articles)))
        except KeyError:
            return "".join([self.entry(feed, article) for article in articles])

    def record(self, value: object) -> str:
        """Return the digest of a record (a section, an author, the site...), by identity."""
        memo = self._memo.get(id(value))
        if memo is None or memo[0] is not value:
            memo = self._memo[id(value)] = (value, self._pickled(value))
        return memo[1]

    def feed(self, feed: Feed) -> str:
        """Return the digest of what a feed document's bytes depend on: its parts
        (notify.feed_parts, each record digested once per build) and its entries'."""
        return self._pickled((self._shallow(feed_parts(feed)), self.entries(feed, feed.entries)))

    def _shallow(self, value: object) -> object:
        # Plain values as they are, records by their digests (worked out once each).
        if type(value) in _PLAIN or isinstance(value, datetime):
            return value
        if type(value) is tuple:
            return tuple([self._shallow(item) for item in value])  # type: ignore[union-attr]
        return self.record(value)


@functools.cache
def _compared(cls: type) -> tuple[str, ...]:
    # Fields left out of comparison (a section's line in sections.yaml) are not content.
    return tuple(f.name for f in dataclasses.fields(cls) if f.compare)


def feed_key(feed: Feed, digests: Digests) -> str:
    """Return the digest of what a feed document's bytes depend on: notify.content_key's
    parts, with each entry's digested once per build rather than once per document that
    shows it."""
    return digests.feed(feed)


def partner_key(view: View, feed: Feed, ref: DocumentRef, digests: Digests) -> str:
    """Return the digest of what a platform's feed of a feed depends on: the feed's own
    parts (the site and its partner settings among them) and the entries it holds, which
    may reach past the feed's (a platform's minimum)."""
    pf = build_partner_feed(feed, view.articles(feed.kind, feed.slug), ref.fmt)
    return digests.of(
        ("partner", ref.fmt, feed_parts(feed), pf.updated, digests.entries(feed, pf.entries))
    )


def document_keys(view: View) -> dict[DocumentRef, str]:
    """Return the content key of every document a build writes, as a digest."""
    digests = Digests()
    keys: dict[DocumentRef, str] = {}
    listed: list[str] = []  # what the index and the OPML list show: every feed
    for feed in view.documents():
        key = feed_key(feed, digests)
        for fmt in FORMATS:
            keys[feed.document(fmt)] = key
        if feed.page == 0:
            for ref in feed_documents(view.catalog.site, feed.kind, feed.slug):
                if ref.document == "partner":
                    keys[ref] = partner_key(view, feed, ref, digests)
            # A feed's page counts its entries, archives included, which the feed's own
            # key does not tell apart (51 or 52 articles make the same two documents).
            page = digests.of((key, len(view.articles(feed.kind, feed.slug))))
            keys[DocumentRef("subscribe", feed.kind, feed.slug)] = page
            listed.append(f"{feed.kind}/{feed.slug}:{page}")
            if feed.kind != "site":  # the site's page is the index, below
                keys[DocumentRef("page", feed.kind, feed.slug)] = page
    every = digests.of(tuple(listed))
    keys[DocumentRef("page")] = every
    keys[DocumentRef("opml")] = every
    # Site-wide documents described as data (sitemaps, robots.txt; the partners page):
    # keyed by that data. A document with no key here would be rendered on every build
    # (its files still linked when its bytes come out the same).
    for key, described in sitemaps.content_keys(view).items():
        _, name, page = key
        keys[DocumentRef(name, page=page)] = digests.of(described)
    keys[DocumentRef("partners")] = digests.of(readiness_key(view))
    return keys


def manifest_path(build: Path) -> Path:
    """Return where the manifest of a build folder (OUT's .OUT.builds/<id>) is kept."""
    builds = build.parent
    return builds.parent / f"{builds.name.removesuffix('.builds')}.manifests" / f"{build.name}.json"


def read(build: Path) -> Manifest | None:
    """Return the manifest of a build folder, or None if it has none that this code wrote."""
    try:
        data = json.loads(manifest_path(build).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        return Manifest(
            code=data["code"],
            version=data["version"],
            documents={
                path: Entry(key=key, size=size, gzip_size=gzip_size)
                for path, (key, size, gzip_size) in data["documents"].items()
            },
            articles=tuple(data.get("articles", ())),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:  # any doubt: build it all
        log.info("ignoring the export manifest of %s: %s", build, error)
        return None


def write(build: Path, manifest: Manifest) -> None:
    """Write the manifest of a build folder atomically."""
    path = manifest_path(build)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "code": manifest.code,
        "version": manifest.version,
        "documents": {
            name: [entry.key, entry.size, entry.gzip_size]
            for name, entry in sorted(manifest.documents.items())
        },
        "articles": sorted(manifest.articles),
    }
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(payload, out, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
