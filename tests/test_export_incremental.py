"""feeds build after edits: an incremental build equals a cold build, file by file, and the
server's bytes, and leaves every file whose bytes did not change untouched.

A seeded random sequence of editors' actions of every kind (an article's title, body,
tags, section, date made newest or oldest, deletion, a new article, site.yaml,
sections.yaml and authors.yaml edits, a section or author renamed with `formerly`) is
applied to the sample publication (also retractions and expiries, picture sizes and partner
settings); after each, the same export folder is built again
and compared with a cold build (no parse cache, no previous build) in a fresh folder. From
the third build on, each brings the build before the previous up to date: the sequence
checks that it does, and that the build OUT pointed to is left as it was.
FEEDS_EXPORT_STEPS sets how many actions a sequence has (default 8).
"""

from __future__ import annotations

import os
import random
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import feeds.markup
from feeds import export, manifest
from feeds.publisher import Publisher
from tests.conftest import NOW, Clock

STEPS = int(os.environ.get("FEEDS_EXPORT_STEPS", "8"))


def tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file under folder (links followed) by relative path: bytes, inode."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            files[path.relative_to(folder).as_posix()] = (path.read_bytes(), path.stat().st_ino)
    return files


def files(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Return every file of a build folder by relative path: bytes, inode, mtime in ns."""
    found = {}
    for path in sorted(Path(os.path.realpath(folder)).rglob("*")):
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(os.path.realpath(folder)).as_posix()] = (
                path.read_bytes(),
                stat.st_ino,
                stat.st_mtime_ns,
            )
    return found


def folders(folder: Path) -> set[str]:
    """Return every folder under folder (links followed) by relative path."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


def contents(folder: Path) -> dict[str, bytes]:
    """Return every file under folder (links followed) by relative path: its bytes."""
    return {name: body for name, (body, _) in tree(folder).items()}


def build(data: Path, out: Path, workers: int = 1) -> export.Summary:
    publisher = Publisher(data, poll_interval=0, clock=Clock())
    try:
        errors = [p for p in publisher.store.problems if p.severity == "error"]
        assert not errors, errors  # the actions below keep the data valid
        publisher.store.save_cache()
        return export.build(publisher, out, workers=workers)
    finally:
        publisher.close()


def cold_build(data: Path, out: Path, monkeypatch) -> dict[str, bytes]:
    with monkeypatch.context() as patched:
        patched.setenv("FEEDS_CACHE_DIR", "off")
        build(data, out)
    return contents(out)


def served(data: Path, paths: list[str]) -> dict[str, bytes]:
    """Return the server's bytes, identity and gzip, of the URL paths of some files."""
    publisher = Publisher(data, poll_interval=0, clock=Clock())
    try:
        view, _ = publisher.view()
        by_file = {export.file_path(ref.path): ref for ref in export.refs(view)}
        found = {}
        for name in paths:
            ref = by_file[name]
            document = publisher.document(view, ref)
            found[name], found[f"{name}.gz"] = document.body, document.gzipped
        return found
    finally:
        publisher.close()


class Editor:
    """Editors' actions on a copy of the sample, chosen by a seeded random generator."""

    def __init__(self, data: Path, rng: random.Random):
        self.data = data
        self.rng = rng
        self.count = 0

    def articles(self) -> list[Path]:
        return sorted((self.data / "articles").rglob("*.yaml"))

    def pick(self) -> Path:
        return self.rng.choice(self.articles())

    def sub(self, path: Path, pattern: str, replacement: str) -> None:
        text = path.read_text(encoding="utf-8")
        new, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        assert count == 1, (path, pattern)
        path.write_text(new, encoding="utf-8")

    def act(self) -> str:
        self.count += 1
        name = self.rng.choice(sorted(ACTIONS))
        ACTIONS[name](self)
        return name


def retitle(e: Editor) -> None:
    e.sub(e.pick(), r"^title: (.*)$", rf"title: Edit {e.count} \1")


def rewrite_body(e: Editor) -> None:
    e.sub(e.pick(), r"^body: \|\n", f"body: |\n  A new first paragraph, edit {e.count}.\n\n")


def retag(e: Editor) -> None:
    e.sub(e.pick(), r"^tags:\n", f"tags:\n  - Topic {e.rng.randint(1, 3)}\n")


def move_section(e: Editor) -> None:
    sections = re.findall(r"^- slug: (\S+)", (e.data / "sections.yaml").read_text(), re.M)
    e.sub(e.pick(), r"^section: .*$", f"section: {e.rng.choice(sections)}")


def _redate(e: Editor, published: str) -> None:
    path = e.pick()
    e.sub(path, r"^published: .*$", f'published: "{published}"')
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^updated: .*\n", "", text, flags=re.M), encoding="utf-8")


def make_newest(e: Editor) -> None:
    _redate(e, f"2026-05-{10 + e.count % 20:02d} 09:{e.count % 60:02d}")


def make_oldest(e: Editor) -> None:
    _redate(e, f"2019-01-{1 + e.count % 28:02d} 08:00")


def delete(e: Editor) -> None:
    if len(e.articles()) > 6:
        e.pick().unlink()


def add(e: Editor) -> None:
    source = e.pick()
    copy = source.with_name(f"added-{e.count}.yaml")
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"^title: .*$", f"title: An added story {e.count}", text, count=1, flags=re.M)
    text = re.sub(r"^body: \|\n", f"body: |\n  Added story number {e.count}.\n\n", text, flags=re.M)
    copy.write_text(text, encoding="utf-8")


