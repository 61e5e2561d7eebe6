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
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
MAX_WORKERS = 8  # beyond this, pickling results back costs more than parsing saves


def can_fork() -> bool:
    """Return whether work may be spread over forked processes on this system at all."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def available_workers() -> int:
    """Return how many processes a load may use: the cores this process may run on, less
    those other programs are running on right now.

    A core another program holds gives a forked child a share of a core, and the whole
    load waited for it: with the other of two cores busy, a first load in two processes
    took 3.0 times the bare parse against 2.6 times in one (benchmarks, "other core busy").
    """
    if not can_fork():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores - others_running(), MAX_WORKERS))


def others_running(samples: int = 5, interval: float = 0.002) -> int:
    """Return how many tasks besides this one keep running or ready to run, by the
    kernel's count in /proc/loadavg (0 where there is none to read).

    The least of a few counts a few milliseconds apart: another program that holds a core
    is in every one, a task that runs for a moment (a kernel worker, a shell) is not, and
    must not cost a quiet machine its parallel load.
    """
    counts = []
    for sample in range(samples):
        if sample:
            time.sleep(interval)
        try:
            with open("/proc/loadavg", encoding="ascii") as loadavg:
                counts.append(int(loadavg.read().split()[3].split("/")[0]))
        except (OSError, ValueError, IndexError):
            return 0
    return max(0, min(counts) - 1)  # this process, reading, is one of them


def forks(workers: int, count: int) -> bool:
    """Return whether map_chunks shares `count` items out to forked processes: more than
    one worker and item, and no other thread in this process (a fork copies only the
    thread that forks, and any lock another one holds stays held in the child)."""
    return min(workers, count) > 1 and threading.active_count() == 1 and hasattr(os, "fork")


def map_chunks(work: Callable[[list[T]], list[R]], items: Sequence[T], workers: int) -> list[R]:
    """Return work(items) computed in up to `workers` processes, results in item order.

    `work` maps a list of items to a list of results, one each. The items are cut into
    small chunks, and each process takes the next chunk when it is done with one, so that
    a process whose core is busy with another program takes fewer: with fixed shares the
    whole load waited for the slowest process, and a load on a machine whose other core
    was busy took as long as one process doing everything, plus the forking. Each process
    starts with a chunk of its own, then they take chunks from a pipe that holds their
    numbers (reads of 4 bytes from a pipe are atomic, so no two take the same one).
    """
    if not forks(workers, len(items)):
        return work(list(items))
    workers = min(workers, len(items))
    size = max(1, min(CHUNK, len(items) // (workers * 8)))
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    try:
        queue = _queue_of(range(workers, len(chunks)))
    except OSError:
        return work(list(items))
    children: list[tuple[int, int]] = []
    for first in range(1, workers):
        child = _fork(work, chunks, first, queue)
        if child is None:
            break
        children.append(child)
    try:
        results: dict[int, list[R]] = _take(work, chunks, 0, queue)
    except BaseException:  # an error or Ctrl+C here: no child is left running or unreaped
        os.close(queue)
        for pid, pipe in children:
            os.close(pipe)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    os.close(queue)
    for pid, pipe in children:
        results.update(_collect(pid, pipe))
    ordered: list[R] = []
    for index, chunk in enumerate(chunks):
        # A chunk no child gave back (one failed, or could not be started) is done here.
        part = results.get(index)
        ordered += part if part is not None and len(part) == len(chunk) else work(chunk)
    return ordered


CHUNK = 64  # files a process takes at a time: about 10 ms of parsing


def _queue_of(numbers: range) -> int:
    """Return the read end of a pipe holding `numbers`, 4 bytes each, its write end closed."""
    read_end, write_end = os.pipe()
    data = b"".join(n.to_bytes(4, "little") for n in numbers)
    try:
        with os.fdopen(write_end, "wb") as out:  # a pipe holds 64 KB: 16,000 chunks
            out.write(data)
    except OSError:
        os.close(read_end)
        raise
    return read_end


def _take(
    work: Callable[[list[T]], list[R]], chunks: list[list[T]], first: int, queue: int
) -> dict[int, list[R]]:
    """Do chunk `first`, then every chunk whose number this process reads from `queue`."""
    done = {first: work(chunks[first])}
    while len(number := os.read(queue, 4)) == 4:
        index = int.from_bytes(number, "little")
        done[index] = work(chunks[index])
    return done


def _fork(
    work: Callable[[list[T]], list[R]], chunks: list[list[T]], first: int, queue: int
) -> tuple[int, int] | None:
    """Start a child that takes chunks (_take) and writes what it did, pickled, to a pipe;
    None if none started."""
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
                done = _take(work, chunks, first, queue)
                pickle.dump(done, out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        except BaseException:
            log.exception("a parsing process failed; its files are parsed again")
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, pipe: int) -> dict[int, list]:
    """Return the chunks a child did, by number ({} if it failed: they are done here)."""
    done: dict[int, list] | None = None
    try:
        with os.fdopen(pipe, "rb") as results:
            done = pickle.load(results)
    except Exception as error:  # a child killed half way leaves a truncated pickle
        log.warning("a parsing process failed (%s); parsing its files here", error)
    _, status = os.waitpid(pid, 0)
    if done is None or status != 0 or not isinstance(done, dict):
        return {}
    return done
