"""`nianbao parse PATH... [--json | --summary | --explain]`: parse report files, one JSON object per line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _paths(args: tuple[str, ...]):
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        else:
            yield p


def _summary(report) -> str:
    failed = len(report.failed_checks)
    return (f"{report.source}\t{report.template or '-'}\t{report.year or '-'}\t{report.agency or '-'}\t"
            f"{len(report.values)} values\t{len(report.checks) - failed}/{len(report.checks)} checks pass"
            + (f"\t{len(report.warnings)} warnings" if report.warnings else ""))


@click.command("parse")
@click.argument("paths", nargs=-1, required=True)
@click.option("--json/--summary", "as_json", default=True,
              help="One JSON object per file (default), or one tab-separated summary line per file.")
@click.option("--explain", is_flag=True,
              help="Per table: how it was found, which cells were read (and from where), which were left out and why.")
def parse_command(paths: tuple[str, ...], as_json: bool, explain: bool) -> None:
    """Parse annual reports (.html page, .txt, .md, .pdf, .docx, .xlsx) into values and checks.

    Prints one line per file: {"source", "title", "agency", "year", "published", "index_no",
    "template", "values", "checks", "warnings"}. A file that is not a report has template null and
    says so in warnings. A file that cannot be read is named on stderr; the others still parse,
    and the exit code is 1. `--explain` prints instead, per table, how the parser found it and
    what it read of it.
    """
    import extract
    from extract.explain import explain as explained

    failures = 0
    for path in _paths(paths):
        report = extract.parse_path(path)
        if not report.readable:
            failures += 1
            reason = "; ".join(report.warnings) or "unreadable"
            click.echo(f"nianbao parse: {path}: {reason}", err=True)
            if not path.is_file():
                continue
        if explain:
            click.echo(explained(report) + "\n")
        elif as_json:
            click.echo(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            click.echo(_summary(report))
        sys.stdout.flush()
    if failures:
        raise SystemExit(1)
