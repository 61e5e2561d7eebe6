"""The serving benchmark with subscriber counting on and off: 304s per second under wrk.

    python -m benchmarks.stats [--data data] [--runs 5] [--seconds 5]

Runs alternate (off, on, off, on, ...) so that a busy machine weighs on both alike; the
medians and their ratio are printed. Each request carries a Feedly User-Agent, so every
one is classified and counted when counting is on.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
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


def per_request_cost(requests: int = 20_000, runs: int = 5) -> dict[str, float]:
    """Return the CPU microseconds counting adds to a request: queueing it (on the request
    path) and writing it (in the background thread), best of several runs.

    Steadier than the wrk figures on a busy machine, and what they should differ by.
    """
    from feeds.stats.recorder import Recorder

    aggregator = {"HTTP_USER_AGENT": AGENT, "REMOTE_ADDR": "192.0.2.1"}
    readers = [
        {"HTTP_USER_AGENT": "NetNewsWire (RSS Reader; https://netnewswire.com/)",
         "REMOTE_ADDR": f"10.0.{n // 250}.{n % 250}"}
        for n in range(5000)
    ]  # fmt: skip
    best = {"record_us": math.inf, "flush_aggregator_us": math.inf, "flush_reader_us": math.inf}
    with tempfile.TemporaryDirectory() as scratch:
        recorder = Recorder(Path(scratch) / "s.db", keys_folder=Path(scratch), interval=3600)
        recorder.running = True  # no thread: this process flushes by hand
        for _ in range(runs):
            for name, environs in (("aggregator", [aggregator]), ("reader", readers)):
                start = time.process_time()
                for n in range(requests):
                    recorder.record("site", "", environs[n % len(environs)])
                queued = time.process_time() - start
                start = time.process_time()
                recorder.flush()
                flushed = time.process_time() - start
                best["record_us"] = min(best["record_us"], queued / requests * 1e6)
                key = f"flush_{name}_us"
                best[key] = min(best[key], flushed / requests * 1e6)
        recorder.close()
    return best


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
    cost = per_request_cost()
    print(
        f"counting costs {cost['record_us']:.2f} us of CPU on the request path and "
        f"{cost['flush_aggregator_us']:.2f} us (an aggregator) to {cost['flush_reader_us']:.2f}"
        " us (an individual reader) in the background, per request"
    )
    figures = counting_figures(args.data.resolve(), args.runs, args.seconds)
    report_counting(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