def edit_site(e: Editor) -> None:
    e.sub(e.data / "site.yaml", r"^title: .*$", f"title: The Kyiv Ledger {e.count}")


def edit_section(e: Editor) -> None:
    """A section's title (each entry's category) or description (its feed's)."""
    if e.rng.random() < 0.5:  # sections articles name by slug only
        pattern = r"^  title: (Culture|Opinion|Politics)\b.*$"
        e.sub(e.data / "sections.yaml", pattern, rf"  title: \1 {e.count}")
    else:
        e.sub(e.data / "sections.yaml", r"^  description: .*$", f"  description: Desk {e.count}")


def edit_author(e: Editor) -> None:
    """An author's name (each entry's byline) or role."""
    if e.rng.random() < 0.5:  # authors articles name by slug only
        pattern = r"^  name: (Olena Marchuk|Anna Whitfield|Iryna Bondar)\b.*$"
        e.sub(e.data / "authors.yaml", pattern, rf"  name: \1 {e.count}")
    else:
        e.sub(e.data / "authors.yaml", r"^  role: .*$", f"  role: Correspondent {e.count}")


def rename(e: Editor) -> None:
    """Give a section or an author a new slug, listing the old one under `formerly`."""
    meta = e.data / e.rng.choice(["sections.yaml", "authors.yaml"])
    text = meta.read_text(encoding="utf-8")
    entries = re.findall(r"^- slug: (\S+)\n(?!  formerly)", text, re.M)
    if entries:
        old = e.rng.choice(entries)
        meta.write_text(
            text.replace(f"- slug: {old}\n", f"- slug: {old}-{e.count}\n  formerly: [{old}]\n"),
            encoding="utf-8",
        )


def retract(e: Editor) -> None:
    """Retract an article: within the tombstone window, or long enough ago to be past it;
    or give a retracted one another reason."""
    retracted = [p for p in e.articles() if "retraction:" in p.read_text(encoding="utf-8")]
    path = e.rng.choice(retracted) if retracted and e.rng.random() < 0.5 else e.pick()
    if path in retracted:
        e.sub(path, r"^  reason: .*$", f"  reason: Edit {e.count} says why.")
    else:
        when = e.rng.choice(["2026-05-20 09:00", "2026-04-01 09:00"])
        with path.open("a", encoding="utf-8") as out:
            out.write(f"retraction:\n  date: {when}\n  reason: Edit {e.count} retracts it.\n")


