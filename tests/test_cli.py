"""The feeds command, through click's CliRunner."""

from __future__ import annotations

import json

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
    assert errors[0].startswith("articles/a.yaml:2: YAML syntax error")
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
