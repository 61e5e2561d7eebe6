"""One truth for every path: after any sequence of editors' actions, the running store,
a fresh store over its parse cache and a forked parallel load all say what a cold load of
the same files says (or, for a broken file, what its last good version said).

A hypothesis state machine edits a small publication (3 sections, 4 authors, 8 articles,
a few feeds long enough for archive pages) the way editors do: adds, edits, breaks, fixes,
deletes, moves and touches articles, makes them claim each other's slug or id, and edits
site.yaml, sections.yaml and authors.yaml. After every step it compares:

- running: one Store, only ever refresh()ed, saving its parse cache each step as a server does;
- cold:    a fresh Store with no cache: the reference;
- warm:    a fresh Store over the cache `running` just wrote;
- late:    a fresh Store over the cache `running` wrote a step before, as a restart
           after edits made while no server ran finds it (meta edits among them),
           against one that reads again every file of a shard written under other meta
           files (the fast path it takes: the articles that resolve alike kept as they are);
- forked:  a fresh Store whose first load is shared out to forked children;
- `feeds check --format json`, twice with the cache on and once with it off.

What is checked (each failure names its check, in brackets):

[problems]  running, warm and forked report exactly cold's problems.
[cli]       `feeds check` gives the same JSON and exit code whatever the cache holds,
            and its problems are cold's.
[clash]     in cold, of articles claiming one slug or id, the winner is the one with the
            highest priority (non-drafts first, earliest published, then path); the rest
            get the "is already used by" error at their own path.
[silent]    a file that gives no article in cold says why: an error at its path, or a
            sections.yaml / authors.yaml error naming what it lacks.
[good]      running holds every article cold holds, equal field for field.
[standin]   a broken file's article in running is its last good version (what cold held
            at that path the last time it held one) unless an article cold publishes has
            its slug or id (among stand-ins, priority decides); any other file has none.
[warm]      warm equals running exactly (articles, problems, version).
[cache]     the parse cache's shards (one per articles sub-folder, each rewritten only when
            one of its files changed) hold an entry for every file running holds, at its
            current signature, and none for a file removed or moved away.
[forked]    forked equals cold exactly.
[version]   with no stand-ins, running's data version is cold's.
[bytes]     with no stand-ins, every document the export lists (feeds in three formats,
            archive pages, HTML pages, OPML, sitemaps, robots.txt, the partner feeds of
            every platform and the partners page), with its Cache-Control,
            rendered from running equals the one from cold, byte for byte, at two fixed
            moments; with stand-ins, equals the one from a catalog built from scratch of
            running's own records (the in-place swap path). Editors retract and unretract
            articles and set and clear expiry dates, before, between and after the moments.
[records]   every section and author an article in running names is in its catalog.

Runs: the defaults keep CI short. For a long run, which prints how many sequences and
steps were tried:

    FEEDS_DIFF_EXAMPLES=200 FEEDS_DIFF_STEPS=30 .venv/bin/python -m pytest -q \
        tests/test_differential.py

FEEDS_DIFF_SKIP=bytes,standin leaves checks out (to look for a second bug behind a first);
it may also name editors' rules (break_article, claim...) and meta-file operations
(break, rename-onto, remove...) to leave out.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import feeds.store
from feeds import cache, parallel
from feeds.build import build_article
from feeds.catalog import Catalog
from feeds.checkreport import report_problems
from feeds.cli import main
from feeds.documents import render_document
from feeds.export import refs as export_refs
from feeds.filestate import cached_signature
from feeds.http import cache_control
from feeds.load import parse_article
from feeds.meta import load_authors, load_sections
from feeds.model import Article, Problem
from feeds.publisher import presented_feed
from feeds.render import CONTENT_TYPES
from feeds.store import Store
from feeds.text import slugify

EXAMPLES = int(os.environ.get("FEEDS_DIFF_EXAMPLES", "6"))
STEPS = int(os.environ.get("FEEDS_DIFF_STEPS", "10"))
SKIP = {name.strip() for name in os.environ.get("FEEDS_DIFF_SKIP", "").split(",") if name}
LONG_RUN = "FEEDS_DIFF_EXAMPLES" in os.environ or "FEEDS_DIFF_STEPS" in os.environ
# The forked first load, where fork is available (whatever else the machine is running).
FORKS = parallel.can_fork()
SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=bool(os.environ.get("CI")),
    database=None if os.environ.get("CI") else settings.default.database,
    # Shrinking replays whole sequences, every step a reload: minutes for a long one. CI
    # reports the sequence as found, with every action listed; run without CI to shrink.
    phases=[p for p in Phase if p is not Phase.shrink or not os.environ.get("CI")],
    report_multiple_bugs=False,  # one bug shrunk well; FEEDS_DIFF_SKIP finds the next
    print_blob=True,
)
# Readers' clocks: later than every article but the scheduled ones, and one before some.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EARLY = datetime(2026, 2, 12, 0, 0, tzinfo=UTC)
CLASH = "is already used by"
FORMATS = tuple(CONTENT_TYPES)
TALLY = {"sequences": 0, "steps": 0, "forked": 0}
SEEN: dict[str, int] = {}  # steps in which a situation arose

# --- What editors write ----------------------------------------------------------------

TITLES = [
    "Front line holds",
    "Grid repairs continue",
    "Budget vote delayed",
    "Опера відкриває сезон",
    "Drone makers <b>export</b> & more",
]
BODIES = [
    "A first paragraph.\n\nA second one, with a [link](/about).",
    "Short.",
    "**Bold** start.\n\n- one\n- two",
]
TAGS = ["NATO", "nato", "N.A.T.O.", "Energy", "Grid", "Київ", "Economy"]
PAST = [
    "2026-02-10 09:00",
    "2026-02-11 10:00",
    "Feb. 12, 2026 14:05",
    "2026-02-13T08:00:00+02:00",
    "2026-02-14 23:30",
    "Tue, 17 Feb 2026 14:05 +0200",
    "2026-03-01 00:00",
]  # in time order, in every timezone site.yaml may name
FUTURE = ["2026-07-01 08:00", "2027-03-01 09:00"]  # after NOW
DATES = PAST + FUTURE
SLUGS = ["shared-story", "alpha", "kyiv-story", "другий"]
IDS = [
    "tag:news.example.org,2026:one",
    "tag:news.example.org,2026:two",
    "urn:uuid:5f0c6d3e-0000-4000-8000-000000000001",
]
NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
FOLDERS = ["articles", "articles/2026/02", "articles/desk"]
PATHS = [f"{folder}/{name}.yaml" for folder in FOLDERS for name in NAMES]
FIRST_PATHS = ["articles/0-early.yaml", "articles/00-first.yaml"]  # sort before any other
ARTICLE_EDITS = ["title", "body", "tags", "section", "authors", "published", "updated", "slug"]
ARTICLE_EDITS += ["id", "draft", "retracted", "expires", "image_width"]
# Removal dates: before both readers' clocks, between them, and after both (a retraction
# or expiry not after `published` is an error, which the checks cover too).
REMOVALS = ["2026-03-05 09:00", "2026-05-25 09:00", "2026-07-15 00:00", "2027-06-01 00:00"]
BREAKS = ["yaml", "author", "section", "date", "updated", "empty", "body"]
SECTION_SLUGS = ["war", "politics", "culture", "business", "arts"]
SECTION_TITLES = ["War", "Politics", "Culture", "Business", "Arts", "Front"]
AUTHOR_SLUGS = ["ann-lee", "bo-chen", "cy-diaz", "dee-eve", "eli-fox"]
AUTHOR_NAMES = ["Ann Lee", "Bo Chen", "Cy Diaz", "Dee Eve", "Eli Fox", "A. Lee"]
SITE_CHOICES = {
    "title": ["The Test Ledger", "The Kyiv Ledger", "Ledger & Co"],
    "url": [
        "https://news.example.org",
        "http://news.example.org",
        "https://other.example.com",
        "https://example.org/news",
    ],
    "timezone": ["Europe/Kyiv", "UTC", "America/New_York"],
    "items_per_feed": [2, 3, 50],
    "id_authority": [None, "news.example.org"],
}
# "rename-onto" gives an entry the slug of another: an error, like "break".
META_OPS = ["retitle", "add", "remove", "rename", "rename-formerly", "rename-onto", "break", "fix"]


def q(text: str) -> str:
    """Return text as a YAML double-quoted scalar (JSON's quoting is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Spec:
    """One article file as the editor means it (what `fix` writes back)."""

    title: str
    section: str  # as written: a slug or a title
    authors: tuple[str, ...]  # as written: slugs or names
    published: str
    body: str
    updated: str | None = None
    tags: tuple[str, ...] = ()
    draft: bool = False
    slug: str | None = None
    id: str | None = None
    image: bool = True
    retracted: str | None = None  # the retraction's date (a reason is written with it)
    expires: str | None = None
    image_width: int | None = None  # pixels, written only with an image


def article_text(spec: Spec, broken: str | None = None) -> str:
    """Return an article file for spec, broken in one of BREAKS' ways or not."""
    if broken == "empty":
        return ""
    section = "no-such-desk" if broken == "section" else spec.section
    authors = [*spec.authors, *(["nobody-here"] if broken == "author" else [])]
    published = "10.02.2026" if broken == "date" else spec.published
    updated = "2026-01-01 00:00" if broken == "updated" else spec.updated
    lines = [f"title: {q(spec.title)}", f"section: {q(section)}", "authors:"]
    lines += [f"  - {q(author)}" for author in authors]
    lines.append(f"published: {q(published)}")
    if updated:
        lines.append(f"updated: {q(updated)}")
    if spec.tags:
        lines.append("tags: [" + ", ".join(q(tag) for tag in spec.tags) + "]")
    if spec.draft:
        lines.append("draft: true")
    if spec.slug:
        lines.append(f"slug: {q(spec.slug)}")
    if spec.id:
        lines.append(f"id: {q(spec.id)}")
    if spec.retracted:
        lines += ["retraction:", f"  date: {q(spec.retracted)}", '  reason: "It was wrong."']
    if spec.expires:
        lines.append(f"expires: {q(spec.expires)}")
    if spec.image:
        lines += [
            "image:",
            "  url: https://news.example.org/media/photo.jpg",
            "  caption: A photo",
            "  credit: The Ledger",
        ]
        if spec.image_width:
            lines += [f"  width: {spec.image_width}", f"  height: {spec.image_width // 2}"]
    if broken != "body":
        lines.append("body: |")
        lines += [f"  {line}" if line else "" for line in spec.body.splitlines()]
    if broken == "yaml":
        lines.append("subtitle: [unclosed")
    return "\n".join(lines) + "\n"


def entries_text(entries: list[dict], label: str) -> str:
    """Return sections.yaml (label "title") or authors.yaml (label "name")."""
    lines: list[str] = []
    for entry in entries:
        lines += [f"- slug: {entry['slug']}", f"  {label}: {q(entry[label])}"]
        if label == "name":
            lines += ["  role: Reporter", f"  bio: {q(entry[label] + ' reports.')}"]
        else:
            lines.append(f"  description: {q(entry[label] + ' coverage.')}")
        if entry["formerly"]:
            lines.append(f"  formerly: [{', '.join(entry['formerly'])}]")
    return "\n".join(lines) + "\n"


def site_text(site: dict) -> str:
    lines = [
        f"title: {q(site['title'])}",
        f"url: {site['url']}",
        "language: en",
        'description: "A small publication for the differential test."',
        f"timezone: {site['timezone']}",
        f"items_per_feed: {site['items_per_feed']}",
        # Every partner feed is exported, so compared: SmartNews and MSN keep removed items.
        "partners:",
        "  flipboard: {}",
        "  smartnews: {}",
        "  msn: {}",
        "  google_news: {}",  # no feed: the partners page only
    ]
    if site["id_authority"]:
        lines.append(f"id_authority: {site['id_authority']}")
    return "\n".join(lines) + "\n"


INITIAL = {
    "articles/alpha.yaml": Spec(
        "Front line holds", "war", ("ann-lee",), PAST[0], BODIES[0], tags=("NATO", "Grid")
    ),
    "articles/bravo.yaml": Spec(
        "Budget vote delayed", "Politics", ("bo-chen", "Cy Diaz"), PAST[1], BODIES[1]
    ),
    "articles/2026/02/charlie.yaml": Spec(
        "Grid repairs continue", "culture", ("dee-eve",), PAST[2], BODIES[2], tags=("Energy",)
    ),
    "articles/2026/02/delta.yaml": Spec(
        "Опера відкриває сезон", "war", ("ann-lee", "bo-chen"), PAST[3], BODIES[0],
        tags=("nato", "Київ"), updated=PAST[5],
    ),
    "articles/desk/echo.yaml": Spec(
        "Front line holds", "war", ("cy-diaz",), PAST[4], BODIES[1], image=False
    ),
    "articles/desk/foxtrot.yaml": Spec(
        "Drone makers <b>export</b> & more", "politics", ("Dee Eve",), PAST[6], BODIES[2],
        tags=("Economy", "Grid"),
    ),
    "articles/golf.yaml": Spec(
        "Budget vote delayed", "culture", ("bo-chen",), FUTURE[0], BODIES[0], tags=("Energy",)
    ),
    "articles/hotel.yaml": Spec(
        "Grid repairs continue", "war", ("ann-lee",), PAST[5], BODIES[1], draft=True
    ),
}  # fmt: skip


# --- Reading the stores ----------------------------------------------------------------


class Mismatch(AssertionError):
    """A path disagrees with the truth (subclassed per check, so hypothesis tells bugs apart)."""


_KINDS: dict[str, type[Mismatch]] = {}


def mismatch(check: str) -> type[Mismatch]:
    if check not in _KINDS:
        name = "".join(part.title() for part in check.split("-")) + "Mismatch"
        _KINDS[check] = type(name, (Mismatch,), {})
    return _KINDS[check]


def short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def brief(article: Article | None) -> str:
    if article is None:
        return "nothing"
    return (
        f"<{article.path} slug={article.slug} id={article.id} title={article.title!r} "
        f"published={article.published:%Y-%m-%d %H:%M} draft={article.draft}>"
    )


def article_diff(expected: Article | None, got: Article | None) -> str:
    if expected is None or got is None:
        return f"expected {brief(expected)}, got {brief(got)}"
    parts = [
        f"{f.name}: expected {short(getattr(expected, f.name), 90)}, "
        f"got {short(getattr(got, f.name), 90)}"
        for f in fields(Article)
        if getattr(expected, f.name) != getattr(got, f.name)
    ]
    return f"{brief(got)} differs in " + "; ".join(parts)


def problems_diff(expected: Iterable[Problem], got: Iterable[Problem]) -> str:
    expected, got = set(expected), set(got)
    missing = sorted(str(p) for p in expected - got)
    extra = sorted(str(p) for p in got - expected)
    return (
        f"missing {len(missing)}: {[short(p, 220) for p in missing[:4]]}; "
        f"extra {len(extra)}: {[short(p, 220) for p in extra[:4]]}"
    )


def priority(article: Article) -> tuple:
    """Which article keeps a slug or id: non-drafts first, earliest published, then the
    one whose file name gives its slug and whose id ends in it, then path."""
    stem = article.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    own = slugify(stem) == article.slug and article.id.endswith(":" + quote(article.slug, safe=""))
    return (article.draft, article.published, not own, article.path)


def winners(articles: Iterable[Article]) -> list[Article]:
    """Return the articles that keep their slug and id, by priority, greedily."""
    kept: list[Article] = []
    slugs: set[str] = set()
    ids: set[str] = set()
    for article in sorted(articles, key=priority):
        if article.slug in slugs or article.id in ids:
            continue
        slugs.add(article.slug)
        ids.add(article.id)
        kept.append(article)
    return kept


def rendered(catalog: Catalog, now: datetime) -> dict[str, bytes]:
    """Return every document the server serves but /healthz, by URL path, as export lists
    them (feeds, pages, OPML, sitemaps, robots.txt), with each one's Cache-Control at now."""
    view = catalog.view(now)
    out: dict[str, bytes] = {}
    for ref in export_refs(view):
        feed = presented_feed(view, ref)
        assert feed is not None, ref
        body = render_document(view, feed, ref).body
        caching = cache_control(feed.site, now, feed.next_change, feed.complete)
        out[ref.path] = body + b"\n" + caching.encode()
    return out


def bytes_diff(expected: dict[str, bytes], got: dict[str, bytes]) -> str:
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    differ = sorted(p for p in set(expected) & set(got) if expected[p] != got[p])
    text = f"missing {missing[:5]}, extra {extra[:5]}, different {differ[:6]}"
    if differ:
        a, b = expected[differ[0]], got[differ[0]]
        at = min(len(a), len(b))
        at = next((i for i in range(at) if a[i] != b[i]), at)
        text += (
            f"; {differ[0]} first differs at byte {at}: expected "
            f"{a[max(0, at - 60) : at + 80]!r}, got {b[max(0, at - 60) : at + 80]!r}"
        )
    return text


def by_path(store: Store) -> dict[str, Article]:
    return {a.path: a for a in store.catalog.articles} if store.catalog else {}


def action(condition: Callable[[Editors], object] = lambda self: True) -> Callable:
    """Make a method an editor's action, taken when `condition` holds and not in SKIP."""

    def decorate(method: Callable) -> Callable:
        name = method.__name__
        return precondition(lambda self: name not in SKIP and bool(condition(self)))(
            rule(data=st.data())(method)
        )

    return decorate


# --- The machine -----------------------------------------------------------------------


class Editors(RuleBasedStateMachine):
    """Editors at work on one data folder, and every way of loading it compared."""

    def __init__(self) -> None:
        super().__init__()
        TALLY["sequences"] += 1
        self.tmp = Path(tempfile.mkdtemp(prefix="feeds-diff-"))
        self.root = self.tmp / "data"
        self.cli_cache = self.tmp / "cli-cache"
        self.saved_env = os.environ.get("FEEDS_CACHE_DIR")
        os.environ["FEEDS_CACHE_DIR"] = str(self.tmp / "cache")
        # Fake modification times, in the past (settle=0 reads a file whose mtime is not in
        # the future) and strictly increasing, so that a same-size rewrite is always seen.
        self.mtime = (int(datetime.now(UTC).timestamp()) - 10**6) * 10**9
        self.log: list[str] = []
        self.step = 0
        self.specs: dict[str, Spec] = {}
        self.broken: dict[str, str] = {}  # path -> how it is broken
        self.last_good: dict[str, Article] = {}
        self.site = {name: choices[0] for name, choices in SITE_CHOICES.items()}
        self.site["items_per_feed"] = 3
        self.sections = [
            {"slug": slug, "title": title, "formerly": []}
            for slug, title in zip(SECTION_SLUGS[:3], SECTION_TITLES, strict=False)
        ]
        self.authors = [
            {"slug": slug, "name": name, "formerly": []}
            for slug, name in zip(AUTHOR_SLUGS[:4], AUTHOR_NAMES, strict=False)
        ]
        self.meta_broken = {"sections.yaml": False, "authors.yaml": False}
        self.meta_good: dict[str, str] = {}  # each meta file's last text without errors
        self.write_site()
        self.write_meta("sections.yaml")
        self.write_meta("authors.yaml")
        for path, spec in INITIAL.items():
            self.specs[path] = replace(spec)
            self.write_article(path)
        self.running = Store(self.root, settle=0, use_cache=True, workers=1)
        self.running.refresh()
        self.running.save_cache()

    def teardown(self) -> None:
        if self.saved_env is None:
            os.environ.pop("FEEDS_CACHE_DIR", None)
        else:
            os.environ["FEEDS_CACHE_DIR"] = self.saved_env
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- writing ----------------------------------------------------------------------------

    def tick(self, rel: str) -> None:
        self.mtime += 10**9
        os.utime(self.root / rel, ns=(self.mtime, self.mtime))

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.tick(rel)

    def write_article(self, path: str) -> None:
        self.write(path, article_text(self.specs[path], self.broken.get(path)))

    def write_site(self) -> None:
        self.write("site.yaml", site_text(self.site))

    def write_meta(self, name: str) -> None:
        entries, label = (
            (self.sections, "title") if name == "sections.yaml" else (self.authors, "name")
        )
        if self.meta_broken[name]:
            text = f"- slug: {entries[0]['slug']}\n  {label}: [unclosed\n"
        else:
            text = entries_text(entries, label)
        self.write(name, text)

    def note(self, action: str) -> None:
        self.log.append(action)

    # -- what editors pick from -------------------------------------------------------------

    def section_names(self) -> list[str]:
        return [s["slug"] for s in self.sections] + [s["title"] for s in self.sections]

    def author_names(self) -> list[str]:
        return [a["slug"] for a in self.authors] + [a["name"] for a in self.authors]

    def spec(self, data: st.DataObject) -> Spec:
        draw = data.draw
        return Spec(
            title=draw(st.sampled_from(TITLES), label="title"),
            section=draw(st.sampled_from(self.section_names()), label="section"),
            authors=tuple(
                draw(
                    st.lists(st.sampled_from(self.author_names()), min_size=1, max_size=2),
                    label="authors",
                )
            ),
            published=draw(st.sampled_from(DATES), label="published"),
            body=draw(st.sampled_from(BODIES), label="body"),
            tags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=3), label="tags")),
            draft=draw(st.sampled_from([False, False, False, True]), label="draft"),
            image=draw(st.booleans(), label="image"),
        )

    def effective_slug(self, path: str) -> str:
        return self.specs[path].slug or slugify(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])

    def pick(self, data: st.DataObject, paths: Iterable[str], label: str) -> str:
        return data.draw(st.sampled_from(sorted(paths)), label=label)

    def forget(self, path: str) -> None:
        del self.specs[path]
        self.broken.pop(path, None)
        self.last_good.pop(path, None)

    # -- rules: articles --------------------------------------------------------------------

    @action(lambda self: len(self.specs) < len(PATHS))
    def add_article(self, data: st.DataObject) -> None:
        path = self.pick(data, set(PATHS) - set(self.specs), "path")
        self.specs[path] = spec = self.spec(data)
        self.write_article(path)
        self.note(f"add {path}: {spec}")

    @action(lambda self: self.specs)
    def edit_article(self, data: st.DataObject) -> None:
        path = self.pick(data, self.specs, "path")
        spec = self.specs[path]
        name = data.draw(st.sampled_from(ARTICLE_EDITS), label="field")
        authors = self.author_names()
        choices: dict[str, st.SearchStrategy] = {
            "title": st.sampled_from(TITLES),
            "body": st.sampled_from(BODIES),
            "tags": st.lists(st.sampled_from(TAGS), max_size=3).map(tuple),
            "section": st.sampled_from(self.section_names()),
            "authors": st.lists(st.sampled_from(authors), min_size=1, max_size=2).map(tuple),
            "published": st.sampled_from(DATES),
            "updated": st.sampled_from([None, *PAST[3:], *FUTURE]),
            "slug": st.sampled_from([None, *SLUGS]),
            "id": st.sampled_from([None, *IDS]),
            "draft": st.booleans(),
            "retracted": st.sampled_from([None, *REMOVALS]),
            "expires": st.sampled_from([None, *REMOVALS]),
            "image_width": st.sampled_from([None, 320, 1600]),
        }
        value = data.draw(choices[name], label="value")
        if (
            name == "updated"
            and value is not None
            and DATES.index(value) < DATES.index(spec.published)
        ):
            value = spec.published  # a good edit; breaking it is break_article's job
        setattr(spec, name, value)
        self.write_article(path)
        state = f" (still broken: {self.broken[path]})" if path in self.broken else ""
        self.note(f"edit {path}: {name} = {value!r}{state}")

    @action(lambda self: self.specs)
    def remove_article(self, data: st.DataObject) -> None:
        """Retract or unretract an article, or set or clear its expiry."""
        path = self.pick(data, self.specs, "path")
        name = data.draw(st.sampled_from(["retracted", "expires"]), label="field")
        value = data.draw(st.sampled_from([None, *REMOVALS]), label="value")
        setattr(self.specs[path], name, value)
        self.write_article(path)
        self.note(f"remove {path}: {name} = {value!r}")

    @action(lambda self: set(self.specs) - set(self.broken))
    def break_article(self, data: st.DataObject) -> None:
        path = self.pick(data, set(self.specs) - set(self.broken), "path")
        how = data.draw(st.sampled_from(BREAKS), label="how")
        self.broken[path] = how
        self.write_article(path)
        self.note(f"break {path}: {how}")

    @action(lambda self: self.broken)
    def fix_article(self, data: st.DataObject) -> None:
        path = self.pick(data, self.broken, "path")
        del self.broken[path]
        self.write_article(path)
        self.note(f"fix {path}")

    @action(lambda self: self.specs)
    def delete_article(self, data: st.DataObject) -> None:
        path = self.pick(data, self.specs, "path")
        (self.root / path).unlink()
        self.forget(path)
        self.note(f"delete {path}")

    @action(lambda self: self.specs and len(self.specs) < len(PATHS))
    def move_article(self, data: st.DataObject) -> None:
        path = self.pick(data, self.specs, "path")
        target = self.pick(data, set(PATHS) - set(self.specs), "target")
        (self.root / target).parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.root / path, self.root / target)
        spec, how = self.specs[path], self.broken.get(path)
        self.forget(path)
        self.specs[target] = spec
        if how:
            self.broken[target] = how
        self.tick(target)
        self.note(f"move {path} -> {target}")

    @action()
    def touch(self, data: st.DataObject) -> None:
        path = self.pick(data, [*self.specs, "site.yaml", "sections.yaml", "authors.yaml"], "path")
        self.tick(path)
        self.note(f"touch {path}")

    @action(lambda self: len(self.specs) >= 2)
    def claim(self, data: st.DataObject) -> None:
        """Give one file the slug or id of another."""
        path = self.pick(data, self.specs, "path")
        other = self.pick(data, set(self.specs) - {path}, "other")
        what = data.draw(st.sampled_from(["slug", "id"]), label="what")
        if what == "slug":
            self.specs[path].slug = self.effective_slug(other)
        else:
            if self.specs[other].id is None:
                self.specs[other].id = data.draw(st.sampled_from(IDS), label="id")
                self.write_article(other)
            self.specs[path].id = self.specs[other].id
        self.write_article(path)
        self.note(f"claim: {path} takes the {what} of {other}")

    @action(lambda self: self.specs and set(FIRST_PATHS) - set(self.specs))
    def newcomer_claims(self, data: st.DataObject) -> None:
        """A new file, whose path sorts before every other, takes an existing slug or id."""
        path = self.pick(data, set(FIRST_PATHS) - set(self.specs), "path")
        other = self.pick(data, self.specs, "other")
        spec = self.spec(data)
        if data.draw(st.booleans(), label="a copy keeping the date"):
            spec.published = self.specs[other].published  # the one named after its slug wins
        if data.draw(st.booleans(), label="by slug"):
            spec.slug = self.effective_slug(other)
            what = "slug"
        else:
            if self.specs[other].id is None:
                self.specs[other].id = data.draw(st.sampled_from(IDS), label="id")
                self.write_article(other)
            spec.id = self.specs[other].id
            what = "id"
        self.specs[path] = spec
        self.write_article(path)
        self.note(f"add {path} claiming the {what} of {other}: {spec}")

    # -- rules: site, sections, authors -----------------------------------------------------

    @action()
    def edit_site(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(SITE_CHOICES)), label="field")
        value = data.draw(st.sampled_from(SITE_CHOICES[name]), label="value")
        self.site[name] = value
        self.write_site()
        self.note(f"site.yaml: {name} = {value!r}")

    @action()
    def edit_meta(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(["sections.yaml", "authors.yaml"]), label="file")
        entries, label, slugs, labels = (
            (self.sections, "title", SECTION_SLUGS, SECTION_TITLES)
            if name == "sections.yaml"
            else (self.authors, "name", AUTHOR_SLUGS, AUTHOR_NAMES)
        )
        op = data.draw(st.sampled_from([op for op in META_OPS if op not in SKIP]), label="op")
        index = data.draw(st.integers(0, len(entries) - 1), label="entry")
        entry = entries[index]
        taken = {e["slug"] for e in entries}
        former = {old for e in entries for old in e["formerly"]}
        if op == "retitle":
            entry[label] = data.draw(st.sampled_from(labels), label=label)
            what = f"{entry['slug']} {label} = {entry[label]!r}"
        elif op == "add":
            # A slug no entry has, nor had (that would be an error, like rename-onto).
            free = [s for s in slugs if s not in taken and s not in former]
            if not free:
                return
            slug = data.draw(st.sampled_from(free), label="slug")
            title = data.draw(st.sampled_from(labels), label=label)
            entries.append({"slug": slug, label: title, "formerly": []})
            what = f"add {slug}"
        elif op == "remove":
            if len(entries) == 1:
                return
            del entries[index]
            what = f"remove {entry['slug']}"
        elif op in ("rename", "rename-formerly"):
            # To a slug no entry has, nor another had; back to one of its own old slugs,
            # that one leaves its `formerly`.
            others = former - set(entry["formerly"])
            choices = [s for s in slugs if s not in taken and s not in others]
            if not choices:
                return
            new = data.draw(st.sampled_from(choices), label="slug")
            if op == "rename-formerly":
                entry["formerly"].append(entry["slug"])
            if new in entry["formerly"]:
                entry["formerly"].remove(new)
            what = f"rename {entry['slug']} -> {new}" + (
                f" (formerly: {entry['formerly']})" if entry["formerly"] else ""
            )
            entry["slug"] = new
        elif op == "rename-onto":
            choices = sorted(taken - {entry["slug"]})
            if not choices:
                return
            new = data.draw(st.sampled_from(choices), label="slug")
            what = f"rename {entry['slug']} -> {new}, which another entry has"
            entry["slug"] = new
        elif op == "break":
            self.meta_broken[name] = True
            what = "break its YAML"
        else:
            if not self.meta_broken[name]:
                return
            what = "fix its YAML"
        if op != "break":
            self.meta_broken[name] = False
        self.write_meta(name)
        self.note(f"{name}: {what}")

    # -- the truth ---------------------------------------------------------------------------

    def fail(self, check: str, message: str) -> None:
        if check in SKIP:
            return
        actions = "\n".join(f"  {i + 1}. {action}" for i, action in enumerate(self.log))
        raise mismatch(check)(
            f"[{check}] at step {self.step}, after:\n{actions or '  (the initial data)'}\n{message}"
        )

    def fresh(self, **options) -> Store:
        store = Store(self.root, settle=0, **options)
        store.refresh()
        return store

    @invariant()
    def one_truth(self) -> None:
        self.step += 1
        TALLY["steps"] += 1
        running = self.running
        late_cache = self.tmp / "late-cache"  # the cache as the step before left it
        shutil.rmtree(late_cache, ignore_errors=True)
        if (self.tmp / "cache").is_dir():
            shutil.copytree(self.tmp / "cache", late_cache)
        running.refresh()
        running.save_cache()  # as the server's reload thread does
        self.check_cache(running)
        # Cold is loaded as a server's first load is, its bodies left undeflated, and every
        # other step deflated after (Store.defer_packing): the other stores deflate theirs.
        cold = self.fresh(use_cache=False, workers=1, defer_packing=True)
        if self.step % 2:
            cold.pack_bodies()
        warm = self.fresh(use_cache=True, workers=1)  # reads what running saved
        os.environ["FEEDS_CACHE_DIR"] = str(late_cache)
        usable = feeds.store.usable_elsewhere
        try:
            late = self.fresh(use_cache=True, workers=1)
            feeds.store.usable_elsewhere = lambda cached, ctx: False
            late_slow = self.fresh(use_cache=True, workers=1)
        finally:
            feeds.store.usable_elsewhere = usable
            os.environ["FEEDS_CACHE_DIR"] = str(self.tmp / "cache")
        forked = None
        if FORKS:
            TALLY["forked"] += threading.active_count() == 1  # else it loads in one process
            forked = self.fresh(use_cache=False, workers=2, parallel_from=1)
        assert cold.catalog is not None, cold.problems  # site.yaml is never broken here
        # A meta file with errors of its own is, for running, its last good version (but
        # for its own problems): the reference is a cold load with that version in place.
        reference, expected_problems = self.reference(cold)

        # 1. Problems are history-free: a cold load's, or the reference's while a meta
        # file is broken (running and warm); always a cold load's for a fresh load.
        for name, other, want in (
            ("running", running, expected_problems),
            ("warm", warm, expected_problems),
            ("forked", forked, cold.problems),
        ):
            if other is not None and tuple(other.problems) != tuple(want):
                self.fail(
                    "problems",
                    f"{name}.problems != expected: {problems_diff(want, other.problems)}",
                )
        self.check_cli(cold)
        cold_of_files = cold
        cold = reference  # from here on: what running should hold

        # 4. The clash rule, in cold itself.
        cold_articles = by_path(cold)
        clash_paths = {
            p.path for p in cold.problems if p.severity == "error" and CLASH in p.message
        }
        losers: dict[str, Article] = {}
        for path in sorted(clash_paths):
            if path in cold_articles:
                self.fail("clash", f"{path} holds an article and has a clash error")
            raw, _ = parse_article((self.root / path).read_text(encoding="utf-8"), path)
            assert cold.context is not None
            built = build_article(raw, cold.context)[0] if raw is not None else None
            if built is None:
                self.fail("clash", f"{path} has a clash error but builds no article")
            else:
                losers[path] = built
        keep = {a.path for a in winners([*cold_articles.values(), *losers.values()])}
        if keep != set(cold_articles):
            self.fail(
                "clash",
                f"cold keeps {sorted(cold_articles)}; by priority it should keep {sorted(keep)}; "
                f"claimants: {[brief(a) for a in sorted(losers.values(), key=priority)]}; "
                f"kept: {[brief(cold_articles[p]) for p in sorted(set(cold_articles) - keep)]}",
            )

        # What each file should give in running.
        for path, article in cold_articles.items():
            self.last_good[path] = article
        broken = sorted(set(self.specs) - set(cold_articles) - clash_paths)
        meta_errors = [
            p
            for p in cold.problems
            if p.severity == "error" and p.path in ("sections.yaml", "authors.yaml")
        ]
        for path in broken:
            if not any(p.path == path and p.severity == "error" for p in cold.problems) and not (
                meta_errors
            ):
                self.fail("silent", f"{path} gives no article in cold and no error says why")
        # A stand-in gives way to the articles a cold load publishes: a file that lost a
        # clash itself publishes nothing, so it takes nothing from a stand-in.
        slugs = {a.slug for a in cold_articles.values()}
        ids = {a.id for a in cold_articles.values()}
        standins = [
            self.last_good[p]
            for p in broken
            if p in self.last_good
            and self.last_good[p].slug not in slugs
            and self.last_good[p].id not in ids
        ]
        expected = dict(cold_articles)
        expected.update((a.path, a) for a in winners(standins))
        # What the steps exercised, for the summary of a long run.
        for what, happened in (
            ("a stand-in in running", len(expected) > len(cold_articles)),
            ("a slug or id clash", bool(clash_paths)),
            ("a broken article", bool(broken)),
            ("a meta file with errors", cold is not cold_of_files),
            ("archive pages", any(f.page for f in cold.catalog.view(NOW).documents())),
            ("a tombstone", any(f.removed for f in cold.catalog.view(NOW).feeds())),
            (
                "an article to expire or be retracted",
                bool(cold.catalog.view(NOW)._expiring or cold.catalog.view(EARLY)._expiring),
            ),
            ("a meta edit that kept built articles unread", running.carried > 0),
            (
                "a restart that took articles of a cache shard of other meta",
                late.kept_elsewhere > 0,
            ),
        ):
            if happened:
                SEEN[what] = SEEN.get(what, 0) + 1
        running_articles = by_path(running)

        # 2. Good files agree; 3. broken files keep their last good version, nothing else.
        for path in sorted(set(expected) | set(running_articles)):
            want, got = expected.get(path), running_articles.get(path)
            if want == got:
                continue
            if path in cold_articles:
                self.fail("good", f"running at {path}: {article_diff(want, got)}")
            why = (
                "broken, last good version expected"
                if path in broken and want is not None
                else "broken, its last good version loses its slug or id"
                if path in broken and path in self.last_good
                else "broken, never good"
                if path in broken
                else "lost a clash"
                if path in clash_paths
                else "no such file"
            )
            self.fail("standin", f"running at {path} ({why}): {article_diff(want, got)}")
        if running.catalog is not None and len(running.catalog.articles) != len(expected):
            self.fail("standin", "running holds an article twice")

        # 3. warm is running from its cache; forked is cold.
        if warm.catalog is None or running.catalog is None:
            self.fail("warm", "no catalog")
        else:
            self.same("warm", running, warm)
        if late.catalog is None or late_slow.catalog is None:
            if late.problems != late_slow.problems:
                self.fail("late", problems_diff(late_slow.problems, late.problems))
        else:
            self.same("late", late_slow, late)
        if forked is not None:
            self.same("forked", cold_of_files, forked)

        # 6. Every article's section and authors are in running's records.
        catalog = running.catalog
        for article in catalog.articles:
            lacking = [s for s in article.authors if s not in catalog.authors]
            if article.section not in catalog.sections:
                lacking.append(f"section {article.section}")
            if lacking:
                self.fail("records", f"{brief(article)} names {lacking}, not in running's catalog")

        # 5. Bytes.
        if catalog.articles == cold.catalog.articles:
            if catalog.version != cold.catalog.version:
                self.fail(
                    "version",
                    f"running's version {catalog.version} != cold's {cold.catalog.version}",
                )
            reference, against = cold.catalog, "cold"
        else:
            reference = Catalog.build(
                catalog.site,
                catalog.sections.values(),
                catalog.authors.values(),
                catalog.articles,
                catalog.problems,
                catalog.version,
            )
            against = "a catalog built from scratch of running's records"
            if reference.articles != catalog.articles:
                self.fail("bytes", "running's articles are not in the order a fresh build gives")
        # Rendering is most of a step's time: one moment a step, now and then the early one.
        for now in (EARLY if self.step % 3 == 0 else NOW,):
            got, want = rendered(catalog, now), rendered(reference, now)
            # For the summary of a long run: the partner feeds are compared too.
            if b'<media:status state="deleted"' in want.get("/partners/smartnews/feed.rss", b""):
                SEEN["a deleted item in a partner feed"] = (
                    SEEN.get("a deleted item in a partner feed", 0) + 1
                )
            if got != want:
                self.fail(
                    "bytes",
                    f"documents at {now:%Y-%m-%d %H:%M} differ from {against}: "
                    f"{bytes_diff(want, got)}",
                )

    def check_cache(self, running: Store) -> None:
        """Fail unless the shards on disk hold exactly running's files, as they are now."""
        files, _, _ = cache.read_files(self.root, running._meta_digests)
        held = {rel: state.signature for rel, state in running._files.items()}
        stale = sorted(
            rel
            for rel, signature in held.items()
            if rel not in files or cached_signature(files[rel]) != signature
        )
        extra = sorted(set(files) - set(held))
        if stale or extra:
            self.fail("cache", f"shards lack or hold stale entries of {stale}; hold {extra}")

    def reference(self, cold: Store) -> tuple[Store, tuple[Problem, ...]]:
        """Return what running should equal, and the problems it should report: a cold load,
        or, while sections.yaml or authors.yaml has errors of its own, a cold load of a
        copy with the last good version of that file, reporting the file's own problems."""
        own: dict[str, tuple[list[Problem], list[Problem]]] = {}
        for name, loader in (("sections.yaml", load_sections), ("authors.yaml", load_authors)):
            text = (self.root / name).read_text(encoding="utf-8")
            problems = loader(self.root, text)[1]
            if any(p.severity == "error" for p in problems):
                own[name] = (loader(self.root, self.meta_good[name])[1], problems)
            else:
                self.meta_good[name] = text
        if not own:
            return cold, tuple(cold.problems)
        copy = self.tmp / "reference"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(self.root, copy)
        for name in own:
            (copy / name).write_text(self.meta_good[name], encoding="utf-8")
        store = Store(copy, settle=0, use_cache=False, workers=1)
        store.refresh()
        # The broken file reports its own problems alone: what articles name that its last
        # good version lacks waits for its fix (Store._rebuild), so the copy's notes about
        # missing entries in it are left out with the last good version's problems.
        problems = [p for p in store.problems if p.path not in own]
        problems += [p for _, actual in own.values() for p in actual]
        return store, tuple(sorted(problems))

    def same(self, name: str, reference: Store, other: Store) -> None:
        a, b = reference.catalog, other.catalog
        left, right = by_path(reference), by_path(other)
        for path in sorted(set(left) | set(right)):
            want, got = left.get(path), right.get(path)
            if want != got:
                self.fail(name, f"{name} at {path}: {article_diff(want, got)}")
        if a.articles != b.articles:
            self.fail(name, f"{name}: the same articles in another order")
        if a.problems != b.problems:
            self.fail(name, f"{name} problems: {problems_diff(a.problems, b.problems)}")
        if a.version != b.version:
            self.fail(name, f"{name} version {b.version} != {a.version}")
        records = (a.site, dict(a.sections), dict(a.authors))
        if records != (b.site, dict(b.sections), dict(b.authors)):
            self.fail(
                name,
                f"{name} site/sections/authors differ: sections {sorted(b.sections)} vs "
                f"{sorted(a.sections)}, authors {sorted(b.authors)} vs {sorted(a.authors)}",
            )

    def check_cli(self, cold: Store) -> None:
        runner = CliRunner()
        args = ["check", "--data", str(self.root), "--format", "json"]
        results = []
        for label, cache_dir in (
            ("cache on, first run", str(self.cli_cache)),
            ("cache on, second run", str(self.cli_cache)),
            ("cache off", "off"),
        ):
            result = runner.invoke(main, args, env={"FEEDS_CACHE_DIR": cache_dir})
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                self.fail("cli", f"{label}: {result.exception!r}\n{result.output[-2000:]}")
            results.append((label, result.exit_code, result.stdout))
        _, code, reference = results[-1]
        for label, exit_code, output in results[:-1]:
            if (exit_code, output) != (code, reference):
                mine, theirs = json.loads(output), json.loads(reference)
                self.fail(
                    "cli",
                    f"feeds check, {label}: exit {exit_code} (cache off: {code}); "
                    + "; ".join(
                        f"{key}: {short(mine.get(key), 400)} (cache off: "
                        f"{short(theirs.get(key), 400)})"
                        for key in sorted(set(mine) | set(theirs))
                        if mine.get(key) != theirs.get(key)
                    ),
                )
        listed = [
            Problem(path=p["path"], line=p["line"], message=p["message"], severity=p["severity"])
            for p in json.loads(reference)["problems"]
        ]
        # What follows from a broken sections.yaml or authors.yaml is said once (checkreport).
        expected = report_problems(cold.problems)
        if len(expected) < len(cold.problems):
            SEEN["feeds check saying once what a broken meta file left unchecked"] = (
                SEEN.get("feeds check saying once what a broken meta file left unchecked", 0) + 1
            )
        if listed != expected:
            self.fail("cli", f"feeds check != cold: {problems_diff(expected, listed)}")


