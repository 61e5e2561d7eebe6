"""Static export: every document the server serves, written as files at their URL paths.

OUT is a symbolic link to a complete build in a sibling folder (.OUT.builds/<id>). A new
build is written beside the current one and swapped in by replacing the link, an atomic
rename: a web server reading OUT sees the old tree or the new one, never a mix. Files
whose bytes did not change are hard-linked from the previous build instead of written,
so they keep their modification time (and the ETag a web server derives from it).

The old URLs of renamed sections and authors go in redirects.map, for nginx (see
deploy/nginx-static.conf).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from feeds.catalog import View
from feeds.documents import Document
from feeds.publisher import Publisher, moved, presented_feed
from feeds.urls import DOCUMENTS, FORMATS, DocumentRef, feed_document, feed_documents, public_url

REDIRECTS = "redirects.map"


@dataclass(frozen=True, kw_only=True, slots=True)
class Summary:
    """What a build did."""

    written: int  # files written because they are new or changed
    unchanged: int  # files hard-linked from the previous build
    target: Path  # the build folder OUT now points to
    seconds: float

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


def write_redirects(view: View, folder: Path) -> None:
    """Write nginx's map of old URL paths to new URLs (REDIRECTS), if anything was renamed."""
    # Keys are paths as nginx's $uri has them, percent-decoded. Both sides are quoted so
    # that no character in them ends nginx's token, and `$` is encoded: nginx would read
    # a variable there.
    lines = [f'"{path}" "{url.replace("$", "%24")}";\n' for path, url in redirects(view)]
    if lines:  # no renames, no file: the export holds documents only
        (folder / REDIRECTS).write_text("".join(lines), encoding="utf-8")


def file_path(url_path: str) -> str:
    """Return the file for a URL path: a folder's page is its index.html."""
    relative = url_path.lstrip("/")
    return relative + "index.html" if url_path.endswith("/") else relative


def build(
    publisher: Publisher,
    out: Path,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Write every document to out (a link to a fresh build folder); return a Summary."""
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
    target = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
    target.mkdir()
    written = unchanged = 0
    for url_path, document in documents(publisher, view):
        relative = file_path(url_path)
        for name, body in ((relative, document.body), (f"{relative}.gz", document.gzipped)):
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            old = previous / name if previous else None
            if old is not None and _same_bytes(old, body):
                os.link(old, destination)
                unchanged += 1
            else:
                destination.write_bytes(body)
                _newer_than(destination, old)
                written += 1
        if progress:
            progress(1)
    write_redirects(view, target)
    _swap_link(out, target)
    for stale in builds.iterdir():
        if stale not in (target, previous):  # the previous build may still be being read
            shutil.rmtree(stale, ignore_errors=True)
    return Summary(
        written=written, unchanged=unchanged, target=target, seconds=time.monotonic() - started
    )


def count_documents(view: View) -> int:
    """Return how many URL paths a build writes (each with a .gz sibling)."""
    return sum(1 for _ in refs(view))


def _newer_than(path: Path, old: Path | None) -> None:
    """Make a rewritten file's mtime a later second than the old one's.

    Static servers derive ETag and Last-Modified from the mtime in whole seconds (and the
    size): a same-size change rebuilt within the same second would keep the old ETag,
    and pollers would get 304s for bytes they do not have.
    """
    try:
        before = int(old.stat().st_mtime) if old is not None else None
    except OSError:
        return
    if before is not None and int(path.stat().st_mtime) <= before:
        os.utime(path, (before + 1, before + 1))


def _same_bytes(path: Path, body: bytes) -> bool:
    try:
        return path.stat().st_size == len(body) and path.read_bytes() == body
    except OSError:
        return False


def _swap_link(out: Path, target: Path) -> None:
    """Point out at target atomically: make a new link, then rename it over the old one."""
    temporary = out.parent / f".{out.name}.link-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(os.path.relpath(target, out.parent), target_is_directory=True)
    os.replace(temporary, out)
