"""A server's first load leaves its bodies undeflated until the first feed was answered
(body.packing_deferred, Store.defer_packing, publisher._pack_later): a body is the same
value whether its Markdown is deflated yet or not, and it is deflated soon after."""

from __future__ import annotations

import os
import pickle
import threading
import time

from hypothesis import given
from hypothesis import strategies as st

from feeds import manifest
from feeds.body import Body, packing_deferred
from feeds.publisher import Publisher
from feeds.store import Store
from feeds.web import create_app

URLS = st.sampled_from(["https://news.example.org/war/a", "https://news.example.org/war/b"])


def deferred(source: str, base_url: str) -> Body:
    with packing_deferred():
        return Body(source, base_url)


@given(source=st.text(), other=st.text(), url=URLS, other_url=URLS)
def test_a_body_is_the_same_value_deflated_or_not(source, other, url, other_url):
    packed, kept = Body(source, url), deferred(source, url)
    assert packed.packed and not kept.packed
    assert kept == packed and packed == kept and hash(kept) == hash(packed)
    assert kept.source == packed.source == source
    assert pickle.dumps(kept) == pickle.dumps(packed)
    assert manifest.Digests().of(kept) == manifest.Digests().of(packed)
    # Unequal stays unequal, whichever is deflated.
    assert (deferred(other, other_url) == packed) == (other == source and other_url == url)
    assert (Body(other, other_url) == kept) == (other == source and other_url == url)


def test_a_deferred_body_deflates_once_and_renders_alike():
    source = "A *first* paragraph with [a link](https://example.org/x).\n\nMore."
    kept = deferred(source, "https://news.example.org/war/a")
    assert (kept.html, kept.first_paragraph) == (
        Body(source, kept.base_url).html,
        Body(source, kept.base_url).first_paragraph,
    )
    first = kept.pack()
    assert kept.packed and kept.pack() is first and kept.source == source
    assert pickle.loads(pickle.dumps(kept)) == kept


def test_deferring_ends_with_its_block():
    with packing_deferred():
        with packing_deferred():
            assert not Body("x", "u").packed
        assert not Body("x", "u").packed
    assert Body("x", "u").packed


def bodies(store: Store) -> list[Body]:
    return [article.body for article in store.catalog.articles]


def test_a_deferred_load_equals_a_packed_one_before_and_after_packing(data_dir):
    packed = Store(data_dir, settle=0, use_cache=False, workers=1)
    packed.refresh()
    kept = Store(data_dir, settle=0, use_cache=False, workers=1, defer_packing=True)
    kept.refresh()
    assert kept.unpacked and not any(body.packed for body in bodies(kept))
    assert all(body.packed for body in bodies(packed))
    for store in (kept, kept):  # before packing, then after
        assert store.catalog.articles == packed.catalog.articles
        assert store.catalog.version == packed.catalog.version
        assert store.problems == packed.problems
        kept.pack_bodies()
    assert not kept.unpacked and all(body.packed for body in bodies(kept))
    # Only the first load defers: a body read again after an edit is deflated at once.
    path = data_dir / kept.catalog.articles[0].path
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nbody: |\n", "\nbody: |\n  Edited.\n\n", 1), encoding="utf-8")
    assert kept.refresh()
    assert "Edited." in by_path(kept)[kept.catalog.articles[0].path].body.source
    assert all(body.packed for body in bodies(kept))


def by_path(store: Store) -> dict:
    return {article.path: article for article in store.catalog.articles}


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_server_deflates_its_bodies_after_the_first_feed(data_dir, monkeypatch):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    monkeypatch.setattr("feeds.publisher.PACK_AFTER", 60.0)  # only the feed sets it off
    app = create_app({"DATA": str(data_dir), "POLL_INTERVAL": 0})
    store = app.extensions["feeds"].store
    try:
        assert store.unpacked and not any(body.packed for body in bodies(store))
        assert app.test_client().get("/feed.atom").status_code == 200
        assert wait_until(lambda: not store.unpacked)
        assert all(body.packed for body in bodies(store))
    finally:
        app.extensions["feeds"].close()


def test_a_server_asked_for_nothing_deflates_them_anyway(data_dir, monkeypatch):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    monkeypatch.setattr("feeds.publisher.PACK_AFTER", 0.05)
    publisher = Publisher(data_dir, poll_interval=0, defer_packing=True)
    try:
        assert wait_until(lambda: not publisher.store.unpacked)
        assert all(body.packed for body in bodies(publisher.store))
    finally:
        publisher.close()


def test_no_process_is_forked_with_bodies_undeflated(data_dir, monkeypatch):
    # As gunicorn --preload forks its workers from a master that served nothing.
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    monkeypatch.setattr("feeds.publisher.PACK_AFTER", 60.0)
    publisher = Publisher(data_dir, poll_interval=0, defer_packing=True)
    try:
        assert publisher.store.unpacked
        pid = os.fork()
        if pid == 0:
            os._exit(0 if all(body.packed for body in bodies(publisher.store)) else 1)
        assert os.waitpid(pid, 0)[1] == 0
        assert not publisher.store.unpacked
    finally:
        publisher.close()


def test_packing_gives_the_freed_memory_back_once(data_dir, monkeypatch):
    calls = []
    monkeypatch.setattr("feeds.store.release_freed_memory", lambda: calls.append(1))
    store = Store(data_dir, settle=0, use_cache=False, workers=1, defer_packing=True)
    store.refresh()
    store.pack_bodies()
    store.pack_bodies()  # nothing left to pack: nothing to give back
    assert calls == [1]


def test_a_closed_server_leaves_no_thread_behind(data_dir, monkeypatch):
    # A thread left running would keep this process from forking its loads and builds.
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    monkeypatch.setattr("feeds.publisher.PACK_AFTER", 60.0)
    before = {thread.name for thread in threading.enumerate()}
    publisher = Publisher(data_dir, poll_interval=0, defer_packing=True)
    assert "feeds-pack" in {thread.name for thread in threading.enumerate()} - before
    publisher.close()
    assert "feeds-pack" not in {thread.name for thread in threading.enumerate()}
    assert publisher.store.unpacked  # closed before any feed: nothing deflated for nothing


def test_a_forked_load_is_deflated_as_it_comes_back(data_dir, forked):
    # Each process deflates its share as it sends it back; the load waits for the slowest
    # process anyway, so the parent's share is deflated too (no holes left in its heap).
    store = Store(
        data_dir, settle=0, use_cache=False, workers=2, parallel_from=1, defer_packing=True
    )
    store.refresh()
    assert forked  # shared out
    assert not store.unpacked and all(body.packed for body in bodies(store))
