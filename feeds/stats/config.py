"""Where the statistics database is and how long it keeps counts, from the settings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from feeds.cache import cache_file
from feeds.settings import SETTINGS, from_environment

OFF = ("off", "0", "none", "false", "no")


def database_path(root: Path | str, environ: Mapping[str, str]) -> Path | None:
    """Return the statistics database of a data folder, or None when counting is off.

    FEEDS_STATS_DB names it; unset, it sits beside the data folder's parse cache (and is
    off when the parse cache is).
    """
    configured = from_environment("FEEDS_STATS_DB", environ)
    if configured is not None:
        configured = configured.strip()
        if configured.lower() in OFF:
            return None
        if configured:
            return Path(configured).expanduser()
    cache = cache_file(Path(root))
    return None if cache is None else cache.with_name(f"{cache.stem}-stats.sqlite3")


def retention_days(environ: Mapping[str, str]) -> int:
    """Return FEEDS_STATS_RETENTION_DAYS, refusing what is not a whole number of days."""
    setting = SETTINGS["FEEDS_STATS_RETENTION_DAYS"]
    value = from_environment(setting.name, environ)
    if isinstance(value, int):
        return value
    text = value.strip()
    if not text:
        return setting.default
    if not text.isdigit() or int(text) < (setting.minimum or 1):
        raise ValueError(
            f"{setting.name}={value!r} is not a number of days: set it to a whole number "
            f"such as 90 or 400, or unset it for the default of {setting.default}"
        )
    return int(text)


def token(environ: Mapping[str, str]) -> str | None:
    """Return the token that opens /stats/, or None when the page is off."""
    value = from_environment("FEEDS_STATS_TOKEN", environ)
    return value.strip() or None if value else None
