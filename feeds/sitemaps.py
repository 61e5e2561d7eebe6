"""Sitemaps for search engines and robots.txt naming them: documents of the whole site.

- /sitemaps/news.xml: the sitemap protocol with Google's news extension, the articles
  published within the last 48 hours (catalog.NEWS_WINDOW), newest first. Past
  NEWS_LIMIT articles it becomes a sitemap index of /sitemaps/news/<n>.xml pages
  (NEWS_LIMIT each, page 1 the newest), as Google asks.
- /sitemaps/articles.xml: every live article's URL with its lastmod (the last
  substantive change). Past URL_LIMIT articles it becomes an index of
  /sitemaps/articles/<n>.xml pages, counted from the oldest so that a full page keeps
  its articles as new ones arrive.
- /robots.txt, when site.yaml's robots_txt is true: both sitemaps' addresses.

Retracted and expired articles are not live, so they leave both. Every document is
described first as plain data (`described`), which the renderer writes out and the
change announcer compares (notify.py): equal data, equal bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from feeds.catalog import EPOCH, NEWS_WINDOW, View
from feeds.feed import Feed
from feeds.model import Article, Site
from feeds.urls import DocumentRef, document_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
SURROGATE_KEY = "sitemaps"
# Google News reads at most 1,000 articles a sitemap; the protocol allows 50,000 URLs.
NEWS_LIMIT = 1_000
URL_LIMIT = 50_000
# The rows of urls.DOCUMENTS this module renders: (the sitemap, its pages) by family.
FAMILIES = {"news": ("news_sitemap", "news_sitemap_part"),
            "articles": ("articles_sitemap", "articles_sitemap_part")}  # fmt: skip
ROBOTS = "robots"
DOCUMENT_NAMES = (*(name for pair in FAMILIES.values() for name in pair), ROBOTS)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Described:
    """One document as data: what it lists, and when it last changed."""

    kind: str  # "urlset", "news", "index" or "robots"
    site: Site
    rows: tuple[tuple, ...]  # (url, lastmod[, title, published]) or (page url, lastmod)
    last_modified: datetime


def _chunks(articles: Sequence[Article], limit: int) -> list[Sequence[Article]]:
    return [articles[i : i + limit] for i in range(0, len(articles), limit)]


def _family(view: View, family: str) -> tuple[list[Sequence[Article]], datetime]:
    """Return a family's pages of articles (one page: no index) and when it last changed:
    its newest lastmod, or the latest moment an article left it (aged out or removed),
    so that Last-Modified moves on whenever the document does."""
    if family == "news":
        articles: Sequence[Article] = view.recent
        pages = _chunks(articles, NEWS_LIMIT)
        older = view.live[len(view.recent) : len(view.recent) + 1]  # the last to age out
        left = [a.published + NEWS_WINDOW for a in older]
    else:
        articles = view.live[::-1]  # oldest first
        pages = _chunks(articles, URL_LIMIT)
        left = []
    left += [a.removed for a in view.gone if a.removed is not None]
    changed = max([*(a.modified for a in articles), *left], default=None)
    return pages or [()], changed or max((a.modified for a in view.live), default=EPOCH)


def described(view: View, ref: DocumentRef) -> Described | None:
    """Return a site-wide document of this module as data, or None where there is none."""
    site = view.catalog.site
    if ref.document == ROBOTS:
        if not site.robots_txt:
            return None
        urls = tuple((document_url(site, DocumentRef(pair[0])),) for pair in FAMILIES.values())
        return Described(kind="robots", site=site, rows=urls, last_modified=EPOCH)
    family = next(name for name, pair in FAMILIES.items() if ref.document in pair)
    sitemap, paged = FAMILIES[family]
    pages, changed = _family(view, family)
    if ref.document == sitemap and len(pages) > 1:
        rows = tuple(
            (document_url(site, DocumentRef(paged, page=n)), _newest(articles))
            for n, articles in enumerate(pages, start=1)
        )
        return Described(kind="index", site=site, rows=rows, last_modified=changed)
    if ref.document == sitemap:
        articles = pages[0]
    elif len(pages) > 1 and 1 <= ref.page <= len(pages):
        articles = pages[ref.page - 1]
    else:
        return None  # a page of a sitemap that has none
    if family == "news":
        rows = tuple((a.url, a.modified, a.title, a.published) for a in articles)
        return Described(kind="news", site=site, rows=rows, last_modified=changed)
    rows = tuple((a.url, a.modified) for a in articles)
    return Described(kind="urlset", site=site, rows=rows, last_modified=changed)


def _newest(articles: Sequence[Article]) -> datetime:
    return max(a.modified for a in articles)


def presented(view: View, ref: DocumentRef) -> Feed | None:
    """Return the feed a document of this module presents, or None where there is none.

    The site feed, with its next change cut short for the news sitemap by the moment its
    oldest article ages out: Cache-Control never outlives the document.
    """
    if described(view, ref) is None:
        return None
    feed = view.feed("site", "")
    if feed is None:
        return None
    if ref.document in FAMILIES["news"] and view.recent:
        ages_out = view.recent[-1].published + NEWS_WINDOW
        if feed.next_change is None or ages_out < feed.next_change:
            return dataclasses.replace(feed, next_change=ages_out)
    return feed


def content_keys(view: View) -> dict[tuple[str, str, int], Described]:
    """Return every document of this module as data, keyed as notify.snapshot keys feeds."""
    keys: dict[tuple[str, str, int], Described] = {}
    for name in DOCUMENT_NAMES:
        page = 0 if name in (pair[0] for pair in FAMILIES.values()) or name == ROBOTS else 1
        while True:
            data = described(view, DocumentRef(name, page=page))
            if data is None:
                break
            keys[("sitemap", name, page)] = data
            if not page:
                break
            page += 1
    return keys


def render(view: View, ref: DocumentRef) -> tuple[bytes, str, datetime]:
    """Return a document's bytes, content type and Last-Modified."""
    data = described(view, ref)
    if data is None:
        raise LookupError(f"{ref.path} is not a document of this site")
    if data.kind == "robots":
        return _robots(data), TEXT, data.last_modified
    return _xml(data), XML, data.last_modified


