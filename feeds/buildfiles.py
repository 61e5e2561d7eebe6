"""The files of a static export's build folders: which old build a new one may reuse,
and the few ways a file gets into a build without ever writing through the build served.

A file left unchanged is one inode shared, by hard links, between every build that has
it; so a build folder being brought up to date never opens an existing file for writing:
it links or renames over the name, which leaves the inode, and the build OUT points to,
as they were. Paths here are strings joined by hand, not pathlib: a build handles each
of thousands of files a few times.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from feeds import manifest


def reusable(
    builds: Path, previous: Path | None, code: str
) -> tuple[Path, manifest.Manifest] | None:
    """Claim a finished build older than `previous` to bring up to date, and return it
    with its manifest; None if there is none whose manifest this code wrote.

    Its manifest is removed before anything else, so that a build interrupted while the
    folder is half way between two states is never trusted again.
    """
    if previous is None:  # nothing to link unchanged files from
        return None
    for folder in sorted(builds.iterdir(), reverse=True):  # names start with their time
        if folder == previous or folder.is_symlink() or not folder.is_dir():
            continue
        found = manifest.read(folder)
        if found is not None and found.code == code:
            os.unlink(manifest.manifest_path(folder))
            return folder, found
    return None


def kept(previous: str, target: str, relative: str, entry: manifest.Entry) -> bool:
    """Return whether a document's two files in target are the very files (inodes) the
    previous build has, at the sizes its manifest gives: then they stay as they are."""
    try:
        for name, size in ((relative, entry.size), (relative + ".gz", entry.gzip_size)):
            here, there = os.stat(target + name), os.stat(previous + name)
            if not os.path.samestat(here, there) or there.st_size != size:
                return False
    except OSError:
        return False
    return True


def link_both(previous: str, target: str, relative: str, entry: manifest.Entry) -> bool:
    """Link a document's two files from the previous build if they are there, at the sizes
    its manifest gives; return whether they were."""
    names = (relative, relative + ".gz")
    try:
        if os.stat(previous + names[0]).st_size != entry.size:
            return False
        if os.stat(previous + names[1]).st_size != entry.gzip_size:
            return False
    except OSError:
        return False
    for name in names:
        link(previous + name, target + name)
    return True


def link(old: str, destination: str) -> None:
    """Hard-link old at destination, in place of whatever file has that name."""
    try:
        os.link(old, destination)
    except FileExistsError:  # an older build's file, or one a failed process left
        os.unlink(destination)
        os.link(old, destination)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        os.link(old, destination)


def write(destination: str, body: bytes) -> None:
    """Write body at destination as a new inode, never through the file there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(destination, flags, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        handle = os.open(destination, flags, 0o666)
    except FileExistsError:
        # Maybe one inode with the served build's file: write beside it, rename over it.
        folder, name = os.path.split(destination)
        temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
        try:
            with open(temporary, "wb") as out:
                out.write(body)
            os.replace(temporary, destination)
        except BaseException:
            _unlink(temporary)
            raise
        return
    with os.fdopen(handle, "wb") as out:
        out.write(body)


def same_bytes(path: str, body: bytes) -> bool:
    """Return whether the file at path holds exactly body."""
    try:
        if os.stat(path).st_size != len(body):
            return False
        with open(path, "rb") as file:
            return file.read() == body
    except OSError:
        return False


def newer_than(path: str, old: str | None) -> None:
    """Make a rewritten file's mtime a later second than the old one's.

    Static servers derive ETag and Last-Modified from the mtime in whole seconds (and the
    size): a same-size change rebuilt within the same second would keep the old ETag,
    and pollers would get 304s for bytes they do not have.
    """
    if old is None:
        return
    try:
        before = int(os.stat(old).st_mtime)
    except OSError:
        return
    if int(os.stat(path).st_mtime) <= before:
        os.utime(path, (before + 1, before + 1))


def remove(target: str, relatives: Iterable[str]) -> None:
    """Remove files from a build folder, and the folders that this leaves empty."""
    folders = set()
    for relative in relatives:
        _unlink(target + relative)
        folder = os.path.dirname(relative)
        while folder and folder not in folders:
            folders.add(folder)
            folder = os.path.dirname(folder)
    for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):  # deepest first
        try:
            os.rmdir(target + folder)
        except OSError:  # still holds files: so do the folders above it
            continue


def spare(build: Path, found: manifest.Manifest) -> Path:
    """Make a spare of a build for the next one to bring up to date: its files hard-linked
    (the same inodes) into a folder beside it, with a copy of its manifest, written last.

    Without one, the second build into a folder would have no build before the previous
    to reuse, and would link every unchanged file into a fresh folder (8,800 links, 0.3 s
    at 10,000 articles): the first build, long anyway, pays for it instead.
    """
    folder = build.with_name(f"{build.name}-spare")
    source = str(build)
    for directory, _, names in os.walk(source):
        into = str(folder) + directory[len(source) :]
        os.makedirs(into, exist_ok=True)
        for name in names:
            os.link(os.path.join(directory, name), os.path.join(into, name))
    manifest.write(folder, found)
    return folder


def discard(builds: Path, keep: Iterable[Path]) -> None:
    """Remove every build folder but those kept, and the manifests of the removed ones."""
    kept_builds = set(keep)
    for stale in builds.iterdir():
        if stale not in kept_builds:
            shutil.rmtree(stale, ignore_errors=True)
    manifests = {manifest.manifest_path(build).name for build in kept_builds}
    folder = manifest.manifest_path(builds / "any").parent
    for stale in folder.iterdir() if folder.is_dir() else ():
        if stale.name not in manifests:
            stale.unlink(missing_ok=True)


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
