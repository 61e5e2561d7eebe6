"""Every setting of the publisher: its name, default, where it may be set, and what it does.

The one table that site.yaml is checked against (meta.load_site), that the environment
is read from (``from_environment``), that the records and the app take their defaults
from, and that the README's list of settings is tested against (tests/test_settings.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

SITE_YAML = "site.yaml"
ENVIRONMENT = "environment"
APP_CONFIG = "app config"  # create_app({...}), for tests and embedding

Where = Literal["site.yaml", "environment", "app config"]
# How a value is written: one-line text, an absolute http(s) URL, a list of them, a whole
# number (at least `minimum`), an IANA time zone name, an id authority (a domain or email
# address), a folder, megabytes (fractions allowed), seconds, true/false (a flag), or the
# news platforms fed (a mapping of platform to its settings; see partners/config.py).
Kind = Literal["text", "url", "urls", "number", "timezone", "authority", "folder", "megabytes",
               "seconds", "flag", "partners"]  # fmt: skip


@dataclass(frozen=True, kw_only=True, slots=True)
class Setting:
    """One setting: its name where it is set, its default, and what it does."""

    name: str
    default: Any
    where: Where
    kind: Kind
    help: str
    required: bool = False
    minimum: int | None = None  # for numbers


def _site(name: str, default: Any, kind: Kind, help: str, **more: Any) -> Setting:
    return Setting(name=name, default=default, where=SITE_YAML, kind=kind, help=help, **more)


# In the order site.yaml's fields are suggested in.
SITE_SETTINGS = (
    _site("title", None, "text", "the publication's name", required=True),
    _site("url", None, "url", "the public address every link and id is built from",
          required=True),
    _site("language", "en", "text", "the language of the articles, as an IETF tag"),
    _site("description", None, "text", "one line about the publication (default: the title)"),
    _site("timezone", "UTC", "timezone", "the IANA zone of dates written without an offset"),
    _site("items_per_feed", 50, "number", "entries in a subscription document", minimum=1),
    _site("max_age", 300, "number", "seconds a subscription document may be cached",
          minimum=0),
    _site("archive_size", None, "number",
          "entries in each RFC 5005 archive document (default: items_per_feed)", minimum=1),
    _site("archive_max_age", 86400, "number", "seconds a full archive document may be cached",
          minimum=0),
    _site("copyright", None, "text", "the rights statement every feed carries"),
    _site("icon", None, "url", "a square picture for feed readers"),
    _site("logo", None, "url", "a wide picture for feed readers"),
    _site("max_file_bytes", 1_000_000, "number", "the largest data file that is read",
          minimum=1),
    _site("stale_while_revalidate", 0, "number",
          "seconds a cache may serve a stale document while it fetches a new one", minimum=0),
    _site("stale_if_error", 0, "number",
          "seconds a cache may serve a stale document while the server fails", minimum=0),
    _site("hubs", (), "urls", "WebSub hubs told of every change"),
    _site("purge_webhook", None, "url", "told of the URLs whose bytes changed, for a CDN"),
    _site("id_authority", "", "authority",
          "who mints article ids (a domain or email address; default: the url's host)"),
    # Long enough for a platform or reader that polls weekly, or was down for a while, to
    # see a retraction's tombstone; a month of retractions is a few lines in a feed.
    _site("removal_retention_days", 30, "number",
          "days the Atom feeds keep a tombstone of a retracted or expired article", minimum=0),
    _site("robots_txt", False, "flag",
          "serve /robots.txt naming both sitemaps (only where the site is its host's root)"),
    _site("partners", (), "partners",
          "news platforms: flipboard, smartnews, msn (each fed a feed of its own) and "
          "google_news (the readiness report only; see Partners)"),
)  # fmt: skip

ENVIRONMENT_SETTINGS = (
    Setting(name="FEEDS_DATA", default="data", where=ENVIRONMENT, kind="folder",
            help="the data folder, when --data (or the app's DATA) is not given"),
    Setting(name="FEEDS_CACHE_DIR", default=None, where=ENVIRONMENT, kind="folder",
            help="the parse cache's folder (default $XDG_CACHE_HOME/feeds or ~/.cache/feeds; "
            "off turns it off)"),
    # Enough for the documents polled most: the site feed and eight section feeds of 50
    # full-text entries, in three formats, identity and gzip.
    Setting(name="FEEDS_DOCUMENT_CACHE_MB", default=8, where=ENVIRONMENT, kind="megabytes",
            help="megabytes of rendered documents each worker keeps (0 keeps none)"),
    Setting(name="FEEDS_STATS_DB", default=None, where=ENVIRONMENT, kind="text",
            help="the subscriber statistics database, SQLite (default: a file in the parse "
            "cache's folder; off turns counting off)"),
    Setting(name="FEEDS_STATS_TOKEN", default=None, where=ENVIRONMENT, kind="text",
            help="the token editors give to see /stats/ (unset: the page does not exist)"),
    Setting(name="FEEDS_STATS_RETENTION_DAYS", default=400, where=ENVIRONMENT, kind="number",
            help="days of subscriber counts kept", minimum=1),
    Setting(name="FEEDS_WATCH", default="auto", where=ENVIRONMENT, kind="text",
            help="how edits are noticed: auto (inotify on Linux, else polling), inotify "
            "(the same, warning when it must poll) or poll"),
)  # fmt: skip

APP_SETTINGS = (
    Setting(name="POLL_INTERVAL", default=0.5, where=APP_CONFIG, kind="seconds",
            help="seconds between checks of the data folder (0 turns live reload off)"),
    Setting(name="SETTLE", default=0.3, where=APP_CONFIG, kind="seconds",
            help="seconds a changed file must be left alone before it is read"),
)  # fmt: skip

SETTINGS: dict[str, Setting] = {
    s.name: s for s in SITE_SETTINGS + ENVIRONMENT_SETTINGS + APP_SETTINGS
}


def default(name: str) -> Any:
    """Return a setting's default."""
    return SETTINGS[name].default


def from_environment(name: str, environ: Mapping[str, str]) -> Any:
    """Return an environment setting's value, or its default when unset.

    A folder is returned as written (FEEDS_CACHE_DIR gives "off" a meaning); megabytes
    that are empty take the default, and any that cannot be read raise ValueError with
    a message naming the setting and saying what to write, so that a typo does not
    silently become the default.
    """
    setting = SETTINGS[name]
    if setting.where != ENVIRONMENT:
        raise ValueError(f"{name} is set in {setting.where}, not in the environment")
    value = environ.get(name)
    if value is None:
        return setting.default
    if setting.kind == "megabytes":
        value = value.strip()
        if not value:
            return setting.default
        try:
            megabytes = float(value)
        except ValueError:
            megabytes = math.nan
        if not 0 <= megabytes < math.inf:
            raise ValueError(
                f"{name}={value!r} is not a size in megabytes: set it to a number "
                f"such as 16, 2.5 or 0 (keep no rendered documents), or unset it for the "
                f"default of {setting.default}"
            )
        return megabytes
    return value


def settings_table() -> str:
    """Return every setting as the Markdown table the README shows (tests keep it there)."""
    rows = ["| setting | where | default | what it does |", "|---|---|---|---|"]
    for setting in SETTINGS.values():
        shown = setting.default
        if setting.required:
            shown = "required"
        elif shown is None or shown in ("", ()):
            shown = "—"
        elif isinstance(shown, bool):
            shown = str(shown).lower()
        elif isinstance(shown, int):
            shown = f"{shown:,}"
        rows.append(f"| `{setting.name}` | {setting.where} | {shown} | {setting.help} |")
    return "\n".join(rows) + "\n"
