"""The partners page in Chromium: counts per platform, each story's reasons, a phone-sized
screen, screenshots under tests/artifacts/ (see tests/test_browser.py for the driver)."""

from __future__ import annotations

import json

from feeds.cli import main
from tests import test_browser
from tests.browser import Browser
from tests.test_browser import ARTIFACTS, DESKTOP, Site, on_a_phone

# The same Chromium and local server as the other page tests.
browser = test_browser.browser
site = test_browser.site


def test_partners_page_shows_counts_and_reasons(browser: Browser, site: Site, data_dir, runner):
    browser.viewport(*DESKTOP)
    browser.open(site.base + "/partners/")
    shown = browser.js(
        "return Object.fromEntries([...document.querySelectorAll('strong.count')]"
        ".map(e => [e.dataset.platform, Number(e.textContent)]))"
    )
    report = json.loads(runner.invoke(main, ["check", "--data", str(data_dir), "--format",
                                             "json"]).stdout)["partners"]  # fmt: skip
    expected = {p: len({f["path"] for f in found if f["path"] != "site.yaml"})
                for p, found in report.items()}  # fmt: skip
    assert shown == expected
    sections = browser.js(
        "return [...document.querySelectorAll('section.platform')].map(s => "
        "[s.id, s.querySelectorAll('ul.reasons > li').length, s.getBoundingClientRect().height])"
    )
    assert [s[0] for s in sections] == ["flipboard", "smartnews", "msn", "google_news"]
    assert all(count > 0 and height > 0 for _, count, height in sections)
    browser.screenshot(ARTIFACTS / "partners.png")


def test_partners_page_fits_a_phone(browser: Browser, site: Site) -> None:
    width, scroll_width = on_a_phone(browser, site.base + "/partners/", "partners-mobile.png")
    assert scroll_width <= width, f"scrolls sideways ({scroll_width} > {width})"
