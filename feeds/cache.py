"""The parse cache: what the last load read, so that a restart need not read it again.

A restart (a deploy, a crashed worker, a laptop waking up) would otherwise parse every
article file again. The cache keeps, per article file, its signature (mtime_ns, size,
inode) and what loading it produced; an entry is used only while the file's signature
is unchanged, and only under the same version of this code and the same site.yaml fields
articles are built from. Written under other sections.yaml or authors.yaml, it is used
only where its article resolves alike under today's (filestate.usable_elsewhere).

It lives in the user's cache folder ($FEEDS_CACHE_DIR, else $XDG_CACHE_HOME/feeds, else
~/.cache/feeds), per data folder: an index file (the meta files' digests and last good
texts, and the records that last good versions still name) and a folder of shards, one
per articles sub-folder, each with its own code version, meta digests and resolution
key (context.resolution_key), so that a save after an edit rewrites only the shards of
the sub-folders that changed. Every file is written atomically (a temporary file renamed
over it): a save cut short leaves each shard whole, old or new, and each entry is checked
against its file's signature. They are pickles, so they are only read from folders that
belong to this user and that no one else can write to; FEEDS_CACHE_DIR=off turns the
cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import pickle
import stat
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from feeds.settings import from_environment

log = logging.getLogger(__name__)
FORMAT = 9  # bump when what is cached changes shape
SHARD_SUFFIX = ".pickle"
TEMPORARY_AGE = 3600  # seconds after which a temporary file is no save's under way


@functools.cache
def _code_version() -> str:
    """Return a digest of this package's source, so that any code change empties the cache."""
    digest = hashlib.sha256(str(FORMAT).encode())
    package = Path(__file__).parent
    for source in sorted(package.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def cache_file(root: Path) -> Path | None:
    """Return where the cache index of a data folder lives, or None when caching is off."""
    configured = from_environment("FEEDS_CACHE_DIR", os.environ)
    if configured is not None and configured.lower() in ("", "off", "0", "none"):
        return None
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        folder = Path(base) / "feeds"
    name = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return folder / f"{name}.pickle"


def shard_folder(index: Path) -> Path:
    """Return the folder of the shards beside a cache index."""
    return index.with_suffix(".shards")


def shard_of(rel: str) -> str:
    """Return the shard an article file's entry is kept in: its sub-folder."""
    return rel.rpartition("/")[0]


def shard_name(shard: str) -> str:
    """Return the file name of a shard (sub-folder names may hold any character)."""
    return hashlib.sha256(shard.encode("utf-8", "surrogatepass")).hexdigest()[:16] + SHARD_SUFFIX


def _trusted(*paths: Path) -> bool:
    """Return whether files and folders belong to us and only we can write them."""
    for target in paths:
        info = target.stat()
        if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
    return True


def read(root: Path) -> dict[str, Any]:
    """Return the cache index of a data folder written by this code ({} when there is none).

    Its "meta" digests tell under which site.yaml, sections.yaml and authors.yaml it was
    written, "meta_texts" are the last good texts of those files, and "retained" the
    records of removed sections and authors that last good versions name.
    """
    path = cache_file(root)
    if path is None:
        return {}
    try:
        if not _trusted(path.parent, path):
            log.warning("ignoring the parse cache %s: others can write to it", path)
            return {}
        with path.open("rb") as cached:
            payload = pickle.load(cached)
    except FileNotFoundError:
        return {}
    except Exception as error:  # a truncated or foreign file is only a missed cache
        log.info("ignoring the parse cache %s: %s", path, error)
        return {}
    if not isinstance(payload, dict) or payload.get("code") != _code_version():
        return {}
    return payload


def read_files(
    root: Path, meta: Mapping[str, str], resolution: tuple | None = None
) -> tuple[dict[str, tuple], set[str], set[str]]:
    """Return the file entries of every shard written by this code under `meta`, and the
    shards they came from; and, given the `resolution` key (context.resolution_key) of
    today's site.yaml, the entries of shards written under other meta files but the same
    key, with the set of their files: built in another context, each is good as it is if
    it resolves alike in today's (filestate.usable_elsewhere). A damaged, foreign or
    untrusted shard is only a miss."""
    path = cache_file(root)
    files: dict[str, tuple] = {}
    shards: set[str] = set()
    elsewhere: set[str] = set()
    if path is None:
        return files, shards, elsewhere
    folder = shard_folder(path)
    try:
        if not _trusted(folder.parent, folder):
            log.warning("ignoring the parse cache %s: others can write to it", folder)
            return files, shards, elsewhere
        names = os.listdir(folder)
    except OSError:
        return files, shards, elsewhere
    code, meta = _code_version(), dict(meta)
    for name in names:
        if not name.endswith(SHARD_SUFFIX):
            continue
        shard_path = folder / name
        try:
            if not _trusted(shard_path):
                log.warning("ignoring the parse cache shard %s: others can write to it", name)
                continue
            with shard_path.open("rb") as cached:
                header = pickle.load(cached)
                # The header first: a shard of other code, or of other meta files under
                # another resolution key, is not read on.
                if (
                    not isinstance(header, dict)
                    or header.get("code") != code
                    or shard_name(header.get("shard", "")) != name
                ):
                    continue
                current = header.get("meta") == meta
                if not current and (resolution is None or header.get("resolution") != resolution):
                    continue
                entries = pickle.load(cached)
        except Exception as error:  # a truncated or foreign file is only a missed cache
            log.info("ignoring the parse cache shard %s: %s", shard_path, error)
            continue
        if isinstance(entries, dict):
            files.update(entries)
            if current:
                shards.add(header["shard"])
            else:  # written again by the next save, under today's meta
                elsewhere.update(entries)
    return files, shards, elsewhere


def _write(path: Path, *parts: Any) -> None:
    """Pickle parts one after the other into a file, atomically."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                if isinstance(part, bytes):
                    out.write(part)
                else:
                    pickle.dump(part, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _stale(path: Path) -> bool:
    """Return whether a file left in the shard folder belongs to no save under way: a
    shard of a sub-folder that is gone, or a temporary file an interrupted save left."""
    if path.name.endswith(SHARD_SUFFIX):
        return True
    try:
        return time.time() - path.stat().st_mtime > TEMPORARY_AGE
    except OSError:
        return False


def save(
    root: Path,
    meta: dict[str, str],
    shards: Mapping[str, dict[str, tuple]],
    live: Iterable[str],
    retained: Any = ({}, {}),
    meta_texts: dict[str, str] | None = None,
    resolution: tuple | None = None,
) -> bool:
    """Write the given shards (each saying the meta files and resolution key it was
    written under), remove those of sub-folders not `live`, then write the index when it
    changed; return whether all was written (failures only cost the next start)."""
    path = cache_file(root)
    if path is None:
        return False
    folder = shard_folder(path)
    whole = True
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        code = _code_version()
        for shard, entries in shards.items():
            header = {"code": code, "meta": meta, "shard": shard, "resolution": resolution}
            try:
                _write(folder / shard_name(shard), header, entries)
            except OSError as error:  # the others are still worth writing
                log.warning("could not write the parse cache shard of %s: %s", shard, error)
                whole = False
        keep = {shard_name(shard) for shard in live}
        for name in os.listdir(folder):
            if name not in keep and _stale(folder / name):
                with contextlib.suppress(OSError):
                    os.unlink(folder / name)
        index = {"code": code, "meta": meta, "retained": retained, "meta_texts": meta_texts or {}}
        data = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if not same:  # (the single-file cache of earlier versions had this name: replaced)
            _write(path, data)
    except OSError as error:
        log.warning("could not write the parse cache %s: %s", path, error)
        return False
    return whole
