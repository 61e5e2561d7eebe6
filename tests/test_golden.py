"""Golden feeds: the exact bytes for a tiny publication, so any change in output is seen.

When a change to the output is intended, regenerate and review the diff:

    FEEDS_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
    git diff tests/golden/
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feeds.web import create_app
from tests.conftest import Clock

GOLDEN = Path(__file__).parent / "golden"
DOCUMENTS = [
    "/feed.rss",
    "/feed.atom",
    "/sections/war/feed.rss",
    "/authors/ben-editor/feed.atom",
    "/tags/nato/feed.rss",
]


@pytest.fixture(scope="module")
def golden_client():
    app = create_app({"DATA": str(GOLDEN / "data"), "CLOCK": Clock(), "POLL_INTERVAL": 0})
    return app.test_client()


@pytest.mark.parametrize("path", DOCUMENTS)
def test_feed_matches_golden_file(golden_client, path):
    response = golden_client.get(path)
    assert response.status_code == 200
    expected = GOLDEN / path.strip("/").replace("/", "_")
    if os.environ.get("FEEDS_UPDATE_GOLDEN"):
        expected.write_bytes(response.data)
    assert response.data == expected.read_bytes(), (
        f"{path} differs from {expected}; if the change is intended, regenerate with "
        "FEEDS_UPDATE_GOLDEN=1 (see this module's docstring)"
    )
