"""A RawArticle resolved against the site, sections and authors into an Article, every
problem reported at the line of the field it concerns."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from feeds.body import Body
from feeds.bodycheck import body_warnings
from feeds.context import Context, resolve
from feeds.dates import parse_datetime
from feeds.fields import suggest
from feeds.load import RawArticle
from feeds.model import Article, Correction, Problem, Retraction, Site
from feeds.scaffold import holds_placeholder
from feeds.text import SUMMARY_LIMIT, file_slug, slugify, tag_slug

# A correction note written at the top of the body: "Correction:", "**Correction (Feb. 11):**",
# "_Clarification, Feb. 11:_". Not "Corrections officers said:".
_CORRECTION_NOTE = re.compile(
    r"[\s*_#>]*(?:correction|clarification)s?\s*(?:\([^)\n]*\)|,[^:\n]{0,40})?\s*[*_]*\s*:",
    re.IGNORECASE,
)


class _Report:
    """The problems found while building one article, each at its field's line."""

    def __init__(self, raw: RawArticle):
        self.raw = raw
        self.problems: list[Problem] = []

    def at(self, name: str, message: str, severity: str = "error") -> None:
        self.at_line(self.raw.line(name), message, severity)

    def at_line(self, line: int, message: str, severity: str = "error") -> None:
        self.problems.append(
            Problem(path=self.raw.path, line=line, message=message, severity=severity)
        )

    @property
    def errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def build_article(raw: RawArticle, ctx: Context) -> tuple[Article | None, list[Problem]]:
    """Resolve a RawArticle against the site, sections and authors into an Article.

    Every step reports what it finds wrong before any decides, so that an editor sees
    every problem of the file at once.
    """
    v = raw.values
    report = _Report(raw)
    section = _section(raw, ctx, report)
    authors = _authors(raw, ctx, report)
    published, updated = _dates(raw, ctx, report)
    corrections = _corrections(raw, ctx, published, report)
    retraction, expires = _removal(raw, ctx, published, report)
    slug = _slug(raw, report)
    if not v["draft"] and holds_placeholder(v["body"]):
        report.at(
            "body",
            "the body is still the placeholder from feeds new; write the story or set draft: true",
        )
    given_id = _given_id(raw, report)
    if report.errors or not (section and authors and published):
        return None, report.problems

    article_id = given_id or _minted_id(ctx.config.site, published, slug)
    url = v["url"] or f"{ctx.config.site.url}/{quote(section, safe='')}/{quote(slug, safe='')}"
    _warn_summary(raw, report)
    tags = _tags(raw, report)
    _warn_body(raw, url, report)
    if corrections and corrections[-1].date > (updated or published):
        updated = corrections[-1].date  # a correction is a substantive change
    article = Article(
        path=raw.path,
        slug=slug,
        id=article_id,
        url=url,
        title=v["title"],
        subtitle=v["subtitle"] or "",
        section=section,
        authors=authors,
        published=published,
        updated=updated,
        tags=tuple(tags.values()),
        tag_slugs=tuple(tags),
        given_summary=v["summary"] or "",
        body=Body(v["body"], url),
        image=v["image"],
        draft=v["draft"],
        corrections=corrections,
        retraction=retraction,
        expires=expires,
    )
    return article, report.problems


def unresolved(raw: RawArticle, ctx: Context) -> list[tuple[str, str]]:
    """Return (kind, slug) for each section or author an article names that ctx lacks."""
    missing: list[tuple[str, str]] = []
    section = raw.values.get("section")
    if section and resolve(section, ctx.section_keys) is None:
        missing.append(("section", slugify(section) or section))
    for name, _ in raw.values.get("authors") or []:
        if resolve(name, ctx.author_keys) is None:
            missing.append(("author", slugify(name) or name))
    return missing


# What an article file names that the context resolves: its section and its authors, as
# written. Kept (shared between files) once the raw reading is let go, so that a meta edit
# can tell which built articles it leaves as they were (resolves_alike).
Written = tuple[str, tuple[str, ...]]
_written: dict[Written, Written] = {}


def written_names(raw: RawArticle) -> Written:
    """Return the section and author names an article file writes, shared with every file
    that writes the same (a few dozen distinct ones among thousands of files)."""
    names = (raw.values.get("section") or "", tuple(n for n, _ in raw.values.get("authors") or ()))
    return _written.setdefault(names, names)


def resolves_alike(written: Written, article: Article, ctx: Context) -> bool:
    """Return whether an article built in another context names the same section and
    authors in `ctx`: then building it again in `ctx` would give the same article and the
    same problems, provided the site's resolution_key is unchanged too (see build_article:
    nothing else it reads from the context reaches a built article)."""
    section, names = written
    if resolve(section, ctx.section_keys) != article.section:
        return False
    authors: list[str] = []
    for name in names:
        slug = resolve(name, ctx.author_keys)
        if slug is None:
            return False
        if slug not in authors:
            authors.append(slug)
    return tuple(authors) == article.authors


def _section(raw: RawArticle, ctx: Context, report: _Report) -> str | None:
    """Return the slug of the article's section, or report it unknown."""
    written = raw.values["section"]
    section = resolve(written, ctx.section_keys)
    if section is None:
        known = [s.slug for s in ctx.sections]
        report.at(
            "section",
            f"unknown section {written!r}{suggest(written, known)} "
            f"(sections: {', '.join(known) or 'none'})",
        )
    return section


