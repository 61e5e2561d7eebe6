"""The `feeds` command: check, serve, build and create articles."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from feeds.load import SITE_FILE
from feeds.store import Store

DATA_OPTION = click.option(
    "--data",
    "data",
    default="data",
    show_default=True,
    envvar="FEEDS_DATA",
    type=click.Path(file_okay=False, path_type=Path),
    help="The data folder (site.yaml, sections.yaml, authors.yaml, articles/).",
)


def _require_data(data: Path) -> None:
    if not (data / SITE_FILE).is_file():
        raise click.ClickException(
            f"{data} has no {SITE_FILE}; point --data (or FEEDS_DATA) at a data folder"
        )


@click.group()
@click.version_option(package_name="feeds")
def main() -> None:
    """Publish a newsroom's YAML articles as RSS, Atom and JSON feeds."""


@main.command()
@DATA_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json for CI pipelines.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check(data: Path, fmt: str, strict: bool) -> None:
    """Validate every data file; print PATH:LINE: message per problem; exit 1 if any."""
    _require_data(data)
    store = Store(data)
    store.refresh()
    problems = store.problems
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "errors": len(errors),
                    "warnings": len(warnings),
                    "articles": store.catalog.counts(_now()) if store.catalog else None,
                    "problems": [
                        {
                            "path": p.path,
                            "line": p.line,
                            "severity": p.severity,
                            "message": p.message,
                        }
                        for p in problems
                    ],
                },
                indent=2,
            )
        )
    else:
        for problem in problems:
            click.echo(str(problem))
        count = len(store.catalog.articles) if store.catalog else 0
        summary = f"{count} articles, {len(errors)} errors, {len(warnings)} warnings"
        click.echo(summary, err=True)
    if errors or (strict and warnings):
        sys.exit(1)


def _now():
    from feeds.publisher import utc_now

    return utc_now()


@main.command()
@DATA_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
def serve(data: Path, host: str, port: int) -> None:
    """Serve the feeds, reloading data files as they change."""
    _require_data(data)
    from feeds.web import create_app

    app = create_app({"DATA": str(data)})
    click.echo(f"Serving {data} on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)
