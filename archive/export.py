"""Exporting the latest version of every report as JSON lines or CSV.

One object per page's latest version: the parser's JSON (issue 3) plus `url`, `portal`, `version`
(1 for a page's first version), and the `sha256` and `fetched_at` of the snapshot that brought
that version, so every figure can be traced to the bytes, address and time it came from.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

import sqlite_utils

from .reports import PARSE_FIELDS, parse_json

PROVENANCE = ("url", "portal", "version", "sha256", "fetched_at")


def latest_reports(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    rows = db.execute(
        "SELECT r.id, p.url, p.portal, r.version, r.sha256, s.fetched_at FROM pages p "
        "JOIN reports r ON r.id = p.latest_report_id JOIN snapshots s ON s.id = r.snapshot_id "
        "ORDER BY p.portal, p.url"
    ).fetchall()
    for report_id, url, portal, version, digest, fetched_at in rows:
        report = parse_json(db, report_id)
        report.update(url=url, portal=portal, version=version, sha256=digest, fetched_at=fetched_at)
        yield report


def unparsed_count(db: sqlite_utils.Database) -> int:
    return db.execute(
        "SELECT count(*) FROM pages p JOIN reports r ON r.id = p.latest_report_id WHERE r.parsed_at IS NULL"
    ).fetchone()[0]


def write_jsonl(db: sqlite_utils.Database, out: IO[str]) -> int:
    count = 0
    for report in latest_reports(db):
        out.write(json.dumps(report, ensure_ascii=False) + "\n")
        count += 1
    return count


def value_columns(db: sqlite_utils.Database) -> list[str]:
    """Every key some latest version has a figure for, in template order."""
    return [
        key
        for (key,) in db.execute(
            "SELECT k.key FROM value_keys k WHERE k.id IN (SELECT v.key_id FROM report_values v "
            "JOIN pages p ON p.latest_report_id = v.report_id) ORDER BY k.id"
        )
    ]


def write_csv(db: sqlite_utils.Database, out: IO[str]) -> int:
    """One row per report; figures one column each (named by key); checks and warnings as JSON."""
    keys = value_columns(db)
    scalars = [name for name in PARSE_FIELDS if name not in ("values", "checks", "warnings")]
    header = [*PROVENANCE, *scalars, "checks_failed", "checks", "warnings", *keys]
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for report in latest_reports(db):
        failed = sum(1 for check in report["checks"] if not check["ok"])
        writer.writerow(
            [report[name] for name in PROVENANCE]
            + [report[name] for name in scalars]
            + [failed, json.dumps(report["checks"], ensure_ascii=False), json.dumps(report["warnings"], ensure_ascii=False)]
            + [report["values"].get(key, "") for key in keys]
        )
        count += 1
    return count
