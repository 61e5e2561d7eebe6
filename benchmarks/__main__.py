"""Print the publisher's costs at newsroom scale, each beside its ceiling.

    python -m benchmarks                      # 10,000 articles
    python -m benchmarks --articles 40000     # another size (repeatable)
    python -m benchmarks --quick              # 200 articles, 2 runs, no wrk: a smoke test

First the commands as users run them, as whole processes (commands.py), each beside the
bare C-loader parse of the same files measured in the same run; then the in-process
breakdown. Each figure is the median of several runs; cold-start figures come from fresh
processes. The table is printed and a JSON copy written to benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.commands import command_figures, report_commands
from benchmarks.generate import generate
from feeds.load import read_article
from feeds.publisher import Publisher
from feeds.urls import FORMATS, feed_document

# Run in a fresh process: time to the first feed, then the bare C-loader parse.
COLD = """
import json, os, sys, time
start = time.perf_counter()
from feeds.publisher import Publisher
from feeds.urls import feed_document
publisher = Publisher(sys.argv[1], poll_interval=0)
view, _ = publisher.view()
publisher.document(view, feed_document("site", "", "atom"))
first_feed = time.perf_counter() - start

import yaml
start = time.perf_counter()
for folder, _, names in os.walk(os.path.join(sys.argv[1], "articles")):
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            yaml.load(f.read(), Loader=yaml.CSafeLoader)
bare_parse = time.perf_counter() - start
print(json.dumps({"first_feed_s": first_feed, "bare_parse_s": bare_parse}))
"""

# Run in a fresh process: load and write the parse cache, as a running server does.
WRITE_CACHE = """
import json, sys
from feeds.store import Store
store = Store(sys.argv[1])
store.refresh()
store.save_cache()
print(json.dumps({}))
"""

# Run in a fresh process: resident memory before and after every subscription feed.
MEMORY = """
import json, sys
def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
from feeds.publisher import Publisher
from feeds.urls import FORMATS, feed_document
import feeds.web  # import everything serving needs before the baseline
before = rss()
publisher = Publisher(sys.argv[1], poll_interval=0)
view, _ = publisher.view()
loaded = rss()
for feed in view.feeds():
    for fmt in FORMATS:
        publisher.document(view, feed.document(fmt))
