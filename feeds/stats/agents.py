"""The readers and bots that fetch feeds, known by their User-Agent: one table.

Hosted aggregators fetch a feed once for all their users and say how many in the
User-Agent ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 131 subscribers)"), some
with the id of their own feed record when they keep several for one URL. Apps on a desktop
or phone fetch for one person each. Bots (search engines, link previews, uptime checks)
are nobody's subscription. An agent the table does not know is named by its product,
the first word of the string, so that the report groups "curl/8.5" with "curl/7.88".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

Kind = Literal["aggregator", "app", "bot"]
AGGREGATOR: Kind = "aggregator"
APP: Kind = "app"
BOT: Kind = "bot"


@dataclass(frozen=True, kw_only=True, slots=True)
class Agent:
    """A known fetcher: its name in reports, what it is, and how its User-Agent reads."""

    name: str
    kind: Kind
    pattern: re.Pattern[str]


def _agent(name: str, kind: Kind, pattern: str) -> Agent:
    return Agent(name=name, kind=kind, pattern=re.compile(pattern, re.IGNORECASE))


# First match wins: aggregators before apps before bots, and the specific before the
# generic (a browser string is the last resort).
AGENTS: tuple[Agent, ...] = (
    _agent("Feedly", AGGREGATOR, r"\bfeedly\b"),
    _agent("Inoreader", AGGREGATOR, r"\binoreader\.com\b"),
    _agent("NewsBlur", AGGREGATOR, r"\bnewsblur\b"),
    _agent("Feedbin", AGGREGATOR, r"^feedbin\b"),
    _agent("The Old Reader", AGGREGATOR, r"\btheoldreader\.com\b"),
    _agent("BazQux", AGGREGATOR, r"\bbazqux\b"),
    _agent("Feedspot", AGGREGATOR, r"\bfeedspot\b"),
    _agent("Feeder", AGGREGATOR, r"\bfeeder\.co\b"),
    _agent("Bloglovin", AGGREGATOR, r"\bbloglovin\b"),
    _agent("Netvibes", AGGREGATOR, r"\bnetvibes\b"),
    _agent("Feedbase", AGGREGATOR, r"\bfeedbase\b"),
    # Self-hosted readers: one server, usually one person or a household, and no count.
    _agent("Miniflux", APP, r"\bminiflux\b"),
    _agent("FreshRSS", APP, r"\bfreshrss\b"),
    _agent("Tiny Tiny RSS", APP, r"\btiny tiny rss\b|tt-rss\.org"),
    _agent("NetNewsWire", APP, r"\bnetnewswire\b"),
    _agent("Reeder", APP, r"^reeder\b"),
    _agent("Unread", APP, r"^unread\b"),
    _agent("Fiery Feeds", APP, r"^fiery(%20| )feeds\b"),
    _agent("ReadKit", APP, r"\breadkit\b"),
    _agent("newsboat", APP, r"\bnewsboat\b"),
    _agent("Liferea", APP, r"\bliferea\b"),
    _agent("Thunderbird", APP, r"\bthunderbird/"),
    _agent("Feeder (Android)", APP, r"^spacecowboys android rss reader\b"),
    _agent("Read You", APP, r"^readyou\b|^read ?you\b"),
    _agent("Akregator", APP, r"\bakregator\b"),
    _agent("QuiteRSS", APP, r"\bquiterss\b"),
    _agent("RSS Guard", APP, r"\brss ?guard\b"),
    # Bots: not anyone's subscription, counted apart.
    _agent("Googlebot", BOT, r"\bgooglebot\b|\bfeedfetcher-google\b|\bgoogle-inspectiontool\b"),
    _agent("Bingbot", BOT, r"\bbingbot\b|\bmsnbot\b"),
    _agent("Yandex", BOT, r"\byandex(bot|images|news)?\b"),
    _agent("Baidu", BOT, r"\bbaiduspider\b"),
    _agent("DuckDuckBot", BOT, r"\bduckduckbot\b"),
    _agent("Applebot", BOT, r"\bapplebot\b"),
    _agent("Slackbot", BOT, r"\bslackbot\b"),
    _agent("Twitterbot", BOT, r"\btwitterbot\b"),
    _agent("Facebook", BOT, r"\bfacebookexternalhit\b|\bfacebookcatalog\b|\bmeta-externalagent\b"),
    _agent("Discordbot", BOT, r"\bdiscordbot\b"),
    _agent("Telegram", BOT, r"\btelegrambot\b"),
    _agent("LinkedIn", BOT, r"\blinkedinbot\b"),
    _agent("WhatsApp", BOT, r"^whatsapp/"),
    _agent("UptimeRobot", BOT, r"\buptimerobot\b"),
    _agent("Pingdom", BOT, r"\bpingdom"),
    _agent("StatusCake", BOT, r"\bstatuscake\b"),
    _agent("Ahrefs", BOT, r"\bahrefsbot\b"),
    _agent("Semrush", BOT, r"\bsemrushbot\b"),
    _agent("W3C validator", BOT, r"\bw3c_validator\b|\bfeedvalidator\b"),
    _agent("Other bot", BOT, r"\b(bot|crawler|spider|scraper)\b|\+https?://"),
)

# "131 subscribers", "2 readers", "1 subscriber" (Dreamwidth says readers).
_COUNT = re.compile(r"(\d{1,9})\s+(?:subscribers?|readers?)\b", re.IGNORECASE)
# "feed-id=cead6c3a", "feed-id:1697787", "feedid: 12" and NewsBlur's site/7704055.
_FEED_ID = re.compile(
    r"(?:feed-?id\s*[=:]\s*|newsblur\.com/site/)([A-Za-z0-9_-]{1,64})", re.IGNORECASE
)
_PRODUCT = re.compile(r"[A-Za-z][A-Za-z0-9 ._-]{0,39}?(?=/|\s*\(|\s*;|$)")
BROWSER = re.compile(r"^Mozilla/5\.0 \(.*\) (AppleWebKit|Gecko)/")
UNKNOWN = "(no User-Agent)"


class Reading(NamedTuple):
    """What a User-Agent says: the reader, its kind, and an aggregator's count and feed id."""

    reader: str
    kind: Kind
    subscribers: int | None = None
    feed_id: str = ""


@functools.lru_cache(maxsize=4096)  # a few hundred distinct agents poll a site
def classify(user_agent: str) -> Reading:
    """Return who a User-Agent is: a known reader or bot, else an app named by its product."""
    agent = user_agent.strip()[:512]
    if not agent:
        return Reading(UNKNOWN, APP)
    for known in AGENTS:
        if known.pattern.search(agent):
            if known.kind != AGGREGATOR:
                return Reading(known.name, known.kind)
            count = _COUNT.search(agent)
            feed_id = _FEED_ID.search(agent)
            return Reading(
                known.name,
                AGGREGATOR,
                int(count[1]) if count else None,
                feed_id[1] if feed_id else "",
            )
    count = _COUNT.search(agent)
    if count:
        # An aggregator the table does not know yet, saying how many it fetches for.
        return Reading(product(agent), AGGREGATOR, int(count[1]), "")
    if BROWSER.match(agent):
        return Reading("Web browser", APP)
    return Reading(product(agent), APP)


def product(user_agent: str) -> str:
    """Return the product a User-Agent names: "curl" for "curl/8.5.0"."""
    agent = user_agent.strip()
    if agent.startswith("Mozilla/") and "compatible;" in agent:
        agent = agent.split("compatible;", 1)[1].strip()
    found = _PRODUCT.match(agent)
    return found[0].strip() if found else agent[:40] or UNKNOWN
