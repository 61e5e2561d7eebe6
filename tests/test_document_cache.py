"""The document cache: bodies within a byte budget, least recently used out first, and the
validators of every rendered document kept so that a 304 never renders."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable

import feedparser
import pytest

import feeds.documents
from feeds.documents import Document
from feeds.publisher import MB, Publisher
from feeds.urls import DocumentRef
from feeds.web import create_app
from tests.editing import article
from tests.helpers import FORMATS, publisher_of

KINDS_OF_DOCUMENT = [
    ("feed", "site", "", "atom"),
    ("feed", "section", "war", "rss"),
    ("feed", "author", "francis-farrell", "json"),
    ("page", "site", "", ""),
    ("page", "section", "war", ""),
    ("opml", "site", "", ""),
]
URLS = ["/feed.atom", "/sections/war/feed.rss", "/authors/francis-farrell/feed.json", "/"]


@pytest.fixture(autouse=True)
def no_kept_bodies(monkeypatch) -> None:
    """Keep no bodies in apps made here (the conftest app too): every 200 renders."""
    monkeypatch.setenv("FEEDS_DOCUMENT_CACHE_MB", "0")


@pytest.fixture
def make_publisher(data_dir, clock):
    """Return a function making a Publisher over the sample with a budget in bytes."""
    made: list[Publisher] = []

    def make(budget: int) -> Publisher:
        made.append(
            Publisher(data_dir, clock=clock, poll_interval=0, settle=0, document_cache_bytes=budget)
        )
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Return the names of the render functions the publisher calls from now on."""
    calls: list[str] = []

    def counted(name: str, render: Callable[..., bytes]) -> Callable[..., bytes]:
        def counting(*args: object) -> bytes:
            calls.append(name)
            return render(*args)

        return counting

    for name in ("render_feed", "render_feed_page", "render_index", "render_opml"):
        monkeypatch.setattr(feeds.documents, name, counted(name, getattr(feeds.documents, name)))
    return calls


def get(publisher: Publisher, what: str, kind, slug: str, fmt: str) -> tuple[Document, tuple]:
    """Return a document and its key, as a request would get them."""
    found = publisher.find(DocumentRef(what, kind, slug, fmt))
    return found.document(), found.key


def sizes(publisher: Publisher) -> dict[tuple, int]:
    """Return the size of every feed document, page and OPML, by key, all rendered."""
    view, _ = publisher.view()
    for feed in view.documents():
        for fmt in FORMATS:
            publisher.document(view, feed.document(fmt))
        publisher.document(view, DocumentRef("page", feed.kind, feed.slug))
    publisher.document(view, DocumentRef("opml"))
    contents = publisher.cache_contents()
    assert set(contents.kept) == contents.rendered, "a budget that keeps everything"
    # Keys are the same in every publisher over the same data at the same time.
    return {key: get(publisher, *what(key))[0].size for key in contents.kept}


def what(key: tuple) -> tuple:
    """Return get's arguments for a key (version, live, document reference)."""
    ref = key[2]
    assert ref.page == 0, "no archive pages here"
    return ref.document, ref.kind, ref.slug, ref.fmt


def test_kept_bodies_stay_within_the_budget_and_the_least_recently_used_go_first(make_publisher):
    size = sizes(make_publisher(100 * MB))
    # a, b, c fill the budget exactly; d, no larger than b, then needs b's room alone.
    d, b, a, c = sorted((key for key in size if key[2].page == 0), key=size.get)[:4]
    cache = make_publisher(size[a] + size[b] + size[c])
    for key in (a, b, c):
        get(cache, *what(key))
    assert cache.cache_contents().kept == (a, b, c)
    get(cache, *what(a))  # a hit: a is now the most recently used
    get(cache, *what(d))
    contents = cache.cache_contents()
    assert contents.kept == (c, a, d)  # b, the least recently used, went
    assert contents.kept_bytes == sum(size[key] for key in contents.kept) <= contents.budget
    assert contents.rendered == {a, b, c, d}


