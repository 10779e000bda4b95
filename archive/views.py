"""Views that answer researchers' common questions directly, each documented column by column."""

from __future__ import annotations

from dataclasses import dataclass

from .figures import MAIN_FIGURES


@dataclass(frozen=True)
class View:
    name: str
    doc: str
    sql: str
    columns: dict[str, str]


#: A page the parser read without error and found no report in (a list page, a notice): its
#: template is empty. Attachments stay: a report's file is a copy of the report, figures or not.
NOT_A_REPORT = "(r.parsed_at IS NOT NULL AND r.parse_error IS NULL AND r.template IS NULL AND p.kind = 'page')"

_LATEST_COLUMNS = {
    "report_id": "The latest version (reports.id).",
    "page_id": "The page (pages.id).",
    "url": "Canonical URL.",
    "portal": "Portal.",
    "kind": "`page` or `attachment`.",
    "agency_column": "The portal column it is listed under.",
    "version": "Version number (1 = first content archived).",
    "version_count": "How many versions the page has.",
    "sha256": "Its bytes (blobs.sha256).",
    "fetched_at": "When this version was first fetched (UTC).",
    "last_seen_at": "When it was last confirmed current (UTC).",
    "gone_at": "When the page answered 404/410 (empty while online).",
    "rendered": "1 when stored as a browser-rendered DOM.",
    "title": "Report title as printed.",
    "agency": "Reporting agency.",
    "year": "Year the report covers.",
    "published": "Publication date.",
    "index_no": "索引号.",
    "template": "Template generation (2021, 2019, pre2019).",
    "value_count": "Figures read.",
    "checks_failed": "Identities that failed.",
    "parser_version": "Parser version that read it.",
    "parse_error": "Parser failure, if any.",
}

LATEST_REPORTS = View(
    "latest_reports",
    "The latest version of every archived report, with where and when it was fetched. Pages the "
    "parser read as no report (a list page, a notice) are left out: they are in `non_reports`.",
    """SELECT r.id AS report_id, p.id AS page_id, p.url, p.portal, p.kind, p.agency_column,
       r.version, p.version_count, r.sha256, r.first_seen_at AS fetched_at, r.last_seen_at,
       p.gone_at, r.rendered, r.title, r.agency, r.year, r.published, r.index_no, r.template,
       r.value_count, r.checks_failed, r.parser_version, r.parse_error
FROM pages p JOIN reports r ON r.id = p.latest_report_id
WHERE NOT """ + NOT_A_REPORT,
    _LATEST_COLUMNS,
)

REPORT_OBSERVATIONS = View(
    "report_observations",
    "Every report (latest version) placed as an observation: its agency and year, and whether it "
    "is the canonical report of that agency and year (`rank` 1) or an alternate copy of it (the "
    "page beside its attachment, a second listing). The canonical one has the most figures, then "
    "the fewest failed identities, then is the page rather than the file. An attachment the "
    "parser found no agency or year in takes its report page's.",
    """WITH candidates AS (
  SELECT r.id AS report_id, p.id AS page_id, p.kind, p.portal, p.url,
         COALESCE(r.agency_id, parent.agency_id) AS agency_id,
         COALESCE(r.year, parent.year) AS year,
         COALESCE(r.value_count, 0) AS value_count, r.checks_failed
  FROM reports r
  JOIN pages p ON p.id = r.page_id
  LEFT JOIN pages pp ON p.kind = 'attachment' AND pp.url = p.found_on
  LEFT JOIN reports parent ON parent.id = pp.latest_report_id
  WHERE r.is_latest = 1 AND (r.template IS NOT NULL OR parent.template IS NOT NULL)
)
SELECT report_id, page_id, kind, portal, url, agency_id, year, value_count, checks_failed,
       ROW_NUMBER() OVER observation AS rank,
       FIRST_VALUE(report_id) OVER observation AS canonical_report_id,
       COUNT(*) OVER (PARTITION BY agency_id, year) AS copies
FROM candidates
WHERE agency_id IS NOT NULL AND year IS NOT NULL
WINDOW observation AS (PARTITION BY agency_id, year
                       ORDER BY value_count DESC, COALESCE(checks_failed, 1000000), kind = 'page' DESC, report_id)""",
    {
        "report_id": "The report's latest version (reports.id).",
        "page_id": "Its page (pages.id).",
        "kind": "`page` or `attachment`.",
        "portal": "Portal.",
        "url": "Canonical URL.",
        "agency_id": "The agency (agencies.id).",
        "year": "Year the report covers.",
        "value_count": "Figures read.",
        "checks_failed": "Identities that failed.",
        "rank": "1 for the canonical report of its agency and year, 2, 3 ... for the alternates.",
        "canonical_report_id": "The canonical report of its agency and year (itself when rank is 1).",
        "copies": "How many reports (canonical and alternates) the agency and year have.",
    },
)

