"""YAML slips as editors make them, and what `feeds check` says about each.

tests/yaml_slips/ holds the corpus: article files (and a few site.yaml, sections.yaml and
authors.yaml) with the slips journalists make: colons, hashes, asterisks and quotes in
headlines, tabs, non-breaking and zero-width spaces pasted from Word, bodies not indented,
commas where a list was meant, Markdown folded by ``body: >``. Some files are tricky but
right, and must get no problem at all.

tests/yaml_slips/expected.yaml says, for each file: where it goes in a copy of the sample
data folder (``to``, by default ``articles/slips/<file>``), the ``line`` `feeds check` must
report (null for a file that must get no problem), the ``severity``, words the message must
hold (``says``) and, where the message suggests a line to write, that line (``fix``): put in
place of the reported line, it must make the problem go away.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feeds.yamlread
from feeds.load import parse_article
from feeds.yamllines import INVISIBLE, quote
from feeds.yamlread import read_text

from .hostile import check, put

CORPUS = Path(__file__).resolve().parent / "yaml_slips"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
SLIPS = sorted(name for name, entry in EXPECTED.items() if entry["line"] is not None)
RIGHT = sorted(name for name, entry in EXPECTED.items() if entry["line"] is None)
FIXED = sorted(name for name in SLIPS if EXPECTED[name].get("fix"))
ARTICLES = sorted(name for name in SLIPS if "to" not in EXPECTED[name])


def yaml_error(name: str) -> yaml.MarkedYAMLError | None:
    """Return the error PyYAML raises for a corpus file, None when it is valid YAML."""
    try:
        yaml.compose(read_text(CORPUS / name, name), Loader=feeds.yamlread.SafeLoader)
    except yaml.MarkedYAMLError as error:
        return error
    return None


SYNTAX = [name for name in ARTICLES if yaml_error(name) is not None]


def target(name: str) -> str:
    return EXPECTED[name].get("to") or f"articles/slips/{name}"


def reported(data_dir: Path, name: str, text: str | bytes) -> tuple[int, list[str]]:
    """Put a corpus file in the data folder, run `feeds check`; return the exit code and the
    lines it printed for that file."""
    rel = target(name)
    put(data_dir, rel, text)
    code, lines, output = check(data_dir)
    assert "Traceback" not in output, output
    return code, [line for line in lines if line.startswith(f"{rel}:")]


def test_the_corpus_is_complete():
    files = {path.name for path in CORPUS.glob("*.yaml")} - {"expected.yaml"}
    assert files == set(EXPECTED), "every corpus file has an entry in expected.yaml, and back"
    articles = [name for name in EXPECTED if "to" not in EXPECTED[name]]
    assert len(articles) >= 40
    kinds = Counter(EXPECTED[name].get("severity", "error") for name in SLIPS)
    assert kinds["error"] >= 30 and kinds["warning"] >= 10, kinds
    assert {EXPECTED[name].get("to") for name in SLIPS} >= {
        None,
        "site.yaml",
        "sections.yaml",
        "authors.yaml",
    }


@pytest.mark.parametrize("name", SLIPS)
def test_check_explains_the_slip_at_its_line(data_dir, name):
    entry = EXPECTED[name]
    code, lines = reported(data_dir, name, (CORPUS / name).read_bytes())
    warning = entry.get("severity", "error") == "warning"
    prefix = f"{target(name)}:{entry['line']}: " + ("warning: " if warning else "")
    found = [
        line
        for line in lines
        if line.startswith(prefix)
        and (warning or not line.startswith(f"{prefix}warning: "))
        and all(word in line for word in entry["says"])
    ]
    assert found, f"no line starting {prefix!r} with {entry['says']} in:\n" + "\n".join(lines)
    if entry.get("fix"):
        assert entry["fix"] in found[0], found[0]
    assert "Traceback" not in found[0] and "\n" not in found[0]
    if not warning:
        assert code == 1


@pytest.mark.parametrize("name", RIGHT)
def test_tricky_but_right_files_get_no_problem(data_dir, name):
    code, lines = reported(data_dir, name, (CORPUS / name).read_bytes())
    assert lines == []
    assert code == 0


@pytest.mark.parametrize("name", FIXED)
def test_the_suggested_fix_works(data_dir, name):
    entry = EXPECTED[name]
    lines = (CORPUS / name).read_text(encoding="utf-8").split("\n")
    index = entry["line"] - 1
    indent = re.match(r"[ ]*", lines[index]).group(0)
    lines[index] = indent + entry["fix"]
    _, found = reported(data_dir, name, "\n".join(lines))
    if target(name).startswith("articles/"):
        assert found == []
    else:  # a shared file may have problems of its own, as the sample's evolves
        assert not [line for line in found if line.startswith(f"{target(name)}:{entry['line']}:")]


@pytest.mark.parametrize("name", ARTICLES)
def test_the_pure_python_loader_explains_it_the_same(monkeypatch, name):
    """Where libyaml is missing, PyYAML's own parser has other words and other marks."""
    monkeypatch.setattr(feeds.yamlread, "SafeLoader", yaml.SafeLoader)
    entry = EXPECTED[name]
    _, problems = parse_article(read_text(CORPUS / name, name), target(name))
    assert any(
        problem.line == entry["line"]
        and problem.severity == entry.get("severity", "error")
        and all(word in problem.message for word in entry["says"])
        for problem in problems
    ), problems


@pytest.mark.parametrize("name", SYNTAX)
def test_syntax_errors_say_the_slip_first_and_keep_pyyaml_words_as_a_detail(name):
    error = yaml_error(name)
    [problem] = parse_article(read_text(CORPUS / name, name), target(name))[1]
    assert problem.line == EXPECTED[name]["line"]
    assert problem.message.endswith(f" (YAML: {error.problem or error.context})"), problem
    assert not problem.message.startswith("YAML"), "the plain words come first"


LINE_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(LINE_TEXT)
def test_a_quoted_fix_reads_back_as_written(value):
    assert yaml.safe_load(f"title: {quote(value)}\n") == {"title": value}


# What editors' fingers and clipboards add to a file.
SLIPPERY = [":", ": ", " #", "#", "*", "&", "!", "%", "@", "`", "|", ">", "[", "]", "{", "}"]
SLIPPERY += ['"', "'", "“", "”", "\t", "- ", "\n", "\n  ", ",", " ", *INVISIBLE[:4]]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_slip_anywhere_gives_one_line_messages_not_a_crash(data):
    """Whatever is inserted wherever, every problem is one line, at a line of the file."""
    text = (CORPUS / "folded-body-list.yaml").read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.sampled_from(SLIPPERY)) + text[at:]
    _, problems = parse_article(text, "articles/x.yaml")
    count = len(re.split("\r\n|[\r\n\x85\u2028\u2029]", text))
    for problem in problems:
        assert "\n" not in problem.message and problem.message
        assert 1 <= problem.line <= count, (problem, text)