print(json.dumps({
    "loaded_bytes": loaded - before,
    "rendered_bytes": rss() - before,
    "document_cache_mb": publisher.cache_contents().budget / 2**20,
}))
"""


# Run in a fresh process, as a server is: an edit in a running publisher, then rendering
# every feed. (In this process, publishers of earlier sizes would still be in memory.)
IN_SERVER = """
import json, sys
from pathlib import Path
from benchmarks.__main__ import edit_figures, render_figures
measure = {"edit": edit_figures, "render": render_figures}[sys.argv[2]]
print(json.dumps(measure(Path(sys.argv[1]), int(sys.argv[3]))))
"""


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def in_fresh_process(script: str, root: Path, cache: str = "off", *args: str) -> dict[str, float]:
    """Run a script in a new interpreter; `cache` is its FEEDS_CACHE_DIR ("off": none)."""
    result = subprocess.run(
        [sys.executable, "-c", script, str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "FEEDS_CACHE_DIR": cache},
    )
    return json.loads(result.stdout)


def warm_start(root: Path, runs: int) -> float:
    """Return the median time to first feed with the parse cache written by a first run."""
    with tempfile.TemporaryDirectory() as cache:
        in_fresh_process(WRITE_CACHE, root, cache)
        starts = [in_fresh_process(COLD, root, cache)["first_feed_s"] for _ in range(runs)]
    return statistics.median(starts)


def data_size(root: Path) -> tuple[int, int]:
    """Return the data folder's size: the bytes in its files, and the space they take on
    disk (whole blocks, as `du` counts; most articles are smaller than one block)."""
    stats = [
        os.stat(os.path.join(folder, name)) for folder, _, names in os.walk(root) for name in names
    ]
    return sum(s.st_size for s in stats), sum(s.st_blocks * 512 for s in stats)


class Editor:
    """Edits the newest article (in the site feed) in place, each time with a new title."""

    def __init__(self, root: Path):
        paths = sorted((root / "articles").rglob("*.yaml"))
        self.root = root
        self.path = paths[-1]
        self.original = self.path.read_text(encoding="utf-8")
        self.count = 0

    def edit(self, moving: bool = False) -> None:
        """Retitle the article; `moving` also gives it a new tag, which changes the indexes
        it is in (a retitled article stays where it was, see Catalog.replacing)."""
        self.count += 1
        text = self.original.replace("title: ", f"title: Edit {self.count} ", 1)
        if moving:
            assert "\ntags:\n" in text
            text = text.replace("\ntags:\n", f"\ntags:\n- Retagged {self.count}\n", 1)
        self.path.write_text(text, encoding="utf-8")

    def restore(self) -> None:
        self.path.write_text(self.original, encoding="utf-8")

    def reparse(self) -> None:
        raw, problems = read_article(self.root, self.path.relative_to(self.root).as_posix())
        assert raw is not None, problems


def edit_figures(root: Path, runs: int) -> dict[str, float]:
    """Measure an edit in a running publisher: noticing it, and serving its new bytes."""
    publisher = Publisher(root, poll_interval=0, settle=0)
    view, _ = publisher.view()
    publisher.document(view, feed_document("site", "", "atom"))
    editor = Editor(root)
    after_noticing: list[float] = []
    after_moving: list[float] = []

    def edit_to_new_bytes(moving: bool = False) -> float:
        editor.edit(moving)
        start = time.perf_counter()
        publisher.store.refresh()  # the catalog is swapped in here: requests see it
        view, _ = publisher.view()
        document = publisher.document(view, feed_document("site", "", "atom"))
        assert f"Edit {editor.count} ".encode() in document.body
        served = time.perf_counter()
        # From the moment the poll knew which file changed: measured, not the difference
        # of two medians, which the poll's own variance swamped.
        (after_moving if moving else after_noticing).append(served - publisher.store.noticed_at)
        return served - start

    def announce() -> float:
        # After the swap, the reload thread finds the URLs whose bytes changed (for
        # WebSub and CDN purges); requests are already served the new bytes meanwhile.
        editor.edit()
        publisher.store.refresh()
        return timed(publisher.refresh)

    try:
        figures = {
            "poll_s": median_of(runs, lambda: timed(publisher.store.refresh)),
            "edit_to_new_bytes_s": median_of(runs, edit_to_new_bytes),
            "find_changed_urls_s": median_of(runs, announce),
            "reparse_one_file_s": median_of(runs, lambda: timed(editor.reparse)),
        }
        for _ in range(runs):
            edit_to_new_bytes(moving=True)
    finally:
        editor.restore()
        publisher.close()
    figures["after_noticing_s"] = statistics.median(after_noticing)
    figures["moving_after_noticing_s"] = statistics.median(after_moving)
    return figures


def render_figures(root: Path, runs: int = 1) -> dict[str, float]:
    """Time rendering every subscription feed in every format, and Markdown's share."""
    publisher = Publisher(root, poll_interval=0)
    view, _ = publisher.view()
    feeds = list(view.feeds())
    start = time.perf_counter()
    for article in {a.id: a for f in feeds for a in f.entries}.values():
        _ = article.body_html  # Markdown and sanitizing, once per article shown
    bodies = time.perf_counter() - start
    for feed in feeds:
        for fmt in FORMATS:
            publisher.document(view, feed.document(fmt))
    total = time.perf_counter() - start
    publisher.close()
    return {
        "feeds": len(feeds),
        "render_all_s": total,
        "render_bodies_s": bodies,
        "render_documents_s": total - bodies,
    }


def measure(root: Path, runs: int) -> dict[str, float]:
    data_bytes, disk_bytes = data_size(root)
    figures: dict[str, float] = {"data_bytes": data_bytes, "disk_bytes": disk_bytes}
    colds = [in_fresh_process(COLD, root) for _ in range(runs)]
    for key in colds[0]:
        figures[key] = statistics.median(c[key] for c in colds)
    figures["first_feed_warm_s"] = warm_start(root, runs)
    figures.update(in_fresh_process(IN_SERVER, root, "off", "edit", str(runs)))
    figures.update(in_fresh_process(IN_SERVER, root, "off", "render", "1"))
    figures.update(in_fresh_process(MEMORY, root))
    figures["commands"] = command_figures(root, runs)  # type: ignore[assignment]
    return figures


