"""The meta files to records: site.yaml (checked against the settings table), sections.yaml
and authors.yaml, every problem at its line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaml.nodes import SequenceNode

from feeds.fields import (
    SEQ_TAG,
    Fields,
    as_bool,
    as_int,
    as_text_list,
    as_url,
    as_url_list,
    line_of,
)
from feeds.model import Author, Problem, Section, Site
from feeds.settings import SITE_SETTINGS, Setting
from feeds.text import slugify
from feeds.yamlread import DEFAULT_MAX_FILE_BYTES, DataError, load_node

SITE_FILE = "site.yaml"
SECTIONS_FILE = "sections.yaml"
AUTHORS_FILE = "authors.yaml"

SITE_FIELDS = tuple(setting.name for setting in SITE_SETTINGS)
# What to add when a required field is missing, by file and field.
SITE_EXAMPLES = {
    "title": "a line like title: The Kyiv Ledger (the publication's name)",
    "url": "a line like url: https://news.example.org (the public address of the site)",
}
SECTION_EXAMPLES = {"title": "a line like title: War (the name readers see) to this entry"}
AUTHOR_EXAMPLES = {"name": "a line like name: Olena Marchuk (as readers see it) to this entry"}
# RFC 4151 taggingEntity authorities: a DNS name or an email address.
_AUTHORITY = re.compile(
    r"(?:[^@\s]+@)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class SiteConfig:
    """site.yaml as read: the Site plus settings the loader itself needs."""

    site: Site
    zone: ZoneInfo
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


def _text(f: Fields, setting: Setting, values: dict[str, Any]) -> str | None:
    return f.text(setting.name, required=setting.required) or setting.default


def _url(f: Fields, setting: Setting, values: dict[str, Any]) -> str | None:
    return f.get(setting.name, as_url, required=setting.required)


def _urls(f: Fields, setting: Setting, values: dict[str, Any]) -> tuple[str, ...]:
    return tuple(url for url, _ in f.get(setting.name, as_url_list) or [])


def _number(f: Fields, setting: Setting, values: dict[str, Any]) -> int | None:
    value = f.get(setting.name, as_int)
    if value is None:
        return setting.default
    if setting.minimum is not None and value < setting.minimum:
        f.problem(f.key_line(setting.name), f"'{setting.name}' must be {setting.minimum} or more")
        return setting.default
    return value


def _flag(f: Fields, setting: Setting, values: dict[str, Any]) -> bool:
    value = f.get(setting.name, as_bool)
    return setting.default if value is None else value


def _timezone(f: Fields, setting: Setting, values: dict[str, Any]) -> str:
    name = f.text(setting.name) or setting.default
    if _zone(name) is None:
        f.problem(
            f.key_line(setting.name),
            f"unknown timezone {name!r}; use an IANA name like Europe/Kyiv or UTC",
        )
    return name


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _id_authority(f: Fields, setting: Setting, values: dict[str, Any]) -> str:
    """Return site.yaml's `id_authority`, or warn that ids follow the url's host.

    Article ids are tag URIs minted by this authority (RFC 4151). An id must never change
    (RFC 4287 4.2.6): readers would show every article again. Derived from `url`, they
    would all change the day the site moves to another domain, so the authority is pinned
    in site.yaml, and until it is, every check says how.
    """
    url = values.get("url")
    host = Site(title="", url=url).host if url else ""
    written = f.text(setting.name)
    if written is not None:
        written = written.lower()  # RFC 4151: compared case-insensitively, written lower
    if written is None:
        if host:
            f.problem(
                f.line,
                f"article ids are minted from the host of 'url' ({host}) and would all change "
                f"if the site moved; pin them with the line  id_authority: {host}",
                severity="warning",
            )
        return ""
    if not _AUTHORITY.fullmatch(written):
        f.problem(
            f.key_line("id_authority"),
            f"'id_authority' {written!r} must be a domain name (like {host or 'example.org'}) "
            "or an email address that the publication owned when it first published",
        )
        return ""
    return written


def _partners(f: Fields, setting: Setting, values: dict[str, Any]) -> tuple:
    from feeds.partners.config import read_partners  # the platforms' own table and rules

    return read_partners(f, setting.name)


# How each kind of site.yaml setting is read; every one reads its field whatever the
# others hold, so that every problem is reported at once.
_SITE_READERS: dict[str, Callable[[Fields, Setting, dict[str, Any]], Any]] = {
    "text": _text,
    "url": _url,
    "urls": _urls,
    "number": _number,
    "timezone": _timezone,
    "authority": _id_authority,
    "flag": _flag,
    "partners": _partners,
}


def load_site(root: Path, text: str | None = None) -> tuple[SiteConfig | None, list[Problem]]:
    """Read site.yaml (or its text, when the caller has read it)."""
    problems: list[Problem] = []
    try:
        node = load_node(root / SITE_FILE, SITE_FILE, text, SITE_FIELDS, problems)
    except DataError as error:
        return None, [Problem(path=SITE_FILE, line=error.line, message=error.message)]
    f = Fields(node, SITE_FILE, problems, "site.yaml", SITE_EXAMPLES)
    f.check_known(SITE_FIELDS)
    values: dict[str, Any] = {}
    for setting in SITE_SETTINGS:
        values[setting.name] = _SITE_READERS[setting.kind](f, setting, values)
    title, url = values["title"], values["url"]
    if any(p.severity == "error" for p in problems) or title is None or url is None:
        return None, problems
    max_file_bytes = values.pop("max_file_bytes")
    values["url"] = url.rstrip("/")
    values["description"] = values["description"] or title
    if values["archive_size"] is None:
        values["archive_size"] = values["items_per_feed"]
    zone = _zone(values["timezone"])
    if zone is None:  # reported above
        raise ValueError(f"unknown timezone {values['timezone']!r} passed unreported")
    return SiteConfig(site=Site(**values), zone=zone, max_file_bytes=max_file_bytes), problems


# The fields of sections.yaml and authors.yaml entries: the known ones, and the names a
# YAML slip is explained with (a field missing its colon).
SECTION_FIELDS = ("slug", "title", "description", "formerly")
AUTHOR_FIELDS = ("slug", "name", "role", "bio", "email", "url", "image", "formerly")


def _load_list(
    root: Path,
    rel: str,
    problems: list[Problem],
    text: str | None,
    fields: tuple[str, ...],
    examples: dict[str, str],
) -> Iterator[Fields]:
    """Yield each entry of a YAML list file as Fields, its unknown fields reported."""
    try:
        node = load_node(root / rel, rel, text, fields, problems)
    except DataError as error:
        problems.append(Problem(path=rel, line=error.line, message=error.message))
        return
    if not isinstance(node, SequenceNode) or node.tag != SEQ_TAG:
        problems.append(
            Problem(
                path=rel,
                line=line_of(node),
                message=f"{rel} must be a list of entries (- slug: ...)",
            )
        )
        return
    for item in node.value:
        f = Fields(item, rel, problems, "each entry", examples)
        f.check_known(fields)
        yield f


def _slug_for(f: Fields, fallback_field: str) -> str | None:
    given = f.text("slug")
    if given is not None:
        if slugify(given) != given:
            f.problem(
                f.key_line("slug"),
                f"slug {given!r} must be lower-case words joined by hyphens, "
                f"like {slugify(given)!r}",
            )
            return None
        return given
    fallback = f.text(fallback_field)
    return slugify(fallback) if fallback else None


def _check_unique(f: Fields, slug: str, seen: dict[str, int], kind: str) -> bool:
    if slug in seen:
        f.problem(f.key_line("slug"), f"{kind} slug '{slug}' is already used on line {seen[slug]}")
        return False
    seen[slug] = f.key_line("slug")
    return True


def _formerly(f: Fields, slug: str, kind: str) -> tuple[str, ...]:
    """Return the slugs an entry had before a rename (`formerly: [old-slug, ...]`)."""
    written = f.get("formerly", as_text_list) or []
    old: list[str] = []
    for value, line in written:
        if slugify(value) != value:
            f.problem(
                line,
                f"'formerly' slug {value!r} must be lower-case words joined by hyphens, "
                f"like {slugify(value)!r}",
            )
        elif value == slug:
            f.problem(line, f"'formerly' lists '{value}', the {kind}'s own slug; remove it")
        elif value not in old:
            old.append(value)
    return tuple(old)


def _check_renames(
    entries: Iterable[Section | Author], kind: str, lines: dict[str, int], rel: str
) -> list[Problem]:
    """Report an old slug (`formerly`) that is another entry's slug or another's old slug:
    its URLs could not redirect to both."""
    problems: list[Problem] = []
    current = {entry.slug for entry in entries}
    claimed: dict[str, str] = {}
    for entry in entries:
        for old in entry.formerly:
            if old in current:
                message = f"'formerly' lists '{old}', which is the slug of another {kind}"
            elif old in claimed:
                message = f"'formerly' lists '{old}', which {kind} '{claimed[old]}' lists too"
            else:
                claimed[old] = entry.slug
                continue
            problems.append(Problem(path=rel, line=lines[entry.slug], message=message))
    return problems


def load_sections(root: Path, text: str | None = None) -> tuple[tuple[Section, ...], list[Problem]]:
    """Read sections.yaml (or its text, when the caller has read it)."""
    problems: list[Problem] = []
    sections: list[Section] = []
    seen: dict[str, int] = {}
    for f in _load_list(root, SECTIONS_FILE, problems, text, SECTION_FIELDS, SECTION_EXAMPLES):
        title = f.text("title", required=True)
        slug = _slug_for(f, "title")
        if title and slug and _check_unique(f, slug, seen, "section"):
            sections.append(
                Section(
                    slug=slug,
                    title=title,
                    description=f.text("description") or "",
                    formerly=_formerly(f, slug, "section"),
                    line=f.line,
                )
            )
    problems += _check_renames(sections, "section", seen, SECTIONS_FILE)
    return tuple(sections), problems


def load_authors(root: Path, text: str | None = None) -> tuple[tuple[Author, ...], list[Problem]]:
    """Read authors.yaml (or its text, when the caller has read it)."""
    problems: list[Problem] = []
    authors: list[Author] = []
    seen: dict[str, int] = {}
    for f in _load_list(root, AUTHORS_FILE, problems, text, AUTHOR_FIELDS, AUTHOR_EXAMPLES):
        name = f.text("name", required=True)
        slug = _slug_for(f, "name")
        email = f.text("email")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            f.problem(f.key_line("email"), f"'email' {email!r} is not an email address")
            email = None
        author = Author(
            slug=slug or "",
            name=name or "",
            role=f.text("role") or "",
            bio=f.text("bio", line=False) or "",
            email=email,
            url=f.get("url", as_url),
            image=f.get("image", as_url),
            formerly=_formerly(f, slug, "author") if slug else (),
            line=f.line,
        )
        if name and slug and _check_unique(f, slug, seen, "author"):
            if not author.bio:
                f.problem(f.line, f"author '{slug}' has no bio", severity="warning")
            authors.append(author)
    problems += _check_renames(authors, "author", seen, AUTHORS_FILE)
    return tuple(authors), problems