ALTERNATE_REPORTS = View(
    "alternate_reports",
    "Reports that are a second copy of an agency's report for a year (the page beside its "
    "attachment, a report listed twice), each linked to the canonical one the panel uses.",
    """SELECT o.report_id, o.url, o.kind, o.portal, a.name AS agency, o.agency_id, o.year, o.value_count,
       o.canonical_report_id, c.url AS canonical_url, c.kind AS canonical_kind, c.value_count AS canonical_value_count
FROM report_observations o
JOIN report_observations c ON c.report_id = o.canonical_report_id
JOIN agencies a ON a.id = o.agency_id
WHERE o.rank > 1""",
    {
        "report_id": "The alternate (reports.id).",
        "url": "Its URL.",
        "kind": "`page` or `attachment`.",
        "portal": "Portal.",
        "agency": "Canonical agency name.",
        "agency_id": "The agency (agencies.id).",
        "year": "Year the report covers.",
        "value_count": "Figures read from the alternate.",
        "canonical_report_id": "The canonical report of the agency and year.",
        "canonical_url": "Its URL.",
        "canonical_kind": "`page` or `attachment`.",
        "canonical_value_count": "Figures read from the canonical report.",
    },
)

_PANEL_ID_COLUMNS = {
    "agency_id": "The agency (agencies.id).",
    "agency": "Its canonical name.",
    "division_code": "Six-digit 行政区划代码 of its area (a township's or department's is its county's).",
    "level": "province, city, district/county, township or department.",
    "portal": "Portal.",
    "year": "Year the report covers.",
    "template": "Template generation (2021, 2019, pre2019).",
    "report_id": "The canonical report (reports.id, latest version).",
    "url": "Its URL.",
    "sha256": "Its bytes (blobs.sha256): `nianbao show SHA256` prints them.",
    "fetched_at": "When those bytes were first fetched (UTC).",
}

PANEL = View(
    "panel",
    "The research panel: one row per agency and year, from the canonical report (alternates are "
    "in `alternate_reports`), with the agency's id, division code and level and the main figures. "
    "Every figure of the canonical report is in `report_key_values`; `nianbao export --panel` "
    "writes them all.",
    "SELECT a.id AS agency_id, a.name AS agency, a.division_code, a.level, o.portal, o.year, r.template,\n"
    "       o.report_id, o.url, r.sha256, r.first_seen_at AS fetched_at, r.agency AS printed_agency, r.published,\n"
    "       r.checks_failed, o.copies - 1 AS alternates,\n       "
    + ", ".join(f"r.{figure.name}" for figure in MAIN_FIGURES)
    + "\nFROM report_observations o JOIN reports r ON r.id = o.report_id JOIN agencies a ON a.id = o.agency_id"
    "\nWHERE o.rank = 1",
    {
        **_PANEL_ID_COLUMNS,
        "printed_agency": "The agency as the report printed it.",
        "published": "Publication date.",
        "checks_failed": "Identities that failed (0 = the tables add up).",
        "alternates": "Other copies of this report archived (see alternate_reports).",
        **{figure.name: figure.doc for figure in MAIN_FIGURES},
    },
)

