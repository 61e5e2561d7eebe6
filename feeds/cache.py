"""The parse cache: what the last load read, so that a restart need not read it again.

A restart (a deploy, a crashed worker, a laptop waking up) would otherwise parse every
article file again. The cache keeps, per article file, its signature (mtime_ns, size,
inode) and what loading it produced; an entry is used only while the file's signature
is unchanged, and the whole cache only under the same site.yaml, sections.yaml and
authors.yaml and the same version of this code.

It lives in the user's cache folder ($FEEDS_CACHE_DIR, else $XDG_CACHE_HOME/feeds, else
~/.cache/feeds), one file per data folder, written atomically. It is a pickle, so it is
only read from a folder that belongs to this user and that no one else can write to;
FEEDS_CACHE_DIR=off turns it off.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import stat
import tempfile
from pathlib import Path
from typing import Any

from feeds.settings import from_environment

log = logging.getLogger(__name__)
FORMAT = 8  # bump when what is cached changes shape


@functools.cache
def _code_version() -> str:
    """Return a digest of this package's source, so that any code change empties the cache."""
    digest = hashlib.sha256(str(FORMAT).encode())
    package = Path(__file__).parent
    for source in sorted(package.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def cache_file(root: Path) -> Path | None:
    """Return where the cache of a data folder lives, or None when caching is off."""
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


def _trusted(path: Path) -> bool:
    """Return whether a file and its folder belong to us and only we can write them."""
    for target in (path.parent, path):
        info = target.stat()
        if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
    return True


def read(root: Path) -> dict[str, Any]:
    """Return the cache of a data folder written by this code ({} when there is none).

    Its "meta" digests tell under which site.yaml, sections.yaml and authors.yaml its
    "files" were built; "meta_texts" are the last good texts of those files.
    """
    path = cache_file(root)
    if path is None:
        return {}
    try:
        if not _trusted(path):
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


def save(
    root: Path,
    meta: dict[str, str],
    files: dict[str, Any],
    retained: Any = ({}, {}),
    meta_texts: dict[str, str] | None = None,
) -> None:
    """Write the cache of a data folder atomically; failures only cost the next start."""
    path = cache_file(root)
    if path is None:
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        payload = {
            "code": _code_version(),
            "meta": meta,
            "files": files,
            "retained": retained,
            "meta_texts": meta_texts or {},
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError as error:
        log.warning("could not write the parse cache %s: %s", path, error)
