"""The research panel on an archive of replica portals: one row per agency and year, agencies with
division codes, the cross-year checks finding exactly the breaks the replica made, and the panel
export read back by pandas in every format.

One crawl of the five portals and a few generated sites (module fixture); the rest reads it.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from archive import Archive
from archive.agencies import Area, core
from archive.panel import MAX_NAME, column_name
from crawler import registry
from replica import ReplicaServer
from replica.figures import carry_breaks
from replica_fixtures import THE_FIVE
from test_archive_crawl import crawl, nianbao

#: The five portals and generated sites of three platforms, one without a division code in the registry.
PORTALS = (*THE_FIVE, "banan", "gd_drc", "hangzhou", "jiangbei")


@pytest.fixture(scope="module")
def server():
    with ReplicaServer(portals=PORTALS) as replica:
        yield replica


@pytest.fixture(scope="module")
def archive_path(server, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("panel") / "nianbao.db"
    crawl(db, server.url, *PORTALS)
    return db


def replica_reports(server) -> dict[str, object]:
    """Every URL the replica serves a generated report at (its page and its files) -> the report."""
    from replica.site import Attachment

    out = {}
    for name in server.site.names:
        portal = server.site.portal(name)
        for report in portal.reports:
            out[report.url] = report
            for attachment in report.attachments:
                out[attachment.url] = report
        for column in portal.columns:  # a file listed on its own (its report's page is not)
            for entry in column.entries:
                if isinstance(entry.target, Attachment):
                    out.setdefault(entry.target.url, entry.target.report)
    return out


def panel(path) -> list[dict]:
    with Archive(path) as archive:
        return list(archive.db.query("SELECT * FROM panel"))


def test_the_panel_has_one_row_per_agency_and_year_of_the_replica(archive_path, server):
    reports = replica_reports(server)
    rows = panel(archive_path)
    observed = Counter((reports[row["url"]].portal, reports[row["url"]].agency.key, row["year"]) for row in rows)
    published = Counter((r.portal, r.agency.key, r.year) for r in set(reports.values()))
    assert observed == published  # every agency-year once, none twice, none missing
    assert all(row["template"] and row["agency_id"] for row in rows)  # no non-report, every agency known
    with Archive(archive_path) as archive:
        ids = {(row["agency_id"], row["year"]) for row in rows}
        assert len(ids) == len(rows)
        # Every other copy is an alternate, linked to the canonical one: the panel plus them is every report.
        alternates = list(archive.db.query("SELECT * FROM alternate_reports"))
        assert alternates and len(rows) + len(alternates) == len(set(reports) & {r["url"] for r in archive.db.query("SELECT url FROM latest_reports")})
        assert all(a["value_count"] <= a["canonical_value_count"] for a in alternates)
        assert all(reports[a["url"]] is reports[a["canonical_url"]] for a in alternates)
        # Pages the parser read as no report are kept apart: a page that only says "see the file"
        # is one (its report is the file, in the panel).
        for page in archive.db.query("SELECT url FROM non_reports"):
            report = reports.get(page["url"])
            assert report is None or (report.attachment_only and report.url == page["url"]), page["url"]
        assert not {r["url"] for r in archive.db.query("SELECT url FROM latest_reports")} - set(reports)


def test_each_replica_agency_is_one_agency_however_its_name_was_printed(archive_path, server):
    reports = replica_reports(server)
    with Archive(archive_path) as archive:
        rows = list(archive.db.query(
            "SELECT o.url, o.agency_id, r.agency AS printed FROM report_observations o JOIN reports r ON r.id = o.report_id"))
        agencies = {a["id"]: a for a in archive.db.query("SELECT * FROM agencies")}
        assert not list(archive.db.query("SELECT * FROM unresolved_agency_names"))
    by_replica: dict[tuple, set] = {}
    printed: dict[tuple, set] = {}
    for row in rows:
        report = reports[row["url"]]
        by_replica.setdefault((report.portal, report.agency.key), set()).add(row["agency_id"])
        printed.setdefault((report.portal, report.agency.key), set()).add(row["printed"])
    assert all(len(ids) == 1 for ids in by_replica.values()), {k: v for k, v in by_replica.items() if len(v) > 1}
    assert len({next(iter(ids)) for ids in by_replica.values()}) == len(by_replica)  # and no two share one
    assert any(len(names) > 2 for names in printed.values())  # the replica prints names several ways
    for agency in agencies.values():
        line = registry.get(agency["portal"])
        # Towns and departments carry their county's code; only a portal the dataset lacks has none.
        assert agency["division_code"] == (line.division_code or None), agency
        if agency["parent_id"] is None:  # the portal's own agency (a government, or a department's portal)
            assert agency["name"] == line.name and agency["level"] == line.level
        else:  # a town or department under it
            assert agencies[agency["parent_id"]]["parent_id"] is None and agency["core"]
            assert agency["level"] in ("township", "department")
    assert sum(1 for a in agencies.values() if a["parent_id"] is None) == len(PORTALS)


@pytest.mark.parametrize("printed, expected", [
    ("万顺镇", "万顺镇"), ("长寿区万顺镇", "万顺镇"), ("重庆市长寿区万顺镇人民政府", "万顺镇"),
    ("重庆市长寿区人民政府", ""), ("长寿区", ""), ("区政府", ""), ("长寿区区发展改革委", "发展改革委"),
    ("重庆市长寿发展改革委", "发展改革委"), ("凤城街道办事处", "凤城街道"), ("长寿区市场监督管理局", "市场监督管理局"),
    ("广州市天河区人民政府", None),
])
def test_printed_names_reduce_to_the_agency_s_own_part_within_the_portal_s_area(printed, expected):
    area = Area("500115", ("重庆市", "长寿区", "重庆", "长寿"), "长寿区")
    assert core(printed, area) == expected


def test_the_cross_year_view_finds_exactly_the_breaks_the_replica_made(archive_path, server):
    reports = replica_reports(server)
    made = set()
    for report in set(reports.values()):
        if report.previous is not None:
            made |= {(report.previous.url, report.url, key) for key in carry_breaks(report.figures, report.previous.figures)}
    assert made  # the replica broke some carries
    with Archive(archive_path) as archive:
        checks = list(archive.db.query("SELECT * FROM cross_year_checks"))
        failures = list(archive.db.query("SELECT * FROM cross_year_failures"))
    assert len(checks) > 10 * len(failures)
    found = set()
    for row in failures:
        last, this = reports[row["url"]], reports[row["next_url"]]
        assert this.previous is last
        quantity, column = row["check_name"].split(".", 1)  # carried_over.business, previous_count.licensing
        key = f"applications.carried_over.{column}" if quantity == "carried_over" else f"active.{column}.previous_count"
        found.add((last.url, this.url, key))
    assert found == made


@pytest.mark.parametrize("fmt", ["csv", "parquet", "dta"])
def test_the_panel_export_opens_in_pandas_with_the_same_rows_and_a_codebook_for_every_column(archive_path, tmp_path, fmt):
    pd = pytest.importorskip("pandas")
    out = tmp_path / f"panel.{fmt}"
    result = nianbao("export", "--db", str(archive_path), "--panel", "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    frame = {"csv": lambda p: pd.read_csv(p, encoding="utf-8-sig", dtype={"division_code": str}),
             "parquet": pd.read_parquet, "dta": pd.read_stata}[fmt](out)
    rows = panel(archive_path)
    assert len(frame) == len(rows)
    assert list(frame.columns[:11]) == ["agency_id", "agency", "division_code", "level", "portal", "year", "template",
                                       "report_id", "url", "sha256", "fetched_at"]
    assert sorted(zip(frame["agency_id"], frame["year"])) == sorted((r["agency_id"], r["year"]) for r in rows)
    by_report = {r["report_id"]: r for r in rows}
    for record in frame.head(40).to_dict("records"):
        row = by_report[record["report_id"]]
        assert record["agency"] == row["agency"] and record["sha256"] == row["sha256"]
        if row["applications_received"] is not None and row["template"] != "pre2019":
            assert record["app_new_received_total"] == row["applications_received"]
    assert all(name.isidentifier() and len(name) <= MAX_NAME for name in frame.columns)
    with open(out.with_name("panel.codebook.csv"), encoding="utf-8-sig") as f:
        book = {line["column"]: line for line in csv.DictReader(f)}
    assert set(book) == set(frame.columns)
    assert book["app_new_received_total"]["key"] == "applications.new_received.total"
    assert book["app_new_received_total"]["label_en"] and book["app_new_received_total"]["label"]


def test_the_long_panel_has_a_row_per_agency_year_and_figure(archive_path, tmp_path):
    out = tmp_path / "long.csv"
    result = nianbao("export", "--db", str(archive_path), "--panel", "--long", "-o", str(out))
    assert result.returncode == 0, result.stderr
    with open(out, encoding="utf-8-sig") as f:
        lines = list(csv.DictReader(f))
    with Archive(archive_path) as archive:
        expected = archive.db.execute(
            "SELECT count(*) FROM report_values WHERE report_id IN (SELECT report_id FROM panel)").fetchone()[0]
    assert len(lines) == expected
    assert {line["column"] for line in lines} <= {column_name(line["key"]) for line in lines} | {
        line["column"] for line in lines if line["column"][-2:-1] == "_"}


@pytest.mark.parametrize("word", ["行政复议", "依申请公开", "结转下年度继续办理"])
def test_a_plain_match_in_sqlite3_finds_exactly_the_reports_a_like_scan_finds(archive_path, word):
    import shutil
    import subprocess

    with Archive(archive_path) as archive:
        truth = {r for (r,) in archive.db.execute(
            "SELECT r.id FROM reports r JOIN report_texts t ON t.report_id = r.id "
            "WHERE t.text LIKE ? OR r.title LIKE ? OR r.agency LIKE ?", [f"%{word}%"] * 3)}
    assert truth  # the word is in some reports, not in all
    sql = f"SELECT rowid FROM reports_fts WHERE reports_fts MATCH '{word}';"
    if shutil.which("sqlite3"):  # the sqlite3 shell, as a researcher types it
        out = subprocess.run(["sqlite3", "-readonly", str(archive_path), sql], capture_output=True, text=True, check=True)
        assert {int(line) for line in out.stdout.split()} == truth
    import sqlite3

    conn = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)
    assert {r for (r,) in conn.execute(sql)} == truth


def test_datasette_s_search_box_finds_the_reports_containing_a_word(archive_path):
    pytest.importorskip("datasette")
    import asyncio

    from archive.datasette_plugin import datasette_app
    from archive.docs import datasette_metadata

    with Archive(archive_path) as archive:
        metadata = datasette_metadata(archive.db, "nianbao")
        truth = {r for (r,) in archive.db.execute(
            "SELECT r.id FROM reports r JOIN report_texts t ON t.report_id = r.id WHERE t.text LIKE '%行政复议%' "
            "OR r.title LIKE '%行政复议%'")}
        two = {r for (r,) in archive.db.execute(
            "SELECT r.id FROM reports r JOIN report_texts t ON t.report_id = r.id JOIN pages p ON p.latest_report_id = r.id "
            "WHERE t.text LIKE '%复议%' OR r.title LIKE '%复议%' OR r.agency LIKE '%复议%'")}
    app = datasette_app(str(archive_path), metadata)

    async def ids(path):
        response = await app.client.get(path)
        assert response.status_code == 200, response.text[:500]
        return {row["id" if "id" in row else "report_id"] for row in response.json()}

    found = asyncio.run(ids("/nianbao/reports.json?_search=行政复议&_shape=array&_size=max&_col=id"))
    assert found == truth
    # Two characters: the canned search query, through the pair index, with a snippet.
    hits = asyncio.run(ids("/nianbao/search.json?q=复议&_shape=array&_size=max"))
    assert hits <= two and len(hits) == min(100, len(two))  # the query shows the best 100