REPORT_FIGURES = View(
    "report_figures",
    "One wide row per agency and year (the canonical report) with its main figures, named alike "
    "across template generations where the templates agree. Every figure is in `report_values`.",
    "SELECT o.report_id, o.url, o.portal, a.name AS agency, o.agency_id, o.year, r.template, r.published, "
    "r.checks_failed,\n       "
    + ", ".join(f"r.{figure.name}" for figure in MAIN_FIGURES)
    + "\nFROM report_observations o JOIN reports r ON r.id = o.report_id JOIN agencies a ON a.id = o.agency_id"
    "\nWHERE o.rank = 1",
    {
        "report_id": "The canonical report (reports.id, latest version).",
        "url": "Canonical URL.",
        "portal": "Portal.",
        "agency": "Canonical agency name (agencies.name).",
        "agency_id": "The agency (agencies.id).",
        "year": "Year the report covers.",
        "template": "Template generation.",
        "published": "Publication date.",
        "checks_failed": "Identities that failed (0 = the tables add up).",
        **{figure.name: figure.doc for figure in MAIN_FIGURES},
    },
)

NON_REPORTS = View(
    "non_reports",
    "Archived pages the parser read as no annual report (list pages, notices, guides): kept, but "
    "out of the report views.",
    """SELECT r.id AS report_id, p.url, p.portal, p.agency_column, p.listed_title, r.title, r.warnings
FROM pages p JOIN reports r ON r.id = p.latest_report_id
WHERE """ + NOT_A_REPORT,
    {
        "report_id": "The latest version (reports.id).",
        "url": "Canonical URL.",
        "portal": "Portal.",
        "agency_column": "The portal column it is listed under.",
        "listed_title": "Title as the list shows it.",
        "title": "Title the parser read.",
        "warnings": "Why the parser found no report.",
    },
)

UNPLACED_REPORTS = View(
    "unplaced_reports",
    "Reports (latest versions) that are in no panel row: no year read, or an agency name that "
    "could not be resolved (see unresolved_agency_names).",
    """SELECT r.id AS report_id, p.url, p.portal, p.kind, r.agency, p.agency_column, r.year, r.template,
       CASE WHEN r.agency_id IS NULL THEN 'agency not resolved' ELSE 'no year' END AS problem
FROM reports r JOIN pages p ON p.id = r.page_id
WHERE r.is_latest = 1 AND r.template IS NOT NULL
  AND r.id NOT IN (SELECT report_id FROM report_observations)""",
    {
        "report_id": "The report (reports.id).",
        "url": "Canonical URL.",
        "portal": "Portal.",
        "kind": "`page` or `attachment`.",
        "agency": "Agency as printed.",
        "agency_column": "The portal column it is listed under.",
        "year": "Year read, if any.",
        "template": "Template generation.",
        "problem": "Why it has no panel row.",
    },
)

UNRESOLVED_AGENCY_NAMES = View(
    "unresolved_agency_names",
    "Agency names as printed that were not resolved to an agency (never guessed), with how many "
    "reports print them.",
    """SELECT n.portal, n.name, n.agency_column, n.problem,
       (SELECT count(*) FROM reports r JOIN pages p ON p.id = r.page_id
        WHERE r.is_latest = 1 AND p.portal = n.portal AND COALESCE(r.agency, '') <> '' AND r.agency_id IS NULL
          AND p.agency_column IS n.agency_column) AS reports
FROM agency_names n WHERE n.agency_id IS NULL""",
    {
        "portal": "Portal.",
        "name": "The name as printed (empty: none printed).",
        "agency_column": "The portal column of the reports that print it.",
        "problem": "Why it was not resolved.",
        "reports": "Latest report versions in that column with an unresolved agency.",
    },
)

