"""The index, section and subscribe pages in a real browser: head, feed links, a phone-sized
screen, screenshots.

Driver: selenium with Debian's /usr/bin/chromium and /usr/bin/chromedriver. The two Debian
packages are built from one source at one version, so the driver always matches the
browser; selenium speaks the W3C WebDriver standard and is the best-known Python client,
and given the driver's path it never downloads anything (Selenium Manager stays idle).
Playwright's wheel brings its own Node.js driver and expects its own browser builds; a
hand-written DevTools client would be code of our own to keep. Chromium-only settings (the
exact viewport) still go through DevTools, via selenium's execute_cdp_cmd.

Without a browser these tests are skipped with the reason, except under CI=true, where
they fail (tests/browser.py `missing`). Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import yaml

from tests.browser import Browser, chromium, serve_folder

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP = (1280, 900)
PHONE = (390, 844)  # an iPhone 12 to 15 in CSS pixels
FEED_TYPES = {
    "rss": {"application/rss+xml"},
    "atom": {"application/atom+xml"},
    "json": {"application/feed+json"},
    "opml": {"text/x-opml", "application/xml", "text/xml"},
}
SECTION_PAGE = re.compile(r"^/sections/[^/]+/$")
# Straight to the local server, whatever proxy the environment names.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Site:
    """The live publication: where it really runs, and the public URL its links are built on."""

    def __init__(self, base: str, data_dir: Path):
        self.base = base
        settings = yaml.safe_load((data_dir / "site.yaml").read_text(encoding="utf-8"))
        self.title: str = settings["title"]
        self.public: str = settings["url"].rstrip("/")

    def local(self, url: str) -> str:
        """Return the local server's URL for a link on the page (built on the public URL)."""
        for prefix in (self.public, self.base):
            if url == prefix or url.startswith(prefix + "/"):
                return self.base + url[len(prefix) :]
        raise AssertionError(f"link {url} is neither on {self.public} nor on {self.base}")

    def fetch(self, url: str) -> tuple[int, str]:
        """Return the status and media type (no parameters) of a GET of a page link."""
        try:
            with _http.open(self.local(url), timeout=10) as response:
                response.read()
                status, content_type = response.status, response.headers["Content-Type"]
        except urllib.error.HTTPError as error:
            status, content_type = error.code, error.headers.get("Content-Type", "")
        return status, content_type.split(";")[0].strip().lower()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with chromium(tmp_path_factory.mktemp("chromium") / "profile") as browser:
        yield browser


@pytest.fixture
def site(data_dir: Path, clock) -> Iterator[Site]:
    with serve_folder(data_dir, clock) as base:
        yield Site(base, data_dir)


def alternates(browser: Browser) -> list[dict[str, str]]:
    """Return the page's autodiscovery links (in the head) as {type, href, title}."""
    return browser.js(
        "return [...document.head.querySelectorAll('link[rel~=alternate]')]"
        ".map(l => ({type: l.type, href: l.href, title: l.title}))"
    )


def feed_kind(url: str) -> str | None:
    """Return rss, atom, json or opml by the URL's extension, None for any other link."""
    suffix = urlsplit(url).path.rpartition(".")[2]
    return suffix if suffix in FEED_TYPES else None


def test_index_head_names_the_publication_and_its_feeds(browser: Browser, site: Site) -> None:
    browser.viewport(*DESKTOP)
    browser.open(site.base + "/")

    assert site.title in browser.driver.title
    links = alternates(browser)
    by_type = {link["type"]: link for link in links}
    site_feeds = {"application/rss+xml": "rss", "application/atom+xml": "atom"}
    if "application/feed+json" in by_type:
        site_feeds["application/feed+json"] = "json"
    for media_type, fmt in site_feeds.items():
        assert media_type in by_type, f"no <link rel=alternate type={media_type}> in {links}"
        link = by_type[media_type]
        assert link["href"] == f"{site.public}/feed.{fmt}"
        assert link["title"], f"autodiscovery link {link['href']} has no title"
        assert site.fetch(link["href"]) == (200, media_type)

    text = browser.js("return document.body.innerText")
    # Text escaped twice shows its entities to the reader.
    assert not re.search(r"&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);", text, re.I)
    browser.screenshot(ARTIFACTS / "index.png")


