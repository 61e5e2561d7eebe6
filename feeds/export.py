"""Static export: every document the server serves, written as files at their URL paths.

OUT is a symbolic link to a complete build in a sibling folder (.OUT.builds/<id>). A new
build is made beside the current one and swapped in by replacing the link, an atomic
rename: a web server reading OUT sees the old tree or the new one, never a mix. Files
whose bytes did not change are hard-linked from the previous build instead of written,
so they keep their modification time (and the ETag a web server derives from it).
A document whose content key is the one the last build's manifest records (manifest.py)
is linked without being rendered at all; many documents to render, as in a cold build,
are shared out to forked processes (parallel.py).

The new build is the one before the previous, brought up to date in place, when this
code finished it (buildfiles.py): most of its files are already the previous build's
(the same inodes) and stay; the others are linked or written under new inodes, never
through a file the served build may share, and those no longer exported are removed.
Its manifest goes first, so a build interrupted half way is never trusted; without such
a build, a fresh folder is filled. The previous build is kept for readers mid-way.

The old URLs of renamed sections and authors go in redirects.map, for nginx (see
deploy/nginx-static.conf).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from feeds import buildfiles, manifest, parallel
from feeds.body import Body, render_all
from feeds.catalog import View
from feeds.documents import Document, render_document
from feeds.publisher import Publisher, moved, presented_feed
from feeds.splice import Entries
from feeds.urls import DOCUMENTS, FORMATS, DocumentRef, feed_document, feed_documents, public_url

REDIRECTS = "redirects.map"


@dataclass(frozen=True, kw_only=True, slots=True)
class Summary:
    """What a build did."""

    written: int  # files written because they are new or changed
    unchanged: int  # files hard-linked from the previous build
    target: Path  # the build folder OUT now points to
    seconds: float
    kept: int = 0  # of the unchanged, files left in place in the older build brought up to date

    @property
    def files(self) -> int:
        return self.written + self.unchanged


def refs(view: View) -> Iterator[DocumentRef]:
    """Yield every document the server serves but /healthz: each feed document in every
    format, each feed's page, subscribe page and partner feeds, and the site-wide
    documents."""
    site = view.catalog.site
    for feed in view.documents():
        for fmt in FORMATS:
            yield feed.document(fmt)
        if feed.page == 0:
            yield from feed_documents(site, feed.kind, feed.slug)
    for name, row in DOCUMENTS.items():
        if row.per_feed:
            continue
        # A site-wide document may be absent (robots.txt unless enabled, the partners page
        # unless a platform is on) or paged (a sitemap past its size limit): each page that
        # exists, from 1.
        page = 1 if "{page}" in row.template else 0
        while presented_feed(view, DocumentRef(name, page=page)) is not None:
            yield DocumentRef(name, page=page)
            if not page:
                break
            page += 1


def documents(publisher: Publisher, view: View) -> Iterator[tuple[str, Document]]:
    """Yield (URL path, document) for everything the server serves but /healthz."""
    for ref in refs(view):
        document = publisher.document(view, ref)
        if document is None:
            raise LookupError(f"{ref.path} is listed for export but has no document")
        yield ref.path, document


def redirects(view: View) -> Iterator[tuple[str, str]]:
    """Yield (old URL path, new public URL) for every document of a renamed section or author."""
    # Tag URLs in other spellings are left out, there being no end to them: the app
    # redirects them, a static export cannot.
    site = view.catalog.site
    for (kind, old), new in sorted(view.catalog.renamed.items()):
        feed = view.feed(kind, new)
        if feed is None:
            raise LookupError(f"the {kind} {new!r} (formerly {old!r}) has no feed")
        targets = [DocumentRef("page", kind, old), DocumentRef("subscribe", kind, old)]
        targets += [feed_document(kind, old, f, p) for p in range(feed.pages + 1) for f in FORMATS]
        for target in targets:
            path = moved(view, target)
            if path is None:
                raise LookupError(f"{target.path} of a renamed {kind} leads nowhere")
            yield target.path, public_url(site, path)


def write_redirects(view: View, folder: Path, previous: Path | None = None) -> None:
    """Write nginx's map of old URL paths to new URLs (REDIRECTS), if anything was renamed;
    linked from the previous build when it is the same."""
    # Keys are paths as nginx's $uri has them, percent-decoded. Both sides are quoted so
    # that no character in them ends nginx's token, and `$` is encoded: nginx would read
    # a variable there.
    lines = [f'"{path}" "{url.replace("$", "%24")}";\n' for path, url in redirects(view)]
    into = os.path.join(folder, REDIRECTS)
    if lines:
        old = os.path.join(previous, REDIRECTS) if previous is not None else None
        _write_or_link("".join(lines).encode("utf-8"), into, old)
    else:  # no renames, no file: the export holds documents only
        buildfiles.remove(str(folder) + os.sep, [REDIRECTS])


def file_path(url_path: str) -> str:
    """Return the file for a URL path: a folder's page is its index.html."""
    relative = url_path.lstrip("/")
    return relative + "index.html" if url_path.endswith("/") else relative


