"""The `feeds` command: check, serve, build and create articles."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from feeds.checkreport import report_problems
from feeds.context import Context, resolve
from feeds.fields import suggest
from feeds.load import ARTICLES_DIR
from feeds.meta import SITE_FILE
from feeds.scaffold import NAME_MAX_BYTES, file_slug, new_article
from feeds.settings import default
from feeds.store import Store
from feeds.text import slugify

DATA_OPTION = click.option(
    "--data",
    "data",
    default=default("FEEDS_DATA"),
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


def _count(number: int, noun: str, plural: str = "") -> str:
    """Return "1 error" or "3 errors": a number and its noun, singular for one."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def _require_settings() -> None:
    """Stop with the message, not a traceback, on a setting the publisher would refuse."""
    from feeds.publisher import document_cache_budget
    from feeds.watch import mode_of

    try:
        document_cache_budget(os.environ)
        mode_of(os.environ.get("FEEDS_WATCH"))
    except ValueError as error:
        raise click.ClickException(str(error)) from None


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
@click.option(
    "--partners",
    "partners",
    is_flag=True,
    help="Also list the stories each news platform in site.yaml would reject, and why "
    "(warnings; with --strict they fail the check too).",
)
def check(data: Path, fmt: str, strict: bool, partners: bool) -> None:
    """Validate every data file; print PATH:LINE: message per problem; exit 1 if any."""
    _require_data(data)
    # A report of the files as they are: what a server would keep of a broken file's last
    # good version is not counted, so that every run says the same whatever the cache held.
    store = Store(data, keep_last_good=False)
    store.refresh()
    store.save_cache()  # a check renders no Markdown but the site feed's; a build does
    problems = report_problems(store.problems)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    readiness = _readiness(data, store)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "errors": len(errors),
                    "warnings": len(warnings),
                    "articles": store.catalog.counts(datetime.now(UTC)) if store.catalog else None,
                    "problems": [
                        {
                            "path": p.path,
                            "line": p.line,
                            "severity": p.severity,
                            "message": p.message,
                        }
                        for p in problems
                    ],
                    "partners": {
                        platform: [
                            {"path": p.path, "line": p.line, "message": p.message} for p in found
                        ]
                        for platform, found in readiness.items()
                    },
                },
                indent=2,
            )
        )
    else:
        for problem in problems:
            click.echo(str(problem))
        count = len(store.catalog.articles) if store.catalog else 0
        summary = ", ".join(
            (
                _count(count, "article"),
                _count(len(errors), "error"),
                _count(len(warnings), "warning"),
            )
        )
        if partners:
            for found in readiness.values():
                for problem in found:
                    click.echo(str(problem))
            counts = ", ".join(f"{name} {len(found)}" for name, found in readiness.items())
            summary += f"; for news platforms: {counts or 'none turned on in site.yaml'}"
        click.echo(summary, err=True)
    platform_warnings = partners and any(readiness.values())
    if errors or (strict and (warnings or platform_warnings)):
        sys.exit(1)


def _readiness(data: Path, store: Store) -> dict[str, list]:
    """Return, per news platform the site feeds, its warnings about stories (Problems)."""
    from feeds.partners.readiness import assess, site_line

    catalog = store.catalog
    if catalog is None:
        return {}
    articles = {article.path: article for article in catalog.articles}
    site_text = (data / SITE_FILE).read_text(encoding="utf-8", errors="replace")

    def line_of(finding) -> int:
        if finding.path == SITE_FILE:
            return site_line(site_text, "partners")
        return store.line_of(articles[finding.path], finding.field)

    report = assess(catalog.site, catalog.articles)
    return {
        platform: sorted(f.problem(line_of(f)) for f in findings)
        for platform, findings in report.items()
    }