FAILED_CHECKS = View(
    "failed_checks",
    "Panel reports (the canonical report of each agency and year) whose printed tables do not "
    "add up: one row per failed identity.",
    """SELECT r.id AS report_id, o.url, o.portal, a.name AS agency, o.agency_id, o.year, r.template,
       c.name AS check_name, c.detail
FROM report_observations o JOIN reports r ON r.id = o.report_id
JOIN agencies a ON a.id = o.agency_id
JOIN report_checks c ON c.report_id = r.id AND c.ok = 0
WHERE o.rank = 1""",
    {
        "report_id": "The report version (reports.id).",
        "url": "Canonical URL.",
        "portal": "Portal.",
        "agency": "Canonical agency name.",
        "agency_id": "The agency (agencies.id).",
        "year": "Year the report covers.",
        "template": "Template generation.",
        "check_name": "The identity that failed.",
        "detail": "The numbers that do not add up.",
    },
)

REPORT_CHANGES = View(
    "report_changes",
    "Reports that changed after they were first archived: one row per new version, next to the "
    "version it replaced, with what changed.",
    """SELECT p.url, p.portal, new.page_id, old.version AS old_version, new.version AS new_version,
       old.id AS old_report_id, new.id AS new_report_id,
       old.first_seen_at AS old_fetched_at, new.first_seen_at AS new_fetched_at,
       old.sha256 AS old_sha256, new.sha256 AS new_sha256,
       old.title IS NOT new.title AS title_changed,
       old.agency IS NOT new.agency AS agency_changed,
       old.year IS NOT new.year AS year_changed,
       old.published IS NOT new.published AS published_changed,
       old.template IS NOT new.template AS template_changed,
       (SELECT count(*) FROM value_changes vc WHERE vc.new_report_id = new.id) AS values_changed,
       (SELECT group_concat(vc.key || ': ' || COALESCE(vc.old_value, '∅') || ' → '
                            || COALESCE(vc.new_value, '∅'), '; ')
        FROM value_changes vc WHERE vc.new_report_id = new.id) AS value_changes,
       COALESCE((SELECT t.text FROM report_texts t WHERE t.report_id = old.id), '')
         IS NOT COALESCE((SELECT t.text FROM report_texts t WHERE t.report_id = new.id), '')
         AS text_changed
FROM reports new
JOIN reports old ON old.page_id = new.page_id AND old.version = new.version - 1
JOIN pages p ON p.id = new.page_id""",
    {
        "url": "Canonical URL.",
        "portal": "Portal.",
        "page_id": "The page (pages.id).",
        "old_version": "The version replaced.",
        "new_version": "The new version.",
        "old_report_id": "reports.id of the old version.",
        "new_report_id": "reports.id of the new version.",
        "old_fetched_at": "When the old version was first fetched.",
        "new_fetched_at": "When the new version was first fetched (the change happened before).",
        "old_sha256": "Old bytes (blobs.sha256).",
        "new_sha256": "New bytes (blobs.sha256).",
        "title_changed": "1 if the printed title changed.",
        "agency_changed": "1 if the agency changed.",
        "year_changed": "1 if the covered year changed.",
        "published_changed": "1 if the publication date changed.",
        "template_changed": "1 if the template generation changed.",
        "values_changed": "How many figures were added, removed or changed.",
        "value_changes": "Each changed figure, `key: old → new` (∅ = absent).",
        "text_changed": "1 if the report text changed (0 with changed bytes: only the page around it did).",
    },
)

VALUE_CHANGES = View(
    "value_changes",
    "Figure by figure, what changed between consecutive versions of a report: changed, added "
    "(old_value empty) or removed (new_value empty).",
    """WITH pairs AS (
  SELECT old.id AS old_id, new.id AS new_id, new.page_id
  FROM reports new JOIN reports old ON old.page_id = new.page_id AND old.version = new.version - 1
)
SELECT pairs.page_id, pairs.old_id AS old_report_id, pairs.new_id AS new_report_id, k.key,
       o.value AS old_value, n.value AS new_value
FROM pairs
JOIN report_values n ON n.report_id = pairs.new_id
JOIN value_keys k ON k.id = n.key_id
LEFT JOIN report_values o ON o.report_id = pairs.old_id AND o.key_id = n.key_id
WHERE o.value IS NOT n.value
UNION ALL
SELECT pairs.page_id, pairs.old_id, pairs.new_id, k.key, o.value, NULL
FROM pairs
JOIN report_values o ON o.report_id = pairs.old_id
JOIN value_keys k ON k.id = o.key_id
WHERE NOT EXISTS (SELECT 1 FROM report_values n WHERE n.report_id = pairs.new_id AND n.key_id = o.key_id)""",
    {
        "page_id": "The page (pages.id).",
        "old_report_id": "reports.id of the earlier version.",
        "new_report_id": "reports.id of the later version.",
        "key": "The figure's canonical key.",
        "old_value": "Its value before (empty: not printed before).",
        "new_value": "Its value after (empty: no longer printed).",
    },
)

