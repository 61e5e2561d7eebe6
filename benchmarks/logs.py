"""Write a realistic access log of feed requests, for `feeds stats` and the /stats/ page.

    python -m benchmarks.logs OUT.log.gz [--days 60] [--data data] [--seed 1]

Combined log format, as nginx and gunicorn write it; gzipped when OUT ends in .gz. Over
the days before today: aggregators polling every feed they follow every half hour or
so, with the counts they report growing or shrinking slowly (Feedly with two feed ids
for the site feed, as happens after a URL change); desktop and phone readers polling a
few times a day from their own addresses (from 192.0.2.0/24, 198.51.100.0/24 and
203.0.113.0/24, the documentation ranges); search engines, link previews and uptime
checks. About four requests in five are conditional and answered 304. Every agent
string is one that reader really sends.
"""

from __future__ import annotations

import argparse
import gzip
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feeds.store import Store
from feeds.urls import FORMATS, feed_document

# (agent with {n} for a count, subscribers at the start, daily growth, feeds followed)
AGGREGATORS = (
    ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; {n} subscribers; )", 420, 0.004, 1.0),
    ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; {n} subscribers; feed-id=2)", 35, 0.0, 0.2),
    ("Mozilla/5.0 (compatible; inoreader.com; {n} subscribers)", 160, 0.006, 1.0),
    ("NewsBlur Feed Fetcher - {n} subscribers - https://www.newsblur.com/site/7704055/news "
     '(\\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, '
     'like Gecko) Version/14.0.1 Safari/605.1.15\\")', 40, 0.002, 0.8),
    ("Feedbin feed-id:1697787 - {n} subscribers", 55, 0.003, 0.9),
    ("Mozilla/5.0 (compatible; theoldreader.com; {n} subscribers; "
     "feed-id=cead6c3a837650eeefd8fe4a)", 12, -0.002, 0.5),
    ("Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher; {n} subscribers)",
     6, 0.0, 0.4),
)  # fmt: skip
APPS = (
    "NetNewsWire (RSS Reader; https://netnewswire.com/)",
    "Reeder/5050.4.4 CFNetwork/1490.0.4 Darwin/23.2.0",
    "Newsboat/2.36 (Linux x86_64)",
    "Mozilla/5.0 (compatible; Miniflux/2.1.3; +https://miniflux.app)",
    "FreshRSS/1.24.3 (Linux; https://freshrss.org)",
    "Tiny Tiny RSS/23.05-a4543de (https://tt-rss.org/)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
    "Feedspot/1.0 (+https://www.feedspot.com/fs/fetcher; like FeedFetcher-Google)",
    "SpaceCowboys Android RSS Reader / 2.13.0(3764)",
    "Fiery%20Feeds/572 CFNetwork/3860.100.1 Darwin/25.0.0",
)
BOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
)
NETWORKS = ("192.0.2", "198.51.100", "203.0.113")


def feed_paths(data: Path) -> list[tuple[str, ...]]:
    """Return each feed's document paths (one tuple per logical feed), site feed first."""
    store = Store(data)
    store.refresh()
    if store.catalog is None:
        raise SystemExit(f"{data}: site.yaml has problems; run feeds check")
    view = store.catalog.view(datetime.now(UTC))
    return [tuple(feed_document(f.kind, f.slug, fmt).path for fmt in FORMATS) for f in view.feeds()]


def lines(data: Path, days: int, seed: int, end: datetime) -> list[str]:
    """Return the log's lines, in time order."""
    rng = random.Random(seed)
    feeds = feed_paths(data)
    popularity = [1.0 / (rank + 1) for rank in range(len(feeds))]  # the site feed first
    events: list[tuple[datetime, str, str, str, int]] = []
    start = end - timedelta(days=days)
    for agent, base, growth, share in AGGREGATORS:
        address = f"{rng.choice(NETWORKS)}.{rng.randrange(1, 255)}"
        for number, paths in enumerate(feeds):
            if rng.random() > share * (1.0 if number == 0 else 0.7):
                continue
            first = max(1, round(base * popularity[number]))
            path = rng.choice(paths[:2])
            for day in range(days):
                count = max(1, round(first * (1 + growth) ** day + rng.gauss(0, first * 0.01)))
                for _ in range(rng.randint(20, 48)):  # every half hour or so
                    at = start + timedelta(days=day, seconds=rng.randrange(86400))
                    events.append((at, address, path, agent.format(n=count), 0))
    for _person in range(140):
        agent = rng.choice(APPS)
        address = f"{rng.choice(NETWORKS)}.{rng.randrange(1, 255)}"
        followed = rng.sample(range(len(feeds)), k=min(len(feeds), rng.randint(1, 3)))
        joined, left = rng.randrange(days), days + rng.randrange(days)  # some leave later
        for day in range(min(joined, days - 1), min(left, days)):
            if rng.random() < 0.25:
                continue  # the laptop stayed shut
            for number in followed:
                path = feeds[number][rng.randrange(len(FORMATS))]
                for _ in range(rng.randint(1, 4)):
                    at = start + timedelta(days=day, seconds=rng.randrange(86400))
                    events.append((at, address, path, agent, 0))
    for day in range(days):
        for agent in BOTS:
            for _ in range(rng.randint(0, 6)):
                at = start + timedelta(days=day, seconds=rng.randrange(86400))
                path = rng.choice(rng.choice(feeds))
                events.append((at, f"{rng.choice(NETWORKS)}.{rng.randrange(1, 255)}", path,
                               agent, 0))  # fmt: skip
    events.sort()
    out = []
    for at, address, path, agent, _ in events:
        status, size = (304, 0) if rng.random() < 0.8 else (200, rng.randrange(20000, 90000))
        stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
        out.append(f'{address} - - [{stamp}] "GET {path} HTTP/1.1" {status} {size} "-" "{agent}"')
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.logs", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    text = "\n".join(lines(args.data, args.days, args.seed, end)) + "\n"
    if args.out.suffix == ".gz":
        with gzip.open(args.out, "wt", encoding="utf-8") as out:
            out.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {text.count(chr(10)):,} requests over {args.days} days")


if __name__ == "__main__":
    main()
