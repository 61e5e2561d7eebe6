"""The parse cache in shards: a save writes only what changed, and a shard that is damaged,
of other code, written under other meta files or left behind by an interrupted save is
only a miss for its own sub-folder's files; a warm load always equals a cold one."""

from __future__ import annotations

import os
import pickle
import shutil

import pytest

from feeds import cache
from feeds.cli import main
from feeds.store import Store

FEB, MARCH = "articles/2026/02", "articles/2026/03"
ARTICLE = f"{FEB}/japan-nato-purl.yaml"


def loaded(data_dir, **options) -> Store:
    store = Store(data_dir, settle=0, **options)
    store.refresh()
    return store


def shard_path(data_dir, shard: str):
    return cache.shard_folder(cache.cache_file(data_dir)) / cache.shard_name(shard)


def articles_in(data_dir, folder: str) -> list[str]:
    return sorted(f"{folder}/{p.name}" for p in (data_dir / folder).glob("*.yaml"))


def assert_cold(store: Store) -> None:
    """Assert that a store answers exactly what a load with no cache answers."""
    cold = loaded(store.root, use_cache=False)
    assert store.catalog.articles == cold.catalog.articles
    assert store.problems == cold.problems
    assert store.catalog.version == cold.catalog.version


def rewrite_header(path, **changes) -> None:
    """Give a shard another header, its entries as they are."""
    with path.open("rb") as shard:
        header, entries = pickle.load(shard), pickle.load(shard)
    with path.open("wb") as shard:
        pickle.dump({**header, **changes}, shard)
        pickle.dump(entries, shard)


def read_articles(reads: list[str]) -> list[str]:
    return sorted(r for r in reads if r.startswith("articles/"))


def test_one_shard_per_sub_folder(data_dir):
    loaded(data_dir).save_cache()
    folder = cache.shard_folder(cache.cache_file(data_dir))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        cache.shard_name(shard) for shard in (FEB, MARCH)
    )
    files, shards, _ = cache.read_files(data_dir, loaded(data_dir, use_cache=False)._meta_digests)
    assert shards == {FEB, MARCH}
    assert sorted(files) == articles_in(data_dir, FEB) + articles_in(data_dir, MARCH)


def test_a_save_after_an_edit_writes_only_its_sub_folders_shard(data_dir):
    running = loaded(data_dir)
    running.save_cache()
    before = {shard: shard_path(data_dir, shard).stat().st_ino for shard in (FEB, MARCH)}
    index = cache.cache_file(data_dir).stat().st_ino
    running.save_cache()  # nothing changed: nothing written
    assert {s: shard_path(data_dir, s).stat().st_ino for s in before} == before
    path = data_dir / ARTICLE
    path.write_text(path.read_text().replace("title: Japan could", "title: Tokyo could"))
    running.refresh()
    running.save_cache()
    after = {shard: shard_path(data_dir, shard).stat().st_ino for shard in (FEB, MARCH)}
    assert after[MARCH] == before[MARCH]  # a new file is a new inode: not rewritten
    assert after[FEB] != before[FEB]
    assert cache.cache_file(data_dir).stat().st_ino == index  # the index did not change
    restarted = loaded(data_dir)
    assert "Tokyo could" in restarted._files[ARTICLE].article.title
    assert_cold(restarted)


def test_a_meta_edit_writes_every_shard_again(data_dir, reads):
    running = loaded(data_dir)
    running.save_cache()
    before = {shard: shard_path(data_dir, shard).stat().st_ino for shard in (FEB, MARCH)}
    authors = data_dir / "authors.yaml"
    authors.write_text(authors.read_text().replace("name: Francis Farrell", "name: F. Farrell"))
    running.refresh()
    running.save_cache()
    assert all(shard_path(data_dir, s).stat().st_ino != ino for s, ino in before.items())
    reads.clear()
    restarted = loaded(data_dir)
    assert read_articles(reads) == []
    assert_cold(restarted)


def test_a_shard_of_other_meta_files_gives_the_articles_that_resolve_alike(data_dir, reads):
    # As a restart or a build after an authors.yaml edit finds it.
    first = loaded(data_dir)
    first.save_cache()
    path = shard_path(data_dir, FEB)
    with path.open("rb") as shard:
        meta = pickle.load(shard)["meta"]
    rewrite_header(path, meta={**meta, "authors.yaml": "0123456789abcdef"})
    reads.clear()
    restarted = loaded(data_dir)
    assert read_articles(reads) == []
    assert_cold(restarted)
    restarted.save_cache()  # written again under today's meta files
    with path.open("rb") as shard:
        assert pickle.load(shard)["meta"] == meta


@pytest.mark.parametrize(
    "damage", ["truncated", "foreign", "other code", "other meta and site", "moved"]
)
def test_one_bad_shard_costs_only_its_own_files(data_dir, reads, damage):
    loaded(data_dir).save_cache()
    path = shard_path(data_dir, FEB)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:2000])
    elif damage == "foreign":
        path.write_bytes(b"not a pickle at all")
    elif damage == "other code":
        rewrite_header(path, code="0123456789abcdef")
    elif damage == "other meta and site":  # another site url, zone or id authority
        with path.open("rb") as shard:
            header = pickle.load(shard)
        rewrite_header(
            path,
            meta={**header["meta"], "site.yaml": "0123456789abcdef"},
            resolution=("https://elsewhere.example.org", *header["resolution"][1:]),
        )
    else:  # a shard under another sub-folder's name
        shutil.copy(shard_path(data_dir, MARCH), path)
    reads.clear()
    restarted = loaded(data_dir)
    assert read_articles(reads) == articles_in(data_dir, FEB)
    assert_cold(restarted)
    restarted.save_cache()  # written again, whole
    reads.clear()
    warm = loaded(data_dir)
    assert read_articles(reads) == []
    assert_cold(warm)


