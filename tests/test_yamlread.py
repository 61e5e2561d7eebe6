"""The lean YAML loader refuses what it cannot do the same as PyYAML's, rather than vanish
under python -O as an assert would."""

from __future__ import annotations

import codecs
from typing import ClassVar

import pytest
import yaml

from feeds.yamlread import DataError, SafeLoader, _lean, read_text


def test_a_loader_with_path_resolvers_is_refused():
    class Pathed(SafeLoader):  # type: ignore[misc, valid-type]
        yaml_path_resolvers: ClassVar[dict] = {((), None): yaml.nodes.ScalarNode}

    with pytest.raises(TypeError, match="path resolvers"):
        _lean(Pathed)


def test_the_safe_loader_is_made_lean():
    assert _lean(SafeLoader).__name__ == f"Lean{SafeLoader.__name__}"


# --- Encodings ----------------------------------------------------------------------------

ARTICLE = (
    "title: Київ готується до зими\n"
    "section: war\n"
    "authors: [olena-marchuk]\n"
    "published: 2026-02-10 08:15\n"
    "body: |\n"
    "  Енергетики відновлюють мережу після обстрілів; ремонт триватиме до весни.\n"
)


@pytest.mark.parametrize(
    ("raw", "looks_like"),
    [
        pytest.param(ARTICLE.encode("utf-16-le"), "UTF-16", id="utf-16-le"),
        pytest.param(ARTICLE.encode("utf-16-be"), "UTF-16", id="utf-16-be"),
        pytest.param(("title: A\n" * 900).encode("utf-16-le"), "UTF-16", id="utf-16-long"),
        pytest.param(ARTICLE.encode("utf-32"), "UTF-32", id="utf-32-bom"),
        pytest.param(ARTICLE.encode("utf-32-le"), "UTF-32", id="utf-32-le"),
        pytest.param(ARTICLE.encode("utf-32-be"), "UTF-32", id="utf-32-be"),
        pytest.param("title: 🚀\n".encode("utf-32-le"), "UTF-32", id="utf-32-astral"),
    ],
)
def test_a_file_in_utf16_without_a_mark_or_in_utf32_is_said_not_to_be_utf8(
    tmp_path, raw, looks_like
):
    path = tmp_path / "a.yaml"
    path.write_bytes(raw)
    with pytest.raises(DataError) as raised:
        read_text(path, "a.yaml")
    assert raised.value.line == 1
    assert raised.value.message.startswith("is not UTF-8 text")
    assert looks_like in raised.value.message
    assert raised.value.message.endswith("save it as UTF-8")
    assert "control character" not in raised.value.message


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        pytest.param(codecs.BOM_UTF8 + ARTICLE.encode(), ARTICLE, id="utf-8-bom"),
        pytest.param(ARTICLE.encode("utf-16"), ARTICLE, id="utf-16-bom"),
        pytest.param(
            codecs.BOM_UTF16_BE + ARTICLE.encode("utf-16-be"), ARTICLE, id="utf-16-be-bom"
        ),
        # A stray NUL in UTF-8 text is no encoding: compose reports it as a character to delete.
        pytest.param(b"title: a\x00b\nsection: war\n", "title: a\x00b\nsection: war\n", id="nul"),
        pytest.param(
            b"title: ab\x00\nsection: war\n", "title: ab\x00\nsection: war\n", id="nul-odd"
        ),
        pytest.param(b"\x00", "\x00", id="only-nul"),
    ],
)
def test_utf8_and_marked_utf16_files_are_read_as_before(tmp_path, raw, text):
    path = tmp_path / "a.yaml"
    path.write_bytes(raw)
    assert read_text(path, "a.yaml") == text
