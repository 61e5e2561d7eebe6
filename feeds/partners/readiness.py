"""Which articles each platform the site feeds would reject or show badly, and why.

A report of the files alone: every article that is not a draft (published or scheduled,
so that an editor hears of a story before it goes out), checked against the rules in
platforms.PLATFORMS. Findings are warnings, never errors: a story may be fine for
readers and still not qualify for a platform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import lxml.html

from feeds.meta import SITE_FILE
from feeds.model import Article, Problem, Site
from feeds.partners.platforms import PLATFORMS, SHORT_BODY, Platform


@dataclass(frozen=True, kw_only=True, slots=True, order=True)
class Finding:
    """One reason a platform would reject an article, or show it badly."""

    platform: str  # a name in PLATFORMS
    path: str  # the article's file (site.yaml for the feed as a whole)
    field: str  # what it is about, for the line: image, title, body or partners
    title: str  # the article's headline ("" for the feed as a whole)
    message: str  # plain words: what is wrong, and what would be right

    def problem(self, line: int) -> Problem:
        """Return the finding as a warning at a line of its file."""
        label = PLATFORMS[self.platform].label
        return Problem(
            path=self.path, line=line, message=f"{label}: {self.message}", severity="warning"
        )


def body_length(article: Article) -> int:
    """Return how many characters of text the body has, without its markup."""
    text = lxml.html.fromstring(f"<div>{article.body_html}</div>").text_content()
    return len(" ".join(text.split()))


def _image(platform: Platform, article: Article) -> Iterable[tuple[str, str]]:
    # The platform's name leads each message (Finding.problem, the page's heading).
    image, label, least = article.image, "it", platform.min_width
    if image is None:
        yield "image", f"no picture; {label} shows stories with one ({least} px wide or more)"
        return
    if image.width is None:
        yield (
            "image",
            (
                f"the picture's size is not given; {label} needs it {least} px wide or more: "
                "add 'width:' and 'height:' in pixels under 'image'"
            ),
        )
    elif image.width < least:
        yield (
            "image",
            (
                f"the picture is {image.width} px wide; {label} needs {least} px or more: "
                "use a larger one"
            ),
        )
    if platform.credit and not image.credit:
        yield "image", f"the picture has no credit; {label} shows one: add 'credit:' under 'image'"


def _text(platform: Platform, article: Article, length: int) -> Iterable[tuple[str, str]]:
    label = "it"
    if platform.title_max is not None and len(article.title) > platform.title_max:
        yield (
            "title",
            (
                f"the title has {len(article.title)} characters; {label} shows "
                f"{platform.title_max}, so it would be cut: shorten it"
            ),
        )
    if platform.full_text and length < SHORT_BODY:
        yield (
            "body",
            (
                f"the body has {length} characters of text, which {label} takes for a "
                f"summary; it wants the full story ({SHORT_BODY} characters or more)"
            ),
        )


def assess(site: Site, articles: Sequence[Article]) -> dict[str, list[Finding]]:
    """Return, for each platform the site feeds, what it would reject or show badly.

    `articles` are the catalog's, drafts included (they are left out here).
    """
    candidates = [a for a in articles if not a.draft]
    report: dict[str, list[Finding]] = {}
    lengths: dict[str, int] = {}  # the body's text length, measured once per article
    for partner in site.partners:
        platform = PLATFORMS[partner.platform]
        findings: list[Finding] = []
        if len(candidates) < platform.min_items:
            findings.append(
                Finding(
                    platform=platform.name,
                    path=SITE_FILE,
                    field="partners",
                    title="",
                    message=f"it wants at least {platform.min_items} items in a "
                    f"feed, and the site has {len(candidates)} articles published or scheduled",
                )
            )
        for article in candidates:
            reasons = list(_image(platform, article))
            if article.path not in lengths:
                lengths[article.path] = body_length(article)
            reasons += _text(platform, article, lengths[article.path])
            findings += [
                Finding(
                    platform=platform.name,
                    path=article.path,
                    field=field,
                    title=article.title,
                    message=message,
                )
                for field, message in reasons
            ]
        report[platform.name] = findings
    return report


def report_problems(
    report: dict[str, list[Finding]], line_of: Callable[[Finding], int]
) -> list[Problem]:
    """Return every finding as a warning at its line, sorted by file and line."""
    return sorted(f.problem(line_of(f)) for findings in report.values() for f in findings)


def site_line(text: str, name: str) -> int:
    """Return the line of a top-level field in site.yaml's text (1 if it is not there)."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{name}:") or line.startswith(f"{name} :"):
            return number
    return 1
