"""site.yaml's `partners` block to Partner records, every problem at its line.

partners:
  flipboard: {}                 # or `flipboard: true`; `false` (or no line) turns it off
  smartnews:
    logo: https://news.example.org/static/logo-smartnews.png
    logo_dark: https://news.example.org/static/logo-smartnews-dark.png
    description: Kyiv news in English  # 30 characters or less
    ttl: 15
  msn: {}
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from feeds.fields import Fields, as_bool, as_int, as_url, line_of, suggest
from feeds.model import Partner
from feeds.partners.platforms import PLATFORMS
from feeds.yamlread import DataError

# SmartFormat: "Short description (30 characters or less)".
SHORT_DESCRIPTION = 30


def read_partners(f: Fields, name: str) -> tuple[Partner, ...]:
    """Return the platforms a site.yaml's `partners` block turns on, in PLATFORMS' order."""
    if not f.has(name):
        return ()
    key, node = f.nodes[name]
    if not isinstance(node, MappingNode):
        f.problem(
            line_of(key),
            f"'{name}' must list platforms on lines of their own, like '{name}:' then "
            f"'  flipboard: {{}}' below it (known: {', '.join(PLATFORMS)})",
        )
        return ()
    block = Fields(node, f.path, f.problems, f"'{name}'")
    for platform in block.nodes:
        if platform not in PLATFORMS:
            block.problem(
                block.key_line(platform),
                f"unknown platform '{platform}'{suggest(platform, PLATFORMS)} "
                f"(known: {', '.join(PLATFORMS)})",
            )
    found = []
    for platform in PLATFORMS:
        if platform in block.nodes:
            partner = _partner(block, platform)
            if partner is not None:
                found.append(partner)
    return tuple(found)


def _partner(block: Fields, platform: str) -> Partner | None:
    """Return one platform's settings, or None when it is turned off (or wrong)."""
    _, node = block.nodes[platform]
    if isinstance(node, ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            return Partner(platform=platform)
        on = block.get(platform, _switch)
        return Partner(platform=platform) if on else None
    options = PLATFORMS[platform].options
    f = Fields(node, block.path, block.problems, f"'{platform}'")
    if not options and f.nodes:
        first = next(iter(f.nodes))
        f.problem(f.key_line(first), f"'{platform}' takes no settings; write '{platform}: {{}}'")
        return None
    f.check_known(options)
    values: dict[str, Any] = {
        "logo": f.get("logo", as_url),
        "logo_dark": f.get("logo_dark", as_url),
        "description": f.text("description"),
        "ttl": f.get("ttl", as_int),
    }
    description = values["description"]
    if description is not None and len(description) > SHORT_DESCRIPTION:
        f.problem(
            f.key_line("description"),
            f"'description' for {PLATFORMS[platform].label} must be {SHORT_DESCRIPTION} "
            f"characters or less (its specification says so); this one has "
            f"{len(description)}",
        )
        values["description"] = None
    if values["ttl"] is not None and values["ttl"] < 1:
        f.problem(f.key_line("ttl"), "'ttl' is minutes between fetches: 1 or more")
        values["ttl"] = None
    return Partner(platform=platform, **{k: v for k, v in values.items() if k in options})


def _switch(name: str, node: Node) -> bool:
    try:
        return as_bool(name, node)
    except DataError:
        raise DataError(
            f"'{name}' must be true, false or a block of settings, not {node.value!r}",
            line_of(node),
        ) from None
