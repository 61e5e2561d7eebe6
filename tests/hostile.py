"""Shared helpers for the hostile-input suites: a minimal article, every feed of an app read
back strictly, `feeds check` run through click, and a tally of what was tried."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
import lxml.html
import pytest
from click.testing import CliRunner
from lxml import etree

from feeds.cli import main
from tests import editing
from tests.editing import XML_INVALID
from tests.helpers import FORMATS, publisher_of

ATOM_NS = "{http://www.w3.org/2005/Atom}"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"


# A minimal valid article; its lines are numbered 1-5, so extra fields start on line 6.
def article(*extra: str, **replace: str | None) -> str:
    """Return a minimal valid article titled "A hostile test", as editing.article does."""
    return editing.article(*extra, **{"title": "A hostile test", **replace})


ARTICLE = article()


def put(data_dir: Path, rel: str, content: str | bytes) -> Path:
    """Write a data file exactly as given (bytes untouched, text as UTF-8)."""
    path = data_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def check(data_dir: Path) -> tuple[int, list[str], str]:
    """Run `feeds check --data DIR`; return (exit code, stdout lines, stdout + stderr)."""
    result = CliRunner().invoke(main, ["check", "--data", str(data_dir)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout.splitlines(), result.output


def assert_checked(
    data_dir: Path, rel: str, line: int | None, *words: str, warning_will_do: bool = False
) -> str:
    """Assert `feeds check` prints `rel:line: ...` holding every word, and exits 1 (0 too when
    a warning will do)."""
    code, lines, output = check(data_dir)
    assert "Traceback" not in output, output
    assert code in ((0, 1) if warning_will_do else (1,)), output
    prefix = f"{rel}:{line}: " if line is not None else f"{rel}:"
    found = [entry for entry in lines if entry.startswith(prefix)]
    assert found, f"no line starting {prefix!r} in:\n{output}"
    assert any(all(word in entry for word in words) for entry in found), (words, found)
    return found[0]


def problems(client, path: str | None = None) -> list[dict]:
    """Return /healthz problems (errors and warnings), for one file if given."""
    response = client.get("/healthz")
    assert response.status_code == 200, response.data
    found = response.get_json()["problems"]
    return [p for p in found if path is None or p["path"] == path]


def errors(client, path: str) -> list[dict]:
    return [p for p in problems(client, path) if p["severity"] == "error"]


@dataclass
class Entry:
    """One entry as a strict parser reads it from one format."""

    id: str
    title: str
    content_html: str  # after one level of XML (or JSON) unescaping
    summary: str
    links: list[str] = field(default_factory=list)


@dataclass
class Document:
    path: str
    fmt: str
    body: bytes
    title: str
    entries: dict[str, Entry]
    parsed: feedparser.FeedParserDict | None = None  # feedparser's reading (RSS and Atom)


def read_document(path: str, fmt: str, body: bytes) -> Document:
    """Parse a feed strictly (lxml or json) and, for XML, with feedparser; assert it is good."""
    text = body.decode("utf-8")
    assert not XML_INVALID.search(text), (path, XML_INVALID.search(text))
    if fmt == "json":
        data = json.loads(text)
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        entries = {
            item["id"]: Entry(
                id=item["id"],
                title=item["title"],
                content_html=item["content_html"],
                summary=item.get("summary", ""),
                links=[item["url"], *([item["image"]] if "image" in item else [])],
            )
            for item in data["items"]
        }
        return Document(path, fmt, body, data["title"], entries)
    root = etree.fromstring(body)  # raises on anything not well-formed
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, (path, fmt, parsed.get("bozo_exception"))
    entries = {}
    if fmt == "rss":
        assert root.tag == "rss"
        title = root.findtext("channel/title")
        for item in root.iter("item"):
            links = [item.findtext("link") or ""]
            links += [e.get("url") for e in item.iter() if e.get("url")]
            entries[item.findtext("guid")] = Entry(
                id=item.findtext("guid"),
                title=item.findtext("title"),
                content_html=item.findtext(f"{CONTENT_NS}encoded") or "",
                summary=item.findtext("description") or "",
                links=links,
            )
    else:
        assert root.tag == f"{ATOM_NS}feed"
        title = root.findtext(f"{ATOM_NS}title")
        for item in root.iter(f"{ATOM_NS}entry"):
            entries[item.findtext(f"{ATOM_NS}id")] = Entry(
                id=item.findtext(f"{ATOM_NS}id"),
                title=item.findtext(f"{ATOM_NS}title"),
                content_html=item.findtext(f"{ATOM_NS}content") or "",
                summary=item.findtext(f"{ATOM_NS}summary") or "",
                links=[link.get("href") for link in item.iter(f"{ATOM_NS}link")],
            )
    return Document(path, fmt, body, title, entries, parsed)


def feed_paths(app) -> list[str]:
    """Return the path (without extension) of every feed document the app serves now."""
    view, _ = publisher_of(app).view()
    return [feed.path for feed in view.documents()]


def read_every_feed(app, client) -> list[Document]:
    """Fetch every feed document in every format; assert each is 200 and well-formed."""
    documents = []
    for path in feed_paths(app):
        for fmt in FORMATS:
            response = client.get(f"{path}.{fmt}")
            assert response.status_code == 200, (path, fmt, response.status_code)
            documents.append(read_document(path, fmt, response.data))
    return documents


def site_ids(client) -> set[str]:
    return set(read_document("/feed", "atom", client.get("/feed.atom").data).entries)


def html_text(fragment: str) -> str:
    """Return the text a reader shows for an HTML fragment."""
    if not fragment.strip():
        return fragment
    return lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()


def shown(detail) -> str:
    """Return the text a reader shows for a feedparser text construct (text or HTML)."""
    if detail.type in ("text/html", "application/xhtml+xml"):
        return html_text(detail.value)  # lxml has already decoded the entities
    return detail.value


def tally_of(tried: Counter[str]):
    """Return a module fixture that prints, after the module's tests, what they tried."""

    @pytest.fixture(scope="module", autouse=True)
    def _tally(request):
        yield
        print_tally(request.module.__name__, tried)

    return _tally


def print_tally(module: str, tally: Counter) -> None:
    """Print how many hostile inputs of each kind a module tried (shown with pytest -s)."""
    total = sum(tally.values())
    print(f"\n[{module}] hostile inputs tried: {total}")
    for kind, count in sorted(tally.items()):
        print(f"  {kind:<40} {count}")