REPORT_KEY_VALUES = View(
    "report_key_values",
    "Every figure of every report version with its key spelled out: (report, key, value).",
    """SELECT v.report_id, k.key, v.value, v.source, k.label, k.unit
FROM report_values v JOIN value_keys k ON k.id = v.key_id""",
    {
        "report_id": "The report version (reports.id).",
        "key": "Canonical key.",
        "value": "The figure.",
        "source": "Where the parser read it (report_values.source): `table...` or `sentence`.",
        "label": "What the report prints for it.",
        "unit": "Its unit.",
    },
)

GONE_REPORTS = View(
    "gone_reports",
    "Archived reports that later answered 404 or 410: their last archived version is kept.",
    """SELECT p.id AS page_id, p.url, p.portal, p.gone_at, p.gone_status, p.version_count,
       r.id AS report_id, r.title, r.agency, r.year, r.last_seen_at
FROM pages p JOIN reports r ON r.id = p.latest_report_id
WHERE p.gone_at IS NOT NULL""",
    {
        "page_id": "The page (pages.id).",
        "url": "Canonical URL.",
        "portal": "Portal.",
        "gone_at": "When it first answered 404/410.",
        "gone_status": "404 or 410.",
        "version_count": "Versions archived.",
        "report_id": "Its last version (reports.id).",
        "title": "Report title.",
        "agency": "Reporting agency.",
        "year": "Year the report covers.",
        "last_seen_at": "When it was last seen online.",
    },
)

PAGE_VALIDATORS = View(
    "page_validators",
    "For conditional requests: the ETag and Last-Modified of each page's latest full (non-304) "
    "response. Empty when that response came from a crawl that never finished (killed): the next "
    "crawl then fetches the page in full, so the links it holds are followed again.",
    """SELECT p.url, p.id AS page_id,
       CASE WHEN s.run_id IS NULL OR run.finished_at IS NOT NULL THEN s.etag END AS etag,
       CASE WHEN s.run_id IS NULL OR run.finished_at IS NOT NULL THEN s.last_modified END AS last_modified,
       s.fetched_at, s.run_id, p.gone_at
FROM pages p
LEFT JOIN snapshots s ON s.id = (
  SELECT id FROM snapshots WHERE page_id = p.id AND status <> 304
  ORDER BY fetched_at DESC, id DESC LIMIT 1)
LEFT JOIN crawl_runs run ON run.id = s.run_id""",
    {
        "url": "Canonical URL.",
        "page_id": "The page (pages.id).",
        "etag": "ETag of its latest full response (send as If-None-Match).",
        "last_modified": "Last-Modified of its latest full response (send as If-Modified-Since).",
        "fetched_at": "When that response arrived.",
        "run_id": "The crawl run that fetched it.",
        "gone_at": "When it answered 404/410, if it did.",
    },
)


def _carried_rules() -> str:
    """The VALUES rows of what the templates carry from one year to the next (see CROSS_YEAR_CHECKS)."""
    from extract.templates import APPLICANT_COLUMNS

    rows = [
        (f"carried_over.{col}", f"applications.carried_over.{col}", f"applications.carried_forward.{col}", None)
        for col in (*APPLICANT_COLUMNS, "total")
    ]
    rows += [
        (f"previous_count.{row}", f"active.{row}.previous_count", f"active.{row}.previous_count", f"active.{row}.change")
        for row in ("licensing", "other_services", "punishment", "coercion", "fees")
    ]
    quote = lambda v: "NULL" if v is None else "'" + v + "'"  # noqa: E731 (keys are ASCII identifiers)
    return ",\n  ".join("(" + ", ".join(quote(v) for v in row) + ")" for row in rows)


