"""The settings table is the one source: the README lists it, and site.yaml and the
environment are read from it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from feeds.meta import SITE_FIELDS, load_site
from feeds.model import Site
from feeds.settings import SETTINGS, SITE_SETTINGS, from_environment, settings_table

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(
    r"(<!-- settings: generated from feeds/settings.py -->\n)(.*?)(<!-- end of settings -->)",
    re.DOTALL,
)


def test_the_readme_lists_every_setting_as_the_table_says():
    text = README.read_text(encoding="utf-8")
    found = BLOCK.search(text)
    assert found, "README.md has lost its generated settings list"
    if os.environ.get("FEEDS_UPDATE_README"):
        README.write_text(BLOCK.sub(lambda m: m[1] + settings_table() + m[3], text), "utf-8")
        return
    assert found[2] == settings_table(), (
        "README.md's settings list differs from feeds/settings.py; rerun with FEEDS_UPDATE_README=1"
    )
    for name in SETTINGS:
        assert f"| `{name}` |" in found[2]


def test_site_yaml_knows_exactly_the_site_settings(tmp_path):
    assert tuple(s.name for s in SITE_SETTINGS) == SITE_FIELDS
    (tmp_path / "site.yaml").write_text("title: T\nurl: https://example.org\nid_authority: x.org\n")
    config, problems = load_site(tmp_path)
    assert problems == []
    for setting in SITE_SETTINGS:
        if setting.required or setting.name == "max_file_bytes":
            continue
        value = getattr(config.site, setting.name)
        expected = {"description": "T", "archive_size": 50, "id_authority": "x.org"}
        assert value == expected.get(setting.name, setting.default), setting.name
    assert config.max_file_bytes == SETTINGS["max_file_bytes"].default


def test_the_site_record_defaults_are_the_tables():
    site = Site(title="T", url="https://example.org")
    for setting in SITE_SETTINGS:
        if setting.default is not None and hasattr(site, setting.name):
            assert getattr(site, setting.name) == setting.default, setting.name


def test_a_number_below_its_minimum_names_the_minimum_from_the_table(tmp_path):
    (tmp_path / "site.yaml").write_text("title: T\nurl: https://example.org\nitems_per_feed: 0\n")
    config, problems = load_site(tmp_path)
    assert config is None
    assert [(p.line, p.message) for p in problems if p.severity == "error"] == [
        (3, f"'items_per_feed' must be {SETTINGS['items_per_feed'].minimum} or more")
    ]


def test_environment_settings_are_read_from_the_table():
    assert from_environment("FEEDS_DATA", {}) == SETTINGS["FEEDS_DATA"].default
    assert from_environment("FEEDS_DATA", {"FEEDS_DATA": "/srv/news"}) == "/srv/news"
    assert from_environment("FEEDS_DOCUMENT_CACHE_MB", {"FEEDS_DOCUMENT_CACHE_MB": " "}) == 8
    assert from_environment("FEEDS_DOCUMENT_CACHE_MB", {"FEEDS_DOCUMENT_CACHE_MB": "2.5"}) == 2.5
    assert from_environment("FEEDS_CACHE_DIR", {"FEEDS_CACHE_DIR": "off"}) == "off"
    with pytest.raises(ValueError, match=r"is set in site\.yaml, not in the environment"):
        from_environment("max_age", {"max_age": "3"})
