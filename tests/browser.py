"""Headless Chromium for the browser tests, and a live server for it to load pages from."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from flask import Flask
from werkzeug.serving import make_server

from feeds.web import create_app
from tests.helpers import publisher_of, unavailable

INSTALL_HINT = (
    "install Debian's browser and its driver (apt-get install chromium chromium-driver, "
    "as .ci/run does) and selenium (pip install -e '.[test]')"
)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless, and nothing that reaches for the network: this machine's network is closed and
# Chromium's background connections would only be refused (or slow the start down).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
)
# A browser that hangs must not hang the test run: every command is bounded by these.
PAGE_LOAD_SECONDS = 15
WATCHDOG_SECONDS = 50


def missing(what: str) -> NoReturn:
    """Skip the calling test for want of a browser; under CI=true fail it, so CI never skips."""
    unavailable(f"browser test needs {what}; {INSTALL_HINT}")


def find_chromium() -> tuple[str, str]:
    """Return the paths of a Chromium and of its ChromeDriver, or skip (fail under CI)."""
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser is None:
        missing(f"a Chromium browser (none of {', '.join(BROWSERS)} is on PATH)")
    driver = shutil.which("chromedriver")
    if driver is None:
        missing("chromedriver on PATH (Debian package chromium-driver)")
    return browser, driver


class Browser:
    """A started headless Chromium, driven through ChromeDriver."""

    def __init__(self, driver: Any):
        self.driver = driver

    def viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        """Make the page area exactly width x height CSS pixels; mobile honours meta viewport."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def open(self, url: str) -> None:
        """Load a page and wait for its load event."""
        self.driver.get(url)

    def js(self, script: str, *args: Any) -> Any:
        """Return the value of a script run in the page (it must `return` what it gives)."""
        return self.driver.execute_script(script, *args)

    def screenshot(self, path: Path) -> None:
        """Save what the viewport shows as a PNG."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.driver.get_screenshot_as_file(str(path)):
            raise OSError(f"could not write screenshot {path}")


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[Browser]:
    """Start headless Chromium with a fresh profile; quit it, and kill what is left, on exit."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
    except ImportError:
        missing("the selenium package")
    browser_path, driver_path = find_chromium()
    profile.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # With the driver's path given, Selenium Manager (which would download one) never runs.
    # A session of its own lets teardown kill chromedriver and every Chromium it started.
    service = webdriver.ChromeService(
        executable_path=driver_path,
        log_output=str(profile.parent / "chromedriver.log"),
        popen_kw={"start_new_session": True},
    )
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except WebDriverException as error:
        _kill_group(service)
        first_line = (error.msg or str(error)).strip().splitlines()[0]
        missing(f"a Chromium that starts ({browser_path} with {driver_path}: {first_line})")
    driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
    driver.set_script_timeout(PAGE_LOAD_SECONDS)
    # Should ChromeDriver stop answering, killing it turns the hung call into an error.
    watchdog = threading.Timer(WATCHDOG_SECONDS, _kill_group, (service,))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield Browser(driver)
    finally:
        watchdog.cancel()
        with contextlib.suppress(Exception):
            driver.quit()
        _kill_group(service)


def _kill_group(service: Any) -> None:
    """Kill chromedriver's process group (the driver and its browsers), if any is left."""
    process = getattr(service, "process", None)
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        process.wait(timeout=5)


@contextlib.contextmanager
def serve_folder(data_dir: Path, clock) -> Iterator[str]:
    """Serve an app over the data folder on 127.0.0.1 (no reload thread); yield its base URL."""
    app = create_app({"DATA": str(data_dir), "CLOCK": clock, "POLL_INTERVAL": 0})
    try:
        with live_server(app) as base:
            yield base
    finally:
        publisher_of(app).close()


@contextlib.contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on 127.0.0.1 on a free port in a thread; yield its base URL."""
    # Threaded, so a browser's kept-alive connection cannot hold up the next request.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