def expire(e: Editor) -> None:
    """Give an article an expiry: passed already, or still to come."""
    path = e.pick()
    if "expires:" not in path.read_text(encoding="utf-8"):
        when = e.rng.choice(["2026-05-25 09:00", "2026-07-01 09:00"])
        with path.open("a", encoding="utf-8") as out:
            out.write(f"expires: {when}\n")


def resize_image(e: Editor) -> None:
    paths = [p for p in e.articles() if re.search(r"^  width: ", p.read_text(), re.M)]
    if paths:
        e.sub(e.rng.choice(paths), r"^  width: .*$", f"  width: {300 + 100 * e.count}")


def edit_partners(e: Editor) -> None:
    """A platform's settings, or a platform turned off."""
    if e.rng.random() < 0.5 or "  msn: {}" not in (e.data / "site.yaml").read_text():
        e.sub(e.data / "site.yaml", r"^    ttl: .*$", f"    ttl: {e.count}")
    else:
        e.sub(e.data / "site.yaml", r"^  msn: \{\}\n", "")


ACTIONS: dict[str, Callable[[Editor], None]] = {
    f.__name__: f
    for f in (
        retitle,
        rewrite_body,
        retag,
        move_section,
        make_newest,
        make_oldest,
        delete,
        add,
        edit_site,
        edit_section,
        edit_author,
        rename,
        retract,
        expire,
        resize_image,
        edit_partners,
    )
}


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_builds_equal_cold_builds_and_the_server(data_dir, tmp_path, monkeypatch, seed):
    site = data_dir / "site.yaml"
    site.write_text(site.read_text().replace("items_per_feed: 50", "items_per_feed: 3"))
    rng = random.Random(seed)
    editor = Editor(data_dir, rng)
    out = tmp_path / "out"
    targets = [build(data_dir, out).target]
    done: list[str] = []
    kept = 0
    for step in range(STEPS):
        before = tree(out)
        served_build = Path(os.path.realpath(out)), files(out)
        done.append(editor.act())
        summary = build(data_dir, out, workers=rng.choice([1, 2]))
        if step:  # the build before the previous one, brought up to date
            assert summary.target == targets[-2], done
        targets.append(summary.target)
        kept += summary.kept
        assert files(served_build[0]) == served_build[1], done  # the previous build is intact
        after = tree(out)
        cold = cold_build(data_dir, tmp_path / f"cold-{step}", monkeypatch)
        assert sorted(after) == sorted(cold), done
        assert folders(out) == folders(tmp_path / f"cold-{step}"), done  # none left empty
        for name, (body, inode) in after.items():
            assert body == cold[name], (name, done)
            if name in before and before[name][0] == body:
                assert inode == before[name][1], (f"{name} was rewritten, not kept", done)
        changed = [n for n, (body, _) in after.items() if n not in before or before[n][0] != body]
        assert summary.written == len(set(changed) - {export.REDIRECTS}), done
        pages = sorted(n for n in after if not n.endswith(".gz") and n != export.REDIRECTS)
        sample = rng.sample(pages, 6)
        assert served(data_dir, sample) == {
            name: after[name][0] for n in sample for name in (n, f"{n}.gz")
        }, done
    assert build(data_dir, out).written == 0  # nothing changed: nothing rendered
    assert kept > 0  # files of the reused builds were left in place, not linked again


def test_an_unchanged_document_is_linked_without_being_rendered(data_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(data_dir, out)
    rendered: list[str] = []
    real = export.render_document
    monkeypatch.setattr(
        export,
        "render_document",
        lambda view, feed, ref, *more: rendered.append(ref.path) or real(view, feed, ref, *more),
    )
    article = data_dir / "articles/2026/02/japan-nato-purl.yaml"
    article.write_text(article.read_text().replace("title: Japan could", "title: Tokyo could"))
    build(data_dir, out)
    assert "/sections/war/feed.atom" in rendered
    assert "/sections/culture/feed.atom" not in rendered  # shows no article that changed
    assert len(rendered) < 60


def test_an_interrupted_build_is_not_trusted(data_dir, tmp_path, monkeypatch):
    """A build stopped half way leaves OUT and its manifest as they were; the next build
    renders what the interrupted one had begun to write."""
    out = tmp_path / "out"
    build(data_dir, out)
    first = tree(out)
    article = data_dir / "articles/2026/02/japan-nato-purl.yaml"
    article.write_text(article.read_text().replace("title: Japan could", "title: Tokyo could"))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(manifest, "write", interrupted)
        with pytest.raises(KeyboardInterrupt):
            build(data_dir, out)
    assert tree(out) == first
    build(data_dir, out)
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)


