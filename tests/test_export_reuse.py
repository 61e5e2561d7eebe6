"""feeds build brings the build before the previous one up to date rather than filling a
fresh folder: only when this code finished it, never touching the build OUT points to,
and ending with what a cold build writes, file by file and folder by folder."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from feeds import export, manifest
from tests.test_export_incremental import build, cold_build, contents, files, folders

ARTICLE = "articles/2026/02/japan-nato-purl.yaml"


def retitle(data: Path, title: str) -> None:
    article = data / ARTICLE
    text = article.read_text(encoding="utf-8")
    start = text.index("title: ")
    end = text.index("\n", start)
    article.write_text(f"{text[:start]}title: {title}{text[end:]}", encoding="utf-8")


def builds_of(out: Path) -> set[Path]:
    return set((out.parent / f".{out.name}.builds").iterdir())


def test_the_third_build_reuses_the_first_and_leaves_the_second_intact(
    data_dir, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    first = build(data_dir, out).target
    oldest = files(out)
    retitle(data_dir, "Tokyo could join")
    second = build(data_dir, out)
    served = files(out)
    retitle(data_dir, "Japan may join")
    rendered: set[str] = set()
    real = export.render_document
    monkeypatch.setattr(
        export,
        "render_document",
        lambda view, feed, ref, *more: (
            rendered.add(export.file_path(ref.path)) or real(view, feed, ref, *more)
        ),
    )
    third = build(data_dir, out)
    assert third.target == first
    assert files(second.target) == served  # bytes, inodes and mtimes of the served build
    assert builds_of(out) == {first, second.target}
    now = files(out)
    # Left as they were: the files the first build shares with the second, of documents
    # not rendered again (a page rendered to the same bytes is linked again).
    shared = {n for n, (body, inode, _) in served.items() if oldest.get(n, (0, 0))[1] == inode}
    again = rendered | {f"{name}.gz" for name in rendered}
    assert third.kept == len(shared - again) > 0
    assert third.written == summary_written(served, now)
    for name, (body, inode, mtime) in now.items():
        if served.get(name, (None,))[0] == body:
            assert (inode, mtime) == served[name][1:], name
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)
    assert manifest.read(first) is not None  # written again, last


def summary_written(before: dict, after: dict) -> int:
    """Return how many files of a build have bytes the previous build did not have."""
    return sum(1 for name, (body, *_) in after.items() if before.get(name, (None,))[0] != body)


def test_a_title_put_back_is_written_anew_not_taken_from_the_older_build(
    data_dir, tmp_path, monkeypatch
):
    """The build two back has the bytes again, but its file's mtime is older than the
    served one's: a static server's Last-Modified would go back in time."""
    out = tmp_path / "out"
    build(data_dir, out)
    original = (data_dir / ARTICLE).read_text(encoding="utf-8")
    retitle(data_dir, "Tokyo could join")
    build(data_dir, out)
    served = files(out)
    (data_dir / ARTICLE).write_text(original, encoding="utf-8")
    build(data_dir, out)
    now = files(out)
    atom = "sections/war/feed.atom"
    assert now[atom][0] != served[atom][0]
    assert now[atom][1] != served[atom][1]
    assert now[atom][2] // 10**9 > served[atom][2] // 10**9  # a later second
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)


def test_an_interrupted_reuse_leaves_out_as_it_was_and_is_not_trusted(
    data_dir, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    first = build(data_dir, out).target
    build(data_dir, out)
    served = files(out)
    retitle(data_dir, "Tokyo could join")
    real = export.render_document
    rendered: list[str] = []

    def failing(view, feed, ref, *more):
        if len(rendered) == 3:
            raise KeyboardInterrupt
        rendered.append(ref.path)
        return real(view, feed, ref, *more)

    with monkeypatch.context() as patched:
        patched.setattr(export, "render_document", failing)
        with pytest.raises(KeyboardInterrupt):
            build(data_dir, out)
    assert files(out) == served
    assert manifest.read(first) is None  # half brought up to date: never trusted
    after = build(data_dir, out)
    assert after.target != first and after.kept == 0  # a fresh folder, linked
    assert first not in builds_of(out)
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)


def test_a_removed_article_and_its_tag_leave_the_export(data_dir, tmp_path, monkeypatch):
    article = data_dir / ARTICLE
    article.write_text(
        article.read_text(encoding="utf-8").replace("tags:\n", "tags:\n  - Zanzibar Ferry\n"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build(data_dir, out)
    build(data_dir, out)
    assert (out / "tags/zanzibar-ferry/feed.atom").is_file()
    article.unlink()
    summary = build(data_dir, out)
    assert summary.kept > 0  # the first build, brought up to date
    assert not (out / "tags/zanzibar-ferry").exists()
    assert all(b"japan-nato-purl" not in body for body in contents(out).values())
    cold = cold_build(data_dir, tmp_path / "cold", monkeypatch)
    assert contents(out) == cold
    assert folders(out) == folders(tmp_path / "cold")


def test_a_build_of_other_code_is_not_reused(data_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    with monkeypatch.context() as patched:
        patched.setattr(manifest, "code_version", lambda: "an older version")
        first = build(data_dir, out).target
    second = build(data_dir, out)
    assert second.target != first and second.kept == 0  # neither it nor its spare
    retitle(data_dir, "Tokyo could join")
    third = build(data_dir, out)
    assert third.target not in (first, second.target)  # the second build's spare
    assert first not in builds_of(out)
    assert not manifest.manifest_path(first).exists()
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)


def test_the_first_build_leaves_a_spare_that_the_second_brings_up_to_date(
    data_dir, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    first = build(data_dir, out)
    served = files(out)
    spares = builds_of(out) - {first.target}
    assert len(spares) == 1  # the same files (inodes), for the next build to reuse
    (spare,) = spares
    assert files(spare) == served
    retitle(data_dir, "Tokyo could join")
    second = build(data_dir, out)
    assert second.target == spare
    assert second.kept > 0 and second.written < second.files // 4  # not every file
    assert files(first.target) == served  # the build that was served is untouched
    assert builds_of(out) == {first.target, spare}
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)


def test_a_file_damaged_in_the_reused_build_is_not_kept(data_dir, tmp_path, monkeypatch):
    """A file changed by hand in an export is one inode no longer shared with the next
    build, which wrote it again: the build after that links the good one."""
    out = tmp_path / "out"
    first = build(data_dir, out).target
    (out / "sections/war/feed.atom").write_bytes(b"truncated")
    build(data_dir, out)
    assert build(data_dir, out).target == first
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)


def test_renames_come_and_go_in_the_reused_build(data_dir, tmp_path, monkeypatch):
    """redirects.map is written when a section is renamed and removed when the rename is
    undone, in a build that had it."""
    sections = data_dir / "sections.yaml"
    original = sections.read_text(encoding="utf-8")
    out = tmp_path / "out"
    sections.write_text(
        original.replace("- slug: war\n", "- slug: war-desk\n  formerly: [war]\n"),
        encoding="utf-8",
    )
    build(data_dir, out)
    assert (out / export.REDIRECTS).is_file()
    sections.write_text(original, encoding="utf-8")
    build(data_dir, out)
    assert build(data_dir, out).kept > 0
    assert not (out / export.REDIRECTS).exists()
    assert not (out / "sections/war-desk").exists()
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)
    assert folders(out) == folders(tmp_path / "cold")


def test_a_reused_build_is_brought_up_to_date_by_forked_processes(
    data_dir, tmp_path, monkeypatch, forked
):
    if threading.active_count() > 1:
        pytest.skip("another thread runs in this process, so nothing is forked")
    monkeypatch.setattr(export, "PARALLEL_FROM", 4)
    out = tmp_path / "out"
    first = build(data_dir, out).target
    second = build(data_dir, out).target
    served = files(out)
    site = data_dir / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("title: ", "title: The New ", 1))
    summary = build(data_dir, out, workers=2)
    assert forked and summary.target == first
    assert files(second) == served
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)
