"""The same data gives the same bytes and ETags in any process, at any time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import hashlib, json, sys
from datetime import datetime, UTC
from feeds.web import create_app
from tests.helpers import publisher_of
app = create_app({"DATA": sys.argv[1], "POLL_INTERVAL": 0,
                  "CLOCK": lambda: datetime(2026, 6, 1, 12, tzinfo=UTC)})
client = app.test_client()
view, _ = publisher_of(app).view()
out = {}
for feed in view.feeds():
    for fmt in ("rss", "atom"):
        for encoding in ("identity", "gzip"):
            r = client.get(f"{feed.path}.{fmt}", headers={"Accept-Encoding": encoding})
            out[f"{feed.path}.{fmt} {encoding}"] = [hashlib.sha256(r.data).hexdigest(),
                                                    r.headers["ETag"], r.headers["Last-Modified"]]
print(json.dumps(out))
"""


def render_in_subprocess(data_dir: Path, env_extra: dict[str, str]) -> dict:
    env = {**os.environ, **env_extra}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)


def test_two_processes_render_identical_bytes_and_etags(data_dir):
    # Different hash seeds, time zones and locales must not show in the output.
    first = render_in_subprocess(data_dir, {"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C"})
    second = render_in_subprocess(
        data_dir, {"PYTHONHASHSEED": "2", "TZ": "America/New_York", "LC_ALL": "C.UTF-8"}
    )
    assert len(first) > 40
    assert first == second


def test_file_order_and_mtimes_do_not_change_the_output(data_dir):
    before = render_in_subprocess(data_dir, {})
    for path in sorted(data_dir.rglob("*.yaml")):
        os.utime(path, (1, 1))
    assert render_in_subprocess(data_dir, {}) == before
