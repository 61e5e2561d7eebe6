"""The /stats/ page in Chromium, over 60 days of generated logs: sign in, charts, dark mode.

Screenshots go to tests/artifacts/ (git-ignored): stats.png and stats-dark.png.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.logs import lines
from feeds.stats.db import open_database
from feeds.stats.logs import import_logs
from feeds.web import create_app
from tests.browser import Browser, chromium, live_server
from tests.helpers import publisher_of

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TOKEN = "newsroom-stats-token"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    with chromium(tmp_path_factory.mktemp("chromium") / "profile") as browser:
        yield browser


@pytest.fixture
def stats_site(data_dir: Path, tmp_path: Path, clock):
    log = tmp_path / "access.log"
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    log.write_text("\n".join(lines(data_dir, 60, 1, end)) + "\n", encoding="utf-8")
    database = open_database(tmp_path / "stats.sqlite3")
    import_logs(database, [log])
    database.close()
    app = create_app({
        "DATA": str(data_dir), "CLOCK": clock, "POLL_INTERVAL": 0, "SETTLE": 0,
        "STATS_DB": str(tmp_path / "stats.sqlite3"), "STATS_TOKEN": TOKEN,
    })  # fmt: skip
    try:
        with live_server(app) as base:
            yield base
    finally:
        app.extensions["feeds_stats"].close()
        publisher_of(app).close()


def wait_for(browser: Browser, script: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not browser.js(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.1)


def test_editors_sign_in_and_see_a_chart_per_feed_light_and_dark(browser: Browser, stats_site):
    browser.viewport(1100, 1400)
    browser.open(stats_site + "/stats/")
    assert browser.js("return document.querySelector('input[name=token]') !== null")
    browser.js(
        "document.querySelector('input[name=token]').value = arguments[0];"
        "document.querySelector('form').submit();",
        TOKEN,
    )
    wait_for(browser, "return document.querySelectorAll('svg.chart').length > 0")
    assert browser.js("return document.cookie") == ""  # HttpOnly: no script reads it
    charts = browser.js(
        "return [...document.querySelectorAll('svg.chart')].map(s => {"
        " const r = s.getBoundingClientRect(); return [r.width, r.height,"
        " s.querySelector('title').textContent]; })"
    )
    assert len(charts) >= 10
    assert all(width > 300 and height > 80 for width, height, _ in charts)
    assert charts[0][2].startswith("Subscribers of ")
    first = browser.js("return document.querySelector('h2').textContent")
    assert first.startswith("Everything") or "/" in first  # the site feed has most
    light = browser.js("return getComputedStyle(document.body).backgroundColor")
    browser.screenshot(ARTIFACTS / "stats.png")
    browser.driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    try:
        dark = browser.js("return getComputedStyle(document.body).backgroundColor")
        fill = browser.js(
            "return getComputedStyle(document.querySelector('svg.chart .reported')).fill"
        )
        assert dark != light and fill != "rgb(158, 197, 254)"
        browser.screenshot(ARTIFACTS / "stats-dark.png")
    finally:
        browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