def test_the_budget_holds_over_every_document_many_times(make_publisher):
    size = sizes(make_publisher(100 * MB))
    budget = sum(size.values()) // 4
    cache = make_publisher(budget)
    view, _ = cache.view()
    for _ in range(2):  # the second time round, some hits and some renders again
        used = []
        for feed in view.documents():
            for fmt in FORMATS:
                used.append((view.catalog.version, view.moment, feed.document(fmt)))
                cache.document(view, feed.document(fmt))
                contents = cache.cache_contents()
                assert contents.kept_bytes == sum(size[key] for key in contents.kept) <= budget
    # What is kept is the most recently used, in order, as many as fit.
    kept = contents.kept
    assert 0 < len(kept) < len(used)
    assert list(kept) == used[-len(kept) :]
    assert contents.kept_bytes + size[used[-len(kept) - 1]] > budget
    assert contents.rendered == set(used)


def test_a_document_larger_than_the_budget_is_served_but_only_its_validators_kept(make_publisher):
    size = sizes(make_publisher(100 * MB))
    small, large = min(size, key=size.get), max(size, key=size.get)
    cache = make_publisher(size[small])
    for key in (small, large):
        document, _ = get(cache, *what(key))
        assert document.size == size[key]
    contents = cache.cache_contents()
    assert contents.kept == (small,)
    assert contents.rendered == {small, large}
    assert cache.validators(large) is not None


@pytest.mark.parametrize("kind", KINDS_OF_DOCUMENT)
def test_an_evicted_document_renders_again_byte_identical(make_publisher, renders, kind):
    cache = make_publisher(0)
    first, key = get(cache, *kind)
    assert cache.cache_contents().kept == ()
    assert cache.validators(key) == first.validators
    again, _ = get(cache, *kind)
    assert len(renders) == 2, "rendered again, not kept"
    assert again is not first
    assert again == first  # bodies, ETags and headers alike
    assert (again.body, again.gzipped, again.etag) == (first.body, first.gzipped, first.etag)


def test_a_kept_document_is_not_rendered_again(make_publisher, renders):
    cache = make_publisher(16 * MB)
    first, _ = get(cache, *KINDS_OF_DOCUMENT[0])
    assert get(cache, *KINDS_OF_DOCUMENT[0])[0] is first
    assert renders == ["render_feed"]


