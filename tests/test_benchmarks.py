"""The benchmark harness runs end to end in its quick mode, so that it cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.load import GUNICORN

ROOT = Path(__file__).resolve().parent.parent
COMMAND_FIGURES = (
    "bare_parse_s",
    "serve_first_feed_cold_s",
    "serve_first_feed_warm_s",
    "gunicorn_every_worker_s",
    "build_cold_s",
    "build_after_title_edit_s",
    "article_edit_live_s",
    "authors_edit_live_s",
    "article_edit_live_poll_s",
    "authors_edit_live_poll_s",
    "bare_parse_one_core_s",
    "serve_first_feed_one_core_s",
    "poll_s",
    "serve_memory_bytes",
)


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed beside Python")
def test_quick_benchmarks_measure_every_command(tmp_path):
    results = tmp_path / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--articles", "40", "--runs", "1"]
    command += ["--cache", str(tmp_path / "publications"), "--json", str(results)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(results.read_text())["40"]
    commands = figures["commands"]
    assert set(COMMAND_FIGURES) <= set(commands)
    assert all(commands[name] > 0 for name in COMMAND_FIGURES), commands
    assert "feeds build OUT again, one title changed" in done.stdout
    assert figures["first_feed_s"] > 0 and figures["render_all_s"] > 0
