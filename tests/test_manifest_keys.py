"""The export's content keys are canonical: the same data gives the same keys in every
process, whether its records were built from the files or restored from the parse cache
(objects shared differently), so that the next `feeds build`, a new process, links what
did not change; and a key moves with what the documents show, not with where a record
sits in its file."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from feeds import manifest
from feeds.publisher import Publisher
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parent.parent
KEYS = """
import json, sys
from pathlib import Path
from feeds import manifest
from feeds.publisher import Publisher
from tests.conftest import Clock
publisher = Publisher(Path(sys.argv[1]), poll_interval=0, clock=Clock())
publisher.store.save_cache()
view, _ = publisher.view()
print(json.dumps({ref.path: key for ref, key in manifest.document_keys(view).items()}))
"""


def keys_in_a_new_process(data: Path, cache: Path | str) -> dict[str, str]:
    env = {**os.environ, "FEEDS_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", KEYS, str(data)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def keys_here(data: Path) -> dict[str, str]:
    publisher = Publisher(data, poll_interval=0, clock=Clock())
    try:
        view, _ = publisher.view()
        return {ref.path: key for ref, key in manifest.document_keys(view).items()}
    finally:
        publisher.close()


def test_every_process_gives_the_same_keys(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    here = keys_here(data_dir)
    cache = tmp_path / "cache"
    built = keys_in_a_new_process(data_dir, cache)  # read from the files, cache written
    restored = keys_in_a_new_process(data_dir, cache)  # restored from that cache
    assert here == built == restored
    assert len(set(here.values())) > 10  # keys tell documents apart


def test_a_key_moves_with_content_and_not_with_a_records_line(data_dir, monkeypatch):
    monkeypatch.setenv("FEEDS_CACHE_DIR", "off")
    publisher = Publisher(data_dir, poll_interval=0, clock=Clock())
    try:
        view, _ = publisher.view()
        feed = view.feed("site", "")
        article = feed.entries[0]
        section = feed.sections[article.section]
        digests = manifest.Digests()
        before = digests.entry(feed, article)
        moved = dataclasses.replace(section, line=section.line + 40)
        renamed = dataclasses.replace(section, title=section.title + " and more")
        sections = feed.sections
        for changed, same in ((moved, True), (renamed, False)):
            other = dataclasses.replace(feed, sections={**sections, article.section: changed})
            assert (manifest.Digests().entry(other, article) == before) is same
        retitled = dataclasses.replace(article, title=article.title + "!")
        assert manifest.Digests().entry(feed, retitled) != before
        rebodied = dataclasses.replace(article, body=type(article.body)("Other.", "x"))
        assert manifest.Digests().entry(feed, rebodied) != before
    finally:
        publisher.close()
