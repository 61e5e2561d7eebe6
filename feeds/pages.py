"""HTML pages and the OPML list: pure functions from a View to bytes, like render.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from lxml import etree
from markupsafe import Markup, escape

from feeds.catalog import View
from feeds.entries import byline, local_time, rfc822
from feeds.feed import Feed
from feeds.render import MEDIA_TYPES
from feeds.urls import DOCUMENTS, FORMATS, DocumentRef, Kind, document_url

FORMAT_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
GROUP_LABELS: dict[Kind, str] = {
    "site": "Everything",
    "section": "Sections",
    "author": "Authors",
    "tag": "Tags",
}
PREVIEW = 10  # entries shown on a section, author or tag page


@dataclass(frozen=True, kw_only=True, slots=True)
class Reader:
    """A feed reader that subscribes from a link: the subscribe page offers each one."""

    name: str
    where: str  # where it runs, for a reader choosing one
    link: Callable[[str], str]  # feed URL -> a link that opens the reader ready to add it


def _query(url: str) -> str:
    return quote(url, safe=":/")  # a URL as a query value: its own %, ? and & escaped


# Popular web readers with free accounts, each taking a feed URL in a link (their own
# "subscribe" buttons' formats). Other readers get the URL to copy.
READERS = (
    Reader(
        name="Feedly",
        where="web, iPhone and Android",
        link=lambda url: f"https://feedly.com/i/subscription/feed/{url}",
    ),
    Reader(
        name="Inoreader",
        where="web, iPhone and Android",
        link=lambda url: f"https://www.inoreader.com/?add_feed={_query(url)}",
    ),
    Reader(
        name="NewsBlur",
        where="web, iPhone and Android",
        link=lambda url: f"https://www.newsblur.com/?url={_query(url)}",
    ),
    Reader(
        name="The Old Reader",
        where="web",
        link=lambda url: f"https://theoldreader.com/feeds/subscribe?url={_query(url)}",
    ),
)

_templates = Environment(
    loader=PackageLoader("feeds", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(moment: datetime, timezone: str) -> Markup:
    """Return a <time> element: the moment in the site's timezone, and exactly, in UTC."""
    exact = moment.isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}">{}</time>').format(exact, local_time(moment, timezone))


def _breakable(url: str) -> Markup:
    """Return a URL, escaped, with a line-break opportunity after each slash of its path."""
    scheme, _, rest = url.rpartition("://")
    prefix = escape(f"{scheme}://") if scheme else Markup()
    return prefix + Markup("/<wbr>").join(rest.split("/"))  # join escapes each part


_templates.filters["when"] = _when
_templates.filters["breakable"] = _breakable


def _path(document: str, feed: Feed | None = None) -> str:
    """Return the URL path of a page or site-wide document: of the site, or of a feed."""
    if feed is None:
        return DocumentRef(document).path
    return DocumentRef(document, feed.kind, feed.slug).path


_templates.globals.update(
    FORMAT_LABELS=FORMAT_LABELS, MEDIA_TYPES=MEDIA_TYPES, FORMATS=FORMATS, path=_path
)


def entry_count(view: View, feed: Feed) -> int:
    """Return how many live articles a feed has in all, archives included."""
    return len(view.articles(feed.kind, feed.slug))


def _render(template: str, **context) -> bytes:
    return _templates.get_template(template).render(**context).encode("utf-8")


def render_index(view: View) -> bytes:
    """Return the page that lists every feed, grouped, with autodiscovery for the site feeds."""
    groups = [
        (GROUP_LABELS[kind], [(f, entry_count(view, f)) for f in view.feeds() if f.kind == kind])
        for kind in GROUP_LABELS
    ]
    site_feed = view.feed("site")
    return _render("index.html", site=view.catalog.site, feed=site_feed, groups=groups)


