"""HTTP caching decisions, kept pure: header values in, answers out (RFC 9110, RFC 9111)."""

from __future__ import annotations

import re
from datetime import datetime

from werkzeug.http import parse_date

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
    """
    if if_none_match is not None:
        return if_none_match == etag or etag_matches(if_none_match, etag)
    if not if_modified_since:
        return False
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
