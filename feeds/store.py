"""The data folder kept in memory: re-read what changed, keep the last good version of the rest.

Change detection is by polling each file's (mtime_ns, size, inode). Polling works the
same on every filesystem (network mounts, containers' bind mounts, editors that
rename over the file), needs no extra dependency, and one ``stat`` per file is cheap:
10,000 files take a few tens of milliseconds per poll, in a background thread.

A file that is being written can be caught half way. A changed file is therefore read
only once it has *settled*: its mtime is at least ``settle`` seconds old. Until then
the old version stays in place; the first load reads everything at once.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path

from feeds import cache, parallel
from feeds.build import build_article, unresolved
from feeds.catalog import Catalog, version_of
from feeds.claims import check_identity, priority
from feeds.context import Context, missing_entries
from feeds.load import (
    ARTICLE_FIELD_NAMES,
    ARTICLE_SUFFIXES,
    ARTICLES_DIR,
    RawArticle,
    parse_article,
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
from feeds.model import Article, Author, Problem, Record, Section
from feeds.settings import default
from feeds.yamlread import DEFAULT_MAX_FILE_BYTES, DataError, read_text

Signature = tuple[int, int, int]
# Each meta file's loader: (data folder, its text or None) -> (records or None, problems).
_META_LOADERS = {SITE_FILE: load_site, SECTIONS_FILE: load_sections, AUTHORS_FILE: load_authors}
# Below this many files to read, forking costs more than it saves (a few ms a child).
PARALLEL_FROM = 500
_frozen = False  # whether a first load has been frozen out of the collector's sight


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


@dataclass(frozen=True, slots=True)
class Scan:
    """What one walk of the articles folder found."""

    files: dict[str, Signature]  # path relative to the data folder -> signature
    unreadable: tuple[str, ...] = ()  # folders that exist but could not be listed
    missing: bool = False  # the articles folder itself is not there
    strays: tuple[str, ...] = ()  # other files, neither articles nor editors' leftovers


# What editors' programs leave beside the files they edit (swap, lock, backup and
# autosave files, folder metadata), skipped without a word; hidden files (.DS_Store,
# vim's .x.swp, emacs's .#x lock, macOS's ._x) are skipped before these are looked at.
# Names are compared lower-cased.
_LEFTOVER_NAMES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r"})
_LEFTOVER_SUFFIXES = (
    "~",  # emacs's and many editors' backups: x~, x.~1~
    ".swp", ".swo", ".swx",  # vim's swap files, when kept beside the file
    ".kate-swp",
    ".tmp", ".temp",  # safe-save temporaries (Word's ~WRL0001.tmp among them)
    "___jb_tmp___", "___jb_old___",  # JetBrains' safe write
)  # fmt: skip


def _leftover(name: str) -> bool:
    """Return whether a (lower-cased, not hidden) file name is an editor's leftover."""
    return (
        name in _LEFTOVER_NAMES
        or name.endswith(_LEFTOVER_SUFFIXES)
        or name.startswith("~$")  # Word's lock on an open document
        or (name.startswith("#") and name.endswith("#"))  # emacs's autosave
        or _vim_probe(name)
    )


def _vim_probe(name: str) -> bool:
    """Return whether a file name is one vim gives the file it writes for a moment to see
    whether it may write in a folder: 4913, else 5036, 5159... (it adds 123)."""
    return name.isdigit() and int(name) >= 4913 and (int(name) - 4913) % 123 == 0


def scan_articles(root: Path) -> Scan:
    """Return every article file with its signature, in path order, and what else it met.

    One os.scandir walk on plain strings: directory entries tell files from folders
    without a stat, so each article costs one stat call per poll and no pathlib objects.
    Article files end in ARTICLE_SUFFIXES in any case (story.YAML); other files that are
    not editors' leftovers are returned as strays, for a warning.
    """
    found: dict[str, Signature] = {}
    unreadable: list[str] = []
    strays: list[str] = []
    prefix = len(str(root)) + 1
    top = os.path.join(root, ARTICLES_DIR)
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except FileNotFoundError:
            if folder == top:
                return Scan(files={}, missing=True)
            continue  # removed while we walked: its files are gone
        except OSError:
            unreadable.append(folder[prefix:].replace(os.sep, "/"))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    stack.append(entry.path)
                elif name.endswith(ARTICLE_SUFFIXES) or name.lower().endswith(ARTICLE_SUFFIXES):
                    if entry.is_file():
                        st = entry.stat()
                        rel = entry.path[prefix:].replace(os.sep, "/")
                        found[rel] = (st.st_mtime_ns, st.st_size, st.st_ino)
                elif not _leftover(name.lower()) and entry.is_file():
                    strays.append(entry.path[prefix:].replace(os.sep, "/"))
            except OSError:
                continue  # deleted between listing and stat: gone
    return Scan(
        files=dict(sorted(found.items())),
        unreadable=tuple(sorted(unreadable)),
        strays=tuple(sorted(strays)),
    )