def report(n: int, f: dict[str, float]) -> None:
    ms = 1000
    print(
        f"\n{n:,} articles ({f['data_bytes'] / 1e6:.1f} MB of YAML in files, "
        f"{f['disk_bytes'] / 1e6:.1f} MB on disk; document cache {f['document_cache_mb']:g} MB)"
    )
    rows = [
        ("1 first feed, cold process (no cache)", f["first_feed_s"] * ms,
         f"{f['first_feed_s'] / f['bare_parse_s']:.2f}x the bare C-loader parse "
         f"({f['bare_parse_s'] * ms:,.0f} ms)"),
        ("2 first feed, fresh process, parse cache warm", f["first_feed_warm_s"] * ms,
         f"{f['first_feed_warm_s'] / f['bare_parse_s']:.2f}x the bare C-loader parse"),
        ("3 edit to new bytes, after the poll noticed it", f["after_noticing_s"] * ms,
         f"re-parse of that file alone: {f['reparse_one_file_s'] * ms:.1f} ms"),
        ("  an edit that also adds a tag (indexes rebuilt)", f["moving_after_noticing_s"] * ms,
         "after the poll noticed it"),
        ("  the poll that notices (one stat per file)", f["poll_s"] * ms, ""),
        ("  a poll that finds the URLs whose bytes changed", f["find_changed_urls_s"] * ms,
         "in the reload thread, after the new bytes are served"),
        (f"4 render all {f['feeds']:.0f} subscription feeds x 3 formats", f["render_all_s"] * ms,
         f"Markdown {f['render_bodies_s'] * ms:,.0f} ms, "
         f"feedgen, JSON and gzip {f['render_documents_s'] * ms:,.0f} ms"),
        ("6 memory growth, loaded", f["loaded_bytes"] / 1e6,
         f"{f['loaded_bytes'] / f['data_bytes']:.2f}x the YAML bytes, "
         f"{f['loaded_bytes'] / f['disk_bytes']:.2f}x their space on disk"),
        ("  memory growth, every feed rendered", f["rendered_bytes"] / 1e6,
         f"{f['rendered_bytes'] / f['data_bytes']:.2f}x the YAML bytes, "
         f"{f['rendered_bytes'] / f['disk_bytes']:.2f}x their space on disk"),
    ]  # fmt: skip
    report_commands(f["commands"], f["runs"], f["data_bytes"])  # type: ignore[arg-type]
    print("  in-process breakdown:")
    for label, value, note in rows:
        unit = "MB" if label.lstrip("6 ").startswith("memory") else "ms"
        print(f"  {label:<52} {value:>9,.1f} {unit}  {note}")


def report_serving(f: dict[str, float]) -> None:
    print("\n5 serving the site feed under gunicorn (2 sync workers), wrk -t2 -c16")
    for kind in ("200", "304"):
        print(
            f"  {kind}: app {f[f'app_{kind}_rps']:,.0f} req/s, minimal WSGI app "
            f"{f[f'minimal_{kind}_rps']:,.0f} req/s: ratio {f[f'ratio_{kind}']:.2f}"
        )
    print(f"  bytes on the wire per 304: {f['app_304_bytes']:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--articles", type=int, action="append", help="a size (repeatable)")
    parser.add_argument("--runs", type=int, help="runs per figure, the median shown (default 5)")
    parser.add_argument(
        "--quick", action="store_true", help="200 articles unless --articles, 2 runs, no wrk"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "feeds-bench",
        help="where generated publications are kept between runs",
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"))
    parser.add_argument(
        "--stats", action="store_true", help="also 304s with subscriber counting on and off"
    )
    args = parser.parse_args()
    sizes = args.articles or ([200] if args.quick else [10_000])
    runs = args.runs or (2 if args.quick else 5)

    results: dict[str, dict[str, float]] = {}
    for n in sizes:
        root = args.cache / f"articles-{n}"
        if not (root / "site.yaml").exists():
            print(f"generating {n:,} articles in {root} ...", flush=True)
            generate(root, n)
        results[str(n)] = {**measure(root, runs), "runs": runs}
        report(n, results[str(n)])
    if not args.quick:
        from benchmarks.load import serving_figures

        n = 10_000 if 10_000 in sizes else sizes[0]
        results["serving"] = serving_figures(args.cache / f"articles-{n}")
        report_serving(results["serving"])
    if args.stats:
        from benchmarks.stats import counting_figures, report_counting

        results["counting"] = counting_figures(args.cache / f"articles-{sizes[0]}")
        report_counting(results["counting"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
