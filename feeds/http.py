"""HTTP decisions, kept pure: values in, header values and answers out (RFC 9110, 9111).

fastpath.py is the thin WSGI adapter that reads the request's headers and calls these.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from feeds.model import Site

_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Return whether If-None-Match names `etag`, comparing weakly as RFC 9110 13.1.2 says.

    `*` matches any current representation; `W/"x"` matches `"x"`.
    """
    value = if_none_match.strip()
    if value == "*":
        return True
    return any(match.group(1) == etag for match in _ENTITY_TAG.finditer(value))


def not_modified(
    *,
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str,
    last_modified: datetime,
    now: datetime,
) -> bool:
    """Return whether a GET/HEAD can be answered 304 Not Modified.

    If-None-Match, when present, decides alone (RFC 9110 13.2.2). If-Modified-Since is
    ignored when it cannot be parsed or lies in the future (RFC 9110 13.1.3), and
    otherwise matches only the exact Last-Modified we sent (as nginx's
    `if_modified_since exact`): Last-Modified is the newest entry's time, so it moves
    back when that entry is deleted, and a client holding the later date must get the
    new feed rather than 304s until something newer than its date is published.
    `last_modified` is the document's own date even when it lies after `now`, where the
    header sent `now` instead (documents.dated): no date a client holds matches it then,
    so such a document answers 200 to If-Modified-Since until its date has passed.
    """
    if if_none_match is not None:
        return if_none_match == etag or etag_matches(if_none_match, etag)
    if not if_modified_since:
        return False
    from werkzeug.http import parse_date  # loaded by the server; not by a build

    since = parse_date(if_modified_since)
    if since is None or since > now:
        return False
    return int(last_modified.timestamp()) == int(since.timestamp())


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Return whether Accept-Encoding allows gzip (q-values honoured, gzip;q=0 means no)."""
    if not accept_encoding:
        return False
    gzip_q = star_q = None
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = name.strip().lower()
        if name in ("gzip", "x-gzip"):
            gzip_q = q if gzip_q is None else max(gzip_q, q)
        elif name == "*":
            star_q = q
    q = gzip_q if gzip_q is not None else star_q
    return bool(q and q > 0)


def max_age(lifetime: int, now: datetime, next_change: datetime | None) -> int:
    """Return a cache lifetime in seconds, cut short by the next moment the document changes
    (a scheduled article going live in it, one leaving it), never below 0."""
    if next_change is None:
        return lifetime
    remaining = (next_change - now).total_seconds()
    return max(0, min(lifetime, math.floor(remaining)))


def cache_control(site: Site, now: datetime, next_change: datetime | None, complete: bool) -> str:
    """Return a document's Cache-Control value at `now`.

    A complete archive document never changes unless an article in it is edited or
    removed, so it gets the long archive lifetime; either lifetime is cut short by the
    document's next change (a scheduled article going live, an article expiring).
    """
    if complete:
        value = f"public, max-age={max_age(site.archive_max_age, now, next_change)}"
    else:
        value = f"public, max-age={max_age(site.max_age, now, next_change)}"
    if site.stale_while_revalidate:
        value += f", stale-while-revalidate={site.stale_while_revalidate}"
    if site.stale_if_error:
        value += f", stale-if-error={site.stale_if_error}"
    return value


def surrogate_key(kind: str, slug: str) -> str:
    """Return the CDN key naming every document of one feed (ASCII, as headers must be)."""
    return f"{kind}/{quote(slug, safe='')}" if slug else "site"


def surrogate_keys(kind: str, slug: str) -> str:
    """Return the Surrogate-Key value of a feed's documents (every format and page)."""
    return f"feeds {surrogate_key(kind, slug)}"


def websub_links(hubs: Sequence[str], self_url: str) -> str:
    """Return the Link header naming a feed's WebSub hubs and itself, or "" without hubs."""
    if not hubs:
        return ""
    links = [f'<{hub}>; rel="hub"' for hub in hubs]
    links.append(f'<{self_url}>; rel="self"')
    return ", ".join(links)