_LINE_INDEX = {name: index for index, name in enumerate(ARTICLE_FIELD_NAMES)}


def compact_lines(lines: dict[str, int]) -> str:
    """Return an article's field lines as a string, one character (its code point the line)
    per field in ARTICLE_FIELDS order, 0 where not written: a tenth of the dictionary's
    memory. Lines past chr()'s range (a 1 MB file has at most a million) are clamped."""
    get = lines.get
    return "".join([chr(min(get(name, 0), 0x10FFFF)) for name in ARTICLE_FIELD_NAMES])


def line_in(lines: str, name: str) -> int:
    """Return the line of a field in compact_lines() form (1 if not written)."""
    index = _LINE_INDEX.get(name)
    return (ord(lines[index]) if index is not None and lines else 0) or 1


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _story_digest(raw: RawArticle) -> bytes:
    """Return a digest of an article's title and body, to find copies of one story."""
    story = f"{raw.values['title']}\0{raw.values['body']}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(story).digest()[:8]  # 8 bytes: shared by chance only among billions


@dataclass(frozen=True, slots=True)
class _Reading(Record):
    """What reading one article file gave: a built article, or a reading still to build."""

    problems: tuple[Problem, ...]  # the file's own problems (reading and parsing)
    digest: str = ""  # of the text, when it could be used
    raw: RawArticle | None = None  # parsed but not built (no context, or building failed)
    article: Article | None = None  # built in the context of the read
    build_problems: tuple[Problem, ...] = ()
    lines: str = ""  # compact_lines() of a built article's file
    story: bytes = b""  # _story_digest(), when it could be parsed


def _read_article_file(
    root: str, rel: str, size: int, max_bytes: int, ctx: Context | None
) -> _Reading:
    """Read, parse and (given a context) build one article file.

    A built article comes back without its raw reading, which is let go at once: keeping
    it was a third of a loaded article's memory, and building where the file is parsed
    keeps it from ever reaching the process that serves (see parallel.py).
    """
    try:
        text = read_text(os.path.join(root, rel), rel, max_bytes, size=size)
    except DataError as error:
        return _Reading((Problem(path=rel, line=error.line, message=error.message),))
    raw, parse_problems = parse_article(text, rel)
    problems = tuple(parse_problems)  # most are empty: one shared empty tuple, not a list each
    if raw is None:
        return _Reading(problems)
    digest, story = _digest(text), _story_digest(raw)
    if ctx is not None:
        article, build_problems = build_article(raw, ctx)
        if article is not None:
            lines = compact_lines(raw.lines)
            return _Reading(problems, digest, None, article, tuple(build_problems), lines, story)
    return _Reading(problems, digest, raw, story=story)