def build(
    publisher: Publisher,
    out: Path,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Summary:
    """Write every document to out (a link to a build folder); return a Summary.

    The build before the previous one, when this code finished it, is brought up to date
    and becomes the new one; otherwise a fresh folder is (and, being the first of this
    code, leaves a spare of itself for the next to reuse). Documents whose content key is
    the one the previous build's manifest has are linked from it (or, when that build
    shares them with the reused one, left as they are); the others are rendered, spread
    over `workers` processes (default: the cores) when there are many.
    """
    started = time.monotonic()
    out = Path(os.path.abspath(out))
    if out.is_dir() and not out.is_symlink() and not any(out.iterdir()):
        out.rmdir()  # an empty folder made for the export: the link takes its place
    if out.exists() and not out.is_symlink():
        raise FileExistsError(
            f"{out} exists and was not made by feeds build (it is not a link to a build); "
            "remove it or choose another folder"
        )
    current = publisher.view()
    if current is None:
        raise ValueError("site.yaml has problems, so there is nothing to build")
    view, _ = current
    builds = out.parent / f".{out.name}.builds"
    builds.mkdir(parents=True, exist_ok=True)
    previous = Path(os.path.realpath(out)) if out.is_symlink() else None
    keys = manifest.document_keys(view)
    code = manifest.code_version()
    last = manifest.read(previous) if previous is not None else None
    known = last.documents if last is not None and last.code == code else {}
    reused = buildfiles.reusable(builds, previous, code)
    if reused is not None:
        target, older = reused[0], reused[1].documents
    else:
        target = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
        target.mkdir()
        older = {}
    into = str(target) + os.sep
    since = str(previous) + os.sep if previous is not None else None
    entries: dict[str, manifest.Entry] = {}
    jobs: list[Job] = []
    written = unchanged = left = 0
    for ref in refs(view):
        relative = file_path(ref.path)
        entry = known.get(relative)
        if since is not None and entry is not None and entry.key == keys.get(ref):
            # The reused build's file, when it is the previous build's (same inode), is
            # right whatever key that build recorded: it stays.
            if relative in older and buildfiles.kept(since, into, relative, entry):
                left += 2
            elif not buildfiles.link_both(since, into, relative, entry):
                jobs.append(Job(ref, relative))
                continue
            entries[relative] = entry
            unchanged += 2
            if progress:
                progress(1)
        else:
            jobs.append(Job(ref, relative))
    workers = parallel.available_workers() if workers is None else workers
    render_bodies(view, jobs, workers)
    for job, (size, gzip_size, files_written) in zip(
        jobs, render_jobs(view, jobs, target, previous, workers, progress), strict=True
    ):
        entries[job.relative] = manifest.Entry(
            key=keys.get(job.ref, ""), size=size, gzip_size=gzip_size
        )
        written += files_written
        unchanged += 2 - files_written
    gone = [name for name in older if name not in entries]
    buildfiles.remove(into, [f for name in gone for f in (name, f"{name}.gz")])
    write_redirects(view, target, previous)
    # Last, and atomically: a build interrupted before this is never swapped in, so the
    # manifest of the build OUT points to always tells what it holds.
    finished = manifest.Manifest(
        code=code,
        version=view.catalog.version,
        documents=entries,
        articles=tuple(article.path for article in view.live),
    )
    manifest.write(target, finished)
    _swap_link(out, target)
    # The previous build may still be being read; any other is stale (or was reused).
    buildfiles.discard(builds, [b for b in (target, previous) if b is not None])
    if not known:  # no build of this code before this one: the next could reuse none
        buildfiles.spare(target, finished)
    return Summary(
        written=written,
        unchanged=unchanged,
        kept=left,
        target=target,
        seconds=time.monotonic() - started,
    )


def published(out: Path) -> frozenset[str]:
    """Return the files of the articles the export at `out` published (none if it is not
    one, or its manifest does not say)."""
    out = Path(os.path.abspath(out))
    found = manifest.read(Path(os.path.realpath(out))) if out.is_symlink() else None
    return frozenset(found.articles) if found is not None else frozenset()


def count_documents(view: View) -> int:
    """Return how many URL paths a build writes (each with a .gz sibling)."""
    return sum(1 for _ in refs(view))


def _swap_link(out: Path, target: Path) -> None:
    """Point out at target atomically: make a new link, then rename it over the old one."""
    temporary = out.parent / f".{out.name}.link-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(os.path.relpath(target, out.parent), target_is_directory=True)
    os.replace(temporary, out)


class Job(NamedTuple):
    """A document to render into a build: its reference and its file's path in the build."""

    ref: DocumentRef
    relative: str


# Below this many documents to render, forking costs more than it saves: a rebuild after
# one edit renders about 30, in 0.4 s in one process and 0.22 s in two (10,000 articles).
PARALLEL_FROM = 8


def render_bodies(view: View, jobs: list[Job], workers: int) -> None:
    """Render the bodies the jobs' documents show that are not yet, dealt out to forked
    processes as each finishes a chunk, before the documents are shared out.

    Shared out with the documents, the bodies of the older articles (those on no feed's
    first page, which the parse cache does not keep rendered) all fell to the process
    rendering the older documents: 23 s against 13 s for the other, in a cold build of
    10,000 articles.
    """
    if len(jobs) < PARALLEL_FROM or workers <= 1:
        return  # a few documents: rendered where they are needed
    bodies: dict[int, Body] = {}
    for job in jobs:
        feed = presented_feed(view, job.ref)
        if feed is not None and job.ref.document in ("feed", "archive"):
            bodies.update((id(a.body), a.body) for a in feed.entries if not a.body.rendered)
    render_all(list(bodies.values()), workers)


def render_jobs(
    view: View,
    jobs: list[Job],
    target: Path,
    previous: Path | None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[int, int, int]]:
    """Render and write each job's two files into target; return, per job, the sizes of
    its identity and gzip files and how many of the two were written (not linked).

    Many jobs are shared out to forked processes (parallel.py), each taking a run of
    documents whose entries are close in time, so that an article's body is rendered by
    one process, mostly, rather than by every one.
    """
    workers = parallel.available_workers() if workers is None else workers
    into = str(target) + os.sep
    since = str(previous) + os.sep if previous is not None else None
    if len(jobs) < PARALLEL_FROM or workers <= 1:
        return _render_share(view, jobs, into, since, progress)
    shares = _shares(view, jobs, workers)
    done = parallel.map_chunks(
        lambda chunk: [_render_share(view, share, into, since) for share in chunk],
        shares,
        workers,
    )
    if progress:
        progress(len(jobs))
    results = {job: result for share, part in zip(shares, done, strict=True)
               for job, result in zip(share, part, strict=True)}  # fmt: skip
    return [results[job] for job in jobs]


def _shares(view: View, jobs: list[Job], workers: int) -> list[list[Job]]:
    """Split jobs into `workers` runs of about equal work, by the time of their entries."""

    def placed(job: Job) -> tuple[float, int]:
        feed = presented_feed(view, job.ref)
        entries = feed.entries if feed is not None else ()
        middle = entries[len(entries) // 2].published.timestamp() if entries else float("inf")
        return middle, 1 + len(entries)

    weighed = sorted(((placed(job), job) for job in jobs), key=lambda pair: pair[0][0])
    total = sum(weight for (_, weight), _ in weighed)
    shares: list[list[Job]] = [[] for _ in range(workers)]
    done = 0
    for (_, weight), job in weighed:
        shares[min(workers - 1, done * workers // max(total, 1))].append(job)
        done += weight
    return [share for share in shares if share]


def _render_share(
    view: View,
    jobs: list[Job],
    target: str,
    previous: str | None,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[int, int, int]]:
    results = []
    entries = Entries()  # each entry rendered once for every feed document of the share
    for job in jobs:
        feed = presented_feed(view, job.ref)
        if feed is None:
            raise LookupError(f"{job.ref.path} is listed for export but has no document")
        document = render_document(view, feed, job.ref, entries)
        written = 0
        for name, body in ((job.relative, document.body), (f"{job.relative}.gz", document.gzipped)):
            old = previous + name if previous is not None else None
            written += _write_or_link(body, target + name, old)
        results.append((len(document.body), len(document.gzipped), written))
        if progress:
            progress(1)
    return results


def _write_or_link(body: bytes, destination: str, old: str | None) -> int:
    """Write a file, or link it from the previous build's file `old` if that has the same
    bytes (so that it keeps its modification time); return 1 if written."""
    if old is not None and buildfiles.same_bytes(old, body):
        buildfiles.link(old, destination)
        return 0
    buildfiles.write(destination, body)
    buildfiles.newer_than(destination, old)
    return 1
