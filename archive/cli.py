"""`nianbao export | reparse | verify | serve | show | merge`: what researchers and maintainers do with an archive."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

DEFAULT_DB = "nianbao.db"

_db_option = click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Archive file.",
)


@click.command("export")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "warc", "parquet", "dta"]), default=None,
              help="jsonl (default), csv or warc; with --panel: csv (default), parquet or dta (Stata).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", help="File (default stdout).")
@click.option("--gzip/--no-gzip", "gzip", default=None, help="WARC only: gzip records (default: unless -o ends in .warc).")
@click.option("--panel", is_flag=True, help="The research panel: one row per agency and year, every figure a column, "
              "a codebook beside it (FILE.codebook.csv).")
@click.option("--long", "long_form", is_flag=True, help="With --panel: one row per agency, year and figure.")
def export_command(db: str, fmt: str | None, output: str, gzip: bool | None, panel: bool, long_form: bool) -> None:
    """Export the latest version of every report (jsonl, csv), every fetch as WARC 1.1, or the
    panel (--panel: csv, parquet, dta)."""
    from . import Archive, export, warc

    if panel or long_form:
        _export_panel(db, fmt or "csv", output, long_form)
        return
    fmt = fmt or "jsonl"
    if fmt in ("parquet", "dta"):
        raise click.UsageError(f"--format {fmt} is for the panel: add --panel")
    with Archive(db) as archive:
        if fmt == "warc":
            if gzip is None:
                gzip = not output.endswith(".warc")
            stream = sys.stdout.buffer if output == "-" else open(output, "wb")
            try:
                count = warc.write_warc(archive.db, stream, gzip=gzip, filename=None if output == "-" else Path(output).name)
            finally:
                if stream is not sys.stdout.buffer:
                    stream.close()
            click.echo(f"{count} WARC records", err=True)
            return
        stream = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")
        try:
            count = (export.write_jsonl if fmt == "jsonl" else export.write_csv)(archive.db, stream)
        finally:
            if stream is not sys.stdout:
                stream.close()
        pending = export.unparsed_count(archive.db)
    click.echo(f"{count} reports", err=True)
    if pending:
        click.echo(f"{pending} of them not parsed yet (exported without figures): run nianbao reparse", err=True)


def _export_panel(db: str, fmt: str, output: str, long_form: bool) -> None:
    from . import Archive, panel

    if fmt not in panel.FORMATS:
        raise click.UsageError(f"--panel writes {', '.join(panel.FORMATS)}, not {fmt}")
    if output == "-":
        raise click.UsageError("--panel needs a file (-o panel.csv): its codebook is written beside it")
    with Archive(db) as archive:
        try:
            count = panel.write(archive.db, output, fmt, long=long_form)
        except RuntimeError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"{count} rows ({'agency, year and figure' if long_form else 'agency and year'}) in {output}; "
               f"codebook {panel.codebook_path(output)}", err=True)


@click.command("reparse")
@_db_option
@click.option("--all", "everything", is_flag=True, help="Every version, even those the current parser read.")
@click.option("--workers", type=int, default=None, help="Parser processes (default: cores - 1).")
@click.option("--parser", default="extract", show_default=True, hidden=True)
def reparse_command(db: str, everything: bool, workers: int | None, parser: str) -> None:
    """Re-run the current parser over the stored snapshots (no fetching).

    By default only versions not yet parsed by this parser version are parsed again.
    """
    from . import ArchiveWriter
    from .parsing import parser_version

    try:
        version = parser_version(parser)
    except Exception as error:
        raise click.ClickException(f"cannot load the parser {parser!r}: {error}") from error
    writer = ArchiveWriter(db, parser=parser, parse_workers=workers, parse_backlog=False)
    try:
        queued = writer.reparse(everything=everything)
        click.echo(f"reparsing {queued} report version(s) with parser {version}", err=True)
        writer.drain()
    finally:
        writer.close()
    from . import Archive

    with Archive(db) as archive:
        failed = archive.db.execute(
            "SELECT count(*) FROM reports WHERE parser_version = ? AND parse_error IS NOT NULL", [version]
        ).fetchone()[0]
    click.echo(f"done: {queued} reparsed, {failed} with parser errors", err=True)


@click.command("verify")
@_db_option
def verify_command(db: str) -> None:
    """Recheck every stored body against its SHA-256 (and SQLite's own integrity). Exit 1 on damage."""
    from . import Archive

    bad = 0
    checked = 0
    with Archive(db) as archive:
        integrity = [row[0] for row in archive.db.execute("PRAGMA quick_check")]
        if integrity != ["ok"]:
            bad += 1
            click.echo("SQLite integrity: " + "; ".join(integrity[:5]), err=True)
        for digest, problem in archive.blobs.verify():
            checked += 1
            if problem is None:
                continue
            bad += 1
            urls = [url for (url,) in archive.db.execute("SELECT DISTINCT url FROM snapshots WHERE sha256 = ?", [digest])]
            click.echo(f"blob {digest}: {problem} (fetched from {', '.join(urls) or 'no snapshot'})", err=True)
    click.echo(f"{checked} blobs checked, {bad} problem(s)", err=True)
    if bad:
        sys.exit(1)


@click.command("show")
@_db_option
@click.argument("ref")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="File to save the bytes in (default stdout).")
@click.option("--text", "as_text", is_flag=True, help="The cleaned text the parser read, not the bytes.")
def show_command(db: str, ref: str, output: str, as_text: bool) -> None:
    """Print or save an archived copy exactly as fetched: REF is a URL, a SHA-256 or a report id.

    Its SHA-256, URL and content type go to stderr; the bytes (or, with --text, the cleaned
    text) to stdout or -o FILE.
    """
    from . import Archive

    with Archive(db) as archive:
        try:
            copy = archive.copy(ref)
        except KeyError as error:
            raise click.ClickException(error.args[0]) from error
        if as_text:
            text = archive.text(copy["report_id"]) if copy["report_id"] else None
            if text is None:
                raise click.ClickException(f"report {copy['report_id']} has no parsed text (run nianbao reparse)")
            data = text.encode("utf-8")
        else:
            data = archive.body(copy["sha256"])
    click.echo(f"sha256 {copy['sha256']}  report {copy['report_id']}  {copy['content_type'] or '?'}  {copy['url']}", err=True)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(output).write_bytes(data)