def test_every_path_tells_one_truth(capsys) -> None:
    """Whatever editors do, every way of loading the data agrees (see the module docstring)."""
    before = dict(TALLY)
    try:
        run_state_machine_as_test(Editors, settings=SETTINGS)
    finally:
        if LONG_RUN:
            with capsys.disabled():
                print(
                    f"\ntest_differential: {TALLY['sequences'] - before['sequences']} sequences, "
                    f"{TALLY['steps'] - before['steps']} steps checked "
                    f"({TALLY['forked'] - before['forked']} with a forked load); steps with "
                    + ", ".join(f"{what}: {count}" for what, count in SEEN.items())
                )


class Draws:
    """Stands in for hypothesis's data object: hands out the values a replay names."""

    def __init__(self, values: Iterable[object]) -> None:
        self.values = list(values)

    def draw(self, strategy: object, label: str | None = None) -> object:
        return self.values.pop(0)


# Sequences the long runs once found wrong, replayed on every run. Each step is a rule and
# the values it draws, in the order it draws them.
REPLAYS = {
    "a stand-in returns when the newcomer that took its place is deleted": [
        ("edit_meta", ["sections.yaml", "remove", 1]),  # politics: bravo, foxtrot stand in
        ("delete_article", ["articles/desk/foxtrot.yaml"]),
        ("add_article", ["articles/desk/bravo.yaml", *[TITLES[0], "war", ["ann-lee"], PAST[0]],
                         BODIES[1], [], False, False]),  # takes bravo's slug from its stand-in
        ("delete_article", ["articles/desk/bravo.yaml"]),
    ],
    "a stand-in returns after its section was renamed while it stood aside": [
        ("move_article", ["articles/hotel.yaml", "articles/2026/02/foxtrot.yaml"]),  # a draft
        ("edit_article", ["articles/desk/foxtrot.yaml", "draft", True]),
        ("break_article", ["articles/2026/02/foxtrot.yaml", "date"]),
        ("edit_meta", ["sections.yaml", "rename", 0, "business"]),  # war -> business
        ("move_article", ["articles/desk/foxtrot.yaml", "articles/2026/02/golf.yaml"]),
    ],
}  # fmt: skip


@pytest.mark.parametrize("steps", REPLAYS.values(), ids=REPLAYS.keys())
def test_a_sequence_once_wrong(steps) -> None:
    machine = Editors()
    try:
        machine.one_truth()
        for rule, values in steps:
            getattr(machine, rule)(Draws(values))
            machine.one_truth()
    finally:
        machine.teardown()
