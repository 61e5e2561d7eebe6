"""The data folder kept in memory: re-read what changed, keep the last good version of the rest.

Changes are found by polling each file's signature (scan.py). A file that is being
written can be caught half way, so a changed file is read only once it has *settled*:
its mtime is at least ``settle`` seconds old. Until then the old version stays in
place; the first load reads everything at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from feeds import cache, parallel
from feeds.body import packing_deferred
from feeds.build import unresolved
from feeds.cachewrite import CacheWriter, keep_renderings
from feeds.catalog import Catalog, version_of
from feeds.claims import check_identity, copies, standing_in
from feeds.context import (
    Context,
    known_records,
    missing_entries,
    records_for,
    resolution_key,
)
from feeds.filestate import (
    ArticleFile,
    Reading,
    cached_article,
    cached_kept,
    cached_signature,
    carry_over,
    digest_of,
    line_in,
    read_article_file,
    usable_elsewhere,
)
from feeds.meta import (
    AUTHORS_FILE,
    SECTIONS_FILE,
    SITE_FILE,
    SiteConfig,
    load_authors,
    load_sections,
    load_site,
)
from feeds.model import Article, Author, Problem, Section
from feeds.scan import Signature, scan_articles, scan_problems, signature_of
from feeds.settings import default
from feeds.yamlread import DEFAULT_MAX_FILE_BYTES, DataError, read_text

# Each meta file's loader: (data folder, its text or None) -> (records or None, problems).
_META_LOADERS = {SITE_FILE: load_site, SECTIONS_FILE: load_sections, AUTHORS_FILE: load_authors}
# Below this many files to read, forking costs more than it saves (a few ms a child).
PARALLEL_FROM = 500
_frozen = False  # whether a first load has been frozen out of the collector's sight


def release_freed_memory() -> None:
    """Give the heap's free pages back to the system, where the C library can (glibc's
    malloc_trim). The undeflated bodies of a first load, freed once deflated, leave holes
    among the objects that stay, which the process otherwise keeps as resident memory:
    13-16 MB at 10,000 articles, after every subscription feed was served."""
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process runs on
    except (OSError, AttributeError):
        return  # not glibc: its allocator returns memory its own way
    trim(0)


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


class Store:
    """Load a data folder into a Catalog and keep it current with `refresh()`."""

    def __init__(
        self,
        root: Path | str,
        *,
        settle: float = default("SETTLE"),
        clock: Callable[[], float] = time.time,
        use_cache: bool = True,
        workers: int | None = None,
        parallel_from: int = PARALLEL_FROM,
        keep_last_good: bool = True,
        defer_packing: bool = False,
    ):
        """keep_last_good=False publishes only what the files give now, with no last good
        version standing in for a broken file: a report of the files (feeds check).
        defer_packing leaves the bodies of a first load read in this process (not forked)
        undeflated until pack_bodies(): a server, whose first feed does not need them
        deflated (body.packing_deferred)."""
        self.root = Path(root)
        self.keep_last_good = keep_last_good
        self.defer_packing = defer_packing
        self.unpacked = False  # bodies of the first load wait for pack_bodies()
        self.settle = settle
        self.clock = clock
        self.catalog: Catalog | None = None
        self.reloaded_at: datetime | None = None
        self.noticed_at: float | None = None  # perf_counter() when changed files were found
        self._loaded_once = False
        self._config: SiteConfig | None = None
        self._sections: tuple[Section, ...] = ()
        self._authors: tuple[Author, ...] = ()
        self._meta_problems: dict[str, list[Problem]] = {}
        self._meta_signatures: dict[str, Signature | None] = {}
        self._meta_digests: dict[str, str] = {}
        self._meta_texts: dict[str, str] = {}  # the text of each meta file in use
        self._context: Context | None = None
        self._generation = 0  # bumps when the context articles resolve against changes
        self._catalog_generation = -1  # the generation the current catalog was built in
        self._files: dict[str, ArticleFile] = {}
        self._scan_problems: list[Problem] = []
        self.use_cache = use_cache
        # Processes that share out reading many files at once (parallel.py).
        self.workers = parallel.available_workers() if workers is None else workers
        self.parallel_from = parallel_from
        self._cached: dict[str, tuple] = {}  # the parse cache, during the first load only
        self._elsewhere: set[str] = set()  # of those, written under other meta files
        self._writer = CacheWriter()  # what the cache on disk holds (cachewrite.py)
        self._first_pages_of: Catalog | None = None  # rendered by render_first_pages
        # The records of sections and authors removed from their files that last good
        # versions of articles still name (see context.records_for).
        self._retained: tuple[dict[str, Section], dict[str, Author]] = ({}, {})
        self.cache_dirty = False  # files were parsed that the parse cache does not hold
        self.cache_urgent = False  # a meta file was edited since the cache was written
        self.carried = 0  # built articles the last meta edit kept without reading their files
        # Articles the first load took from cache shards written under other meta files.
        self.kept_elsewhere = 0
        self.unsettled = False  # the last refresh left a changed file that had not settled

    # -- polling --------------------------------------------------------------------------

    def _ready(self, signature: Signature | None) -> bool:
        """Return whether a changed file has settled enough to read."""
        if not self._loaded_once or signature is None:
            return True
        if self.clock() - signature[0] / 1e9 >= self.settle:
            return True
        self.unsettled = True
        return False

    def refresh(self) -> bool:
        """Re-read whatever changed on disk; return whether the catalog changed."""
        # The first load makes tens of thousands of objects and no garbage cycles; the
        # cyclic collector would walk them again and again for nothing (a large share of a
        # large load), so it waits until the load is done. Then what was loaded is frozen
        # out of its sight (gc.freeze): a full collection walking it would land on the
        # first feed, and in a gunicorn master it would make
        # every forked worker copy the pages it marks. Frozen objects are still freed
        # when no longer referenced; only cyclic garbage among them would be kept, so this
        # is done once a process, for the load a server starts with.
        self.carried = 0
        self.unsettled = False
        collecting = gc.isenabled() and not self._loaded_once
        if collecting:
            gc.disable()
        deferring = self.defer_packing and not self._loaded_once
        try:
            first = not self._loaded_once and self.use_cache
            payload = cache.read(self.root) if first else {}
            changed = self._refresh_meta(payload.get("meta_texts", {}))
            if first:
                if payload.get("meta") == self._meta_digests:
                    self._retained = payload.get("retained", ({}, {}))
                # A shard written under other meta files gives the articles that resolve
                # alike today (a restart or a build after an authors.yaml edit).
                self._cached, shards, self._elsewhere = cache.read_files(
                    self.root, self._meta_digests, self._resolution()
                )
                self._writer.loaded(self._cached, shards, self._meta_digests)
            changed |= self._refresh_articles(deferring)
            self._cached, self._elsewhere = {}, set()
            if changed or self.catalog is None:
                self._rebuild()
        finally:
            if collecting:
                global _frozen
                if not _frozen:
                    gc.freeze()
                    _frozen = True
                gc.enable()
        self._loaded_once = True
        return changed

    def _refresh_meta(self, cached_texts: dict[str, str]) -> bool:
        """Load the meta files that changed. One with errors of its own keeps its last good
        version, kept in memory or, on a first load, in the parse cache (`cached_texts`),
        for everything but its own problems; without one (or with keep_last_good off) the
        entries it gives are used as they are."""
        changed = False
        for name, loader in _META_LOADERS.items():
            signature = signature_of(self.root / name)
            if signature == self._meta_signatures.get(name, ()) or not self._ready(signature):
                continue
            self._meta_signatures[name] = signature
            changed = True
            try:
                text: str | None = read_text(self.root / name, name)
            except DataError:
                text = None  # the loader reads again and reports why, with the line
            value, problems = loader(self.root, text)
            self._meta_problems[name] = problems
            if text is not None and value is not None and not _errors(problems):
                self._keep_meta(name, value, text)
                continue
            if self.keep_last_good:
                if name in self._meta_texts:
                    continue  # the last good version stays
                last_good = cached_texts.get(name)
                if last_good is not None and self._keep_cached_meta(name, last_good):
                    continue
            if value is not None:  # no last good version: what it gives, as it is
                self._keep_meta(name, value, text or "")
        if changed:
            previous = self._context
            self._generation += 1
            self._context = (
                Context.of(self._config, self._sections, self._authors) if self._config else None
            )
            self.carried = carry_over(
                self._files.values(), previous, self._context, self._generation
            )
        return changed

    def _keep_cached_meta(self, name: str, text: str) -> bool:
        """Use the last good version of a meta file that the parse cache remembers."""
        value, problems = _META_LOADERS[name](self.root, text)
        if value is None or _errors(problems):
            return False
        self._keep_meta(name, value, text)
        return True

    def _keep_meta(self, name: str, value, text: str) -> None:
        """Make a meta file's records the ones articles resolve against."""
        if name == SITE_FILE:
            self._config = value
        elif name == SECTIONS_FILE:
            self._sections = value
        else:
            self._authors = value
        if self._meta_texts.get(name) != text:
            self.cache_dirty = True  # the cache keeps the last good texts: write them again
            # Edited while running: the cache on disk, written under the old file, brings
            # no last good version back on a restart (an author removed whose articles
            # stand in): it is written again at once, not within the minute.
            self.cache_urgent = self._loaded_once
        self._meta_texts[name] = text
        self._meta_digests[name] = digest_of(text)

    def _refresh_articles(self, defer_packing: bool = False) -> bool:
        scan = scan_articles(self.root)
        problems = scan_problems(scan, self.root, bool(self._files))
        changed = problems != self._scan_problems
        self._scan_problems = problems
        if scan.missing and self._files:
            return changed  # the folder is being moved or restored: keep what we have
        found = scan.files
        hidden = tuple(f"{folder}/" for folder in scan.unreadable)
        for rel in [p for p in self._files if p not in found and not p.startswith(hidden)]:
            del self._files[rel]  # a deleted file takes its article with it
            changed = True
        to_read: list[tuple[str, Signature]] = []
        before: dict[str, Article] = {}  # what a file read again gave last, for its body
        for rel, signature in found.items():
            state = self._files.get(rel)
            if state is not None and state.signature == signature and not self._stale(state):
                continue
            if not self._ready(signature):
                continue
            if state is None:
                cached = self._cached.get(rel)
                if cached is not None and rel in self._elsewhere:
                    # Written under other meta files: as it is if it resolves alike today,
                    # else read again; either way without the last good version it holds,
                    # as if the cache had none of it (so it is read when it is not usable).
                    if cached_signature(cached) == signature and self._usable_elsewhere(cached):
                        state = ArticleFile.from_cache(cached, self._generation)
                        state.kept, state.kept_digest = None, ""
                        self._files[rel] = state
                        self.kept_elsewhere += state.article is not None
                        changed = True
                        continue
                    cached = None
                if cached is not None and cached_signature(cached) == signature:
                    self._files[rel] = ArticleFile.from_cache(cached, self._generation)
                    changed = True
                    continue
                state = self._files[rel] = ArticleFile()
                if cached is not None and (last := cached_article(cached)) is not None:
                    before[rel] = last
                if cached is not None and cached_kept(cached) is not None:
                    # Changed since: read it again, but a file broken while no process
                    # watched keeps the last good version the cache remembers.
                    state.kept, state.kept_digest = cached_kept(cached)
            elif state.article is not None:
                before[rel] = state.article
            state.signature = signature
            to_read.append((rel, signature))
        if not to_read:
            return changed
        self.noticed_at = time.perf_counter()  # the moment a poll knew what to read again
        self.cache_dirty = True
        max_bytes = self._config.max_file_bytes if self._config else DEFAULT_MAX_FILE_BYTES
        root = str(self.root)
        ctx, generation = self._context, self._generation

        def read_all(files: list[tuple[str, Signature]]) -> list[Reading]:
            return [
                read_article_file(root, rel, size, max_bytes, ctx) for rel, (_, size, _) in files
            ]

        workers = self.workers if len(to_read) >= self.parallel_from else 1
        # Read here, not forked, a server's first load leaves its bodies undeflated: the
        # first feed waits for nothing else (forked, each process deflates its share as
        # it sends it back, and the load waits for the slowest anyway).
        deferring = defer_packing and not parallel.forks(workers, len(to_read))
        self.unpacked |= deferring
        with packing_deferred() if deferring else contextlib.nullcontext():
            readings = parallel.map_chunks(read_all, to_read, workers)
        for (rel, _), reading in zip(to_read, readings, strict=True):
            state = self._files[rel]
            state.story = reading.story
            if reading.article is not None:
                if rel in before:  # an edit that left the body as it was renders none
                    reading.article.body.take_rendering(before[rel].body)
                state.read_problems, state.digest = reading.problems, reading.digest
                state.built(
                    reading.article,
                    reading.build_problems,
                    reading.lines,
                    generation,
                    reading.written,
                )
            elif reading.raw is not None:  # built by _rebuild
                state.read_problems, state.digest = reading.problems, reading.digest
                state.article, state.raw, state.built_raw = None, reading.raw, None
            else:
                state.unreadable(reading.problems)
        return True

    def _stale(self, state: ArticleFile) -> bool:
        """Return whether a built state (its reading let go, or restored from the parse
        cache) must be read again: the context its article was built in has changed since
        (site, sections or authors edited)."""
        return (
            state.raw is None
            and state.article is not None
            and state.built_generation != self._generation
        )

    def render_first_pages(self) -> None:
        """Render the bodies of every feed's first page that are not yet, to be kept by the
        next save_cache (a build: its next build then renders no Markdown for them)."""
        if self.use_cache and self._context is not None:
            self._writer.marks_loaded()  # what the cache holds, before renderings change
            keep_renderings(self.catalog, self._files.values(), True, self.workers)
            self._first_pages_of = self.catalog  # the save after needs not look again

    def pack_bodies(self) -> None:
        """Deflate the bodies a deferred first load left as they were (defer_packing)."""
        if not self.unpacked:
            return
        for state in list(self._files.values()):  # a copy: a reload may change the dict
            for article in (state.article, state.kept):
                if article is not None:
                    article.body.pack()
        self.unpacked = False
        release_freed_memory()

    def save_cache(self) -> None:
        """Write the shards of the parse cache whose files changed since it was last
        written, with the rendered bodies a restart shows first (cachewrite.keep_renderings;
        every feed's first page after render_first_pages)."""
        if not (self.use_cache and self._context is not None):
            return
        self.cache_dirty = self.cache_urgent = False
        self._writer.marks_loaded()  # what the cache holds, before renderings change
        if self._first_pages_of is not self.catalog:
            keep_renderings(self.catalog, self._files.values(), False, self.workers)
        files = {
            rel: state.cache_entry()
            for rel, state in self._files.items()
            # Built in today's context, or unreadable (nothing to build, only problems).
            if state.built_generation == self._generation
            or (state.raw is None and state.article is None)
        }
        self._writer.save(
            self.root,
            self._meta_digests,
            files,
            self._retained,
            self._meta_texts,
            self._resolution(),
        )

    def _resolution(self) -> tuple | None:
        ctx = self._context
        return resolution_key(ctx.config) if ctx is not None else None

    def _usable_elsewhere(self, cached: tuple) -> bool:
        # Looked up in the module each time: the differential test turns it off to compare
        # with reading every such file again.
        ctx = self._context
        return ctx is not None and usable_elsewhere(cached, ctx)

    # -- building -------------------------------------------------------------------------

    def _rebuild(self) -> None:
        ctx = self._context
        problems = [p for ps in self._meta_problems.values() for p in ps]
        problems += self._scan_problems
        if ctx is None:
            # Nothing can be built without site.yaml, but every file's own problems
            # are still worth reporting.
            problems += [p for state in self._files.values() for p in state.read_problems]
            self.catalog = None
            self._problems = problems
            self.reloaded_at = datetime.now(UTC)
            return
        good: list[Article] = []
        stand_ins: list[Article] = []
        named: dict[tuple[str, str], list[str]] = {}  # missing sections and authors
        for rel, state in self._files.items():
            raw = state.raw
            if raw is not None and (
                state.built_raw is not raw or state.built_generation != self._generation
            ):
                state.build(raw, ctx, self._generation)
            problems += state.read_problems
            problems += state.build_problems
            if state.article is not None:
                good.append(state.article)
                continue
            if raw is not None:
                for missing in unresolved(raw, ctx):
                    named.setdefault(missing, []).append(rel)
            if state.kept is not None and self.keep_last_good:
                stand_ins.append(state.kept)
        # A meta file with errors of its own is reported as such: its fix comes first.
        broken = {
            kind
            for kind, name in (("section", SECTIONS_FILE), ("author", AUTHORS_FILE))
            if any(p.severity == "error" for p in self._meta_problems.get(name, ()))
        }
        problems += missing_entries({k: v for k, v in named.items() if k[0] not in broken}, ctx)
        articles, clashes = check_identity(good, self._line_of)
        problems += clashes
        problems += self._copies(articles)
        previous = self.catalog
        shown = (previous.sections, previous.authors) if previous else ({}, {})
        known = known_records(self._retained, shown, ctx)
        articles += standing_in(articles, stand_ins, known)
        files = self._files
        for article in articles:
            state = files[article.path]
            if state.kept is not article:
                state.kept, state.kept_digest = article, state.digest
        parts = list(self._meta_digests.items())
        parts += [(a.path, files[a.path].kept_digest) for a in articles]
        version = version_of(parts)
        catalog = self._edited(articles, problems, version)
        if catalog is None:
            sections, authors, self._retained = records_for(articles, ctx, known, stand_ins)
            catalog = Catalog.build(ctx.config.site, sections, authors, articles, problems, version)
        self.catalog, self._catalog_generation = catalog, self._generation
        self.reloaded_at = datetime.now(UTC)

    def _copies(self, articles: list[Article]) -> list[Problem]:
        """Warn of likely copies (claims.copies) among articles built from today's files."""
        files = self._files
        if len({state.story for state in files.values()}) == len(files):
            return []  # no two files tell one story: the usual case, told by a set's size
        return copies(articles, lambda a: files[a.path].story, self._line_of)

    def _edited(
        self, articles: list[Article], problems: list[Problem], version: str
    ) -> Catalog | None:
        """Return the current catalog with its edited articles swapped in, when edits that
        leave articles where they were are all that changed (Catalog.replacing); else None.

        Articles are compared by identity: an unchanged file keeps its article object, so
        the new ones are the edits, and each must replace an old one of the same file.
        """
        previous = self.catalog
        if (
            previous is None
            or self._catalog_generation != self._generation
            or len(articles) != len(previous.articles)
        ):
            return None
        before = {id(a) for a in previous.articles}
        added = [a for a in articles if id(a) not in before]
        after = {id(a) for a in articles}
        removed = {a.path: a for a in previous.articles if id(a) not in after}
        if len(added) != len(removed):
            return None
        replaced: dict[int, Article] = {}
        for new in added:
            old = removed.get(new.path)
            if old is None:
                return None
            replaced[id(old)] = new
        return previous.replacing(replaced, problems, version)

    def line_of(self, article: Article, field: str) -> int:
        """Return the line of a field in the file an article came from (1 if not written)."""
        return self._line_of(article, field)

    def _line_of(self, article: Article, field: str) -> int:
        """Return the line of a field in the file an article came from (1 if not written)."""
        state = self._files[article.path]
        if state.raw is not None:
            return state.raw.line(field)
        return line_in(state.lines, field)

    def left_out(self) -> list[str]:
        """Return the files with errors of their own that no last good version stands in
        for: their articles are in no feed."""
        shown = {a.path for a in self.catalog.articles} if self.catalog else set()
        return [rel for rel, state in self._files.items() if state.broken and rel not in shown]

    @property
    def context(self) -> Context | None:
        """Return the site, sections and authors articles resolve against (last good)."""
        return self._context

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Return every current problem, sorted by file and line."""
        if self.catalog is not None:
            return self.catalog.problems
        return tuple(sorted(getattr(self, "_problems", ())))
