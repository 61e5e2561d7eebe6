"""The serving benchmark with subscriber counting on and off: 304s per second under wrk.

    python -m benchmarks.stats [--data data] [--runs 5] [--seconds 5]

Runs alternate (off, on, off, on, ...) so that a busy machine weighs on both alike; the
medians and their ratio are printed. Each request carries a Feedly User-Agent, so every
one is classified and counted when counting is on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from benchmarks.load import Gunicorn, wait_until_up, wrk
from feeds.publisher import Publisher
from feeds.urls import feed_document

AGENT = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 131 subscribers; )"


def counting_figures(data: Path, runs: int = 5, seconds: int = 5) -> dict[str, float]:
    """Return the median 304 rate with counting off and on, and on / off."""
    publisher = Publisher(data, poll_interval=0)
    view, _ = publisher.view()
    etag = publisher.document(view, feed_document("site", "", "atom")).identity.etag
    publisher.close()
    headers = {"If-None-Match": etag, "User-Agent": AGENT}
    rates: dict[str, list[float]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(runs):
            for mode in ("off", "on"):
                database = "off" if mode == "off" else str(Path(scratch) / f"stats-{run}.db")
                env = {"FEEDS_DATA": str(data), "FEEDS_CACHE_DIR": scratch,
                       "FEEDS_STATS_DB": database}  # fmt: skip
                with Gunicorn("wsgi:app", env) as server:
                    url = f"{server.url}/feed.atom"
                    wait_until_up(url)
                    wrk(url, 2, headers)  # warm up
                    rates[mode].append(wrk(url, seconds, headers))
    off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
    return {"off_304_rps": off, "on_304_rps": on, "ratio": on / off,
            "runs_off": rates["off"], "runs_on": rates["on"]}  # fmt: skip


def report_counting(f: dict) -> None:
    print("\nsubscriber counting, 304s of the site feed under gunicorn (2 sync workers)")
    print(f"  counting off {f['off_304_rps']:,.0f} req/s, on {f['on_304_rps']:,.0f} req/s: "
          f"on/off {f['ratio']:.3f} (medians of {len(f['runs_on'])} alternating runs)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stats", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    figures = counting_figures(args.data.resolve(), args.runs, args.seconds)
    report_counting(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
