"""Shared fixtures: a copy of the sample publication, an app over it, its publisher, a client
and a CLI runner."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from feeds import filestate
from feeds.web import create_app
from tests.helpers import publisher_of

SAMPLE = Path(__file__).resolve().parent.parent / "data"
# Later than every sample article, so the whole sample is live whatever the real date.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A settable clock for scheduled-publishing tests."""

    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def private_parse_cache(tmp_path_factory, monkeypatch) -> None:
    """Give each test its own parse cache folder, never the user's."""
    monkeypatch.setenv("FEEDS_CACHE_DIR", str(tmp_path_factory.mktemp("parse-cache")))
    # No subscriber counting unless a test asks for it (STATS_DB): its flusher thread
    # would outlive the test and keep the parallel loader from forking (parallel.py).
    monkeypatch.setenv("FEEDS_STATS_DB", "off")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Return a private copy of the sample publication."""
    target = tmp_path / "data"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(data_dir: Path, clock: Clock):
    """Return an app over the copy; tests drive reloads themselves (no thread, no settle delay)."""
    app = create_app(
        {"DATA": str(data_dir), "CLOCK": clock, "POLL_INTERVAL": 0, "SETTLE": 0, "TESTING": True}
    )
    yield app
    publisher_of(app).close()


@pytest.fixture
def publisher(app):
    """Return the app's publisher, for tests that reload or look at the served view."""
    return publisher_of(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write(data_dir: Path) -> Callable[[str, str], Path]:
    """Return a function that writes a (dedented) file into the data folder."""

    def write(rel: str, text: str) -> Path:
        path = data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def forked(monkeypatch) -> list[int]:
    """Return the list of the children os.fork starts from here on."""
    started: list[int] = []
    real_fork = os.fork

    def recording_fork() -> int:
        pid = real_fork()
        if pid:
            started.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    return started


@pytest.fixture
def reads(monkeypatch):
    """Count the data files read from disk (paths relative to the data folder)."""
    seen: list[str] = []
    original = filestate.read_text

    def counting(path, rel, *args, **kwargs):
        seen.append(rel)
        return original(path, rel, *args, **kwargs)

    monkeypatch.setattr(filestate, "read_text", counting)
    return seen


@pytest.fixture
def markdown_renders(monkeypatch):
    """Record the base URL of each Markdown body rendered in this process."""
    import feeds.markup

    rendered: list[str] = []
    original = feeds.markup.render_markdown

    def counting(source, base_url):
        rendered.append(base_url)
        return original(source, base_url)

    monkeypatch.setattr(feeds.markup, "render_markdown", counting)
    return rendered
