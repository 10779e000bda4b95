"""The archive's documentation, read back from `schema_docs`: as text, and as Datasette metadata."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from . import schema

ABOUT = (
    "Every version of every government information-disclosure annual report (政府信息公开工作年度报告) "
    "nianbao fetched, with provenance: where (url, final_url), when (fetched_at, UTC), by which crawl "
    "run, spider and nianbao version, and the exact bytes (blobs, by SHA-256). Start with "
    "the panel (one row per agency and year), failed_checks, cross_year_failures and report_changes."
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


#: Tables only the archive's machinery reads: hidden from Datasette's front page (one click away).
INTERNAL_TABLES = ("archive_meta", "schema_docs", "zstd_dictionaries", "blobs", "page_validators", "agency_names",
                   "report_texts", "report_values", "report_checks", "value_changes")
#: The views a researcher starts from, in the order the front page lists them.
START_HERE = (
    ("panel", "one row per agency and year: the canonical report's figures, agency id, division code, level"),
    ("failed_checks", "agencies whose printed tables do not add up"),
    ("cross_year_failures", "what a report carried forward that the next year's did not carry over"),
    ("report_changes", "reports changed after they were first archived"),
    ("agencies", "every reporting agency, with its 行政区划代码"),
    ("alternate_reports", "second copies (a page and its attachment) linked to the panel's"),
)
FACETS = {
    "panel": ["portal", "level", "template", "year"],
    "report_figures": ["portal", "template", "year"],
    "latest_reports": ["portal", "kind", "template", "year"],
    "failed_checks": ["portal", "check_name", "year"],
    "cross_year_failures": ["portal", "check_name", "year"],
    "agencies": ["portal", "level"],
}
UNITS = ("Figures are counts (件) unless value_keys.unit says otherwise: fees in 10k_yuan (万元) from the "
         "2019 and 2021 templates, yuan (元) in pre-2019 stats.fees. Years are the years reported on, times UTC.")
SEARCH_HELP = ("Search: the box on the reports table and `reports_fts MATCH '行政复议'` in SQL find any word of "
               "three characters or more as typed; for one or two characters (复议, 年报) use the search query "
               "below (or `reports_fts_pairs MATCH nianbao_match('复议')` under nianbao serve).")
FIGURE_QUERY = """SELECT p.agency, p.year, v.value, p.portal, p.division_code, p.url, p.sha256
FROM panel p
JOIN report_values v ON v.report_id = p.report_id
WHERE v.key_id = (SELECT id FROM value_keys WHERE key = :key)
  AND (p.agency LIKE '%' || :agency || '%' OR p.portal = :agency)
ORDER BY p.agency, p.year"""
#: datasette-vega reads its chart from the URL's fragment: a line per agency, year across.
CHART_FRAGMENT = "#g.mark=line&g.x_column=year&g.x_type=ordinal&g.y_column=value&g.y_type=quantitative&g.color_column=agency"


def _queries() -> dict[str, Any]:
    return {
        "figure_over_years": {
            "title": "A figure over the years, per agency (panel of one figure, with a chart)",
            "description": "A key from value_keys (applications.new_received.total: applications received), "
                           "agency: part of a name or a portal (empty: all). The chart draws a line per agency.",
            "sql": FIGURE_QUERY,
            "params": ["key", "agency"],
        },
        "tables_that_do_not_add_up": {
            "title": "Agencies whose tables do not add up",
            "sql": "SELECT agency, year, portal, count(*) AS failed_identities, group_concat(check_name, '; ') AS checks, url\n"
                   "FROM failed_checks GROUP BY agency_id, year ORDER BY failed_identities DESC, agency, year",
        },
        "changed_after_publication": {
            "title": "Reports changed after publication",
            "sql": "SELECT url, portal, old_fetched_at, new_fetched_at, values_changed, value_changes, text_changed,\n"
                   "       old_sha256, new_sha256 FROM report_changes ORDER BY new_fetched_at DESC",
        },
        "trace_a_number": {
            "title": "Trace a number to its bytes",
            "description": "Every figure of one agency's report for a year, with the URL, fetch time and the "
                           "SHA-256 of the bytes it was read from (its link opens the archived copy).",
            "sql": "SELECT p.agency, p.year, k.key, k.label, v.value, k.unit, p.url, p.fetched_at, p.sha256,\n"
                   "       '/-/archived/' || p.report_id AS archived_copy\n"
                   "FROM panel p JOIN report_values v ON v.report_id = p.report_id JOIN value_keys k ON k.id = v.key_id\n"
                   "WHERE p.agency LIKE '%' || :agency || '%' AND p.year = :year ORDER BY k.id",
        },
        "search": {
            "title": "Search report text",
            "description": "Full-text search of the latest reports; any Chinese word, two characters included, "
                           "is found where it occurs (年报, 复议, 信息公开), with the text around it.",
            "sql": SEARCH_SQL,
        },
    }


def _front_page(database_name: str, portal: str) -> str:
    from html import escape

    items = "".join(f'<li><a href="/{database_name}/{name}">{name}</a>: {escape(what)}</li>' for name, what in START_HERE)
    chart = f"/{database_name}/figure_over_years?key=applications.new_received.total&agency={portal}{CHART_FRAGMENT}"
    return (f"<p>{escape(ABOUT)}</p><p><strong>Start here</strong></p><ul>{items}"
            f'<li><a href="{chart}">applications received per year, a line per agency of {portal}</a> (chart)</li></ul>'
            f"<p>{escape(UNITS)}</p><p>{escape(SEARCH_HELP)}</p>"
            "<p>Every <code>sha256</code> links to the archived copy, served from the archive with scripts off; "
            "<code>url</code> is the live page.</p>")


def datasette_metadata(db: sqlite_utils.Database, database_name: str) -> dict[str, Any]:
    """Datasette metadata: a front page, every table's and column's description, facets, queries."""
    tables: dict[str, Any] = {}
    for name, entry in documentation(db).items():
        tables[name] = {"description": entry["description"], "columns": entry["columns"]}
        if name in schema.FTS_SHADOW_TABLES or name in INTERNAL_TABLES or name == schema.PAIRS_TABLE:
            tables[name]["hidden"] = True
        if name in FACETS:
            tables[name]["facets"] = FACETS[name]
    # The search box sends the words typed, each quoted: the trigram index answers them as they are.
    tables["reports"].update(fts_table=schema.FTS_TABLE, fts_pk="id")
    tables["panel"]["sort"] = "agency_id"
    # The chart the front page links to: the portal with the most agency-years.
    busiest = db.execute("SELECT portal FROM panel GROUP BY portal ORDER BY count(*) DESC, portal LIMIT 1").fetchone()
    front = _front_page(database_name, busiest[0] if busiest else "")
    about = {
        "source": "Government information-disclosure annual reports, as published on each portal (see crawl_runs, snapshots)",
        "license": "Public government reports; the archive as collected by nianbao (Apache-2.0 software)",
        "license_url": "https://www.apache.org/licenses/LICENSE-2.0",
    }
    return {
        "title": "nianbao archive: government information-disclosure annual reports (政府信息公开工作年度报告)",
        "description_html": front,
        **about,
        "databases": {
            database_name: {"description_html": front, **about, "tables": tables, "queries": _queries()},
        },
    }
