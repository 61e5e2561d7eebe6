"""The numbers editors ask for: subscribers per feed, its readers, and how it is moving.

A feed's subscribers on a day are what the aggregators reported that day (each one's
latest count, its feed ids added up) plus the individual readers seen that day. The
report is as of the newest day with counts, with the change over 7 and 30 days and a
series for the chart. Pure: rows in, a dict out, the same for the CLI's text and JSON
and for the page.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from feeds.stats.agents import BOT
from feeds.stats.db import Database
from feeds.urls import FEED_SEGMENTS, feed_base

SERIES_DAYS = 90  # the chart's span
TOP_READERS = 5


def feed_path(feed: str) -> str:
    """Return the path of a logical feed's pages: "/" for "site", "/sections/war/"."""
    kind, _, slug = feed.partition("/")
    return f"{feed_base(kind, slug)}/" if kind in FEED_SEGMENTS else f"/{feed}/"


def _shift(day: str, days: int) -> str:
    return (date.fromisoformat(day) - timedelta(days=days)).isoformat()


def build_report(
    database: Database, *, as_of: str | None = None, titles: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return subscribers per feed as of a day (default: the newest day with counts)."""
    days = database.days()
    if as_of is None:
        as_of = days[-1] if days else date.today().isoformat()
    since = _shift(as_of, max(SERIES_DAYS, 30) - 1)
    totals: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    readers: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for day, feed, reader, reported, individuals in database.subscribers(since, as_of):
        total = totals[feed][day]
        total[0] += reported
        total[1] += individuals
        if day == as_of:
            readers[feed][reader][0] += reported
            readers[feed][reader][1] += individuals
    bots: dict[str, int] = defaultdict(int)
    requests: dict[str, int] = defaultdict(int)
    for _day, feed, _reader, kind, count in database.requests(as_of, as_of):
        requests[feed] += count
        if kind == BOT:
            bots[feed] += count
    first_day = days[0] if days else as_of
    span = [_shift(as_of, back) for back in range(SERIES_DAYS - 1, -1, -1)]
    feeds = []
    for feed in sorted(set(totals) | set(requests)):
        by_day = totals.get(feed, {})

        def on(day: str, by_day=by_day) -> int:
            reported, individuals = by_day.get(day, (0, 0))
            return reported + individuals

        def change(back: int, on=on) -> int | None:
            then = _shift(as_of, back)
            return None if then < first_day else on(as_of) - on(then)

        reported, individuals = by_day.get(as_of, (0, 0))
        top = sorted(
            ((sum(n), name, n[0], n[1]) for name, n in readers.get(feed, {}).items()),
            key=lambda row: (-row[0], row[1]),
        )[:TOP_READERS]
        feeds.append({
            "feed": feed,
            "title": (titles or {}).get(feed, feed_path(feed)),
            "path": feed_path(feed),
            "subscribers": reported + individuals,
            "reported": reported,
            "individuals": individuals,
            "change_7": change(7),
            "change_30": change(30),
            "top_readers": [
                {"reader": name, "subscribers": total, "reported": r, "individuals": i}
                for total, name, r, i in top
            ],
            "requests": requests.get(feed, 0),
            "bot_requests": bots.get(feed, 0),
            "series": [
                {"day": day, "reported": by_day.get(day, (0, 0))[0],
                 "individuals": by_day.get(day, (0, 0))[1]}
                for day in span if day >= first_day
            ],
        })  # fmt: skip
    feeds.sort(key=lambda f: (-f["subscribers"], f["feed"]))
    return {"as_of": as_of, "first_day": first_day if days else None, "feeds": feeds}


def _signed(change: int | None) -> str:
    return "—" if change is None else f"{change:+,}"


def format_text(report: dict[str, Any]) -> str:
    """Return the report as the lines `feeds stats` prints."""
    if not report["feeds"]:
        return "No feed requests counted yet.\n"
    lines = [f"Subscribers per feed on {report['as_of']} (UTC), change over 7 and 30 days", ""]
    width = max(len(f["path"]) for f in report["feeds"])
    lines.append(
        f"{'feed':<{width}}  {'subscribers':>11}  {'reported':>8}  {'individual':>10}"
        f"  {'7 days':>7}  {'30 days':>7}  bots"
    )
    for feed in report["feeds"]:
        lines.append(
            f"{feed['path']:<{width}}  {feed['subscribers']:>11,}  {feed['reported']:>8,}"
            f"  {feed['individuals']:>10,}  {_signed(feed['change_7']):>7}"
            f"  {_signed(feed['change_30']):>7}  {feed['bot_requests']:,}"
        )
        readers = ", ".join(f"{r['reader']} {r['subscribers']:,}" for r in feed["top_readers"])
        if readers:
            lines.append(f"{'':<{width}}  top readers: {readers}")
    return "\n".join(lines) + "\n"
