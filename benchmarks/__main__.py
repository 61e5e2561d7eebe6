"""Print the publisher's costs at newsroom scale: `python -m benchmarks --articles 10000`.

Each figure is the median of several runs, printed as a table and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.generate import generate
from feeds.load import read_article
from feeds.publisher import Publisher
from feeds.store import Store


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def full_load(root: Path) -> float:
    return timed(lambda: Store(root).refresh())


class Editor:
    """Edits one article in place, each time with a new title."""

    def __init__(self, root: Path):
        paths = sorted((root / "articles").rglob("*.yaml"))
        self.path = paths[len(paths) // 2]
        self.original = self.path.read_text(encoding="utf-8")
        self.count = 0

    def edit(self) -> None:
        self.count += 1
        self.path.write_text(
            self.original.replace("title: ", f"title: Edit {self.count} ", 1), encoding="utf-8"
        )

    def restore(self) -> None:
        self.path.write_text(self.original, encoding="utf-8")


def reparse(root: Path, editor: Editor) -> None:
    raw, problems = read_article(root, editor.path.relative_to(root).as_posix())
    assert raw is not None, problems


def reload_figures(root: Path, runs: int) -> dict[str, float]:
    """Measure a one-file reload in a running publisher, and a poll that finds nothing."""
    publisher = Publisher(root, poll_interval=0, settle=0)
    editor = Editor(root)

    def one_file() -> float:
        editor.edit()
        return timed(publisher.refresh)

    def save_to_served() -> float:
        editor.edit()

        def reload_and_render() -> None:
            publisher.refresh()
            view, _ = publisher.view()
            publisher.document(view, "site", "", "atom")

        return timed(reload_and_render)

    def quiet_poll() -> float:
        return timed(publisher.refresh)

    try:
        return {
            "one_file_reload_s": median_of(runs, one_file),
            "edit_to_new_bytes_s": median_of(runs, save_to_served),
            "poll_without_change_s": median_of(runs, quiet_poll),
            "reparse_one_file_s": median_of(runs, lambda: timed(lambda: reparse(root, editor))),
        }
    finally:
        editor.restore()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000, help="publication size")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"))
    parser.add_argument("--data", type=Path, help="reuse a generated folder (made if missing)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = args.data or Path(scratch) / "data"
        if not (root / "site.yaml").exists():
            print(f"generating {args.articles} articles in {root} ...", flush=True)
            generate(root, args.articles)
        figures: dict[str, float] = {"articles": args.articles}
        figures["full_load_s"] = median_of(max(1, args.runs // 2), lambda: full_load(root))
        figures.update(reload_figures(root, args.runs))

    rows = [
        ("full load (every file parsed, every body rendered)", figures["full_load_s"]),
        ("one-file reload in a running publisher", figures["one_file_reload_s"]),
        ("  re-parse of that one file alone (ceiling)", figures["reparse_one_file_s"]),
        ("save to new bytes (reload + render site feed)", figures["edit_to_new_bytes_s"]),
        ("poll that finds no change", figures["poll_without_change_s"]),
    ]
    print(f"\n{args.articles:,} articles, median of {args.runs} runs")
    for label, seconds in rows:
        print(f"  {label:<52} {seconds * 1000:>10.1f} ms")
    ratio = figures["full_load_s"] / figures["one_file_reload_s"]
    print(f"  one-file reload is {ratio:,.0f}x cheaper than a full reload")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
