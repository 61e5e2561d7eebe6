"""Changes noticed without polling (inotify), and polling wherever that cannot be trusted:
editors' three save styles, new folders, a data folder that vanishes and comes back,
watches running out and filesystems that report no changes."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

from feeds import watch
from feeds.web import create_app
from tests.editing import article, save_by_rename, save_in_place
from tests.helpers import publisher_of
from tests.test_reload import ARTICLE, ARTICLE_ID, entries, problems, wait_for

linux = pytest.mark.skipif(
    watch.inotify_simple is None or not sys.platform.startswith("linux"),
    reason="inotify is Linux's",
)


@pytest.fixture
def serve(data_dir, clock, monkeypatch):
    """Return a function that starts an app with its reload thread in a FEEDS_WATCH mode."""
    apps = []

    def serve(mode: str):
        monkeypatch.setenv("FEEDS_WATCH", mode)
        app = create_app({"DATA": str(data_dir), "CLOCK": clock})
        apps.append(app)
        client = app.test_client()
        client.get("/healthz")  # the first request starts the reload thread
        reloader = publisher_of(app).reloader
        wait_for(lambda: reloader.watcher is not None or reloader.polling)
        return client, reloader

    yield serve
    for app in apps:
        publisher_of(app).close()


def counting_refreshes(reloader, monkeypatch) -> list[float]:
    """Count the store's refreshes (each a walk of the whole folder) from now on."""
    calls: list[float] = []
    original = reloader.store.refresh

    def refresh():
        calls.append(time.monotonic())
        return original()

    monkeypatch.setattr(reloader.store, "refresh", refresh)
    return calls


def title_of(client) -> str:
    return entries(client)[ARTICLE_ID].title


def delete_and_recreate(path, text: str) -> None:
    """Save as some editors do: remove the file, then write a new one."""
    path.unlink()
    time.sleep(0.05)
    path.write_text(text, encoding="utf-8")


# -- choosing -------------------------------------------------------------------------------


def test_the_setting_is_checked():
    assert watch.mode_of(None) == "auto"
    assert watch.mode_of(" Poll ") == "poll"
    with pytest.raises(ValueError, match=r"FEEDS_WATCH='polling' .* auto .* inotify or poll"):
        watch.mode_of("polling")


MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:40 / /srv/news rw,relatime shared:9 - nfs4 fs:/export/news rw,vers=4.2
31 30 0:41 / /srv/news/local rw - tmpfs tmpfs rw
32 22 0:42 / /mnt/my\\040share rw - cifs //nas/share rw
33 22 0:43 / /home/ed/remote rw - fuse.sshfs ed@host: rw
"""


@pytest.mark.parametrize(
    ("path", "kind", "is_remote"),
    [
        ("/srv/news/data", "nfs4", True),
        ("/srv/newsroom/data", "ext4", False),  # a prefix of the name is not the mount
        ("/srv/news/local/data", "tmpfs", False),  # the innermost mount holds it
        ("/mnt/my share/data", "cifs", True),
        ("/home/ed/remote/data", "fuse.sshfs", True),
        ("/", "ext4", False),
    ],
)
def test_filesystems_that_report_only_local_changes_are_polled(path, kind, is_remote):
    assert watch.filesystem_type(Path(path), MOUNTINFO) == kind
    assert watch.remote(kind) is is_remote


def test_a_network_filesystem_is_polled(data_dir, monkeypatch, serve, caplog):
    monkeypatch.setattr(watch, "filesystem_type", lambda path, mountinfo: "nfs4")
    with caplog.at_level(logging.INFO, logger="feeds.watch"):
        client, reloader = serve("auto")
    assert reloader.polling and reloader.watcher is None
    assert "nfs4 filesystem" in caplog.text
    save_in_place(data_dir / ARTICLE, (data_dir / ARTICLE).read_text().replace("Japan", "NFS"))
    wait_for(lambda: "NFS" in title_of(client))


def test_poll_when_told(data_dir, serve, monkeypatch):
    client, reloader = serve("poll")
    assert reloader.polling and reloader.watcher is None
    calls = counting_refreshes(reloader, monkeypatch)
    time.sleep(1.5)
    assert len(calls) >= 1  # it walks the folder whether or not anything changed
    save_by_rename(data_dir / ARTICLE, (data_dir / ARTICLE).read_text().replace("Japan", "P"))
    wait_for(lambda: title_of(client).startswith("P "))


# -- watching -------------------------------------------------------------------------------


@linux
def test_no_poll_runs_while_nothing_changes(serve, monkeypatch):
    _, reloader = serve("inotify")
    assert reloader.watcher is not None and not reloader.polling
    calls = counting_refreshes(reloader, monkeypatch)
    time.sleep(1.5)
    assert calls == []


@linux
@pytest.mark.parametrize("save", [save_in_place, save_by_rename, delete_and_recreate])
def test_every_save_style_is_noticed(data_dir, serve, monkeypatch, save):
    client, reloader = serve("inotify")
    calls = counting_refreshes(reloader, monkeypatch)
    path = data_dir / ARTICLE
    for n in range(3):
        save(path, path.read_text(encoding="utf-8").replace("title: ", f"title: S{n} ", 1))
        wait_for(lambda n=n: title_of(client).startswith(f"S{n} "))
    assert not reloader.polling
    assert 3 <= len(calls) <= 9  # a walk per save, not one per poll


@linux
def test_meta_files_are_noticed(data_dir, serve):
    client, _ = serve("inotify")
    save_by_rename(
        data_dir / "site.yaml",
        (data_dir / "site.yaml").read_text().replace("max_age: 300", "max_age: 61"),
    )
    wait_for(lambda: client.get("/feed.rss").headers["Cache-Control"] == "public, max-age=61")
    authors = data_dir / "authors.yaml"
    save_in_place(authors, authors.read_text().replace("name: Francis Farrell", "name: F. F."))
    wait_for(lambda: b"F. F." in client.get("/feed.atom").data)


@linux
def test_new_sub_folders_are_watched(data_dir, serve):
    client, reloader = serve("inotify")
    first = data_dir / "articles" / "2031" / "05" / "first.yaml"
    first.parent.mkdir(parents=True)
    first.write_text(article(title="In a new folder", published='"2026-02-20 10:00"'))
    wait_for(lambda: "In a new folder" in {e.title for e in entries(client).values()})
    # A file written into the new folder later is seen: the folder is watched now.
    second = first.with_name("second.yaml")
    second.write_text(article(title="Later in it", published='"2026-02-21 10:00"'))
    wait_for(lambda: "Later in it" in {e.title for e in entries(client).values()})
    # A folder moved in from elsewhere, with files already in it, too.
    elsewhere = data_dir.parent / "drafts" / "2032"
    elsewhere.mkdir(parents=True)
    (elsewhere / "moved.yaml").write_text(article(title="Moved in", published='"2026-02-22"'))
    elsewhere.rename(data_dir / "articles" / "2032")
    wait_for(lambda: "Moved in" in {e.title for e in entries(client).values()})
    (data_dir / "articles" / "2032" / "moved.yaml").write_text(
        article(title="Moved and edited", published='"2026-02-22"')
    )
    wait_for(lambda: "Moved and edited" in {e.title for e in entries(client).values()})
    assert reloader.watcher is not None and not reloader.polling


@linux
@pytest.mark.parametrize("how", ["moved away", "deleted"])
def test_a_data_folder_that_vanishes_and_returns(data_dir, serve, how):
    client, reloader = serve("inotify")
    aside = data_dir.parent / "aside"
    shutil.copytree(data_dir, aside)
    if how == "moved away":  # rsync --delete-after, a deploy swapping folders
        data_dir.rename(data_dir.parent / "old")
    else:  # an unmounted share, rm -rf then a copy back
        shutil.rmtree(data_dir)
    time.sleep(1)
    assert ARTICLE_ID in entries(client)  # the last good articles stay served
    path = aside / ARTICLE
    path.write_text(path.read_text().replace("title: ", "title: BACK ", 1))
    aside.rename(data_dir)
    wait_for(lambda: title_of(client).startswith("BACK "))
    # Watched again where it is now, not where it was.
    save_in_place(data_dir / ARTICLE, (data_dir / ARTICLE).read_text().replace("BACK", "AGAIN"))
    wait_for(lambda: title_of(client).startswith("AGAIN "))
    assert "articles/" not in problems(client)
    assert reloader.watcher is not None and not reloader.polling


@linux
def test_a_file_written_in_pieces_is_read_once_complete(data_dir, serve):
    client, _ = serve("inotify")
    path = data_dir / "articles" / "2026" / "02" / "slow.yaml"
    text = article(title="Written slowly", published='"2026-02-25 10:00"')
    seen_problems: list[dict] = []
    stop = threading.Event()

    def watch_health() -> None:
        while not stop.is_set():
            found = problems(client).get("articles/2026/02/slow.yaml")
            if found and found["severity"] == "error":
                seen_problems.append(found)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch_health)
    watcher.start()
    try:
        with path.open("w", encoding="utf-8") as out:
            for line in text.splitlines(keepends=True):  # each piece within settle (0.3 s)
                out.write(line)
                out.flush()
                time.sleep(0.15)
        wait_for(lambda: "Written slowly" in {e.title for e in entries(client).values()})
    finally:
        stop.set()
        watcher.join()
    assert seen_problems == []  # never read half-written


# -- falling back -----------------------------------------------------------------------------


@linux
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EMFILE])
def test_watches_running_out_at_start_fall_back_to_polling(
    data_dir, serve, monkeypatch, caplog, code
):
    def refuse(self, path, mask):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(watch.inotify_simple.INotify, "add_watch", refuse)
    with caplog.at_level(logging.INFO, logger="feeds.watch"):
        client, reloader = serve("auto")
    assert reloader.polling and reloader.watcher is None
    assert "fs.inotify.max_user_" in caplog.text  # what to raise, to watch instead
    save_by_rename(data_dir / ARTICLE, (data_dir / ARTICLE).read_text().replace("Japan", "FB"))
    wait_for(lambda: title_of(client).startswith("FB "))


@linux
def test_watches_running_out_later_fall_back_to_polling(data_dir, serve, monkeypatch, caplog):
    client, reloader = serve("inotify")
    assert not reloader.polling
    original = watch.inotify_simple.INotify.add_watch

    def refuse_new_folders(self, path, mask):
        if "2040" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, path, mask)

    monkeypatch.setattr(watch.inotify_simple.INotify, "add_watch", refuse_new_folders)
    with caplog.at_level(logging.WARNING, logger="feeds.reloader"):
        folder = data_dir / "articles" / "2040"
        folder.mkdir()
        wait_for(lambda: reloader.polling)
    assert "max_user_watches" in caplog.text
    (folder / "late.yaml").write_text(article(title="Seen by polling", published='"2026-02-26"'))
    wait_for(lambda: "Seen by polling" in {e.title for e in entries(client).values()})


def test_any_failure_to_watch_falls_back_to_polling(data_dir, serve, monkeypatch):
    def broken(root, mode):
        raise RuntimeError("an unexpected failure")

    monkeypatch.setattr(watch, "watcher_for", broken)
    client, reloader = serve("auto")
    assert reloader.polling
    save_by_rename(data_dir / ARTICLE, (data_dir / ARTICLE).read_text().replace("Japan", "AF"))
    wait_for(lambda: title_of(client).startswith("AF "))


def test_a_bad_setting_stops_serve_with_the_message(runner, data_dir, monkeypatch):
    from feeds.cli import main

    monkeypatch.setenv("FEEDS_WATCH", "sometimes")
    result = runner.invoke(main, ["serve", "--data", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert "FEEDS_WATCH='sometimes' is not a way of noticing changes" in result.output
    assert "Traceback" not in result.output
