"""A first load spread over forked processes gives exactly what one process gives."""

from __future__ import annotations

import os
import threading
import time

import pytest

from feeds import parallel
from feeds.store import Store
from tests.conftest import NOW

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def squares_with_pids(items: list[int]) -> list[tuple[int, int]]:
    return [(item * item, os.getpid()) for item in items]


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_results_come_back_in_item_order_from_every_process(workers):
    items = list(range(23))
    results = parallel.map_chunks(squares_with_pids, items, workers)
    assert [square for square, _ in results] == [item * item for item in items]
    pids = {pid for _, pid in results}
    assert os.getpid() in pids  # this process takes a share too
    assert len(pids) == min(workers, len(items))


def test_a_child_that_raises_has_its_share_done_here():
    parent = os.getpid()

    def fails_in_children(items: list[int]) -> list[tuple[int, int]]:
        if os.getpid() != parent:
            raise RuntimeError("boom")
        return squares_with_pids(items)

    results = parallel.map_chunks(fails_in_children, list(range(10)), 3)
    assert results == [(item * item, parent) for item in range(10)]


def test_a_child_that_dies_half_way_has_its_share_done_here():
    parent = os.getpid()

    def dies_in_children(items: list[int]) -> list[tuple[int, int]]:
        if os.getpid() != parent:
            os._exit(9)  # killed: no results, an unclean exit
        return squares_with_pids(items)

    results = parallel.map_chunks(dies_in_children, list(range(10)), 2)
    assert results == [(item * item, parent) for item in range(10)]


def test_an_error_here_leaves_no_child_behind(forked):
    parent = os.getpid()

    def fails_here(items: list[int]) -> list[tuple[int, int]]:
        if os.getpid() == parent:
            raise KeyError("boom")
        time.sleep(30)  # a child still at work
        return squares_with_pids(items)

    with pytest.raises(KeyError):
        parallel.map_chunks(fails_here, list(range(10)), 3)
    assert len(forked) == 2
    for pid in forked:
        with pytest.raises(ChildProcessError):  # killed and reaped already
            os.waitpid(pid, os.WNOHANG)


def test_nothing_is_forked_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        results = parallel.map_chunks(squares_with_pids, list(range(10)), 4)
    finally:
        stop.set()
        other.join()
    assert {pid for _, pid in results} == {os.getpid()}


def snapshot(loaded: Store) -> tuple:
    view = loaded.catalog.view(NOW)
    return (
        loaded.catalog.version,
        tuple(loaded.problems),
        tuple((a.path, a.id, a.url, a.title, a.body.source, a.published) for a in view.live),
    )


def test_a_parallel_load_equals_a_serial_one(data_dir, monkeypatch, forked):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    (data_dir / "articles" / "broken.yaml").write_text("title: [unclosed\n")
    (data_dir / "articles" / "stray.yaml").write_text("title: No section\nbody: Text\n")
    serial = Store(data_dir, workers=1)
    serial.refresh()
    spread = Store(data_dir, workers=3, parallel_from=1)
    spread.refresh()
    assert len(forked) == 2
    assert snapshot(spread) == snapshot(serial)
    assert {p.path for p in spread.problems} >= {"articles/broken.yaml", "articles/stray.yaml"}


def test_a_process_on_a_busy_core_takes_fewer_chunks():
    """Chunks go to whichever process is free: a child slowed down (its core busy with
    another program) does not hold the load up with a fixed half of the files."""
    parent = os.getpid()

    def slow_in_children(items: list[int]) -> list[tuple[int, int]]:
        if os.getpid() != parent:
            time.sleep(0.5)
        return squares_with_pids(items)

    items = list(range(160))
    started = time.monotonic()
    results = parallel.map_chunks(slow_in_children, items, 2)
    assert [square for square, _ in results] == [item * item for item in items]
    here = sum(pid == parent for _, pid in results)
    assert here > 0.8 * len(items)  # with fixed shares, half
    assert time.monotonic() - started < 2.5  # not 8 chunks of 0.5 s in the child


@pytest.mark.parametrize(
    ("cores", "others", "workers"),
    [(2, 0, 2), (2, 1, 1), (2, 5, 1), (4, 1, 3), (16, 0, parallel.MAX_WORKERS)],
)
def test_a_load_takes_only_the_cores_no_other_program_is_running_on(
    monkeypatch, cores, others, workers
):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    monkeypatch.setattr(parallel, "others_running", lambda: others)
    assert parallel.available_workers() == workers


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="needs Linux's /proc")
def test_what_else_runs_is_read_from_the_kernel():
    # This process is running as it reads: the count is of the others, never negative.
    assert parallel.others_running() >= 0
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        runnable = int(loadavg.read().split()[3].split("/")[0])
    assert runnable >= 1  # the format read: "0.10 0.20 0.30 1/234 5678"


def test_bodies_rendered_in_forked_processes_are_rendered_as_at_home(forked):
    from feeds.body import Body, render_all

    sources = [
        f"Paragraph **{n}** with [a link](https://example.org/{n}).\n\nMore." for n in range(150)
    ]
    bodies = [Body(source, f"https://news.example.org/a/{n}") for n, source in enumerate(sources)]
    assert bodies[7].html  # rendered already: left as it is
    render_all(bodies, workers=2)
    assert forked  # shared out
    assert all(body.rendered for body in bodies)
    at_home = [Body(source, body.base_url) for source, body in zip(sources, bodies, strict=True)]
    assert [(b.html, b.first_paragraph) for b in bodies] == [
        (b.html, b.first_paragraph) for b in at_home
    ]
