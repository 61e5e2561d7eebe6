"""Spread a first load's file parsing over the machine's cores with forked children.

Parsing YAML and reading fields is CPU work that holds the GIL, so threads do not help;
processes do. A forked child starts with everything already imported and in memory
(the site, sections and authors the articles resolve against), so nothing but each
child's results crosses a pipe, pickled. The calling process parses a share itself
while the children parse theirs.

Forking is only safe while this process has a single thread: a lock held by another
thread at the fork stays held in the child for ever. So work is spread only then, which
is the case at start-up (before the reload thread, in a gunicorn master before it forks
its workers); otherwise, and where fork is missing or unreliable (Windows, macOS), it
all runs here. A child that fails in any way costs only time: its share is done again
here.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
MAX_WORKERS = 8  # beyond this, pickling results back costs more than parsing saves


def available_workers() -> int:
    """Return how many processes a load may use: the cores this process may run on."""
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def map_chunks(work: Callable[[list[T]], list[R]], items: Sequence[T], workers: int) -> list[R]:
    """Return work(items) computed in up to `workers` processes, results in item order.

    `work` maps a list of items to a list of results, one each. Items are dealt out in
    turn (0, n, 2n... to the first process), so that large and small files mix.
    """
    workers = min(workers, len(items))
    if workers <= 1 or threading.active_count() > 1 or not hasattr(os, "fork"):
        return work(list(items))
    shares = [list(items[i::workers]) for i in range(workers)]
    children: list[tuple[int, int]] = []
    for share in shares[1:]:
        child = _fork(work, share)
        if child is None:
            break
        children.append(child)
    try:
        results: list[list[R]] = [work(shares[0])]
    except BaseException:  # an error or Ctrl+C here: no child is left running or unreaped
        for pid, pipe in children:
            os.close(pipe)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    for index, (pid, pipe) in enumerate(children, start=1):
        results.append(_collect(pid, pipe, work, shares[index]))
    for share in shares[len(children) + 1 :]:  # shares no child could be started for
        results.append(work(share))
    ordered: list[R] = [None] * len(items)  # type: ignore[list-item]
    for offset, part in enumerate(results):
        ordered[offset::workers] = part
    return ordered


def _fork(work: Callable[[list[T]], list[R]], share: list[T]) -> tuple[int, int] | None:
    """Start a child that writes work(share), pickled, to a pipe; None if none started."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError as error:
        log.info("parsing in one process: cannot fork (%s)", error)
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: never return into the caller's code
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(work(share), out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        except BaseException:
            log.exception("a parsing process failed; its files are parsed again")
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, pipe: int, work: Callable[[list[T]], list[R]], share: list[T]) -> list[R]:
    """Return a child's results, or the share's results computed here if the child failed."""
    part: list[R] | None = None
    try:
        with os.fdopen(pipe, "rb") as results:
            part = pickle.load(results)
    except Exception as error:  # a child killed half way leaves a truncated pickle
        log.warning("a parsing process failed (%s); parsing its files here", error)
    _, status = os.waitpid(pid, 0)
    if part is None or status != 0 or len(part) != len(share):
        return work(share)
    return part
