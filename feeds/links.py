"""Links in data and bodies made safe for feeds: absolute, percent-encoded, http(s), mailto
or tel, and a web address written without its scheme given one."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from feeds.text import xml_safe

# What a URL that needs no rewriting looks like: absolute http(s), ASCII, nothing to escape.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:/[A-Za-z0-9\-._~/%+,;=:@]*)?")
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_url(url: str, base: str | None = None) -> str | None:
    """Return url made absolute against base and percent-encoded, or None if it is unsafe.

    Feed readers show content away from the site, so a relative link would point
    nowhere; anything but http(s), mailto and tel (javascript:, data:...) is dropped.
    """
    url = xml_safe(url).strip()
    if _PLAIN_URL.fullmatch(url):
        return url  # the common case, already absolute and clean: skip the parsing
    try:  # a bracketed host that is no IP address, a port out of range: ValueError
        parts = urlsplit(urljoin(base, url) if base else url)
        port, host = parts.port, parts.hostname  # host lower-cased by urlsplit
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES:
        return None
    if parts.scheme.lower() in ("http", "https") and not _is_usable_host(host):
        return None
    netloc = parts.netloc
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        # Rebuild rather than replace: the netloc may spell the host in capitals.
        userinfo = netloc.rpartition("@")[0]
        netloc = (f"{userinfo}@" if userinfo else "") + host
        if port is not None:
            netloc += f":{port}"
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(parts.path, safe="/%:@!$&'()*+,;=-._~"),
            quote(parts.query, safe="/%:@!$&'()*+,;=-._~?"),
            quote(parts.fragment, safe="/%:@!$&'()*+,;=-._~?"),
        )
    )


# A host name (or IP address) as the sanitizer's URL parser reads one, %XX decoded.
_HOST = re.compile(r"[a-z0-9_.-]+|[0-9a-f:.]*:[0-9a-f:.]*")


def _is_usable_host(host: str | None) -> bool:
    host = unquote(host or "")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return _HOST.fullmatch(host) is not None


# The last part of a name that is a file rather than a web site's: "report.pdf" is a
# relative link, "ua.energy" an address (a few real top-level domains, .zip and .mov
# among them, are read as files: links to sites there are rare, to files common).
_FILE_SUFFIXES = frozenset((
    "html", "htm", "php", "asp", "aspx", "jsp", "cgi", "pdf", "jpg", "jpeg", "png", "gif",
    "webp", "svg", "avif", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "csv",
    "txt", "json", "xml", "rss", "atom", "mp3", "mp4", "m4a", "mov", "avi", "zip", "gz",
    "md", "yaml", "yml",
))  # fmt: skip
_LABEL = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
_EMAIL = re.compile(r"[^@\s/:?#]+@([^@\s/:?#]+)")
# No port: the sanitizer reads "x.org:8080/" as the unknown scheme "x.org:" and drops it.
_HOST_AND_REST = re.compile(r"([^/?#:\s]+)(?:[/?#]\S*)?")


def _is_host_name(name: str) -> bool:
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    top = labels[-1].lower()
    return labels[0].lower() == "www" or (top.isalpha() and top not in _FILE_SUFFIXES)


def web_address(link: str) -> str | None:
    """Return the address meant by a link written without its scheme, or None.

    "www.ua.energy" and "ua.energy/news" mean https://; "desk@example.org" means mailto:.
    Relative links ("/war/story", "../story", "report.pdf") and links with a scheme are
    not: None.
    """
    link = link.strip()
    if not link or link[0] in "/.#?":
        return None
    email = _EMAIL.fullmatch(link)
    if email:
        return f"mailto:{link}" if _is_host_name(email[1]) else None
    match = _HOST_AND_REST.fullmatch(link)
    if match and _is_host_name(match[1]):
        return f"https://{link}"
    return None


def body_url(url: str, base: str, picture: bool = False) -> str | None:
    """Return the address a link (or picture) in a body gets, or None when it is removed.

    A web address written without https:// gets it (never made relative to the site);
    other relative links are made absolute against the article's URL (base). A picture
    needs http(s).
    """
    if picture and not url.strip():
        return None  # made absolute, it would be the article's page
    address = web_address(unquote(url))
    cleaned = clean_url(address or url, base)
    if picture and cleaned is not None and not cleaned.startswith(("https:", "http:")):
        return None
    return cleaned
