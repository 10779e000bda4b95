"""Parsed reports in the archive: writing a parse into the tables, and reading it back as JSON.

A parse is the parser's JSON object (issue 3: `source, title, agency, year, published, index_no,
template, values, checks, warnings`) plus the cleaned text. Its scalar fields go on the report
version's row in `reports`, its figures into `report_values` (one row per key), its checks into
`report_checks`, its text into `report_texts` and the full-text index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from . import agencies, figures, fts
from .clock import utc_now

#: The parse JSON's fields, in the parser's order.
PARSE_FIELDS = ("source", "title", "agency", "year", "published", "index_no", "template", "values", "checks", "warnings")
_SCALARS = ("source", "title", "agency", "year", "published", "index_no", "template")


@dataclass
class Parsed:
    """What the parser made of one body (built in a worker process, stored by the writer)."""

    parser_version: str
    report: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    #: Set when the parser raised (it should not: a failure is still recorded, not fatal).
    error: str | None = None


def template_keys() -> list[dict[str, Any]]:
    """Every canonical key of the three templates, with its table, printed label and unit."""
    from extract import templates

    rows: dict[str, dict[str, Any]] = {}
    for name in templates.TEMPLATES:
        template = templates.TEMPLATES_BY_NAME[name]
        for table in template.tables:
            for block in table.blocks:
                for row in block.rows:
                    for column in block.columns:
                        key = ".".join(part for part in (table.key, row.key, column.key) if part)
                        label = " ".join(part for part in (block.heading, row.label, column.label) if part)
                        entry = rows.setdefault(
                            key,
                            {"key": key, "templates": [], "table_name": table.key, "label": label,
                             "unit": "yuan" if key.startswith("stats.fees") else templates.unit(key)},
                        )
                        entry["templates"].append(name)
    for entry in rows.values():
        entry["templates"] = ",".join(entry["templates"])
    return list(rows.values())


def ensure_value_keys(db: sqlite_utils.Database) -> None:
    db.conn.executemany(
        "INSERT OR IGNORE INTO value_keys(key, templates, table_name, label, unit) VALUES (?, ?, ?, ?, ?)",
        [(k["key"], k["templates"], k["table_name"], k["label"], k["unit"]) for k in template_keys()],
    )
    name_keys(db)


def name_keys(db: sqlite_utils.Database) -> None:
    """English labels and panel column names for keys that lack them (new keys, older archives)."""
    from .panel import column_names, english_label

    keys = [key for (key,) in db.execute("SELECT key FROM value_keys ORDER BY id")]
    names = column_names(keys)
    db.conn.executemany(
        "UPDATE value_keys SET label_en = ?, column_name = ? WHERE key = ? AND (label_en IS NULL OR column_name IS NOT ?)",
        [(english_label(key), names[key], key, names[key]) for key in keys],
    )


class KeyIds:
    """value_keys ids by key, adding keys the templates do not know (a parser may emit others)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._ids: dict[str, int] = {}

    def __call__(self, key: str) -> int:
        known = self._ids.get(key)
        if known is not None:
            return known
        row = self.db.execute("SELECT id FROM value_keys WHERE key = ?", [key]).fetchone()
        if row is None:
            table_name = key.split(".", 1)[0]
            row = (self.db.execute(
                "INSERT INTO value_keys(key, table_name) VALUES (?, ?)", [key, table_name]
            ).lastrowid,)
        self._ids[key] = row[0]
        return row[0]


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def store(db: sqlite_utils.Database, key_ids: KeyIds, report_id: int, parsed: Parsed) -> None:
    """Write (or replace) the parse of one report version. Runs inside the caller's transaction."""
    previous = db.execute(
        "SELECT r.parsed_at, r.title, r.agency, t.text FROM reports r "
        "LEFT JOIN report_texts t ON t.report_id = r.id WHERE r.id = ?",
        [report_id],
    ).fetchone()
    if previous is None:
        raise KeyError(f"no report version {report_id}")
    if previous[0] is not None:
        fts.remove(db, report_id, previous[1], previous[2], previous[3])
        for table in ("report_values", "report_checks", "report_texts"):
            db.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])

    report = parsed.report or {}
    values = report.get("values") or {}
    checks = report.get("checks") or []
    failed = sum(1 for check in checks if not check.get("ok"))
    main = figures.compute(values)
    db.execute(
        f"""UPDATE reports SET parser_version = ?, parsed_at = ?, parse_error = ?, warnings = ?,
            value_count = ?, checks_failed = ?, {", ".join(f"{name} = ?" for name in (*_SCALARS, *main))}
            WHERE id = ?""",
        [parsed.parser_version, utc_now(), parsed.error, _json_or_none(report.get("warnings") or []),
         len(values), failed, *[report.get(name) for name in _SCALARS], *main.values(), report_id],
    )
    sources = report.get("sources") or {}
    db.conn.executemany(
        "INSERT INTO report_values(report_id, key_id, value, source) VALUES (?, ?, ?, ?)",
        [(report_id, key_ids(key), value, sources.get(key)) for key, value in values.items()],
    )
    db.conn.executemany(
        "INSERT INTO report_checks(report_id, seq, name, ok, detail) VALUES (?, ?, ?, ?, ?)",
        [
            (report_id, seq, str(check.get("name", "")), int(bool(check.get("ok"))), _detail_text(check.get("detail")))
            for seq, check in enumerate(checks)
        ],
    )
    db.execute("INSERT INTO report_texts(report_id, text) VALUES (?, ?)", [report_id, parsed.text or ""])
    fts.add(db, report_id, report.get("title"), report.get("agency"), parsed.text)
    # A resolver per transaction: an agency made in a transaction that rolls back is forgotten with it.
    agencies.Resolver(db).resolve_report(report_id)


def _detail_text(detail: Any) -> str | None:
    if detail is None or isinstance(detail, str):
        return detail
    return json.dumps(detail, ensure_ascii=False)


def parse_json(db: sqlite_utils.Database, report_id: int) -> dict[str, Any]:
    """The parse of one report version as the parser gave it (issue 3's JSON object)."""
    row = db.execute(
        f"SELECT parsed_at, warnings, {', '.join(_SCALARS)} FROM reports WHERE id = ?", [report_id]
    ).fetchone()
    if row is None:
        raise KeyError(f"no report version {report_id}")
    parsed_at, warnings, *scalars = row
    out: dict[str, Any] = dict(zip(_SCALARS, scalars))
    out["values"] = {
        key: value
        for key, value in db.execute(
            "SELECT k.key, v.value FROM report_values v JOIN value_keys k ON k.id = v.key_id "
            "WHERE v.report_id = ? ORDER BY k.id",
            [report_id],
        )
    }
    out["checks"] = [
        {"name": name, "ok": bool(ok), "detail": detail}
        for name, ok, detail in db.execute(
            "SELECT name, ok, detail FROM report_checks WHERE report_id = ? ORDER BY seq", [report_id]
        )
    ]
    out["warnings"] = json.loads(warnings) if warnings else ([] if parsed_at else ["not parsed yet"])
    return {name: out[name] for name in PARSE_FIELDS}
