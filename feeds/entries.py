"""An article as every format writes it: its dates, its byline and its full HTML.

Shared by the subscription feeds (render.py), the partner feeds (partners/rss.py) and the
HTML pages, so that a byline or a correction note reads the same wherever it appears.
Pure functions: every time comes from the data, every name is spelled here, not by the
process locale.
"""

from __future__ import annotations

import email.utils
import html
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from feeds.model import Article


def rfc822(moment: datetime) -> str:
    """Return an aware moment as RSS 2.0 and HTTP write it (RFC 822, numeric zone)."""
    return email.utils.format_datetime(moment)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_time(moment: datetime, timezone: str) -> str:
    """Return a moment as readers in the site's timezone read it: "10 Feb 2026, 14:05 EET".

    Month names are spelled here, not by strftime, whose %b follows the process locale.
    A zone with no abbreviation (Asia/Dubai's tzdata name is "+04") shows as UTC+04.
    """
    local = moment.astimezone(ZoneInfo(timezone))
    zone = local.tzname() or ""
    if zone[:1] in ("+", "-"):
        offset = local.utcoffset() or timedelta()
        sign = "-" if offset < timedelta() else "+"
        hours, minutes = divmod(abs(offset) // timedelta(minutes=1), 60)
        zone = f"UTC{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {zone}"


def byline(names: Iterable[str]) -> str:
    """Return names as a byline: "A", "A and B", "A, B and C"."""
    names = list(names)
    if len(names) <= 2:
        return " and ".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def entry_html(article: Article, timezone: str) -> str:
    """Return the entry's full HTML, as every format carries it: standfirst and picture,
    the body, then corrections."""
    parts = []
    if article.subtitle:
        parts.append(f"<p><strong>{html.escape(article.subtitle)}</strong></p>")
    image = article.image
    if image is not None:
        caption = " ".join(
            part for part in (html.escape(image.caption), _credit(image.credit)) if part
        )
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        parts.append(
            f'<figure><img src="{html.escape(image.url)}" alt="{html.escape(image.alt)}">'
            f"{figcaption}</figure>"
        )
    parts.append(article.body_html)
    if article.corrections:
        # A rule and a bold label: marked in every reader, even those that strip classes.
        parts.append("<hr>")
        parts += [
            f"<p><strong>Correction ({local_time(c.date, timezone)}):</strong> "
            f"{html.escape(c.text)}</p>"
            for c in article.corrections
        ]
    return "\n".join(parts)


def _credit(credit: str) -> str:
    return f"({html.escape(credit)})" if credit else ""
