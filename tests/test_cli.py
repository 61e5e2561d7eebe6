"""The feeds command, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.cli import main


def test_check_passes_on_the_sample_publication(runner, data_dir):
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_check_reports_every_problem_sorted_and_exits_1(runner, data_dir, write):
    write("articles/b.yaml", "title: B\ntittle: typo\nsection: war\nauthor: nobody\n")
    write("articles/a.yaml", "title: [oops\n")
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("articles/")]
    errors = [line for line in lines if "warning:" not in line]
    assert errors[0].startswith('articles/a.yaml:1: the title starts with "["')
    assert "articles/b.yaml:2: unknown field 'tittle'; did you mean 'title'?" in errors
    assert lines == sorted(lines, key=lambda line: (line.split(":")[0], int(line.split(":")[1])))


def test_check_json_format(runner, data_dir, write):
    write(
        "articles/bad.yaml",
        "title: no\nsection: war\nauthor: francis-farrell\n"
        "published: 2026-02-11 10:00\nbody: Text.\n",
    )
    result = runner.invoke(main, ["check", "--data", str(data_dir), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1
    [problem] = [p for p in report["problems"] if p["severity"] == "error"]
    assert problem["path"] == "articles/bad.yaml"
    assert problem["line"] == 1
    assert 'put it in quotes: title: "no"' in problem["message"]


def test_check_without_a_data_folder_says_what_to_do(runner, tmp_path):
    result = runner.invoke(main, ["check", "--data", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "has no site.yaml" in result.output
    assert "Traceback" not in result.output


def test_warnings_do_not_fail_unless_strict(runner, data_dir):
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert (
        "articles/2026/02/rada-local-elections-debate.yaml:1: warning: article has no image"
        in result.output
    )
    strict = runner.invoke(main, ["check", "--data", str(data_dir), "--strict"])
    assert strict.exit_code == 1


def test_check_warns_of_a_long_summary_and_a_missing_bio(runner, data_dir, write):
    write(
        "articles/long.yaml",
        f"""
        title: Long summary
        section: war
        author: francis-farrell
        published: 2026-02-11 10:00
        summary: {"word " * 80}
        body: Text.
    """,
    )
    authors = data_dir / "authors.yaml"
    authors.write_text(authors.read_text() + "- slug: no-bio\n  name: No Bio\n")
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "articles/long.yaml:5: warning: summary is 399 characters" in result.output
    assert "authors.yaml:" in result.output and "author 'no-bio' has no bio" in result.output


def test_new_writes_a_draft_that_passes_check(runner, data_dir):
    result = runner.invoke(
        main,
        [
            "new",
            'Kyiv: "quotes", colons & no',
            "--section",
            "War",
            "--author",
            "Francis Farrell",
            "--data",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.parent.parent.parent == data_dir / "articles"
    assert path.name == "kyiv-quotes-colons-no.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Kyiv: \\"quotes\\", colons & no"' in text
    assert "section: war" in text and "- francis-farrell" in text and "draft: true" in text
    assert "# image:" in text and "# summary:" in text
    checked = runner.invoke(main, ["check", "--data", str(data_dir), "--format", "json"])
    report = json.loads(checked.stdout)
    assert report["errors"] == 0
    assert report["articles"]["draft"] == 2
    assert not [p for p in report["problems"] if p["path"].endswith(path.name)]


def test_new_uses_todays_date_in_the_site_timezone(runner, data_dir):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    result = runner.invoke(
        main, ["new", "Dated", "-s", "war", "-a", "francis-farrell", "--data", str(data_dir)]
    )
    today = datetime.now(ZoneInfo("Europe/Kyiv"))
    path = Path(result.output.strip())
    assert path.parent == data_dir / "articles" / f"{today:%Y}" / f"{today:%m}"
    assert f'published: "{today:%Y-%m-%d}' in path.read_text()


def test_new_refuses_to_overwrite(runner, data_dir):
    args = ["new", "Same title", "-s", "war", "-a", "francis-farrell", "--data", str(data_dir)]
    first = runner.invoke(main, args)
    assert first.exit_code == 0
    before = Path(first.output.strip()).read_bytes()
    second = runner.invoke(main, args)
    assert second.exit_code == 1
    assert "already exists" in second.output
    assert Path(first.output.strip()).read_bytes() == before


def test_new_suggests_close_sections_and_authors(runner, data_dir):
    bad_section = runner.invoke(
        main, ["new", "T", "-s", "wr", "-a", "francis-farrell", "--data", str(data_dir)]
    )
    assert bad_section.exit_code == 1
    assert "unknown section 'wr'; did you mean 'war'?" in bad_section.output
    bad_author = runner.invoke(
        main, ["new", "T", "-s", "war", "-a", "Fransis Farel", "--data", str(data_dir)]
    )
    assert bad_author.exit_code == 1
    assert "unknown author 'Fransis Farel'; did you mean 'Francis Farrell'?" in bad_author.output
    assert not list((data_dir / "articles").glob("*/*/t.yaml"))


@pytest.mark.parametrize("port", ["0", "65536", "99999", "-1"])
def test_serve_refuses_a_port_outside_1_to_65535(runner, data_dir, port, monkeypatch):
    served = []

    class App:
        def run(self, **options):
            served.append(options)

    monkeypatch.setattr("feeds.web.create_app", lambda config: App())
    result = runner.invoke(main, ["serve", "--data", str(data_dir), "--port", port])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--port'" in result.output
    assert "1<=x<=65535" in result.output
    assert "Serving" not in result.output and served == []


def test_check_counts_one_of_each_in_the_singular(runner, data_dir, write):
    for path in data_dir.glob("articles/**/*.yaml"):
        path.unlink()
    write(
        "articles/one.yaml",  # no image: a warning
        "title: One\nsection: war\nauthor: francis-farrell\n"
        "published: 2026-02-11 10:00\nbody: Text.\n",
    )
    write("articles/bad.yaml", "title: [oops\n")
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == "1 article, 1 error, 1 warning"
    report = json.loads(
        runner.invoke(main, ["check", "--data", str(data_dir), "--format", "json"]).stdout
    )
    assert (report["errors"], report["warnings"]) == (1, 1)


def _break_first_slug(data_dir, rel: str) -> None:
    path = data_dir / rel
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- slug: ", "- slug ", 1), encoding="utf-8")


def test_check_leads_with_a_broken_meta_file_and_says_what_it_left_unchecked(runner, data_dir):
    articles = len(list(data_dir.glob("articles/**/*.yaml")))
    _break_first_slug(data_dir, "sections.yaml")
    _break_first_slug(data_dir, "authors.yaml")
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith('sections.yaml:1: "slug" needs a colon after it')
    assert lines[1] == (
        f"sections.yaml:1: the sections of {articles} articles were not checked, because "
        "sections.yaml has errors (above); fix them, then check again"
    )
    assert lines[2].startswith('authors.yaml:1: "slug" needs a colon after it')
    assert lines[3].startswith(f"authors.yaml:1: the authors of {articles} articles were not")
    assert not [line for line in lines if "unknown section" in line or "unknown author" in line]
    assert result.stderr.splitlines()[-1] == f"0 articles, {len(lines)} errors, 0 warnings"
    as_json = runner.invoke(main, ["check", "--data", str(data_dir), "--format", "json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert [f"{p['path']}:{p['line']}: {p['message']}" for p in report["problems"]] == lines
    assert report["errors"] == len(lines)


def test_check_reports_unknown_sections_one_by_one_while_sections_yaml_is_sound(
    runner, data_dir, write
):
    write(
        "articles/typo.yaml",
        "title: Typo\nsection: wra\nauthor: [francis-farrell, nobody]\n"
        "published: 2026-02-11 10:00\nbody: Text.\n",
    )
    result = runner.invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert "articles/typo.yaml:2: unknown section 'wra'; did you mean 'war'?" in result.stdout
    assert "articles/typo.yaml:3: unknown author 'nobody'" in result.stdout
    assert "not checked" not in result.output
