"""An article's body: its Markdown kept deflated, rendered to sanitized HTML on first use.

A value (equal when source and base URL are), whose rendering is worked out once and
kept; it pickles without the rendering unless the store asked to keep it (keep()).
render_all renders many at once, in forked processes.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator

from feeds import markup, parallel


def _pack(text: str) -> bytes:
    # A small window and small hash tables (wbits 12, memLevel 4) compress a body of a few
    # KB as well as the defaults do, and their state stays under glibc's mmap threshold,
    # so that each compression does not map and unmap memory (several times slower).
    packer = zlib.compressobj(1, zlib.DEFLATED, 12, 4)
    return packer.compress(text.encode("utf-8")) + packer.flush()


def _unpack(packed: bytes) -> str:
    return zlib.decompress(packed).decode("utf-8")


_deferred = False  # whether bodies made now keep their Markdown as it is, until pack()


@contextlib.contextmanager
def packing_deferred() -> Iterator[None]:
    """Make the bodies made meanwhile keep their Markdown undeflated until pack(): a
    server's first load read in one process (one core, or the other one busy) spent a
    seventh of its time before the first feed deflating 10,000 bodies that feed does not
    need deflated. They deflate when pickled (the parse cache), or when
    Store.pack_bodies() packs them, after that feed."""
    global _deferred
    before, _deferred = _deferred, True
    try:
        yield
    finally:
        _deferred = before


class Body:
    """An article's Markdown body, rendered to sanitized HTML the first time it is needed.

    Rendering costs about a millisecond an article, so a publication of 10,000 articles
    is loaded without rendering any, and each body is rendered when a feed that shows
    it is first rendered. Two bodies are equal when their source and base URL are.

    The source and the rendering are kept deflated (zlib level 1): bodies are most of a
    publication's bytes, and Markdown or HTML shrinks to about 40% for some 25 us,
    against 10 us to inflate it each time a feed shows it (a rendering costs 1 ms).
    A body made under packing_deferred() keeps its Markdown as it is until pack(); it is
    the same value either way (equal, same hash, same pickle).
    """

    __slots__ = ("_keep", "_packed", "_rendered", "base_url")

    def __init__(self, source: str, base_url: str):
        # The Markdown deflated, or (deferred) as it is: told apart by type.
        self._packed: bytes | str = source if _deferred else _pack(source)
        self.base_url = base_url
        self._rendered: tuple[bytes, str] | None = None  # (packed HTML, first paragraph)
        self._keep = False

    def pack(self) -> bytes:
        """Deflate the Markdown if it is not yet; return it deflated."""
        packed = self._packed
        if type(packed) is str:
            # Two threads may both pack: the same bytes, no harm.
            packed = self._packed = _pack(packed)
        return packed

    @property
    def packed(self) -> bool:
        """Return whether the Markdown is kept deflated."""
        return type(self._packed) is bytes

    @property
    def source(self) -> str:
        """Return the Markdown source."""
        packed = self._packed
        return packed if type(packed) is str else _unpack(packed)

    def _render(self) -> tuple[bytes, str]:
        rendered = self._rendered
        if rendered is None:  # two threads may both render: same result, no harm
            html, first_paragraph = markup.render_markdown(self.source, self.base_url)
            rendered = self._rendered = (_pack(html), first_paragraph)
        return rendered

    @property
    def html(self) -> str:
        """Return the body as sanitized HTML."""
        return _unpack(self._render()[0])

    @property
    def first_paragraph(self) -> str:
        """Return the plain text of the body's first paragraph."""
        return self._render()[1]

    def __getstate__(self) -> tuple[bytes, str, tuple[bytes, str] | None]:
        # The parse cache keeps a rendering only where the store asked for one (keep()).
        return (self.pack(), self.base_url, self._rendered if self._keep else None)

    def __setstate__(self, state: tuple[bytes, str, tuple[bytes, str] | None]) -> None:
        self._packed, self.base_url, self._rendered = state
        self._keep = self._rendered is not None  # kept where it came from: keep it so

    def keep(self, wanted: bool) -> None:
        """Keep the rendering, if there is one, when pickled; or (wanted=False) leave it out."""
        self._keep = wanted and self._rendered is not None

    def take_rendering(self, other: Body) -> None:
        """Take the rendering of an equal body (the same file read again after an edit
        elsewhere in it: a title fixed), unless rendered already; its Markdown is then
        not rendered again. Equal bodies render alike: the rendering is a function of
        the source and the base URL, which equality compares."""
        if self._rendered is None and other._rendered is not None and self == other:
            self._rendered = other._rendered
            self._keep = other._keep

    @property
    def rendered(self) -> bool:
        """Return whether the body was rendered already."""
        return self._rendered is not None

    @property
    def kept(self) -> bool:
        """Return whether the rendering goes with the body when pickled."""
        return self._keep

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Body):
            return NotImplemented
        if self.base_url != other.base_url:
            return False
        mine, theirs = self._packed, other._packed
        if type(mine) is type(theirs):
            # The same text deflates to the same bytes: no need to inflate either.
            return mine == theirs
        return self.source == other.source

    def __hash__(self) -> int:
        # Of what is the same packed or not; equal bodies have equal base URLs.
        return hash(self.base_url)

    def __repr__(self) -> str:
        return f"Body({self.source[:40]!r}..., {self.base_url!r})"


def render_all(bodies: list[Body], workers: int) -> None:
    """Render the bodies that are not yet, shared out to forked processes when many (a
    build's first pages: some 4,400 bodies, 2.7 s of Markdown in one process, at 10,000
    articles); each rendering comes back as the body would have made it itself."""
    todo = [body for body in bodies if body._rendered is None]
    if len(todo) < 100:
        workers = 1
    done = parallel.map_chunks(lambda chunk: [body._render() for body in chunk], todo, workers)
    for body, rendering in zip(todo, done, strict=True):
        if body._rendered is None:
            body._rendered = rendering