def test_a_file_changed_in_the_export_is_written_again(data_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(data_dir, out)
    damaged = out / "sections/war/feed.atom"
    damaged.write_bytes(b"truncated")
    build(data_dir, out)
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)


def test_a_manifest_of_other_code_is_not_trusted(data_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(data_dir, out)
    monkeypatch.setattr(manifest, "code_version", lambda: "another version")
    rendered: list[str] = []
    real = export.render_document
    monkeypatch.setattr(
        export,
        "render_document",
        lambda view, feed, ref, *more: rendered.append(ref.path) or real(view, feed, ref, *more),
    )
    summary = build(data_dir, out)
    assert len(rendered) == summary.files // 2  # every document rendered again...
    assert summary.written == 0  # ...and its files linked, being the same bytes


def test_a_cold_build_is_shared_out_to_forked_processes(data_dir, tmp_path, monkeypatch, forked):
    if threading.active_count() > 1:
        pytest.skip("another thread runs in this process, so nothing is forked")
    monkeypatch.setattr(export, "PARALLEL_FROM", 4)
    site = data_dir / "site.yaml"  # archives: bodies on no first page
    site.write_text(site.read_text().replace("items_per_feed: 50", "items_per_feed: 3"))
    real = export.render_all
    rendered_first: list[int] = []

    def markdown_now_forbidden(*args):
        raise AssertionError("a body rendered after the documents were shared out")

    def recording(bodies, workers):
        real(bodies, workers)
        rendered_first.append(len(bodies))
        monkeypatch.setattr(feeds.markup, "render_markdown", markdown_now_forbidden)

    monkeypatch.setattr(export, "render_all", recording)
    build(data_dir, tmp_path / "parallel", workers=2)
    assert forked and rendered_first[0] > 0
    monkeypatch.undo()
    assert contents(tmp_path / "parallel") == cold_build(data_dir, tmp_path / "cold", monkeypatch)


def test_shares_are_runs_of_about_equal_work(data_dir):
    publisher = Publisher(data_dir, poll_interval=0, clock=Clock(NOW))
    view, _ = publisher.view()
    jobs = [export.Job(ref, export.file_path(ref.path)) for ref in export.refs(view)]
    shares = export._shares(view, jobs, 2)
    publisher.close()
    assert sorted(j for share in shares for j in share) == sorted(jobs)
    weights = [sum(1 + len(view.feed(*j.ref[1:3], j.ref.page).entries) for j in s) for s in shares]
    assert max(weights) < 1.5 * min(weights)


def test_a_retraction_reason_edit_reaches_the_tombstones(data_dir, tmp_path, monkeypatch):
    """Only the tombstone changes: no entry, no date (the manifest keys Feed.removed)."""
    article = next((data_dir / "articles").rglob("*.yaml"))
    with article.open("a", encoding="utf-8") as out:
        out.write("retraction:\n  date: 2026-05-20 09:00\n  reason: The first reason.\n")
    out = tmp_path / "out"
    build(data_dir, out)
    text = article.read_text(encoding="utf-8").replace("The first reason.", "A second reason.")
    article.write_text(text, encoding="utf-8")
    assert build(data_dir, out).written > 0
    assert contents(out) == cold_build(data_dir, tmp_path / "cold", monkeypatch)
    assert b"A second reason." in (out / "feed.atom").read_bytes()