@main.command()
@DATA_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
def serve(data: Path, host: str, port: int) -> None:
    """Serve the feeds, reloading data files as they change."""
    _require_data(data)
    _require_settings()
    from feeds.web import create_app

    app = create_app({"DATA": str(data)})
    click.echo(f"Serving {data} on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.argument("title")
@click.option("--section", "-s", required=True, help="Section slug or title.")
@click.option("--author", "-a", required=True, help="Author slug or name.")
@DATA_OPTION
def new(title: str, section: str, author: str, data: Path) -> None:
    """Create a new article file (a draft) and print its path."""
    _require_data(data)
    store = Store(data)
    store.refresh()
    ctx: Context | None = store.context
    if ctx is None:
        raise click.ClickException(f"{data / SITE_FILE} has problems; run `feeds check` first")
    section_slug = _pick("section", section, ctx.section_keys, ctx.sections)
    author_slug = _pick("author", author, ctx.author_keys, ctx.authors)
    published = datetime.now(ctx.config.zone)
    folder = data / ARTICLES_DIR / f"{published:%Y}" / f"{published:%m}"
    slug = file_slug(slugify(title), max_bytes=_name_max(folder) - len(".yaml"))
    if not slug:
        raise click.ClickException(f"the title {title!r} gives no usable file name")
    path = folder / f"{slug}.yaml"
    _create(path, new_article(title.strip(), section_slug, author_slug, published))
    click.echo(path)


# What to do when the system refuses to write a file, by errno; others show its reason.
_NOT_ALLOWED = (
    "you may not write there; ask for access, or pass --data with a folder you can write to"
)
_WRITE_FAILURES = {
    errno.EACCES: _NOT_ALLOWED,
    errno.EPERM: _NOT_ALLOWED,
    errno.EROFS: "the disk is read-only; pass --data with a folder on a writable disk",
    errno.ENOSPC: "the disk is full; free some space and run it again",
    errno.EDQUOT: "your disk quota is used up; free some space and run it again",
    errno.ENAMETOOLONG: "the path is too long for this system; use a shorter title, or a "
    "data folder with a shorter path",
}


def _name_max(folder: Path) -> int:
    """Return the longest file name, in bytes, that the filesystem of `folder` takes."""
    if not hasattr(os, "pathconf"):  # Windows: NTFS takes 255 characters, more than this
        return NAME_MAX_BYTES
    for existing in (folder, *folder.parents):
        try:
            return os.pathconf(existing, "PC_NAME_MAX")
        except FileNotFoundError:
            continue  # not made yet: ask its parent, on the same filesystem most likely
        except (OSError, ValueError):
            break  # the system cannot tell
    return NAME_MAX_BYTES


def _create(path: Path, text: str) -> None:
    """Write a new file, never over another; fail with what to do, never a traceback."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next(
            (p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder
        )
        raise click.ClickException(
            f"cannot create the folder {folder}: {blocker} is a file, not a folder; "
            "move or rename it"
        ) from None
    except OSError as error:
        raise click.ClickException(
            f"cannot create the folder {folder}: {_write_failure(error)}"
        ) from None
    try:
        out = path.open("x", encoding="utf-8")  # "x": never overwrite, even in a race
    except FileExistsError:
        raise click.ClickException(
            f"{path} already exists; choose another title or edit it"
        ) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {_write_failure(error)}") from None
    try:
        with out:
            out.write(text)
    except OSError as error:
        with contextlib.suppress(OSError):  # half a draft would only be tripped over later
            path.unlink()
        raise click.ClickException(f"cannot write {path}: {_write_failure(error)}") from None


def _write_failure(error: OSError) -> str:
    return _WRITE_FAILURES.get(error.errno, error.strerror or str(error))


def _pick(kind: str, given: str, table: dict[str, str], items) -> str:
    """Return the slug `given` names among sections or authors, or fail with suggestions."""
    slug = resolve(given, table)
    if slug is None:
        choices = [item.slug for item in items]
        labels = [getattr(item, "title", None) or item.name for item in items]
        raise click.ClickException(
            f"unknown {kind} {given!r}{suggest(given, choices + labels)} "
            f"(known: {', '.join(choices) or 'none'})"
        )
    return slug


@main.command()
@click.argument("out", type=click.Path(path_type=Path))
@DATA_OPTION
@click.option(
    "--keep-going",
    is_flag=True,
    help="Export despite errors, with the last good version of each broken article "
    "(still exits 1).",
)
def build(out: Path, data: Path, keep_going: bool) -> None:
    """Write every feed, archive, page and the OPML list under OUT, with .gz siblings.

    With errors in the data nothing is exported (the previous export stays as it was) and
    the exit status is 1, unless --keep-going.
    """
    _require_data(data)
    _require_settings()
    from feeds.export import build as build_site
    from feeds.export import count_documents, published
    from feeds.publisher import Publisher

    publisher = Publisher(data, poll_interval=0)
    try:
        store = publisher.store
        # Rendered before the build shares documents out to forked processes, so that
        # they inherit them and the parse cache, saved last, keeps them: the next build
        # renders no Markdown for the first pages of the feeds.
        store.render_first_pages()
        problems = store.problems
        for problem in problems:
            click.echo(str(problem), err=True)
        errors = [p for p in problems if p.severity == "error"]
        current = publisher.view()
        if current is None:
            raise click.ClickException(f"{data / SITE_FILE} has problems; nothing was exported")
        if errors and not keep_going:
            raise click.ClickException(
                f"{_count(len(errors), 'error')} in {data}: nothing was "
                f"exported and {out} is unchanged. Fix them (feeds check lists them), or pass "
                "--keep-going to export with the last good version of each broken article"
            )
        if errors:
            # A broken article the export at OUT published, with no last good version
            # here (another machine, another cache folder): exporting would drop it.
            stranded = sorted(published(out) & set(store.left_out()))
            if stranded:
                raise click.ClickException(
                    f"{', '.join(stranded)}: in the export at {out}, but broken, with no "
                    "last good version here to keep it there (the parse cache of the build "
                    f"that exported it is not in this cache folder): nothing was exported "
                    f"and {out} is unchanged. Fix {'it' if len(stranded) == 1 else 'them'} "
                    "(feeds check lists the errors), or build where that build ran"
                )
        # Counting walks every document (80 ms at 10,000 articles): only for a bar.
        total = count_documents(current[0]) if sys.stdout.isatty() else 0
        try:
            if total > 200:
                with click.progressbar(length=total, label="Building") as bar:
                    summary = build_site(publisher, out, progress=bar.update)
            else:
                summary = build_site(publisher, out)
        except (FileExistsError, ValueError) as error:
            raise click.ClickException(str(error)) from None
    finally:
        # Last, with what the build worked out (each article's digest, Article.digest):
        # the next build, check or server start reads only what changed.
        publisher.store.save_cache()
        publisher.close()
    click.echo(
        f"{out}: {_count(summary.files, 'file')} ({summary.written} written, "
        f"{summary.unchanged} unchanged) in {summary.seconds:.1f} s"
    )
    if errors:
        left_out = store.left_out()
        click.echo(
            f"exported with {_count(len(errors), 'error')}: broken "
            "articles kept their last good version"
            + (f"; never good here, so left out: {', '.join(left_out)}" if left_out else ""),
            err=True,
        )
        sys.exit(1)


def _stats_database(data: Path, db: Path | None):
    """Open the statistics database named by --db, FEEDS_STATS_DB or the data folder."""
    import sqlite3

    from feeds.stats.config import database_path
    from feeds.stats.db import NewerDatabase, open_database

    path = db or database_path(data, os.environ)
    if path is None:
        raise click.ClickException(
            "counting is off (FEEDS_STATS_DB=off, or no parse cache folder to keep it in); "
            "pass --db with the statistics database, or set FEEDS_STATS_DB to its path"
        )
    try:
        return open_database(path)
    except NewerDatabase as error:
        raise click.ClickException(str(error)) from None
    except (sqlite3.Error, OSError) as error:
        raise click.ClickException(
            f"cannot open the statistics database {path}: {error}; check the path and that "
            "you may write there"
        ) from None


STATS_DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The statistics database (default: FEEDS_STATS_DB, else the one of --data).",
)


@main.group(invoke_without_command=True)
@DATA_OPTION
@STATS_DB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="json for dashboards.",
)  # fmt: skip
@click.pass_context
def stats(ctx: click.Context, data: Path, db: Path | None, fmt: str) -> None:
    """Subscribers per feed: aggregators' reports plus individual readers, with trends."""
    ctx.obj = {"data": data, "db": db}
    if ctx.invoked_subcommand is not None:
        return
    from feeds.stats.report import build_report, format_text

    titles = {}
    if (data / SITE_FILE).is_file():
        store = Store(data)
        store.refresh()
        if store.catalog is not None:
            view = store.catalog.view(datetime.now(UTC))
            titles = {f"{f.kind}/{f.slug}" if f.slug else f.kind: f.title for f in view.feeds()}
    database = _stats_database(data, db)
    try:
        report = build_report(database, titles=titles)
    finally:
        database.close()
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(format_text(report), nl=False)


@stats.command("import")
@click.argument("logs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@DATA_OPTION
@STATS_DB_OPTION
@click.pass_obj
def stats_import(obj: dict, logs: tuple[Path, ...], data: Path, db: Path | None) -> None:
    """Count the feed requests of nginx/gunicorn access logs (gzipped too), each once."""
    from feeds.stats.logs import import_logs

    for log in logs:
        if not log.is_file():
            raise click.ClickException(f"{log}: no such file; give the path of an access log")
    database = _stats_database(data, db or obj["db"])
    try:
        try:
            results = import_logs(database, logs)
        except OSError as error:
            raise click.ClickException(f"cannot read a log: {error}") from None
    finally:
        database.close()
    for result in results:
        if result.skipped:
            click.echo(f"{result.path}: not imported: {result.skipped}", err=True)
            continue
        line = (
            f"{result.path}: {_count(result.lines, 'new line')}, "
            f"{_count(result.counted, 'feed request')} counted"
        )
        if result.unreadable:
            line += f", {_count(result.unreadable, 'line')} not in the combined log format"
        click.echo(line)


if __name__ == "__main__":
    main()
