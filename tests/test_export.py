"""feeds build: every document at its URL's path, byte-identical to the server, swapped in whole."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

from feeds.cli import main
from feeds.export import documents, file_path
from tests.helpers import publisher_of


def build(runner, data_dir, out) -> str:
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    return result.output


def every_url(app) -> list[str]:
    publisher = publisher_of(app)
    view, _ = publisher.view()
    return [url for url, _ in documents(publisher, view)]


def test_build_writes_every_document_byte_identical_to_the_server(
    runner, app, client, data_dir, tmp_path
):
    out = tmp_path / "out"
    build(runner, data_dir, out)
    urls = every_url(app)
    assert {
        "/feed.rss",
        "/feed.atom",
        "/feed.json",
        "/",
        "/sections/war/",
        "/feeds.opml",
        "/authors/francis-farrell/feed.json",
        "/tags/nato/feed.rss",
    } <= set(urls)
    for url in urls:
        path = out / file_path(url)
        served = client.get(url)
        assert path.read_bytes() == served.data, url
        zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert Path(f"{path}.gz").read_bytes() == zipped.data, url
        assert gzip.decompress(zipped.data) == served.data
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 2 * len(urls)


def test_archives_are_exported_at_their_urls(runner, data_dir, tmp_path):
    site = data_dir / "site.yaml"
    site.write_text(site.read_text().replace("items_per_feed: 50", "items_per_feed: 5"))
    out = tmp_path / "out"
    build(runner, data_dir, out)
    assert (out / "archive/1.atom").is_file() and (out / "archive/2.rss.gz").is_file()
    assert (out / "sections/war/feed.json").is_file()


def test_a_second_build_rewrites_only_what_changed(runner, data_dir, tmp_path):
    out = tmp_path / "out"
    first = build(runner, data_dir, out)
    assert " 0 unchanged)" in first
    inode = (out / "sections/culture/feed.atom").stat().st_ino
    again = build(runner, data_dir, out)
    assert "(0 written, " in again
    assert (out / "sections/culture/feed.atom").stat().st_ino == inode  # linked, not rewritten

    article = data_dir / "articles/2026/02/japan-nato-purl.yaml"
    article.write_text(article.read_text().replace("title: Japan could", "title: Tokyo could"))
    third = build(runner, data_dir, out)
    written = int(third.split("(")[1].split(" written")[0])
    assert 0 < written < 100
    assert (out / "sections/culture/feed.atom").stat().st_ino == inode
    assert b"Tokyo could" in (out / "sections/war/feed.atom").read_bytes()
    builds = list((tmp_path / ".out.builds").iterdir())
    assert len(builds) == 2  # the current build and the one before, for readers mid-way


def test_out_is_swapped_atomically_for_readers(runner, data_dir, tmp_path):
    out = tmp_path / "out"
    build(runner, data_dir, out)
    article = data_dir / "articles/2026/02/japan-nato-purl.yaml"
    original = article.read_text()
    failures: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                body = (out / "feed.atom").read_bytes()
                if not body.rstrip().endswith(b"</feed>"):
                    failures.append("truncated")
            except OSError as error:
                failures.append(str(error))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(5):
            article.write_text(original.replace("title: Japan", f"title: V{n} Japan"))
            build(runner, data_dir, out)
    finally:
        stop.set()
        reader.join()
    assert failures == []
    assert out.is_symlink()


def test_build_refuses_a_folder_it_did_not_make(runner, data_dir, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    result = runner.invoke(main, ["build", str(out), "--data", str(data_dir)])
    assert result.exit_code == 1
    assert "was not made by feeds build" in result.output
    assert (out / "precious.txt").read_text() == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    build(runner, data_dir, empty)
    assert empty.is_symlink() and (empty / "index.html").is_file()


def test_build_prints_a_one_line_summary_and_the_problems_apart(runner, data_dir, tmp_path):
    result = runner.invoke(main, ["build", str(tmp_path / "out"), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    assert "files (" in result.stdout and os.fspath(tmp_path / "out") in result.stdout
    check = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.stderr == check.stdout  # the warnings, as feeds check prints them


def test_build_and_serve_refuse_a_bad_document_cache_setting_with_a_message(
    runner, data_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("FEEDS_DOCUMENT_CACHE_MB", "16MB")
    for args in (
        ["build", str(tmp_path / "out"), "--data", str(data_dir)],
        ["serve", "--data", str(data_dir)],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, result.output
        assert "Error: FEEDS_DOCUMENT_CACHE_MB='16MB' is not a size in megabytes" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