CROSS_YEAR_CHECKS = View(
    "cross_year_checks",
    "What one year's report carries into the next, checked for each agency's consecutive panel "
    "years: 上年结转 (carried over) in year t+1 against 结转下年度继续办理 (carried forward) in t, "
    "column by column; in the 2019 template, 上一年项目数量 in t+1 against t's count plus its "
    "change (本年增/减). One row per agency, pair of years and quantity both reports print.",
    """WITH obs AS MATERIALIZED (SELECT agency_id, year, report_id, url FROM report_observations WHERE rank = 1),
rules(name, next_key, last_key, change_key) AS (VALUES
  """ + _carried_rules() + """
),
keyed AS MATERIALIZED (
  SELECT rules.name, nk.id AS next_id, lk.id AS last_id, ck.id AS change_id, rules.change_key
  FROM rules JOIN value_keys nk ON nk.key = rules.next_key JOIN value_keys lk ON lk.key = rules.last_key
  LEFT JOIN value_keys ck ON ck.key = rules.change_key
)
SELECT this.agency_id, a.name AS agency, a.portal, this.year, nxt.year AS next_year, keyed.name AS check_name,
       lv.value + COALESCE(cv.value, 0) AS expected, nv.value AS printed,
       (lv.value + COALESCE(cv.value, 0)) = nv.value AS ok,
       this.report_id, this.url, nxt.report_id AS next_report_id, nxt.url AS next_url
FROM obs this
JOIN obs nxt ON nxt.agency_id = this.agency_id AND nxt.year = this.year + 1
JOIN agencies a ON a.id = this.agency_id
CROSS JOIN keyed
JOIN report_values nv ON nv.report_id = nxt.report_id AND nv.key_id = keyed.next_id
JOIN report_values lv ON lv.report_id = this.report_id AND lv.key_id = keyed.last_id
LEFT JOIN report_values cv ON cv.report_id = this.report_id AND cv.key_id = keyed.change_id
WHERE keyed.change_key IS NULL OR cv.value IS NOT NULL""",
    {
        "agency_id": "The agency (agencies.id).",
        "agency": "Its canonical name.",
        "portal": "Portal.",
        "year": "The earlier year (t).",
        "next_year": "The later year (t+1).",
        "check_name": "What is carried: `carried_over.<applicant column>` or `previous_count.<row>` (2019 template).",
        "expected": "What year t implies for t+1 (its carried-forward figure; its count plus change).",
        "printed": "What year t+1 prints.",
        "ok": "1 when they agree.",
        "report_id": "Year t's report (reports.id).",
        "url": "Year t's report URL.",
        "next_report_id": "Year t+1's report (reports.id).",
        "next_url": "Year t+1's report URL.",
    },
)

CROSS_YEAR_FAILURES = View(
    "cross_year_failures",
    "Agencies whose report of one year does not carry into the next (see cross_year_checks): "
    "one row per quantity that disagrees, with both reports' URLs.",
    "SELECT * FROM cross_year_checks WHERE NOT ok",
    CROSS_YEAR_CHECKS.columns,
)

VIEWS: tuple[View, ...] = (
    LATEST_REPORTS,
    REPORT_OBSERVATIONS,
    PANEL,
    REPORT_FIGURES,
    CROSS_YEAR_CHECKS,
    CROSS_YEAR_FAILURES,
    ALTERNATE_REPORTS,
    NON_REPORTS,
    UNPLACED_REPORTS,
    UNRESOLVED_AGENCY_NAMES,
    FAILED_CHECKS,
    VALUE_CHANGES,
    REPORT_CHANGES,
    REPORT_KEY_VALUES,
    GONE_REPORTS,
    PAGE_VALIDATORS,
)