def render_feed_page(view: View, feed: Feed) -> bytes:
    """Return a section, author or tag page: its latest entries and how to subscribe."""
    kind, slug = feed.kind, feed.slug
    if kind == "site":
        raise ValueError("the site feed's page is the index: use render_index")
    author = view.catalog.authors[slug] if kind == "author" else None
    section = view.catalog.sections[slug] if kind == "section" else None
    return _render(
        "feed_page.html",
        site=view.catalog.site,
        feed=feed,
        kind=kind,
        author=author,
        section=section,
        entries=[
            (article, byline(view.catalog.authors[a].name for a in article.authors))
            for article in feed.entries[:PREVIEW]
        ],
        total=entry_count(view, feed),
    )


def render_subscribe_page(feed: Feed) -> bytes:
    """Return the page that explains feeds in plain words and subscribes in one click."""
    url = feed.url("rss", page=0)
    return _render(
        "subscribe.html",
        site=feed.site,
        feed=feed,
        url=url,
        readers=[(reader, reader.link(url)) for reader in READERS],
    )


def render_opml(view: View) -> bytes:
    """Return every feed as an OPML 2.0 subscription list, grouped by kind."""
    site = view.catalog.site
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = f"{site.title}: every feed"
    site_feed = view.feed("site")
    if site_feed is not None:
        etree.SubElement(head, "dateModified").text = rfc822(site_feed.updated)
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")
    for kind, label in GROUP_LABELS.items():
        feeds = [f for f in view.feeds() if f.kind == kind]
        if not feeds:
            continue
        group = etree.SubElement(body, "outline", text=label, title=label)
        for feed in feeds:
            _outline(group, feed)
    _partner_outlines(body, view)
    return etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _partner_outlines(body: etree._Element, view: View) -> None:
    """List each news platform's feeds, one group per platform the site feeds."""
    from feeds.partners.platforms import PLATFORMS

    site, row = view.catalog.site, DOCUMENTS["partner"]
    for partner in site.partners:
        if not PLATFORMS[partner.platform].feed:
            continue  # Google News reads the news sitemap: no feed of its own to list
        label = f"For {PLATFORMS[partner.platform].label}"
        group = etree.SubElement(body, "outline", text=label, title=label)
        for feed in view.feeds():
            ref = DocumentRef("partner", feed.kind, feed.slug, partner.platform)
            if feed.kind in row.kinds and row.serves(site, ref):
                _outline(group, feed, document_url(site, ref))


def render_partners_page(view: View) -> bytes:
    """Return the page that tells editors which stories each platform would reject, and why."""
    from feeds.partners.platforms import PLATFORMS
    from feeds.partners.readiness import assess

    site = view.catalog.site
    report = []
    for name, findings in assess(site, view.catalog.articles).items():
        stories: dict[tuple[str, str], list[str]] = {}
        for finding in findings:
            stories.setdefault((finding.title, finding.path), []).append(finding.message)
        listed = [(title, path, reasons) for (title, path), reasons in stories.items()]
        count = sum(1 for title, _, _ in listed if title)
        report.append((PLATFORMS[name], listed, count))
    # What each platform reads: its partner feed, or the news sitemap (Google News).
    feed_urls = {
        p.platform: document_url(
            site,
            DocumentRef("partner", fmt=p.platform)
            if PLATFORMS[p.platform].feed
            else DocumentRef("news_sitemap"),
        )
        for p in site.partners
    }
    return _render(
        "partners.html", site=site, feed=view.feed("site"), report=report, feed_urls=feed_urls
    )


def _outline(parent: etree._Element, feed: Feed, url: str | None = None) -> None:
    attributes = {
        "type": "rss",  # OPML's word for any feed, Atom included
        "text": feed.title,
        "title": feed.title,
        "description": feed.description,
        "xmlUrl": url or feed.url("rss"),
        "htmlUrl": feed.home_url,
        "language": feed.site.language,
    }
    etree.SubElement(parent, "outline", attributes)