@pytest.mark.parametrize("path", URLS)
@pytest.mark.parametrize("zipped", [False, True])
@pytest.mark.parametrize("validator", ["If-None-Match", "If-Modified-Since"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_conditional_request_for_an_evicted_document_is_304_without_rendering(
    client, renders, path, zipped, validator, method
):
    encoding = {"Accept-Encoding": "gzip"} if zipped else {}
    first = client.get(path, headers=encoding)
    assert first.status_code == 200
    assert ("Content-Encoding" in first.headers) == zipped
    assert len(renders) == 1
    value = first.headers["ETag" if validator == "If-None-Match" else "Last-Modified"]
    replay = client.open(path, method=method, headers={**encoding, validator: value})
    assert replay.status_code == 304
    assert replay.data == b""
    assert replay.headers["ETag"] == first.headers["ETag"]
    assert replay.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert len(renders) == 1, "the 304 came from the validators alone"


@pytest.mark.parametrize("path", URLS)
def test_a_200_for_an_evicted_document_renders_it_once(client, renders, path):
    first = client.get(path)
    assert len(renders) == 1
    again = client.get(path)
    assert len(renders) == 2
    stale = client.get(path, headers={"If-None-Match": '"an-old-tag"'})
    assert len(renders) == 3, "no render for the validators, one for the body"
    assert again.data == stale.data == first.data
    assert again.headers["ETag"] == stale.headers["ETag"] == first.headers["ETag"]


def test_a_conditional_request_before_any_render_renders_once(app, client, renders):
    etag = client.get("/feed.rss").headers["ETag"]  # as another worker, or before a restart
    other = create_app({"DATA": app.config["DATA"], "CLOCK": app.config["CLOCK"],
                        "POLL_INTERVAL": 0, "SETTLE": 0})  # fmt: skip
    try:
        replay = other.test_client().get("/feed.rss", headers={"If-None-Match": etag})
    finally:
        publisher_of(other).close()
    assert replay.status_code == 304
    assert renders == ["render_feed", "render_feed"]


def test_a_data_change_drops_bodies_and_validators(make_publisher, data_dir):
    cache = make_publisher(16 * MB)
    before = [get(cache, *kind)[1] for kind in KINDS_OF_DOCUMENT]
    assert set(cache.cache_contents().kept) == set(before)
    (data_dir / "articles/2026/03/late-news.yaml").write_text(
        article(published='"2026-03-30 10:00"', title="Late news"), encoding="utf-8"
    )
    assert cache.refresh()
    document, key = get(cache, *KINDS_OF_DOCUMENT[0])
    assert b"Late news" in document.body
    contents = cache.cache_contents()
    assert contents.kept == (key,)
    assert contents.rendered == {key}
    assert contents.kept_bytes == document.size
    assert all(cache.validators(old) is None for old in before)


def test_an_etag_from_before_a_data_change_gets_the_new_document(
    client, data_dir, renders, publisher
):
    first = client.get("/feed.atom")
    (data_dir / "articles/2026/03/late-news.yaml").write_text(
        article(published='"2026-03-30 10:00"', title="Late news"), encoding="utf-8"
    )
    publisher.refresh()
    replay = client.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert replay.status_code == 200
    assert b"Late news" in replay.data
    assert replay.headers["ETag"] != first.headers["ETag"]


def test_a_budget_of_0_serves_200_304_and_gzip_over_http(publisher, client):
    assert publisher.document_cache_bytes == 0
    for path in URLS:
        plain = client.get(path)
        zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert plain.status_code == zipped.status_code == 200
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == plain.data
        assert int(plain.headers["Content-Length"]) == len(plain.data)
        for response in (plain, zipped):
            conditional = {"If-None-Match": response.headers["ETag"]}
            if "Content-Encoding" in response.headers:
                conditional["Accept-Encoding"] = "gzip"
            replay = client.get(path, headers=conditional)
            assert replay.status_code == 304 and replay.data == b""
        head = client.head(path)
        assert head.status_code == 200 and head.data == b""
        assert head.headers["ETag"] == plain.headers["ETag"]
    parsed = feedparser.parse(client.get("/feed.atom").data)
    assert not parsed.bozo and parsed.entries
    contents = publisher.cache_contents()
    assert contents.kept == () and contents.kept_bytes == 0
    assert len(contents.rendered) == len(URLS)


def test_threads_share_the_cache_safely(make_publisher):
    reference = {key: document for document, key in
                 (get(make_publisher(100 * MB), *kind) for kind in KINDS_OF_DOCUMENT)}  # fmt: skip
    budget = sum(document.size for document in reference.values()) // 3
    cache = make_publisher(budget)
    failures: list[str] = []

    def poll(offset: int) -> None:
        for step in range(60):
            kind = KINDS_OF_DOCUMENT[(offset + step) % len(KINDS_OF_DOCUMENT)]
            document, key = get(cache, *kind)
            if document != reference[key]:
                failures.append(f"{kind}: other bytes than the reference")

    threads = [threading.Thread(target=poll, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    contents = cache.cache_contents()
    assert contents.kept_bytes == sum(reference[key].size for key in contents.kept) <= budget
    assert contents.rendered == set(reference)


@pytest.mark.parametrize(
    ("value", "budget"),
    [(None, 8 * MB), ("", 8 * MB), ("0", 0), ("2.5", int(2.5 * MB)), (" 64 ", 64 * MB)],
)
def test_the_budget_comes_from_feeds_document_cache_mb(monkeypatch, data_dir, value, budget):
    if value is None:
        monkeypatch.delenv("FEEDS_DOCUMENT_CACHE_MB")
    else:
        monkeypatch.setenv("FEEDS_DOCUMENT_CACHE_MB", value)
    made = Publisher(data_dir, poll_interval=0)
    made.close()
    assert made.document_cache_bytes == budget


@pytest.mark.parametrize("value", ["16MB", "sixteen", "-1", "nan", "inf", "1,5"])
def test_a_bad_feeds_document_cache_mb_is_refused_at_start_up(monkeypatch, data_dir, value):
    monkeypatch.setenv("FEEDS_DOCUMENT_CACHE_MB", value)
    with pytest.raises(ValueError, match="FEEDS_DOCUMENT_CACHE_MB") as raised:
        create_app({"DATA": str(data_dir), "POLL_INTERVAL": 0})
    assert repr(value) in str(raised.value)
    assert "megabytes" in str(raised.value)


def test_a_negative_budget_argument_is_a_programming_error(data_dir):
    with pytest.raises(ValueError, match="document_cache_bytes"):
        Publisher(data_dir, poll_interval=0, document_cache_bytes=-1)
