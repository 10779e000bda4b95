"""The archive's documentation, read back from `schema_docs`: as text, and as Datasette metadata."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from . import schema

ABOUT = (
    "Every version of every government information-disclosure annual report (政府信息公开工作年度报告) "
    "nianbao fetched, with provenance: where (url, final_url), when (fetched_at, UTC), by which crawl "
    "run, spider and nianbao version, and the exact bytes (blobs, by SHA-256). Start with "
    "latest_reports, report_figures, failed_checks and report_changes."
)

SEARCH_SQL = """SELECT r.id AS report_id, p.url, p.portal, r.agency, r.year, r.title, r.version,
       '/-/archived/' || r.id AS archived_copy,
       substr(t.text, max(1, instr(t.text, :q) - 40), 100) AS snippet
FROM reports_fts_pairs
JOIN reports r ON r.id = reports_fts_pairs.rowid
JOIN pages p ON p.id = r.page_id AND p.latest_report_id = r.id
LEFT JOIN report_texts t ON t.report_id = r.id
WHERE reports_fts_pairs MATCH nianbao_match(:q)
ORDER BY bm25(reports_fts_pairs, 10.0, 5.0, 1.0)
LIMIT 100"""

def documentation(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """{table: {"description": ..., "columns": {column: description}}} from schema_docs."""
    out: dict[str, dict[str, Any]] = {}
    for table, column, description in db.execute("SELECT table_name, column_name, description FROM schema_docs"):
        entry = out.setdefault(table, {"description": "", "columns": {}})
        if column:
            entry["columns"][column] = description
        else:
            entry["description"] = description
    return out


def datasette_metadata(db: sqlite_utils.Database, database_name: str) -> dict[str, Any]:
    """Datasette metadata: every table's and column's description, search, and a search query."""
    tables: dict[str, Any] = {}
    for name, entry in documentation(db).items():
        tables[name] = {"description": entry["description"], "columns": entry["columns"]}
        if name in schema.FTS_SHADOW_TABLES:
            tables[name]["hidden"] = True
    # The search box sends the words typed, each quoted: the trigram index answers them as they are.
    tables["reports"].update(fts_table=schema.FTS_TABLE, fts_pk="id")
    return {
        "title": "nianbao archive",
        "description": ABOUT,
        "databases": {
            database_name: {
                "description": ABOUT,
                "tables": tables,
                "queries": {
                    "search": {
                        "title": "Search report text",
                        "description": "Full-text search of the latest reports; any Chinese word of two "
                        "or more characters is found where it occurs (年报, 行政复议, 信息公开).",
                        "sql": SEARCH_SQL,
                    }
                },
            }
        },
    }