@click.command("serve")
@_db_option
@click.option("-h", "--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=int)
@click.option("--metadata", "print_metadata", is_flag=True, help="Print the Datasette metadata JSON and exit.")
def serve_command(db: str, host: str, port: int, print_metadata: bool) -> None:
    """Browse the archive in Datasette, every table and column documented (needs nianbao[serve])."""
    from . import Archive
    from .docs import datasette_metadata

    name = Path(db).stem
    with Archive(db) as archive:
        metadata = datasette_metadata(archive.db, name)
    if print_metadata:
        click.echo(json.dumps(metadata, ensure_ascii=False, indent=2))
        return
    try:
        from .datasette_plugin import datasette_app
    except ImportError as error:
        raise click.ClickException(
            f"Datasette is not installed ({error}): pip install 'nianbao[serve]'"
        ) from error
    import uvicorn

    click.echo(f"serving {db} at http://{host}:{port}/{name}", err=True)
    uvicorn.run(datasette_app(db, metadata).app(), host=host, port=port, log_level="warning")


@click.command("merge")
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--into", "target", required=True, type=click.Path(dir_okay=False),
              help="The archive to merge into (created if missing).")
@click.option("--node", default=None, help="Where the shards' runs ran (a Scrapyd node, a machine): kept in crawl_runs.node.")
@click.option("--compact", is_flag=True, help="Then give each portal one zstd dictionary again, its bodies "
              "recompressed onto it (slower; a smaller file).")
def merge_command(shards: tuple[str, ...], target: str, node: str | None, compact: bool) -> None:
    """Merge other nianbao archives (SHARD...) into --into DB: blobs once by SHA-256, pages by
    URL, versions in fetch-time order, runs with the node they came from.

    Each shard is one transaction: a merge stopped at any point leaves DB as it was before that
    shard or after it. Merging a shard again adds nothing.
    """
    from .merge import MergeError, merge

    try:
        summaries = merge(target, list(shards), node=node, compact=compact)
    except MergeError as error:
        raise click.ClickException(str(error)) from error
    for summary in summaries:
        click.echo(summary.line() if summary.changed else f"{summary.shard}: nothing new", err=True)