def _authors(raw: RawArticle, ctx: Context, report: _Report) -> tuple[str, ...]:
    """Return the slugs of the article's authors, once each; report each one unknown."""
    authors: list[str] = []
    for name, line in raw.values.get("authors") or []:
        slug = resolve(name, ctx.author_keys)
        if slug is None:
            choices = [a.slug for a in ctx.authors] + [a.name for a in ctx.authors]
            report.at_line(
                line, f"unknown author {name!r}{suggest(name, choices)}; add them to authors.yaml"
            )
        elif slug not in authors:
            authors.append(slug)
    return tuple(authors)


def _dates(
    raw: RawArticle, ctx: Context, report: _Report
) -> tuple[datetime | None, datetime | None]:
    """Return published and updated (None when it says nothing published does not)."""
    dates: dict[str, datetime | None] = {}
    for name in ("published", "updated"):
        dates[name] = None
        if raw.values.get(name):
            try:
                dates[name] = parse_datetime(raw.values[name], ctx.config.zone)
            except ValueError as error:
                report.at(name, f"'{name}': {error}")
    published, updated = dates["published"], dates["updated"]
    if published and updated and updated < published:
        report.at("updated", "'updated' is earlier than 'published'; it must be the same or later")
    if published and updated == published:
        updated = None
    return published, updated


def _corrections(
    raw: RawArticle, ctx: Context, published: datetime | None, report: _Report
) -> tuple[Correction, ...]:
    """Return an article's corrections, oldest first; report bad dates at their lines."""
    corrections: list[Correction] = []
    for written, line, text in raw.values.get("corrections") or ():
        try:
            moment = parse_datetime(written, ctx.config.zone)
        except ValueError as error:
            report.at_line(line, f"correction 'date': {error}")
            continue
        if published and moment < published:
            report.at_line(
                line,
                f"correction 'date' {written!r} is earlier than 'published'; a "
                "correction is made after the article is out",
            )
            continue
        corrections.append(Correction(date=moment, text=text))
    return tuple(sorted(corrections, key=lambda correction: correction.date))


def _removal(
    raw: RawArticle, ctx: Context, published: datetime | None, report: _Report
) -> tuple[Retraction | None, datetime | None]:
    """Return the article's retraction and expiry; report dates that cannot be read or
    that come before it is published (it would never be out)."""
    retraction = expires = None
    written = raw.values.get("retraction")
    if written:
        when, line, reason = written
        try:
            moment = parse_datetime(when, ctx.config.zone)
        except ValueError as error:
            report.at_line(line, f"retraction 'date': {error}")
        else:
            if published and moment <= published:
                report.at_line(
                    line,
                    f"retraction 'date' {when!r} is not after 'published'; an article is "
                    "retracted after it is out (to keep one from going out, set draft: true)",
                )
            else:
                retraction = Retraction(date=moment, reason=reason)
    if raw.values.get("expires"):
        try:
            expires = parse_datetime(raw.values["expires"], ctx.config.zone)
        except ValueError as error:
            report.at("expires", f"'expires': {error}")
        else:
            if published and expires <= published:
                report.at(
                    "expires",
                    "'expires' is not after 'published'; it is when the article must "
                    "leave the feeds, so it comes after it is out",
                )
                expires = None
    return retraction, expires


def _slug(raw: RawArticle, report: _Report) -> str:
    """Return the article's slug: given, or from the file name."""
    given = raw.values["slug"]
    slug = given or file_slug(raw.path)
    if given and slugify(given) != given:
        report.at(
            "slug",
            f"slug {given!r} must be lower-case words joined by hyphens, like {slugify(given)!r}",
        )
    if not slug:
        report.at("slug", "the file name gives no usable slug; add a 'slug' field")
    return slug


def _given_id(raw: RawArticle, report: _Report) -> str | None:
    """Return the id the editor gave, if any, reporting one that is not a URI."""
    given = raw.values["id"]
    if given and not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", given):
        report.at("id", f"'id' {given!r} must be a URI, like tag:example.org,2026-02-10:my-story")
    return given


def _minted_id(site: Site, published: datetime, slug: str) -> str:
    """Return the id of an article that gives none.

    An RFC 4151 tag URI: who minted it, when, and what. Nothing an editor revises (title,
    section, body, authors) goes in, so readers never see it twice. Slugs may be Cyrillic:
    ids and URLs carry them percent-encoded (RFC 3986).
    """
    return f"tag:{site.tag_authority},{published.date().isoformat()}:{quote(slug, safe='')}"


def _warn_summary(raw: RawArticle, report: _Report) -> None:
    summary = raw.values["summary"]
    if summary and len(summary) > SUMMARY_LIMIT:
        report.at(
            "summary",
            f"summary is {len(summary)} characters; readers show about {SUMMARY_LIMIT}",
            severity="warning",
        )


def _tags(raw: RawArticle, report: _Report) -> dict[str, str]:
    """Return the article's tags by slug, the first spelling of each; warn of unnamable ones."""
    tags: dict[str, str] = {}
    for tag, line in raw.values["tags"]:
        key = tag_slug(tag)
        if not key:
            report.at_line(
                line,
                f"tag {tag!r} has nothing to name its web address after, so it "
                "is left out; write it in words",
                severity="warning",
            )
        elif key not in tags:
            tags[key] = tag
    return tags


def _warn_body(raw: RawArticle, url: str, report: _Report) -> None:
    """Warn of what the sanitizer removes, a missing image and a correction in the body."""
    v = raw.values
    for message in body_warnings(v["body"], url):
        report.at("body", message, severity="warning")
    if v["image"] is None and not v["draft"]:
        report.at("title", "article has no image; readers show a blank card", severity="warning")
    if _CORRECTION_NOTE.match(v["body"]):
        report.at(
            "body",
            "the body starts with a correction note; move it to a 'corrections' entry (date "
            "and text), which readers see marked after the article, and the summary is not "
            "taken from it",
            severity="warning",
        )
