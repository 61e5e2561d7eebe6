"""The lean YAML loader refuses what it cannot do the same as PyYAML's, rather than vanish
under python -O as an assert would."""

from __future__ import annotations

from typing import ClassVar

import pytest
import yaml

from feeds.yamlread import SafeLoader, _lean


def test_a_loader_with_path_resolvers_is_refused():
    class Pathed(SafeLoader):  # type: ignore[misc, valid-type]
        yaml_path_resolvers: ClassVar[dict] = {((), None): yaml.nodes.ScalarNode}

    with pytest.raises(TypeError, match="path resolvers"):
        _lean(Pathed)


def test_the_safe_loader_is_made_lean():
    assert _lean(SafeLoader).__name__ == f"Lean{SafeLoader.__name__}"
