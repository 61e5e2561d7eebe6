"""Drafts and scheduled publishing, on an injected clock: nothing leaks before its time."""

from __future__ import annotations

from datetime import timedelta

import feedparser

from tests.conftest import NOW
from tests.helpers import publisher_of

SCHEDULED = """
    title: Embargoed scoop about a secret summit
    section: business
    authors: [maria-lysenko, iryna-bondar]
    published: "{when}"
    tags: [Embargoed topic]
    body: Under embargo until the moment comes.
"""


def schedule(write, app, when):
    write("articles/2026/06/scoop.yaml", SCHEDULED.format(when=when.isoformat()))
    publisher_of(app).refresh()


def every_body(client) -> bytes:
    paths = ["/feed.rss", "/feed.atom", "/", "/healthz"]
    for kind in ("sections/business", "authors/maria-lysenko", "authors/iryna-bondar"):
        paths += [f"/{kind}/feed.rss", f"/{kind}/feed.atom"]
    return b"".join(client.get(p).data for p in paths)


def test_scheduled_article_appears_by_itself_when_its_time_comes(app, client, clock, write):
    goes_live = NOW + timedelta(seconds=100)
    schedule(write, app, goes_live)
    assert b"Embargoed" not in every_body(client)
    assert b"embargo" not in every_body(client).lower()
    assert client.get("/tags/embargoed-topic/feed.rss").status_code == 404
    assert client.get("/healthz").get_json()["articles"]["scheduled"] == 1

    clock.now = goes_live  # no edit, no refresh, no restart
    parsed = feedparser.parse(client.get("/sections/business/feed.atom").data)
    assert parsed.entries[0].title == "Embargoed scoop about a secret summit"
    assert client.get("/tags/embargoed-topic/feed.rss").status_code == 200
    for author in ("maria-lysenko", "iryna-bondar"):
        assert b"Embargoed scoop" in client.get(f"/authors/{author}/feed.rss").data
    assert client.get("/healthz").get_json()["articles"] == {
        "published": 17,
        "scheduled": 0,
        "draft": 1,
    }


def test_max_age_never_outlives_the_next_scheduled_article_in_that_feed(app, client, clock, write):
    schedule(write, app, NOW + timedelta(seconds=100))
    for path in ("/feed.rss", "/sections/business/feed.atom", "/authors/iryna-bondar/feed.rss"):
        assert client.get(path).headers["Cache-Control"] == "public, max-age=100", path
    # Feeds the article will not join keep the site's max-age.
    assert client.get("/sections/war/feed.rss").headers["Cache-Control"] == "public, max-age=300"
    clock.now = NOW + timedelta(seconds=70)
    assert client.get("/feed.rss").headers["Cache-Control"] == "public, max-age=30"
    clock.now = NOW + timedelta(seconds=100)
    assert client.get("/feed.rss").headers["Cache-Control"] == "public, max-age=300"


def test_an_etag_from_before_the_moment_does_not_match_after_it(app, client, clock, write):
    schedule(write, app, NOW + timedelta(seconds=10))
    before = client.get("/feed.atom")
    clock.now = NOW + timedelta(seconds=10)
    after = client.get("/feed.atom", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]


def test_drafts_are_in_no_feed(client):
    assert b"coalition" not in every_body(client).lower()
    for fmt in ("rss", "atom"):
        for path in ("/feed", "/sections/politics/feed", "/authors/taras-hnatiuk/feed"):
            assert b"post-war coalition framework" not in client.get(f"{path}.{fmt}").data


def test_documents_of_before_the_moment_are_dropped(app, client, clock, write, publisher):
    schedule(write, app, NOW + timedelta(seconds=10))
    client.get("/feed.atom")
    client.get("/sections/war/feed.rss")
    clock.now = NOW + timedelta(seconds=10)
    client.get("/feed.atom")
    moment = publisher.view()[0].moment
    contents = publisher.cache_contents()
    assert contents.kept, "the feed rendered after the moment is kept"
    # Keys are (version, moment, ...): nothing kept from before, bodies or validators.
    assert {key[1] for key in contents.rendered | set(contents.kept)} == {moment}


TAGGED = """
    title: Story {n}
    section: business
    authors: [maria-lysenko]
    published: "{when}"
    tags: [{tag}]
    body: Text {n}.
"""


def tag_title(client, slug: str) -> str:
    response = client.get(f"/tags/{slug}/feed.json")
    assert response.status_code == 200
    return response.get_json()["title"]


def test_a_tag_is_named_by_its_most_common_live_spelling(publisher, client, clock, write):
    # The newest article's spelling is never the answer here: neither is the first seen.
    spellings = [("grain deal", -3), ("grain deal", -2), ("Grain Deal", -1)]
    spellings += [("GRAIN DEAL", 50), ("Grain Deal", 50.5)]  # scheduled
    spellings += [("Danube port", -3), ("danube port", -2)]  # a tie: the first in sort order
    for n, (tag, hours) in enumerate(spellings):
        when = (NOW + timedelta(hours=hours)).isoformat()
        write(f"articles/2026/06/tagged-{n}.yaml", TAGGED.format(n=n, when=when, tag=tag))
    publisher.refresh()
    assert tag_title(client, "grain-deal").startswith("grain deal")  # 2 to 1
    assert tag_title(client, "danube-port").startswith("Danube port")
    for n in (8, 9):
        again = TAGGED.format(n=n, when=NOW.isoformat(), tag="GRAIN DEAL")
        write(f"articles/2026/06/tagged-{n}.yaml", again)
    clock.now = NOW + timedelta(hours=51)  # both scheduled ones are live too
    publisher.refresh()
    assert tag_title(client, "grain-deal").startswith("GRAIN DEAL")  # 3 to 2 to 2