def test_a_shard_left_under_other_meta_files_is_written_again(data_dir, reads, monkeypatch):
    """A save cut short after a meta edit leaves a shard of the old meta files: its
    articles that resolve alike are used as they are, and the next save writes it."""
    running = loaded(data_dir)
    running.save_cache()
    authors = data_dir / "authors.yaml"
    authors.write_text(authors.read_text().replace("name: Francis Farrell", "name: F. Farrell"))
    running.refresh()
    original = cache._write

    def failing(path, *parts):
        if path.name == cache.shard_name(FEB):
            raise OSError(28, "No space left on device")
        return original(path, *parts)

    monkeypatch.setattr(cache, "_write", failing)
    running.save_cache()
    monkeypatch.setattr(cache, "_write", original)
    reads.clear()
    restarted = loaded(data_dir)
    assert read_articles(reads) == []  # a new name: every article resolves alike
    assert "F. Farrell" in {a.name for a in restarted.catalog.authors.values()}
    assert_cold(restarted)
    with shard_path(data_dir, FEB).open("rb") as shard:
        assert pickle.load(shard)["meta"] != running._meta_digests
    running.save_cache()  # the failed save is tried again in full
    with shard_path(data_dir, FEB).open("rb") as shard:
        assert pickle.load(shard)["meta"] == running._meta_digests
    reads.clear()
    warm = loaded(data_dir)
    assert read_articles(reads) == []
    assert_cold(warm)


def test_a_file_moved_between_sub_folders(data_dir, reads):
    running = loaded(data_dir)
    running.save_cache()
    moved = f"{MARCH}/japan-nato-purl.yaml"
    os.rename(data_dir / ARTICLE, data_dir / moved)
    running.refresh()
    running.save_cache()
    meta = running._meta_digests
    files, _, _ = cache.read_files(data_dir, meta)
    assert moved in files and ARTICLE not in files
    reads.clear()
    restarted = loaded(data_dir)
    assert read_articles(reads) == []
    assert_cold(restarted)


def test_a_removed_sub_folder_takes_its_shard_with_it(data_dir):
    running = loaded(data_dir)
    running.save_cache()
    shutil.rmtree(data_dir / MARCH)
    running.refresh()
    running.save_cache()
    assert not shard_path(data_dir, MARCH).exists()
    assert shard_path(data_dir, FEB).exists()
    assert_cold(loaded(data_dir))


def test_an_interrupted_save_leaves_whole_shards(data_dir, reads, monkeypatch):
    running = loaded(data_dir)
    running.save_cache()
    for rel in (ARTICLE, f"{MARCH}/odesa-opera-season.yaml"):
        path = data_dir / rel
        path.write_text(path.read_text().replace("\ntitle: ", "\ntitle: Now: ", 1))
    running.refresh()
    original = cache._write
    written: list[str] = []

    def dying(path, *parts):
        if written:  # the process is killed while it writes the second shard
            raise KeyboardInterrupt
        written.append(path.name)
        return original(path, *parts)

    monkeypatch.setattr(cache, "_write", dying)
    with pytest.raises(KeyboardInterrupt):
        running.save_cache()
    monkeypatch.setattr(cache, "_write", original)
    folder = cache.shard_folder(cache.cache_file(data_dir))
    assert not [p for p in folder.iterdir() if not p.name.endswith(".pickle")]
    reads.clear()
    restarted = loaded(data_dir)
    # The shard written is used; the other is the one before the edit: its file is read.
    assert len(read_articles(reads)) == 1
    assert_cold(restarted)


def test_the_single_file_cache_of_earlier_versions_is_ignored_and_replaced(data_dir, reads):
    cold = loaded(data_dir, use_cache=False)
    index = cache.cache_file(data_dir)
    index.parent.mkdir(parents=True, exist_ok=True)
    old = {
        "code": "0123456789abcdef",
        "meta": cold._meta_digests,
        "files": {rel: state.cache_entry() for rel, state in cold._files.items()},
    }
    index.write_bytes(pickle.dumps(old))
    reads.clear()
    first = loaded(data_dir)
    assert len(read_articles(reads)) == 17
    first.save_cache()
    assert "files" not in cache.read(data_dir)
    reads.clear()
    warm = loaded(data_dir)
    assert read_articles(reads) == []
    assert_cold(warm)


@pytest.fixture
def renders(monkeypatch, markdown_renders):
    """Count the Markdown bodies rendered, in this process only (no forked export)."""
    monkeypatch.setattr("feeds.export.PARALLEL_FROM", 10**9)
    return markdown_renders


def test_a_build_after_an_edit_renders_only_the_edited_body(runner, data_dir, tmp_path, renders):
    site = data_dir / "site.yaml"
    site.write_text(site.read_text().replace("items_per_feed: 50", "items_per_feed: 3"))
    out = str(tmp_path / "out")
    args = ["build", out, "--data", str(data_dir)]
    # A check leaves a cache with no renderings: the build after it keeps them.
    assert runner.invoke(main, ["check", "--data", str(data_dir)]).exit_code == 0
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    renders.clear()
    assert runner.invoke(main, args).exit_code == 0
    assert renders == []
    path = data_dir / ARTICLE
    path.write_text(path.read_text().replace("title: Japan could", "title: Tokyo could"))
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert renders == []  # the body is as it was: so is its rendering, in the cache
    path.write_text(path.read_text().replace("Japan is preparing", "Japan is getting ready"))
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert renders == ["https://news.example.org/war/japan-nato-purl"]