@dataclass(kw_only=True, slots=True)
class _ArticleFile:
    """What we know of one article file: what its text gives now, and its last good version.

    `article` and the problems always describe the file as it is; `kept` is the version
    the catalog last held, which stands in while the file has errors of its own.
    """

    signature: Signature | None = None
    raw: RawArticle | None = None  # the current reading, until it is built (kept if that fails)
    digest: str = ""  # of the current text
    story: bytes = b""  # of the current title and body (_story_digest), to find copies
    read_problems: tuple[Problem, ...] = ()
    article: Article | None = None  # built from the current text; None while it has errors
    build_problems: tuple[Problem, ...] = ()
    # What `article` or the failed build was made from: the raw reading itself (not its
    # id(), which a new object can reuse) and the generation of the context it was
    # resolved against.
    built_raw: RawArticle | None = None
    built_generation: int = -1
    # Once built, the raw reading is let go (it was a third of a loaded article's memory)
    # and the file is read again if the context changes; a state restored from the parse
    # cache starts that way. Its field lines are kept, compactly, for problem reports.
    lines: str = ""
    kept: Article | None = None  # the version the catalog last held
    kept_digest: str = ""  # of the text behind `kept`

    def built(
        self, article: Article, problems: tuple[Problem, ...], lines: str, generation: int
    ) -> None:
        """Keep a newly built article and let its raw reading go."""
        self.article, self.build_problems, self.lines = article, problems, lines
        self.built_generation = generation
        self.raw = self.built_raw = None

    def unreadable(self, problems: tuple[Problem, ...], digest: str = "") -> None:
        """Record a reading that gave no article: only its problems describe the file now."""
        self.read_problems, self.digest = problems, digest
        self.article, self.raw, self.built_raw, self.build_problems = None, None, None, ()

    @property
    def broken(self) -> bool:
        """Return whether the file has errors of its own (a clash is not one of them)."""
        return any(p.severity == "error" for p in self.read_problems + self.build_problems)


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
    ):
        """keep_last_good=False publishes only what the files give now, with no last good
        version standing in for a broken file: a report of the files (feeds check)."""
        self.root = Path(root)
        self.keep_last_good = keep_last_good
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
        self._files: dict[str, _ArticleFile] = {}
        self._scan_problems: list[Problem] = []
        self.use_cache = use_cache
        # Processes that share out reading many files at once (parallel.py).
        self.workers = parallel.available_workers() if workers is None else workers
        self.parallel_from = parallel_from
        self._cached: dict[str, tuple] = {}  # the parse cache, during the first load only
        # The records of sections and authors removed from their files that last good
        # versions of articles still name (see _records_for).
        self._retained: tuple[dict[str, Section], dict[str, Author]] = ({}, {})
        self.cache_dirty = False  # files were parsed that the parse cache does not hold

    # -- polling --------------------------------------------------------------------------

    def _ready(self, signature: Signature | None) -> bool:
        """Return whether a changed file has settled enough to read."""
        if not self._loaded_once or signature is None:
            return True
        return self.clock() - signature[0] / 1e9 >= self.settle

    def refresh(self) -> bool:
        """Re-read whatever changed on disk; return whether the catalog changed."""
        # The first load makes tens of thousands of objects and no garbage cycles; the
        # cyclic collector would walk them again and again for nothing (about 15% of a
        # 10,000-article load), so it waits until the load is done. Then what was loaded
        # is frozen out of its sight (gc.freeze): a full collection walking it would cost
        # the first feed 60 ms at 10,000 articles, and in a gunicorn master it would make
        # every forked worker copy the pages it marks. Frozen objects are still freed
        # when no longer referenced; only cyclic garbage among them would be kept, so this
        # is done once a process, for the load a server starts with.
        collecting = gc.isenabled() and not self._loaded_once
        if collecting:
            gc.disable()
        try:
            payload = cache.read(self.root) if not self._loaded_once and self.use_cache else {}
            changed = self._refresh_meta(payload.get("meta_texts", {}))
            if payload.get("meta") == self._meta_digests:
                self._cached = payload.get("files", {})
                self._retained = payload.get("retained", ({}, {}))
            changed |= self._refresh_articles()
            self._cached = {}
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
            signature = _signature(self.root / name)
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
            self._generation += 1
            self._context = (
                Context.of(self._config, self._sections, self._authors) if self._config else None
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
        self._meta_texts[name] = text
        self._meta_digests[name] = _digest(text)

    def _refresh_articles(self) -> bool:
        scan = scan_articles(self.root)
        problems = self._scan_trouble(scan)
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
        for rel, signature in found.items():
            state = self._files.get(rel)
            if state is not None and state.signature == signature and not self._stale(state):
                continue
            if not self._ready(signature):
                continue
            if state is None:
                cached = self._cached.get(rel)
                if cached is not None and cached[0] == signature:
                    self._files[rel] = self._from_cache(cached)
                    changed = True
                    continue
                state = self._files[rel] = _ArticleFile()
                if cached is not None and cached[7] is not None:
                    # Changed since: read it again, but a file broken while no process
                    # watched keeps the last good version the cache remembers.
                    state.kept, state.kept_digest = cached[7]
            state.signature = signature
            to_read.append((rel, signature))
        if not to_read:
            return changed
        self.noticed_at = time.perf_counter()  # the moment a poll knew what to read again
        self.cache_dirty = True
        max_bytes = self._config.max_file_bytes if self._config else DEFAULT_MAX_FILE_BYTES
        root = str(self.root)
        ctx, generation = self._context, self._generation

        def read_all(files: list[tuple[str, Signature]]) -> list[_Reading]:
            return [
                _read_article_file(root, rel, size, max_bytes, ctx) for rel, (_, size, _) in files
            ]

        workers = self.workers if len(to_read) >= self.parallel_from else 1
        for (rel, _), reading in zip(
            to_read, parallel.map_chunks(read_all, to_read, workers), strict=True
        ):
            state = self._files[rel]
            state.story = reading.story
            if reading.article is not None:
                state.read_problems, state.digest = reading.problems, reading.digest
                state.built(reading.article, reading.build_problems, reading.lines, generation)
            elif reading.raw is not None:  # built by _rebuild
                state.read_problems, state.digest = reading.problems, reading.digest
                state.article, state.raw, state.built_raw = None, reading.raw, None
            else:
                state.unreadable(reading.problems)
        return True

    def _stale(self, state: _ArticleFile) -> bool:
        """Return whether a built state (its reading let go, or restored from the parse
        cache) must be read again: the context its article was built in has changed since
        (site, sections or authors edited)."""
        return (
            state.raw is None
            and state.article is not None
            and state.built_generation != self._generation
        )

    def _from_cache(self, cached: tuple) -> _ArticleFile:
        """Return a file's state as the parse cache holds it, built in this context."""
        signature, lines, digest, read_problems, article, build_problems, raw, kept, story = cached
        return _ArticleFile(
            signature=signature,
            lines=lines,
            digest=digest,
            story=story,
            read_problems=read_problems,
            article=article,
            build_problems=build_problems,
            raw=raw,  # a reading whose build failed: built again, which is cheap
            built_generation=self._generation,
            kept=kept[0] if kept else None,
            kept_digest=kept[1] if kept else "",
        )

    def save_cache(self) -> None:
        """Write the parse cache, if files were parsed since it was last written."""
        if not (self.use_cache and self.cache_dirty and self._context is not None):
            return
        self.cache_dirty = False
        if self.catalog is not None:
            # The newest live articles are what the first feed after a restart shows:
            # keep their rendered bodies too, so that it renders no Markdown.
            view = self.catalog.view(datetime.now(UTC))
            for article in view.live[: self.catalog.site.items_per_feed]:
                article.body.keep()
        files = {
            rel: (
                state.signature,
                state.lines,
                state.digest,
                state.read_problems,
                state.article,
                state.build_problems,
                state.raw,
                (state.kept, state.kept_digest) if state.kept is not None else None,
                state.story,
            )
            for rel, state in self._files.items()
            # Built in today's context, or unreadable (nothing to build, only problems).
            if state.built_generation == self._generation
            or (state.raw is None and state.article is None)
        }
        cache.save(
            self.root,
            self._meta_digests,
            files,
            retained=self._retained,
            meta_texts=self._meta_texts,
        )

    def _scan_trouble(self, scan: Scan) -> list[Problem]:
        """Return the problems of a walk: a missing articles folder, unreadable folders,
        files that are not articles."""
        problems = [
            Problem(
                path=f"{folder}/",
                line=1,
                message="this folder cannot be read (permission denied?); its articles keep "
                "their last good version",
            )
            for folder in scan.unreadable
        ]
        problems += [
            Problem(
                path=rel,
                line=1,
                message="not an article file, so it is not published; article files end in "
                f".yaml: rename it if it is an article, else move it out of {ARTICLES_DIR}/",
                severity="warning",
            )
            for rel in scan.strays
        ]
        if scan.missing and self._files:
            where = ARTICLES_DIR if self.root.is_dir() else "."
            problems.append(
                Problem(
                    path=f"{where}/",
                    line=1,
                    message="the folder has disappeared; still serving the last good articles "
                    "until it is back",
                )
            )
        return problems

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
                self._build(state, raw, ctx)
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
        known = self._known_records(ctx)
        articles += self._standing_in(articles, stand_ins, known)
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
            sections, authors = self._records_for(articles, ctx, known)
            catalog = Catalog.build(ctx.config.site, sections, authors, articles, problems, version)
        self.catalog, self._catalog_generation = catalog, self._generation
        self.reloaded_at = datetime.now(UTC)

    def _copies(self, articles: list[Article]) -> list[Problem]:
        """Warn of each article whose title and body are another's: most likely a copy of
        its file (Finder's "story copy.yaml", Explorer's "story (1).yaml"), which readers
        would see twice, under two ids. Drafts are left out: no reader sees them.

        Only articles built from the files as they are now take part, never last good
        versions, so that every load reports the same. The one that priority() puts
        first is the original; for two files published at the same moment (a copy made
        by a file manager) the shorter file name wins before the path does, as copying
        adds to a name and "story copy.yaml" sorts before "story.yaml".
        """
        files = self._files
        if len({state.story for state in files.values()}) == len(files):
            return []  # no two files tell one story: the usual case, told by a set's size
        stories = [(files[a.path].story, a) for a in articles if not a.draft]

        def order(item: tuple[bytes, Article]) -> tuple:
            draft, published, path = priority(item[1])
            return (draft, published, len(path) - path.rfind("/"), path)

        first: dict[bytes, Article] = {}
        problems: list[Problem] = []
        for story, article in sorted(stories, key=order):
            original = first.setdefault(story, article)
            if original is not article:
                problems.append(
                    Problem(
                        path=article.path,
                        line=self._line_of(article, "title"),
                        message=f"same title and body as {original.path}: a likely copy, "
                        "which readers would see twice under two addresses; delete this "
                        "file, or give it its own title and body",
                        severity="warning",
                    )
                )
        return problems

    def _build(self, state: _ArticleFile, raw: RawArticle, ctx: Context) -> None:
        """Build a file's current reading in the current context."""
        article, build_problems = build_article(raw, ctx)
        if article is not None:
            state.built(article, tuple(build_problems), compact_lines(raw.lines), self._generation)
        else:
            state.article, state.build_problems = None, tuple(build_problems)
            state.built_raw, state.built_generation = raw, self._generation
            state.lines = compact_lines(raw.lines)

    @staticmethod
    def _standing_in(
        articles: list[Article],
        stand_ins: list[Article],
        known: tuple[dict[str, Section], dict[str, Author]],
    ) -> list[Article]:
        """Return the last good versions that stand in for files with errors: every one
        whose slug and id no valid file claims (the first by priority() on a tie) and
        whose section and authors have a record to show."""
        if not stand_ins:
            return []
        sections, authors = known
        slugs = {a.slug for a in articles}
        ids = {a.id for a in articles}
        kept: list[Article] = []
        for article in sorted(stand_ins, key=priority):
            if (
                article.slug not in slugs
                and article.id not in ids
                and article.section in sections
                and all(slug in authors for slug in article.authors)
            ):
                slugs.add(article.slug)
                ids.add(article.id)
                kept.append(article)
        return kept

    def _known_records(self, ctx: Context) -> tuple[dict[str, Section], dict[str, Author]]:
        """Return every section and author record known: retained, shown, and today's."""
        sections, authors = self._retained
        previous = self.catalog
        return (
            {
                **sections,
                **(previous.sections if previous else {}),
                **{s.slug: s for s in ctx.sections},
            },
            {
                **authors,
                **(previous.authors if previous else {}),
                **{a.slug: a for a in ctx.authors},
            },
        )

    def _records_for(
        self,
        articles: list[Article],
        ctx: Context,
        known: tuple[dict[str, Section], dict[str, Author]],
    ) -> tuple[list[Section], list[Author]]:
        """Return the sections and authors to index: today's, and the last known record of
        any that a last good version still names after its entry was removed."""
        have_sections = {s.slug for s in ctx.sections}
        have_authors = {a.slug for a in ctx.authors}
        keep_sections: dict[str, Section] = {}
        keep_authors: dict[str, Author] = {}
        for article in articles:
            if article.section not in have_sections:
                keep_sections[article.section] = known[0][article.section]
            for slug in article.authors:
                if slug not in have_authors:
                    keep_authors[slug] = known[1][slug]
        self._retained = (keep_sections, keep_authors)
        return (
            list(ctx.sections) + sorted(keep_sections.values(), key=attrgetter("slug")),
            list(ctx.authors) + sorted(keep_authors.values(), key=attrgetter("slug")),
        )

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