def _robots(data: Described) -> bytes:
    lines = [
        f"# {data.site.title}: the sitemaps search engines read (robots_txt in site.yaml)",
        "User-agent: *",
        "Allow: /",
        "",
        *(f"Sitemap: {url}" for (url,) in data.rows),
    ]
    return ("\n".join(lines) + "\n").encode()


def news_language(language: str) -> str:
    """Return a language as Google News has it: ISO 639 (2 or 3 letters), or zh-cn/zh-tw."""
    tag = language.lower().replace("_", "-")
    primary = tag.split("-", 1)[0]
    if primary == "zh":
        traditional = any(part in ("hant", "tw", "hk", "mo") for part in tag.split("-")[1:])
        return "zh-tw" if traditional else "zh-cn"
    return primary


def _xml(data: Described) -> bytes:
    if data.kind == "index":
        root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
        for loc, lastmod in data.rows:
            entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
            etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = loc
            etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = lastmod.isoformat()
        return _bytes(root)
    nsmap = {None: SITEMAP_NS, **({"news": NEWS_NS} if data.kind == "news" else {})}
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap=nsmap)
    for row in data.rows:
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = row[0]
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = row[1].isoformat()
        if data.kind == "news":
            _news(url, data.site, title=row[2], published=row[3])
    return _bytes(root)


def _news(parent: etree._Element, site: Site, *, title: str, published: datetime) -> None:
    news = etree.SubElement(parent, f"{{{NEWS_NS}}}news")
    publication = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
    etree.SubElement(publication, f"{{{NEWS_NS}}}name").text = site.title
    etree.SubElement(publication, f"{{{NEWS_NS}}}language").text = news_language(site.language)
    etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = published.isoformat()
    etree.SubElement(news, f"{{{NEWS_NS}}}title").text = title


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
