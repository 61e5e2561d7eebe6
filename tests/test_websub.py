"""WebSub publishing and CDN purges, against a receiving HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from feeds.notify import Notifier
from feeds.publisher import Publisher
from feeds.urls import DOCUMENTS, feed_documents
from feeds.web import create_app
from tests.conftest import NOW, Clock
from tests.helpers import FORMATS, publisher_of

ARTICLE = "articles/2026/02/japan-nato-purl.yaml"


class Receiver:
    """An HTTP server that records POSTs and answers with queued statuses (default 204)."""

    def __init__(self):
        self.requests: list[tuple[str, str, bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, self.headers["Content-Type"], body))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def published(self) -> list[str]:
        """Return the hub.url of every publish notification received, in order."""
        out = []
        for path, content_type, body in self.requests:
            if path == "/hub":
                assert content_type == "application/x-www-form-urlencoded"
                form = urllib.parse.parse_qs(body.decode())
                assert form["hub.mode"] == ["publish"]
                out += form["hub.url"]
        return out

    def purges(self) -> list[dict]:
        return [json.loads(body) for path, _, body in self.requests if path == "/purge"]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def hub_app(data_dir, receiver, clock):
    with (data_dir / "site.yaml").open("a") as site:
        site.write(f"hubs: [{receiver.url}/hub]\npurge_webhook: {receiver.url}/purge\n")
        site.write("stale_while_revalidate: 60\nstale_if_error: 86400\n")
    app = create_app({
        "DATA": str(data_dir), "CLOCK": clock, "POLL_INTERVAL": 0, "SETTLE": 0,
        "NOTIFY_BACKOFF": 0.05,
    })  # fmt: skip
    yield app
    publisher_of(app).close()


def settle(app, receiver, expected_requests: int | None = None) -> None:
    publisher = publisher_of(app)
    assert publisher.notifier.wait_idle(10)
    if expected_requests is not None:
        assert len(receiver.requests) == expected_requests


def test_an_edit_notifies_each_hub_once_per_changed_feed_url(hub_app, receiver, data_dir):
    client = hub_app.test_client()
    view = publisher_of(hub_app).view()[0]
    before = {f"{f.path}.{fmt}": client.get(f"{f.path}.{fmt}").data
              for f in view.documents()
              for fmt in FORMATS}  # fmt: skip
    # News platforms' feeds are feeds too: announced to the hubs when their bytes change.
    partner_feeds = [ref.path for f in view.feeds()
                     for ref in feed_documents(view.catalog.site, f.kind, f.slug)
                     if DOCUMENTS[ref.document].syndicated]  # fmt: skip
    assert partner_feeds
    before |= {path: client.get(path).data for path in partner_feeds}
    path = data_dir / ARTICLE
    path.write_text(path.read_text().replace("title: Japan could", "title: Tokyo could"))
    publisher_of(hub_app).refresh()
    settle(hub_app, receiver)

    changed = sorted(
        f"https://news.example.org{p}" for p, body in before.items() if client.get(p).data != body
    )
    published = receiver.published()
    assert sorted(published) == changed  # exactly the feeds whose bytes changed
    assert len(published) == len(set(published))  # each once
    assert "https://news.example.org/sections/war/feed.atom" in published
    assert "https://news.example.org/sections/culture/feed.atom" not in published
    [purge] = receiver.purges()
    assert set(changed) <= set(purge["urls"])
    assert "https://news.example.org/sections/war/" in purge["urls"]
    assert {"site", "section/war", "author/francis-farrell", "tag/japan"} <= set(
        purge["surrogate_keys"]
    )

    # Nothing changed: nothing is sent.
    count = len(receiver.requests)
    publisher_of(hub_app).refresh()
    settle(hub_app, receiver, expected_requests=count)


def test_failed_notifications_are_retried_with_backoff(hub_app, receiver, data_dir):
    receiver.statuses = [503, 503]  # the first two requests fail, whichever they are
    path = data_dir / "articles/2026/03/opinion-sanctions-enforcement.yaml"
    path.write_text(
        path.read_text()
        .replace("title:", "title: Updated:", 1)
        .replace("title: Updated:", "title: Updated", 1)
    )
    publisher_of(hub_app).refresh()
    settle(hub_app, receiver)
    published = receiver.published()
    # Two failed attempts, then every URL delivered exactly once more.
    delivered = [url for url, _ in publisher_of(hub_app).notifier.delivered]
    assert len(receiver.requests) == len(delivered) + 2
    assert len(set(published)) == len([u for u in delivered if u.endswith("/hub")])


def test_permanent_failures_are_not_retried(receiver):
    notifier = Notifier("test-permanent", backoff=0.01)
    receiver.statuses = [400]
    notifier._send(f"{receiver.url}/hub", b"hub.mode=publish", "text/plain")
    assert notifier.wait_idle(5)
    assert len(receiver.requests) == 1
    assert notifier.delivered == []


def test_a_scheduled_article_going_live_is_announced(hub_app, receiver, clock, write):
    write(
        "articles/2026/06/later.yaml",
        f"""
        title: Published later
        section: culture
        author: dmytro-kovalenko
        published: "{(NOW + timedelta(minutes=5)).isoformat()}"
        body: Soon.
    """,
    )
    publisher = publisher_of(hub_app)
    publisher.refresh()
    settle(hub_app, receiver)
    assert receiver.published() == []  # adding a scheduled article changes no feed yet
    clock.now = NOW + timedelta(minutes=5)
    publisher.refresh()
    settle(hub_app, receiver)
    assert "https://news.example.org/sections/culture/feed.rss" in receiver.published()


def test_only_one_process_announces(data_dir, receiver):
    with (data_dir / "site.yaml").open("a") as site:
        site.write(f"hubs: [{receiver.url}/hub]\n")
    first = Publisher(data_dir, poll_interval=0, settle=0, clock=Clock())
    second = Publisher(data_dir, poll_interval=0, settle=0, clock=Clock())
    path = data_dir / ARTICLE
    path.write_text(path.read_text().replace("title: Japan could", "title: Tokyo could"))
    first.refresh()
    second.refresh()
    assert first.notifier.wait_idle(10) and second.notifier.wait_idle(10)
    published = receiver.published()
    assert published and len(published) == len(set(published))
    assert bool(first.notifier.delivered) != bool(second.notifier.delivered)
    first.close()
    second.close()


def test_feed_responses_carry_websub_and_cdn_headers(hub_app, receiver):
    client = hub_app.test_client()
    response = client.get("/sections/war/feed.atom")
    assert response.headers["Link"] == (
        f'<{receiver.url}/hub>; rel="hub", '
        '<https://news.example.org/sections/war/feed.atom>; rel="self"'
    )
    assert response.headers["Surrogate-Key"] == "feeds section/war"
    assert response.headers["Cache-Control"] == (
        "public, max-age=300, stale-while-revalidate=60, stale-if-error=86400"
    )
    assert f'<link rel="hub" href="{receiver.url}/hub"/>'.encode() in response.data
    rss = client.get("/sections/war/feed.rss").data
    assert f'<atom:link rel="hub" href="{receiver.url}/hub"/>'.encode() in rss
    hubs = json.loads(client.get("/sections/war/feed.json").data)["hubs"]
    assert hubs == [{"type": "WebSub", "url": f"{receiver.url}/hub"}]
    replay = client.get(
        "/sections/war/feed.atom", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert replay.status_code == 304
    assert replay.headers["Link"] == response.headers["Link"]


def test_nothing_is_sent_on_the_request_path(hub_app, receiver, data_dir):
    path = data_dir / ARTICLE
    path.write_text(path.read_text().replace("title: Japan could", "title: Tokyo could"))
    client = hub_app.test_client()
    start = time.monotonic()
    client.get("/feed.rss")  # no reload thread here: requests never reload or notify
    assert time.monotonic() - start < 5
    assert receiver.requests == []