def test_every_feed_link_on_the_index_resolves(browser: Browser, site: Site) -> None:
    browser.viewport(*DESKTOP)
    browser.open(site.base + "/")
    hrefs = browser.js("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    feeds = sorted({href for href in hrefs if feed_kind(href)})

    # In-page links may be paths (resolved against the local server) or public URLs.
    assert any(urlsplit(site.local(href)).path == "/feed.rss" for href in feeds), feeds
    wrong = {}
    for href in feeds:
        status, media_type = site.fetch(href)
        if status != 200 or media_type not in FEED_TYPES[feed_kind(href)]:
            wrong[href] = (status, media_type)
    assert not wrong, f"{len(wrong)} of {len(feeds)} feed links are broken: {wrong}"


def test_index_fits_a_phone(browser: Browser, site: Site) -> None:
    browser.viewport(*PHONE, mobile=True)
    try:
        browser.open(site.base + "/")
        width, scroll_width, too_wide = browser.js(
            "const w = window.innerWidth;"
            "const wide = [...document.body.querySelectorAll('*')]"
            "  .filter(e => e.getBoundingClientRect().right > w + 0.5)"
            "  .slice(0, 5).map(e => e.outerHTML.slice(0, 120));"
            "return [w, document.documentElement.scrollWidth, wide];"
        )
        browser.screenshot(ARTIFACTS / "index-mobile.png")
    finally:
        browser.viewport(*DESKTOP)

    # A page without a width=device-width viewport is laid out 980 px wide and shrunk.
    assert width == PHONE[0], "the page does not lay itself out at the phone's width"
    assert scroll_width <= width, f"scrolls sideways ({scroll_width} > {width}): {too_wide}"


def test_a_section_page_has_its_own_autodiscovery(browser: Browser, site: Site) -> None:
    from selenium.webdriver.support.wait import WebDriverWait  # installed when browser is up

    browser.viewport(*DESKTOP)
    browser.open(site.base + "/")
    hrefs = browser.js("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    sections = [h for h in hrefs if SECTION_PAGE.match(urlsplit(h).path)]
    if not sections:
        reason = "the index page has no /sections/<slug>/ link yet, so no section page to visit"
        print(reason)
        pytest.skip(reason)

    target = site.local(sections[0])
    # Links are built on the public host; point this one at the local server, then click it.
    browser.js(
        "const a = [...document.querySelectorAll('a[href]')].find(a => a.href === arguments[0]);"
        "a.setAttribute('href', arguments[1]); a.scrollIntoView();",
        sections[0],
        target,
    )
    browser.driver.find_element("css selector", f'a[href="{target}"]').click()
    WebDriverWait(browser.driver, 10).until(lambda d: d.current_url == target)
    assert site.fetch(target) == (200, "text/html")
    slug = urlsplit(target).path.split("/")[2]
    feeds = [link["href"] for link in alternates(browser)]
    own = [h for h in feeds if urlsplit(h).path.startswith(f"/sections/{slug}/feed.")]
    assert own, f"section page {target} has no autodiscovery link to its feeds: {feeds}"


def test_subscribe_leads_a_reader_without_a_feed_reader_to_one_click_links(
    browser: Browser, site: Site
) -> None:
    from selenium.webdriver.support.wait import WebDriverWait  # installed when browser is up

    browser.viewport(*DESKTOP)
    browser.open(site.base + "/sections/war/")
    browser.driver.find_element("css selector", "a.subscribe").click()
    target = site.base + "/sections/war/subscribe/"
    WebDriverWait(browser.driver, 10).until(lambda d: d.current_url == target)
    assert site.fetch(target) == (200, "text/html")

    feed = f"{site.public}/sections/war/feed.rss"
    query = quote(feed, safe=":/")
    links = browser.js(
        "return [...document.querySelectorAll('a.reader')]"
        ".map(a => [a.textContent.trim(), a.href, a.getBoundingClientRect().height > 0])"
    )
    assert links == [
        ["Feedly", f"https://feedly.com/i/subscription/feed/{feed}", True],
        ["Inoreader", f"https://www.inoreader.com/?add_feed={query}", True],
        ["NewsBlur", f"https://www.newsblur.com/?url={query}", True],
        ["The Old Reader", f"https://theoldreader.com/feeds/subscribe?url={query}", True],
    ]
    text = browser.js("return document.body.innerText")
    assert "A feed brings you every new article from War" in text
    assert browser.js("return document.querySelector('input.url').value") == feed

    # The copy button puts the feed's URL on the clipboard and says so.
    browser.driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": site.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    button = browser.driver.find_element("css selector", "button.copy")
    button.click()
    WebDriverWait(browser.driver, 5).until(lambda d: button.text == "Copied")
    assert browser.js("return navigator.clipboard.readText()") == feed
    browser.screenshot(ARTIFACTS / "subscribe.png")

    width, scroll_width = on_a_phone(browser, target, "subscribe-mobile.png")
    assert scroll_width <= width, f"the subscribe page scrolls sideways on a phone ({scroll_width})"


def on_a_phone(browser: Browser, url: str, screenshot: str) -> tuple[int, int]:
    """Open a page at a phone's size, save a screenshot of it under ARTIFACTS, and return
    the viewport's width and the page's (wider when it scrolls sideways)."""
    browser.viewport(*PHONE, mobile=True)
    try:
        browser.open(url)
        width, scroll_width = browser.js(
            "return [window.innerWidth, document.documentElement.scrollWidth]"
        )
        browser.screenshot(ARTIFACTS / screenshot)
    finally:
        browser.viewport(*DESKTOP)
    return width, scroll_width
