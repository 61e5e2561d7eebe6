"""Removals and corrections reach every platform, each in its own terms: SmartNews deletes
on media:status "deleted" with a newer pubDate, MSN takes down an item that keeps its id
and carries an expiry in the past with a newer dcterms:modified, Flipboard just loses the
item; a correction moves the date each platform compares and a cosmetic edit does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from lxml import etree

from tests.conftest import NOW
from tests.helpers import publisher_of
from tests.test_partners import NS, tree
from tests.test_retractions import ID, REASON, STORY, add, retract

# The story is in Politics: the site's partner feeds and the section's hold it.
HOLDING = ["", "/sections/politics"]
REMOVED = datetime(2026, 5, 30, 7, 0, tzinfo=UTC)  # retract()'s date, 10:00 in Kyiv
BODY_WORDS = b"ageing tankers"  # from the story's body


def partner(platform: str, base: str = "") -> str:
    return f"/partners/{platform}{base}/feed.rss"


def item_of(client, path: str) -> etree._Element | None:
    found = [i for i in tree(client, path).iter("item") if i.findtext("guid") == ID]
    assert len(found) <= 1, path
    return found[0] if found else None


def pub_date(it: etree._Element) -> datetime:
    return parsedate_to_datetime(it.findtext("pubDate"))


# --- SmartNews: media:status "deleted" with a newer pubDate --------------------------------


@pytest.mark.parametrize("base", HOLDING)
def test_smartnews_keeps_a_retracted_item_marked_deleted_with_a_newer_pub_date(
    app, client, data_dir, base
):
    """SmartNews "Deleting Articles": set the item's <media:status> to deleted and update
    its <pubDate>; simply dropping the item sends no deletion flag."""
    before = item_of(client, partner("smartnews", base))
    assert before is not None and before.find("media:status", NS) is None
    retract(data_dir, app)
    after = item_of(client, partner("smartnews", base))
    assert after is not None, "the item must stay, or SmartNews never hears of the removal"
    status = after.find("media:status", NS)
    assert status is not None and status.get("state") == "deleted"
    assert status.get("reason") == REASON
    assert pub_date(after) == REMOVED > pub_date(before)
    assert after.findtext("link") == before.findtext("link")
    # The story itself is no longer published: the note stands in for summary and body.
    assert BODY_WORDS not in etree.tostring(after)
    assert REASON in after.findtext("content:encoded", namespaces=NS)
    parsed = feedparser.parse(client.get(partner("smartnews", base)).data)
    assert not parsed.bozo, parsed.bozo_exception
    [entry] = [e for e in parsed.entries if e.id == ID]
    assert entry.media_status == {"state": "deleted", "reason": REASON}


def test_a_removed_item_is_only_in_the_feeds_that_held_the_article(app, client, data_dir):
    retract(data_dir, app)
    for platform in ("smartnews", "msn"):
        assert item_of(client, partner(platform, "/sections/war")) is None


# --- MSN: same id, an expiry in the past, a newer dcterms:modified -------------------------


@pytest.mark.parametrize("base", HOLDING)
def test_msn_keeps_the_id_with_an_expiry_in_the_past_and_a_newer_modified_date(
    app, client, data_dir, base
):
    """ "MSN content expiration and takedown rules": the same unique ID, an expiration date
    in the past (dcterms:valid in Media RSS) and an updated date newer than the version
    ingested (dcterms:modified) take the item down."""
    before = item_of(client, partner("msn", base))
    assert before is not None and before.find("dcterms:valid", NS) is None
    modified_before = datetime.fromisoformat(before.findtext("dcterms:modified", namespaces=NS))
    retract(data_dir, app)
    after = item_of(client, partner("msn", base))
    assert after is not None
    valid = datetime.fromisoformat(after.findtext("dcterms:valid", namespaces=NS))
    modified = datetime.fromisoformat(after.findtext("dcterms:modified", namespaces=NS))
    assert valid == REMOVED < NOW  # in the past when MSN reads it
    assert modified == REMOVED > modified_before
    assert pub_date(after) == pub_date(before)  # the publication stays what it was
    assert BODY_WORDS not in etree.tostring(after)
    assert not feedparser.parse(client.get(partner("msn", base)).data).bozo


def test_msn_is_told_an_expiry_ahead_of_time(app, client, data_dir):
    """ "MSN feed item metadata requirements": an item with an expiration date is removed by
    that date, so licensed material leaves MSN on time even between two fetches."""
    expires = NOW + timedelta(days=3)
    add(data_dir, f'expires: "{expires.isoformat()}"\n')
    publisher_of(app).refresh()
    it = item_of(client, partner("msn"))
    assert datetime.fromisoformat(it.findtext("dcterms:valid", namespaces=NS)) == expires
    assert BODY_WORDS in etree.tostring(it)  # still live, body and all
    assert item_of(client, partner("smartnews")).find("media:status", NS) is None


# --- Flipboard: the item leaves ------------------------------------------------------------


@pytest.mark.parametrize("base", HOLDING)
def test_flipboard_loses_the_item_which_its_spec_gives_no_way_to_delete(
    app, client, data_dir, base
):
    assert item_of(client, partner("flipboard", base)) is not None
    retract(data_dir, app)
    assert item_of(client, partner("flipboard", base)) is None
    assert b"media:status" not in client.get(partner("flipboard", base)).data


# --- The clock: expiry, max-age and the end of the retention window ------------------------


def test_partner_feeds_cap_max_age_at_an_expiry_and_mark_the_item_then(
    app, client, clock, data_dir
):
    expires = NOW + timedelta(seconds=90)
    add(data_dir, f'expires: "{expires.isoformat()}"\n')
    publisher_of(app).refresh()
    for platform in ("flipboard", "smartnews", "msn"):
        for base in HOLDING:
            response = client.get(partner(platform, base))
            assert response.headers["Cache-Control"] == "public, max-age=90", (platform, base)
        # A feed without the article keeps the site's max-age.
        response = client.get(partner(platform, "/sections/war"))
        assert response.headers["Cache-Control"] == "public, max-age=300", platform
    clock.now = expires  # no edit, no refresh
    deleted = item_of(client, partner("smartnews"))
    assert deleted.find("media:status", NS).get("state") == "deleted"
    assert pub_date(deleted) == expires
    note = "This article is no longer available."
    assert deleted.find("media:status", NS).get("reason") == note
    taken_down = item_of(client, partner("msn"))
    assert taken_down.findtext("dcterms:modified", namespaces=NS) == expires.isoformat()
    assert item_of(client, partner("flipboard")) is None
    response = client.get(partner("smartnews"))
    assert response.headers["Last-Modified"] == "Mon, 01 Jun 2026 12:01:30 GMT"


def test_removed_items_leave_when_the_retention_window_ends_without_an_edit(
    app, client, clock, data_dir, write
):
    site = (data_dir / "site.yaml").read_text(encoding="utf-8")
    write("site.yaml", site + "removal_retention_days: 2\n")
    retract(data_dir, app)
    end = REMOVED + timedelta(days=2)
    clock.now = end - timedelta(seconds=40)
    for platform in ("smartnews", "msn"):
        for base in HOLDING:
            response = client.get(partner(platform, base))
            assert response.headers["Cache-Control"] == "public, max-age=40", (platform, base)
            assert item_of(client, partner(platform, base)) is not None
    clock.now = end  # no edit, no refresh
    for platform in ("smartnews", "msn"):
        for base in HOLDING:
            assert item_of(client, partner(platform, base)) is None, (platform, base)


# --- Correction or cosmetic edit, per platform ---------------------------------------------


def _atom_updated(client) -> str:
    entries = feedparser.parse(client.get("/feed.atom").data).entries
    return next(e.updated for e in entries if e.id == ID)


def _lastmod(client) -> str:
    sitemap = etree.fromstring(client.get("/sitemaps/articles.xml").data)
    sm = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    for url in sitemap.iterfind("sm:url", sm):
        if url.findtext("sm:loc", namespaces=sm).endswith("/eu-sanctions-package"):
            return url.findtext("sm:lastmod", namespaces=sm)
    raise AssertionError("the story is not in the sitemap")


# The date each platform compares to decide whether to fetch an article again.
COMPARED = {
    "smartnews pubDate": lambda client: item_of(client, partner("smartnews")).findtext("pubDate"),
    "msn dcterms:modified": lambda client: item_of(client, partner("msn")).findtext(
        "dcterms:modified", namespaces=NS
    ),
    "flipboard atom:updated": lambda client: item_of(client, partner("flipboard")).findtext(
        "atom:updated", namespaces=NS
    ),
    "atom updated": _atom_updated,
    "sitemap lastmod": _lastmod,
}
CORRECTED = datetime(2026, 5, 20, 6, 0, tzinfo=UTC)  # 09:00 in Kyiv


@pytest.mark.parametrize("compared", COMPARED)
def test_a_correction_moves_the_date_each_platform_compares_and_a_typo_fix_does_not(
    app, client, data_dir, compared
):
    read = COMPARED[compared]
    before = read(client)
    path = data_dir / STORY
    text = path.read_text(encoding="utf-8")
    assert BODY_WORDS.decode() in text
    path.write_text(text.replace("ageing tankers", "aging tankers", 1), encoding="utf-8")
    publisher_of(app).refresh()
    assert b"aging tankers" in client.get(partner("smartnews")).data  # the new text is served
    assert read(client) == before, "a cosmetic edit must not tell platforms to re-ingest"
    add(data_dir, 'corrections:\n  - date: "2026-05-20 09:00"\n    text: "The vote was 25 to 2."\n')
    publisher_of(app).refresh()
    after = read(client)
    moved = (
        parsedate_to_datetime(after)
        if compared.startswith("smartnews")
        else datetime.fromisoformat(after)
    )
    assert moved == CORRECTED, (before, after)
