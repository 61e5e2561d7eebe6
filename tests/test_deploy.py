"""The deploy/ configurations, run for real: gunicorn with 2 workers behind a caching nginx,
and nginx serving a static export, each on its own 127.0.0.1 port.

What readers see through nginx is checked against what the app itself serves (a Flask test
client over the same data, on the real clock as gunicorn and `feeds build` are): the same
bytes, content types and Cache-Control, 304s on replay, gzip and identity through one cache,
and an edit reaching readers once the cached copy is older than max-age.

Servers: Debian's nginx (installed by .ci/run) and the venv's gunicorn and feeds scripts.
Without them these tests are skipped with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import feedparser
import pytest
from flask.testing import FlaskClient

from feeds.web import create_app
from tests import helpers, servers
from tests.conftest import SAMPLE
from tests.helpers import publisher_of
from tests.servers import Response, request

ARTICLE = "articles/2026/02/japan-nato-purl.yaml"  # in the War section
OLD_TITLE, NEW_TITLE = "Japan could join", "Japan and South Korea could join"
DOCUMENTS = [
    ("/feed.rss", "application/rss+xml; charset=utf-8"),
    ("/feed.atom", "application/atom+xml; charset=utf-8"),
    ("/feed.json", "application/feed+json; charset=utf-8"),
    ("/sections/war/feed.atom", "application/atom+xml; charset=utf-8"),
    ("/feeds.opml", "text/x-opml; charset=utf-8"),
    ("/", "text/html; charset=utf-8"),
]


def copy_sample(target: Path, **settings: int) -> Path:
    """Copy the sample publication to target, replacing site.yaml settings given."""
    shutil.copytree(SAMPLE, target)
    site = target / "site.yaml"
    lines = [
        line
        for line in site.read_text(encoding="utf-8").splitlines()
        if line.split(":", 1)[0] not in settings
    ]
    lines += [f"{name}: {value}" for name, value in settings.items()]
    site.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """Return a test client of the app over an untouched copy of the sample."""
    app = create_app(
        {"DATA": str(copy_sample(tmp_path_factory.mktemp("reference") / "data")),
         "POLL_INTERVAL": 0}
    )  # fmt: skip
    yield app.test_client()
    publisher_of(app).close()


def assert_304(response: Response, etag: str) -> None:
    """Assert what every 304 carries, and the Date a real server adds."""
    helpers.assert_304(response, etag)
    assert response.headers["Date"]


# -- nginx caching gunicorn -----------------------------------------------------------------


@dataclass
class ProxyStack:
    data: Path
    gunicorn: servers.Server
    origin: str  # gunicorn's URL, bypassing nginx
    url: str  # nginx's URL


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyStack]:
    """Run gunicorn (2 workers) over a copy of the sample, and nginx caching it."""
    home = tmp_path_factory.mktemp("proxy")
    with proxy_stack(copy_sample(home / "data"), home) as stack:
        yield stack


@contextlib.contextmanager
def proxy_stack(data: Path, home: Path) -> Iterator[ProxyStack]:
    """Start gunicorn over data and nginx in front of it; stop both when done."""
    with servers.gunicorn(data, home / "gunicorn.log") as (gunicorn, origin):
        upstream = {"FEEDS_UPSTREAM": origin.removeprefix("http://")}
        with servers.nginx("nginx-proxy.conf", upstream, home / "nginx") as (_, url):
            yield ProxyStack(data, gunicorn, origin, url)


@pytest.mark.parametrize(("path", "content_type"), DOCUMENTS)
def test_proxy_serves_what_the_app_serves(proxy, reference, path, content_type):
    response = request(proxy.url, path)
    expected = reference.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert response.body == expected.data
    for name in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
        assert response.headers[name] == expected.headers[name], name


@pytest.mark.parametrize("path", ["/feed.rss", "/sections/war/feed.atom", "/"])
def test_proxy_answers_replays_with_304_from_its_cache(proxy, path):
    first = request(proxy.url, path)
    etag = first.headers["ETag"]
    replay = request(proxy.url, path, {"If-None-Match": etag})
    assert_304(replay, etag)
    assert replay.headers["X-Cache-Status"] == "HIT"  # answered by nginx, not gunicorn
    since = request(proxy.url, path, {"If-Modified-Since": first.headers["Last-Modified"]})
    assert_304(since, etag)
    stale = request(proxy.url, path, {"If-None-Match": '"an-old-tag"'})
    assert stale.status == 200
    assert stale.body == first.body


@pytest.mark.parametrize(
    ("path", "order"),
    [
        ("/authors/francis-farrell/feed.rss", ["gzip", "identity"]),
        ("/sections/culture/feed.atom", ["identity", "gzip"]),
    ],
)
def test_proxy_keeps_gzip_and_identity_apart(proxy, reference, path, order):
    identity = reference.get(path).data
    encodings = {"gzip": {"Accept-Encoding": "gzip"}, "identity": {}}
    for round_ in ("fetch", "from cache"):
        for encoding in order:
            response = request(proxy.url, path, encodings[encoding])
            assert response.status == 200
            assert response.headers["Vary"] == "Accept-Encoding"
            if round_ == "from cache":
                assert response.headers["X-Cache-Status"] == "HIT"
            if encoding == "gzip":
                assert response.headers["Content-Encoding"] == "gzip"
                assert response.headers["ETag"].endswith('-gzip"')
                assert gzip.decompress(response.body) == identity
            else:
                assert "Content-Encoding" not in response.headers
                assert response.body == identity
    # Another way of asking for gzip is another cached variant, with the same answer.
    browser = request(proxy.url, path, {"Accept-Encoding": "gzip, deflate, br"})
    assert browser.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(browser.body) == identity
    zipped_etag = browser.headers["ETag"]
    assert_304(request(proxy.url, path, {"Accept-Encoding": "gzip", "If-None-Match": zipped_etag}),
               zipped_etag)  # fmt: skip
    # The gzip tag does not validate the identity body.
    assert request(proxy.url, path, {"If-None-Match": zipped_etag}).status == 200


def test_proxy_passes_errors_through_uncached(proxy):
    for _ in range(2):
        missing = request(proxy.url, "/sections/nope/feed.rss")
        assert missing.status == 404
        assert missing.headers["X-Cache-Status"] == "MISS"
    assert request(proxy.url, "/feed.rss", method="POST").status == 405
    health = request(proxy.url, "/healthz")
    assert health.status == 200
    assert health.headers["Cache-Control"] == "no-store"
    assert json.loads(health.body)["status"] == "ok"


def sample_workers(origin: str, connections: int, until: float) -> dict[str, set]:
    """Return, per worker, the set of (ETag, body) pairs its answers had, for the identity
    and gzip site feed.

    A worker is told by /healthz's reloaded_at (the moment that process loaded the data),
    asked on the same keep-alive connection, so of the same process, as the feeds."""
    seen: dict[str, set] = {}
    for _ in range(connections):
        if time.monotonic() > until:
            break
        host, port = origin.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            answers = []
            for path, headers in [
                ("/healthz", {}),
                ("/feed.rss", {}),
                ("/feed.rss", {"Accept-Encoding": "gzip"}),
            ]:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                answers.append((response.status, response.headers["ETag"], response.read()))
        finally:
            connection.close()
        assert [status for status, _, _ in answers] == [200, 200, 200]
        worker = json.loads(answers[0][2])["reloaded_at"]
        seen.setdefault(worker, set()).update((etag, body) for _, etag, body in answers[1:])
    return seen


def test_workers_and_a_restarted_worker_serve_identical_bytes_and_etags(proxy):
    master = proxy.gunicorn.pid
    workers = servers.worker_pids(master)
    assert len(workers) == 2, proxy.gunicorn.tail()
    deadline = time.monotonic() + 15
    before = sample_workers(proxy.origin, 40, deadline)
    assert len(before) == 2, "both workers answered"
    [answers] = {frozenset(pairs) for pairs in before.values()}
    assert len(answers) == 2  # one identity (ETag, bytes) and one gzip, the same in both

    killed = min(workers)
    os.kill(killed, signal.SIGKILL)  # gunicorn replaces it with a fresh process
    killed_at = datetime.now(UTC)
    while time.monotonic() < deadline:
        current = servers.worker_pids(master)
        if len(current) == 2 and killed not in current:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"no new worker after killing {killed}:\n{proxy.gunicorn.tail()}")

    def loaded_after_kill(worker: str) -> bool:
        return datetime.fromisoformat(worker.replace("Z", "+00:00")) > killed_at

    after: dict[str, set] = {}
    while time.monotonic() < deadline and not any(map(loaded_after_kill, after)):
        for worker, pairs in sample_workers(proxy.origin, 10, deadline).items():
            after.setdefault(worker, set()).update(pairs)
    assert any(map(loaded_after_kill, after)), "the new worker answered"
    for pairs in after.values():
        assert frozenset(pairs) == answers


def test_an_edit_reaches_readers_through_the_cache_after_max_age(tmp_path):
    max_age = 2
    data = copy_sample(tmp_path / "data", max_age=max_age)
    path = "/sections/war/feed.atom"
    with proxy_stack(data, tmp_path) as stack:
        first = request(stack.url, path)
        assert first.headers["Cache-Control"] == f"public, max-age={max_age}"
        assert first.headers["X-Cache-Status"] == "MISS"
        zipped = request(stack.url, path, {"Accept-Encoding": "gzip"})
        assert request(stack.url, path).headers["X-Cache-Status"] == "HIT"

        # Once stale, nginx asks gunicorn with the cached validators and gets a 304.
        time.sleep(max_age + 1.1)  # nginx counts expiry in whole seconds
        revalidated = request(stack.url, path)
        assert revalidated.headers["X-Cache-Status"] == "REVALIDATED"
        assert revalidated.body == first.body

        article = data / ARTICLE
        article.write_text(article.read_text().replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
        saved = time.monotonic()
        # max-age, nginx's whole-second rounding, the app's 2 s reload, and slack.
        deadline = saved + max_age + 1 + 2 + 3
        fresh: dict[str, Response] = {}
        while time.monotonic() < deadline and len(fresh) < 2:
            for encoding, headers in [("identity", {}), ("gzip", {"Accept-Encoding": "gzip"})]:
                response = request(stack.url, path, headers)
                body = gzip.decompress(response.body) if encoding == "gzip" else response.body
                if NEW_TITLE.encode() in body:
                    fresh.setdefault(encoding, response)
            time.sleep(0.1)
        waited = time.monotonic() - saved
        assert set(fresh) == {"identity", "gzip"}, f"still the old feed after {waited:.1f} s"

        entries = feedparser.parse(fresh["identity"].body).entries
        assert NEW_TITLE in next(e.title for e in entries if "South Korea" in e.title)
        assert fresh["identity"].headers["ETag"] != first.headers["ETag"]
        assert fresh["gzip"].headers["ETag"] != zipped.headers["ETag"]
        # A poller holding the old ETag now gets the new feed.
        poll = request(stack.url, path, {"If-None-Match": first.headers["ETag"]})
        assert poll.status == 200
        assert poll.body == fresh["identity"].body

        # Behind nginx, every worker has the edit, even one that served nothing since it
        # booted (nginx reuses one upstream connection, so one worker may have been idle).
        workers = sample_workers(stack.origin, 40, time.monotonic() + 10)
        assert len(workers) == 2, "both workers answered"
        for pairs in workers.values():
            for _, body in pairs:
                text = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
                assert NEW_TITLE.encode() in text


def test_proxy_serves_its_last_copy_while_gunicorn_is_down(tmp_path):
    max_age = 1
    data = copy_sample(tmp_path / "data", max_age=max_age)
    with proxy_stack(data, tmp_path) as stack:
        good = request(stack.url, "/feed.atom")
        stack.gunicorn.stop()
        time.sleep(max_age + 1.1)  # expired, so nginx tries gunicorn and cannot reach it
        response = request(stack.url, "/feed.atom")
        assert response.status == 200
        assert response.headers["X-Cache-Status"] == "STALE"
        assert response.body == good.body
        never_fetched = request(stack.url, "/sections/culture/feed.json")
        assert never_fetched.status == 502  # nothing cached to fall back on


# -- nginx serving a static export ----------------------------------------------------------


@dataclass
class StaticStack:
    data: Path
    out: Path
    url: str
    app: FlaskClient


def feeds_build(out: Path, data: Path) -> None:
    """Run `feeds build OUT --data DATA` as an operator would."""
    command = [str(servers.find_script("feeds")), "build", str(out), "--data", str(data)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


@contextlib.contextmanager
def static_stack(home: Path) -> Iterator[StaticStack]:
    """Export a copy of the sample (with archive pages) and serve it with nginx."""
    # Five entries a feed, so the site feed has archive pages: 1 and 2 full, 3 partial.
    data = copy_sample(home / "data", items_per_feed=5, archive_size=5)
    out = home / "out"
    feeds_build(out, data)
    app = create_app({"DATA": str(data), "POLL_INTERVAL": 0, "SETTLE": 0})
    try:
        with servers.nginx("nginx-static.conf", {"FEEDS_EXPORT": str(out)}, home / "nginx") as (
            _,
            url,
        ):
            yield StaticStack(data, out, url, app.test_client())
    finally:
        publisher_of(app).close()


@pytest.fixture(scope="module")
def static(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticStack]:
    with static_stack(tmp_path_factory.mktemp("static")) as stack:
        yield stack


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        *DOCUMENTS,
        ("/sections/war/", "text/html; charset=utf-8"),
        ("/sections/war/feed.rss", "application/rss+xml; charset=utf-8"),
        ("/archive/1.atom", "application/atom+xml; charset=utf-8"),
    ],
)
def test_static_export_serves_what_the_app_serves(static, path, content_type):
    response = request(static.url, path)
    expected = static.app.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type == expected.headers["Content-Type"]
    assert response.body == expected.data
    assert response.headers["Cache-Control"] == expected.headers["Cache-Control"]
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["ETag"].startswith('"')  # strong


@pytest.mark.parametrize("path", ["/feed.rss", "/sections/war/", "/archive/1.json"])
def test_static_export_answers_replays_with_304(static, path):
    first = request(static.url, path)
    etag = first.headers["ETag"]
    assert_304(request(static.url, path, {"If-None-Match": etag}), etag)
    assert_304(request(static.url, path, {"If-Modified-Since": first.headers["Last-Modified"]}),
               etag)  # fmt: skip
    assert request(static.url, path, {"If-None-Match": '"an-old-tag"'}).body == first.body


@pytest.mark.parametrize(("path", "file"), [("/feed.atom", "feed.atom"), ("/", "index.html")])
def test_static_export_serves_the_gz_siblings(static, path, file):
    identity = request(static.url, path)
    zipped = request(static.url, path, {"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.status == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert zipped.headers["Content-Type"] == identity.headers["Content-Type"]
    assert zipped.headers["Cache-Control"] == identity.headers["Cache-Control"]
    assert zipped.body == (static.out / f"{file}.gz").read_bytes()
    assert gzip.decompress(zipped.body) == identity.body
    assert zipped.headers["ETag"] != identity.headers["ETag"]
    etag = zipped.headers["ETag"]
    assert_304(request(static.url, path, {"Accept-Encoding": "gzip", "If-None-Match": etag}), etag)
    again = request(static.url, path, {"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in again.headers
    assert again.body == identity.body


@pytest.mark.parametrize(
    "path",
    ["/nope", "/sections/nope/feed.rss", "/feed.rss.gz", "/index.html", "/healthz", "/feed.xml"],
)
def test_static_export_answers_404_for_anything_else(static, path):
    response = request(static.url, path)
    assert response.status == 404
    assert "Cache-Control" not in response.headers


def test_static_export_rebuild_changes_only_what_changed(tmp_path):
    with static_stack(tmp_path) as stack:
        war, culture = "/sections/war/feed.rss", "/sections/culture/feed.rss"
        before = {path: request(stack.url, path) for path in (war, culture)}
        article = stack.data / ARTICLE
        article.write_text(article.read_text().replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
        feeds_build(stack.out, stack.data)  # swapped in under the running nginx

        changed = request(stack.url, war, {"If-None-Match": before[war].headers["ETag"]})
        assert changed.status == 200
        assert NEW_TITLE.encode() in changed.body
        publisher_of(stack.app.application).refresh()
        assert changed.body == stack.app.get(war).data  # the app, reloaded, agrees
        # An unchanged file is the previous build's, hard-linked: same ETag, still 304.
        etag = before[culture].headers["ETag"]
        assert_304(request(stack.url, culture, {"If-None-Match": etag}), etag)


def test_static_export_same_size_edit_rebuilt_within_a_second_gets_a_new_etag(tmp_path):
    with static_stack(tmp_path) as stack:
        war = "/sections/war/feed.rss"
        article = stack.data / ARTICLE
        article.write_text(article.read_text().replace("Japan could", "Tokyo could"))
        # As if the first build had just run: its file dated this very second, and the
        # rebuild, well under a second, finishing within it.
        time.sleep(1 - time.time() % 1)
        second = int(time.time())
        for name in ("sections/war/feed.rss", "sections/war/feed.rss.gz"):
            os.utime(stack.out / name, (second, second))
        before = request(stack.url, war)
        feeds_build(stack.out, stack.data)
        after = request(stack.url, war, {"If-None-Match": before.headers["ETag"]})
        assert after.status == 200
        assert b"Tokyo could" in after.body


# A long Cyrillic old slug: nginx's $uri has it decoded, two bytes a letter, a key longer
# than nginx's default map bucket.
OLD_CYRILLIC = "повномасштабна-війна-проти-україни"
RENAMED = [  # (old URL, new path): War's section slug is now conflict
    ("/sections/war/feed.rss", "/sections/conflict/feed.rss"),
    ("/sections/war/archive/1.atom", "/sections/conflict/archive/1.atom"),
    ("/sections/war/", "/sections/conflict/"),
    (quote(f"/sections/{OLD_CYRILLIC}/archive/2.json"), "/sections/conflict/archive/2.json"),
    ("/sections/war/feed.json?utm_source=reader", "/sections/conflict/feed.json?utm_source=reader"),
]


def test_static_export_redirects_the_old_urls_of_a_renamed_section(tmp_path):
    data = copy_sample(tmp_path / "data", items_per_feed=2, archive_size=2)  # archive pages
    sections = data / "sections.yaml"
    renamed = f"- slug: conflict\n  formerly: [war, {OLD_CYRILLIC}]\n"
    text = sections.read_text(encoding="utf-8").replace("- slug: war\n", renamed)
    sections.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    feeds_build(out, data)
    app = create_app({"DATA": str(data), "POLL_INTERVAL": 0, "SETTLE": 0})
    try:
        with servers.nginx("nginx-static.conf", {"FEEDS_EXPORT": str(out)}, tmp_path / "nginx") as (
            _,
            url,
        ):
            for path, target in RENAMED:
                for method in ("GET", "HEAD"):
                    response = request(url, path, {"Host": "evil.example"}, method=method)
                    assert response.status == 301, (path, method)
                    location = response.headers["Location"]
                    assert location == "https://news.example.org" + target
                    assert location == app.test_client().open(path).headers["Location"]
                    assert response.headers["Cache-Control"] == "public, max-age=300"
                assert request(url, urlsplit(target).path).status == 200
            for missing in ("/sections/war/archive/9.rss", "/tags/NATO/feed.rss", "/redirects.map"):
                assert request(url, missing).status == 404, missing
    finally:
        publisher_of(app).close()
