"""Image sizes: the article's `image` block takes width and height in pixels, refuses what
is not a size at its line, and RSS carries them on media:content (Media RSS 5.1)."""

from __future__ import annotations

import feedparser
import pytest

from feeds.store import Store

from .editing import article

REL = "articles/x.yaml"


def load(data_dir) -> Store:
    store = Store(data_dir)
    store.refresh()
    return store


def image(*lines: str) -> str:
    return article("image:", "  url: https://e.org/a.jpg", "  credit: Photo desk", *lines)


@pytest.mark.parametrize(
    ("lines", "size"),
    [
        (("  width: 1600", "  height: 900"), (1600, 900)),
        (('  width: "1200"',), (1200, None)),
        (("  width: 1200px", "  height: 800 px"), (1200, 800)),
        ((), (None, None)),
    ],
)
def test_image_size_is_read(data_dir, write, lines, size):
    write(REL, image(*lines))
    store = load(data_dir)
    assert not [p for p in store.problems if p.path == REL and p.severity == "error"]
    [got] = [a for a in store.catalog.articles if a.path == REL]
    assert (got.image.width, got.image.height) == size


@pytest.mark.parametrize(
    ("line", "value"),
    [("  width: 0", "'0'"), ("  width: -5", "'-5'"), ("  width: wide", "'wide'"),
     ("  width: 12.5", "'12.5'"), ("  height: [1, 2]", "a list")],
)  # fmt: skip
def test_a_bad_size_is_refused_at_its_line(data_dir, write, line, value):
    write(REL, image(line))
    store = load(data_dir)
    [problem] = [p for p in store.problems if p.path == REL and p.severity == "error"]
    name = line.split(":")[0].strip()
    assert problem.line == 9, problem  # the article's 5 lines, then image, url, credit
    assert f"image '{name}' must be the picture's {name} in pixels" in problem.message
    assert value in problem.message


def test_rss_media_content_carries_the_size(client, write):
    write(REL, image("  width: 1600", "  height: 900"))
    client.application.extensions["feeds"].refresh()
    parsed = feedparser.parse(client.get("/feed.rss").data)
    [entry] = [e for e in parsed.entries if e.link.endswith("/x")]
    [media] = entry.media_content
    assert (media["width"], media["height"]) == ("1600", "900")
