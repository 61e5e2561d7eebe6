"""pyproject.toml declares what the code imports, and packages only what exists.

A package that arrives only as another one's dependency (click through Flask, lxml through
feedgen) works until that other package drops or bounds it differently; then a fresh install
breaks with nothing in this repository changed.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FIRST_PARTY = {"feeds", "tests", "benchmarks"}


def _normalize(name: str) -> str:
    """Return a distribution name as PEP 503 compares them (`Jinja2` is `jinja2`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    return {_normalize(re.match(r"[A-Za-z0-9._-]+", r.strip()).group()) for r in requirements}


def imported_modules(folder: Path) -> dict[str, str]:
    """Return each top-level module imported under folder, with one place importing it."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                found.setdefault(top, f"{path.relative_to(folder.parent)}:{node.lineno}")
    return found


def undeclared(folder: Path, requirements: list[str]) -> list[str]:
    """Return a line for each third-party module imported under folder and not declared."""
    declared = _declared(requirements)
    distributions = packages_distributions()
    lines = []
    for module, where in sorted(imported_modules(folder).items()):
        if module in sys.stdlib_module_names or module in FIRST_PARTY or module == "__future__":
            continue
        names = distributions.get(module)
        if not names:
            lines.append(f"{where}: imports {module}, which no installed distribution provides")
        elif not declared & {_normalize(n) for n in names}:
            lines.append(f"{where}: imports {module}; declare {' or '.join(names)} in pyproject")
    return lines


def test_every_package_the_code_imports_is_declared():
    assert undeclared(ROOT / "feeds", PYPROJECT["project"]["dependencies"]) == []


def test_every_package_the_tests_import_is_declared_for_tests():
    requirements = (
        PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
    )
    assert undeclared(ROOT / "tests", requirements) == []


def test_an_undeclared_import_is_caught(tmp_path):
    """The check itself: click imported with only Flask declared is named, at its line."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text("import os\n\nfrom click import echo\n", encoding="utf-8")
    assert undeclared(package, ["Flask>=3.0"]) == [
        "pkg/mod.py:3: imports click; declare click in pyproject"
    ]
    assert undeclared(package, ["Flask>=3.0", "Click>=8.1"]) == []


def test_every_packaged_file_pattern_matches_a_file():
    """A package-data glob that matches nothing is a folder that was planned and never made."""
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]
    empty = [
        f"{package}/{pattern}"
        for package, patterns in package_data.items()
        for pattern in patterns
        if not any((ROOT / package.replace(".", "/")).glob(pattern))
    ]
    assert empty == []
