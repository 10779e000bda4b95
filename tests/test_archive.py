"""The archive's core behaviours: snapshots, versions, dedup, 304s, gone pages, parses, views, docs."""

from __future__ import annotations

import json
import sqlite3

import pytest
import zstandard

import archive_fixtures
from archive import Archive, ArchiveWriter, Failure, Fetch, open_archive
from archive import blobs as blobs_module
from archive import db as archive_db
from archive import schema, snapshots
from archive.blobs import BlobStore
from archive_fixtures import report_page

URL = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html"


def fetch(body: bytes = b"", *, url: str = URL, status: int = 200, headers=None, **kwargs) -> Fetch:
    return Fetch(
        portal=kwargs.pop("portal", "changshou"),
        url=url,
        status=status,
        final_url=kwargs.pop("final_url", url),
        headers=headers if headers is not None else {"Content-Type": ["text/html"]},
        body=body,
        fetched_at=kwargs.pop("fetched_at", "2024-01-31T08:00:00Z"),
        **kwargs,
    )


@pytest.fixture
def path(tmp_path):
    return tmp_path / "archive.db"


@pytest.fixture
def writer(path):
    w = ArchiveWriter(path, parser="archive_fixtures", parse_workers=0, create_run=True)
    yield w
    w.close()


def record(writer: ArchiveWriter, item: Fetch):
    result = writer.submit_fetch(item).result()
    writer.drain()
    return result


def rows(path, sql, params=()):
    with Archive(path) as a:
        return list(a.db.query(sql, params))


# -- versions and dedup ------------------------------------------------------------------------


def test_first_fetch_makes_a_page_its_first_version_a_blob_and_a_snapshot(writer, path):
    body = report_page()
    result = record(writer, fetch(body, title="万顺镇2023年报", column="万顺镇", kind="page"))
    assert result.outcome == "new"
    with Archive(path) as a:
        page = a.page(URL)
        assert page["version_count"] == 1 and page["agency_column"] == "万顺镇" and page["listed_title"] == "万顺镇2023年报"
        (version,) = a.versions(URL)
        assert version["version"] == 1 and a.body(version["sha256"]) == body
        assert version["sha256"] == blobs_module.sha256(body)
        (snapshot,) = a.snapshots(URL)
        assert snapshot["outcome"] == "new" and snapshot["report_id"] == version["id"]
        assert snapshot["spider"] == "changshou" and snapshot["run_id"] == writer.run_id
        assert snapshot["nianbao_version"]


def test_same_bytes_again_are_seen_again_not_a_new_version(writer, path):
    body = report_page()
    record(writer, fetch(body))
    result = record(writer, fetch(body, fetched_at="2024-02-01T08:00:00Z"))
    assert result.outcome == "seen_again"
    assert rows(path, "SELECT count(*) AS n FROM reports")[0]["n"] == 1
    assert rows(path, "SELECT count(*) AS n FROM blobs")[0]["n"] == 1
    snaps = rows(path, "SELECT outcome, sha256 FROM snapshots ORDER BY id")
    assert [s["outcome"] for s in snaps] == ["new", "seen_again"]
    assert snaps[0]["sha256"] == snaps[1]["sha256"]
    (version,) = rows(path, "SELECT first_seen_at, last_seen_at FROM reports")
    assert version["first_seen_at"].startswith("2024-01-31") and version["last_seen_at"].startswith("2024-02-01")


def test_changed_bytes_make_a_new_version_and_both_stay_retrievable_byte_for_byte(writer, path):
    first, second = report_page(), report_page(values={"applications.new_received.total": 9})
    record(writer, fetch(first))
    result = record(writer, fetch(second, fetched_at="2024-03-01T00:00:00Z"))
    assert result.outcome == "changed"
    with Archive(path) as a:
        versions = a.versions(URL)
        assert [v["version"] for v in versions] == [1, 2]
        assert a.body(versions[0]["sha256"]) == first and a.body(versions[1]["sha256"]) == second
        assert a.page(URL)["latest_report_id"] == versions[1]["id"]
        assert a.page(URL)["version_count"] == 2
        assert [v["is_latest"] for v in versions] == [0, 1]


def test_identical_bytes_at_two_addresses_are_stored_once(writer, path):
    body = report_page()
    record(writer, fetch(body))
    record(writer, fetch(body, url=URL.replace(".html", "_copy.html")))
    assert rows(path, "SELECT count(*) AS n FROM blobs")[0]["n"] == 1
    assert rows(path, "SELECT count(*) AS n FROM pages")[0]["n"] == 2


def test_a_revert_to_earlier_bytes_is_a_new_version_sharing_the_blob(writer, path):
    a_body, b_body = report_page(), report_page(year=2022)
    for body in (a_body, b_body, a_body):
        record(writer, fetch(body))
    versions = rows(path, "SELECT version, sha256 FROM reports ORDER BY version")
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[0]["sha256"] == versions[2]["sha256"] != versions[1]["sha256"]
    assert rows(path, "SELECT count(*) AS n FROM blobs")[0]["n"] == 2


def test_a_304_is_seen_again_without_a_body(writer, path):
    record(writer, fetch(report_page(), headers={"ETag": ['"v1"'], "Content-Type": ["text/html"]}))
    result = record(writer, fetch(b"", status=304, headers={"ETag": ['"v1"']}, fetched_at="2024-05-01T00:00:00Z"))
    assert result.outcome == "not_modified"
    assert rows(path, "SELECT count(*) AS n FROM reports")[0]["n"] == 1
    snap = rows(path, "SELECT * FROM snapshots WHERE outcome = 'not_modified'")[0]
    assert snap["status"] == 304 and snap["sha256"] is None and snap["size"] == 0
    assert rows(path, "SELECT last_seen_at FROM pages")[0]["last_seen_at"].startswith("2024-05-01")
    # The validators for the next conditional request come from the last full response, once its run is over.
    assert rows(path, "SELECT etag FROM page_validators")[0]["etag"] is None
    writer.close()
    assert rows(path, "SELECT etag FROM page_validators")[0]["etag"] == '"v1"'


def test_a_304_for_an_address_never_archived_makes_no_version(writer, path):
    result = record(writer, fetch(b"", status=304))
    assert result.outcome == "unknown_304"
    assert rows(path, "SELECT count(*) AS n FROM pages")[0]["n"] == 0


def test_status_headers_and_final_url_round_trip_exactly(writer, path):
    headers = {
        "Content-Type": ["text/html"],
        "Set-Cookie": ["SERVERID=abc; Path=/", "lang=zh; Path=/"],
        "X-Odd": ["caf\xe9 \xff bytes"],  # Latin-1-decoded bytes beyond ASCII
        "etag": ['W/"5f-1a"'],
        "Last-Modified": ["Wed, 31 Jan 2024 08:00:00 GMT"],
    }
    final = URL.replace("https://www.", "https://")
    record(writer, fetch(report_page(), status=203, headers=headers, final_url=final))
    (snap,) = Archive(path).snapshots(URL)
    assert snap["headers"] == headers and list(snap["headers"]) == list(headers)
    assert snap["status"] == 203 and snap["final_url"] == final and snap["url"] == URL
    assert snap["etag"] == 'W/"5f-1a"' and snap["last_modified"] == "Wed, 31 Jan 2024 08:00:00 GMT"
    raw = rows(path, "SELECT headers FROM snapshots")[0]["headers"]
    assert json.loads(raw) == headers


def test_fetch_times_are_stored_in_utc(writer, path):
    record(writer, fetch(report_page(), fetched_at="2024-01-31T16:00:00+08:00"))
    assert rows(path, "SELECT fetched_at FROM snapshots")[0]["fetched_at"] == "2024-01-31T08:00:00.000000+00:00"


def test_a_rendered_dom_is_labelled_rendered(writer, path):
    record(writer, fetch(report_page(), rendered=True))
    assert rows(path, "SELECT rendered FROM snapshots")[0]["rendered"] == 1
    assert rows(path, "SELECT rendered FROM reports")[0]["rendered"] == 1
    assert rows(path, "SELECT rendered FROM latest_reports")[0]["rendered"] == 1


# -- gone --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_a_404_or_410_on_an_archived_report_marks_it_gone_and_keeps_its_versions(writer, path, status):
    body = report_page()
    record(writer, fetch(body))
    gone = writer.submit_failure(
        Failure(url=URL, outcome=f"http_{status}", portal="changshou", status=status, failed_at="2024-06-01T00:00:00Z")
    ).result()
    assert gone is True
    page = Archive(path).page(URL)
    assert page["gone_at"].startswith("2024-06-01") and page["gone_status"] == status
    assert Archive(path).body(Archive(path).versions(URL)[0]["sha256"]) == body
    assert rows(path, "SELECT url FROM gone_reports")[0]["url"] == URL
    assert rows(path, "SELECT outcome FROM fetch_failures")[0]["outcome"] == f"http_{status}"
    assert rows(path, "SELECT gone, errors FROM crawl_run_portals")[0] == {"gone": 1, "errors": 0}


def test_other_failures_are_recorded_without_marking_gone(writer, path):
    record(writer, fetch(report_page()))
    assert writer.submit_failure(Failure(url=URL, outcome="timeout", portal="changshou")).result() is False
    assert writer.submit_failure(Failure(url=URL, outcome="http_500", portal="changshou", status=500)).result() is False
    assert Archive(path).page(URL)["gone_at"] is None
    assert rows(path, "SELECT count(*) AS n FROM fetch_failures WHERE page_id IS NOT NULL")[0]["n"] == 2


def test_a_404_on_an_address_never_archived_is_only_a_failure(writer, path):
    writer.submit_failure(Failure(url=URL + "?dead", outcome="http_404", portal="changshou", status=404)).result()
    assert rows(path, "SELECT page_id FROM fetch_failures")[0]["page_id"] is None
    assert rows(path, "SELECT count(*) AS n FROM pages")[0]["n"] == 0


def test_a_gone_report_that_comes_back_is_online_again(writer, path):
    record(writer, fetch(report_page()))
    writer.submit_failure(Failure(url=URL, outcome="http_404", status=404)).result()
    record(writer, fetch(report_page(), fetched_at="2024-07-01T00:00:00Z"))
    assert Archive(path).page(URL)["gone_at"] is None


# -- parses, values, checks, views -----------------------------------------------------------


def test_the_parse_goes_into_reports_values_checks_and_text(writer, path):
    record(writer, fetch(report_page(agency="暨阳街道办事处", year=2023)))
    with Archive(path) as a:
        (version,) = a.versions(URL)
        assert version["parser_version"] == "standin-1" and version["parsed_at"]
        assert version["agency"] == "暨阳街道办事处" and version["year"] == 2023 and version["template"] == "2021"
        report = a.report(version["id"])
        assert report["values"] == {
            "applications.new_received.natural_person": 3,
            "applications.new_received.business": 1,
            "applications.new_received.total": 4,
            "active.fees.amount": 12.5,
        }
        assert isinstance(report["values"]["active.fees.amount"], float)
        assert isinstance(report["values"]["applications.new_received.total"], int)
        assert report["checks"] == [{"name": "new_received.total", "ok": True, "detail": "4 vs 4"}]
        assert list(report) == ["source", "title", "agency", "year", "published", "index_no", "template",
                                "values", "checks", "warnings"]
        long = list(a.db.query("SELECT key, value, unit FROM report_key_values ORDER BY key"))
        assert {"key": "active.fees.amount", "value": 12.5, "unit": "10k_yuan"} in long
        text = a.db.execute("SELECT text FROM report_texts").fetchone()[0]
        assert "行政复议" in text


def test_views_answer_the_common_questions(writer, path):
    ok = report_page()
    # Another town: one agency's two reports for a year would be one panel row (test_archive_panel.py).
    wrong = report_page(agency="双龙镇", values={"applications.new_received.natural_person": 3,
                                               "applications.new_received.total": 5})
    other = URL.replace("11519914", "11519915")
    record(writer, fetch(ok))
    record(writer, fetch(report_page(agency="双龙镇"), url=other))
    record(writer, fetch(wrong, url=other, fetched_at="2024-04-01T00:00:00Z"))
    with Archive(path) as a:
        latest = {r["url"]: r for r in a.db.query("SELECT * FROM latest_reports")}
        assert latest[URL]["version"] == 1 and latest[other]["version"] == 2
        figures = {r["url"]: r for r in a.db.query("SELECT * FROM report_figures")}
        assert figures[URL]["applications_received"] == 4 and figures[URL]["fees_10k_yuan"] == 12.5
        assert figures[other]["applications_received"] == 5 and figures[other]["fees_10k_yuan"] is None
        failed = list(a.db.query("SELECT * FROM failed_checks"))
        assert [(f["url"], f["check_name"], f["detail"]) for f in failed] == [(other, "new_received.total", "5 vs 3")]
        (change,) = list(a.db.query("SELECT * FROM report_changes"))
        assert change["url"] == other and (change["old_version"], change["new_version"]) == (1, 2)
        assert change["values_changed"] == 3  # total changed; business and fees no longer printed
        assert "applications.new_received.total: 4 → 5" in change["value_changes"]
        assert "active.fees.amount: 12.5 → ∅" in change["value_changes"]
        assert change["title_changed"] == 0 and change["text_changed"] == 1  # the table is in the text
        diffs = {r["key"]: (r["old_value"], r["new_value"]) for r in a.db.query("SELECT * FROM value_changes")}
        assert diffs["applications.new_received.total"] == (4, 5)
        assert diffs["applications.new_received.business"] == (1, None)


def test_a_parser_that_raises_is_recorded_not_fatal(writer, path):
    record(writer, fetch(b"RAISE me"))
    (version,) = Archive(path).versions(URL)
    assert "stand-in parser told to fail" in version["parse_error"] and version["parsed_at"]
    record(writer, fetch(report_page(), url=URL + "?next"))
    assert rows(path, "SELECT count(*) AS n FROM reports WHERE parse_error IS NULL")[0]["n"] == 1


def test_versions_left_unparsed_are_parsed_when_the_archive_is_next_opened(path):
    database = open_archive(path)
    blobs = BlobStore(database)
    archive_db.write(database, lambda d: snapshots.record_fetch(d, blobs, fetch(report_page())))
    database.close()
    assert rows(path, "SELECT parsed_at FROM reports")[0]["parsed_at"] is None
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0) as w:
        w.drain()
    assert rows(path, "SELECT year FROM reports")[0]["year"] == 2023


def test_reparse_reads_stored_bytes_with_the_current_parser(writer, path, monkeypatch):
    record(writer, fetch(report_page(text="旧的文本")))
    writer.close()
    monkeypatch.setattr(archive_fixtures, "PARSER_VERSION", "standin-2")
    from archive import parsing

    parsing.load_parser.cache_clear()
    try:
        w = ArchiveWriter(path, parser="archive_fixtures", parse_workers=0, parse_backlog=False)
        assert w.reparse() == 1
        w.close()
        assert rows(path, "SELECT parser_version FROM reports")[0]["parser_version"] == "standin-2"
        w = ArchiveWriter(path, parser="archive_fixtures", parse_workers=0, parse_backlog=False)
        assert w.reparse() == 0  # nothing left for this parser version
        w.close()
        with Archive(path) as a:
            assert a.search("旧的") and len(a.db.execute("SELECT * FROM report_values").fetchall()) == 4
    finally:
        parsing.load_parser.cache_clear()


def test_parsing_in_worker_processes(path):
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=1) as w:
        for i in range(3):
            w.submit_fetch(fetch(report_page(year=2020 + i), url=f"{URL}?{i}")).result()
    assert sorted(r["year"] for r in rows(path, "SELECT year FROM reports")) == [2020, 2021, 2022]


def test_a_parser_worker_that_dies_or_hangs_is_replaced_and_the_version_marked(path, monkeypatch):
    from archive import workers

    monkeypatch.setattr(workers, "JOB_TIMEOUT_S", 3)
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=1) as w:
        w._parsers = workers.WorkerPool(1, timeout=3)
        for i, body in enumerate([b"EXIT now", b"HANG on", report_page()]):
            w.submit_fetch(fetch(body, url=f"{URL}?{i}")).result()
    errors = {r["url"][-1]: r["parse_error"] for r in rows(
        path, "SELECT p.url, r.parse_error FROM reports r JOIN pages p ON p.id = r.page_id")}
    assert "died" in errors["0"] and "took too long" in errors["1"] and errors["2"] is None


def test_a_garbled_exchange_with_a_worker_fails_that_parse_and_the_next_one_goes_on(path, monkeypatch):
    import pickle

    from archive import workers

    real_load, replies = pickle.load, []

    def garbled_once(stream):
        replies.append(stream)
        if len(replies) == 1:
            raise ValueError("garbled reply")
        return real_load(stream)

    monkeypatch.setattr(workers.pickle, "load", garbled_once)
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=1) as w:
        for i in range(2):
            w.submit_fetch(fetch(report_page(year=2020 + i), url=f"{URL}?{i}")).result()
            w.drain()
    errors = {r["url"][-1]: r["parse_error"] for r in rows(
        path, "SELECT p.url, r.parse_error FROM reports r JOIN pages p ON p.id = r.page_id")}
    assert "garbled reply" in errors["0"] and errors["1"] is None


# -- runs ---------------------------------------------------------------------------------------


def test_a_run_counts_what_it_did_per_portal(writer, path):
    record(writer, fetch(report_page()))
    record(writer, fetch(report_page()))
    record(writer, fetch(report_page(year=2020)))
    record(writer, fetch(b"", status=304))
    record(writer, fetch(report_page(), url=URL + "?z", portal="zhuji"))
    writer.submit_failure(Failure(url="https://x/", outcome="timeout", portal="zhuji")).result()
    counts = {r["portal"]: r for r in rows(path, "SELECT * FROM crawl_run_portals")}
    assert (counts["changshou"]["items"], counts["changshou"]["new_reports"], counts["changshou"]["unchanged"],
            counts["changshou"]["new_versions"], counts["changshou"]["not_modified"]) == (4, 1, 1, 1, 1)
    assert (counts["zhuji"]["new_reports"], counts["zhuji"]["errors"]) == (1, 1)
    writer.close()
    (run,) = rows(path, "SELECT * FROM crawl_runs")
    assert run["outcome"] == "finished" and run["finished_at"]


# -- compression --------------------------------------------------------------------------------


def test_a_portal_dictionary_is_trained_and_every_body_still_round_trips(writer, path):
    pages = [report_page(agency=f"第{i}街道", values={"applications.new_received.total": i}) for i in range(40)]
    for i, body in enumerate(pages):
        writer.submit_fetch(fetch(body, url=f"{URL}?n={i}"))
    writer.drain()
    with Archive(path) as a:
        (dictionary,) = list(a.db.query("SELECT * FROM zstd_dictionaries"))
        assert dictionary["portal"] == "changshou" and dictionary["sample_count"] >= blobs_module.FIRST_TRAINING
        stored = a.db.execute("SELECT sum(stored_size), count(dictionary_id), count(*) FROM blobs").fetchone()
        assert stored[1] == stored[2] == 40  # the pages that trained it were recompressed too
        plain = sum(len(zstandard.ZstdCompressor(level=blobs_module.LEVEL).compress(p)) for p in pages)
        assert stored[0] < plain / 2
        for i, body in enumerate(pages):
            assert a.body(a.versions(f"{URL}?n={i}")[0]["sha256"]) == body


def test_retraining_recompresses_the_portal_and_drops_the_unused_dictionary(writer, path, monkeypatch):
    monkeypatch.setattr(blobs_module, "FIRST_TRAINING", 8)
    monkeypatch.setattr(blobs_module, "RETRAIN_GROWTH", 3)
    pages = [report_page(agency=f"第{i}街道", values={"applications.new_received.total": i}) for i in range(30)]
    for i, body in enumerate(pages):
        writer.submit_fetch(fetch(body, url=f"{URL}?n={i}"))
    writer.drain()
    with Archive(path) as a:
        dictionaries = list(a.db.query("SELECT id, sample_count FROM zstd_dictionaries"))
        assert len(dictionaries) == 1 and dictionaries[0]["sample_count"] >= 24  # the first one is gone
        used = {d for (d,) in a.db.execute("SELECT DISTINCT dictionary_id FROM blobs")}
        assert used == {dictionaries[0]["id"]}
        for i, body in enumerate(pages):
            assert a.body(blobs_module.sha256(body)) == body


def test_attachments_are_compressed_without_the_html_dictionary(writer, path):
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    record(writer, fetch(pdf, kind="attachment", headers={"Content-Type": ["application/pdf"]}))
    (blob,) = rows(path, "SELECT html, dictionary_id FROM blobs")
    assert blob == {"html": 0, "dictionary_id": None}
    assert Archive(path).body(blobs_module.sha256(pdf)) == pdf


# -- the file -----------------------------------------------------------------------------------


def test_the_archive_is_in_wal_mode(writer, path):
    record(writer, fetch(report_page()))
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_table_view_and_column_is_documented_in_the_file(writer, path):
    record(writer, fetch(report_page()))
    with Archive(path) as a:
        docs = {(r["table_name"], r["column_name"]): r["description"] for r in a.db.query("SELECT * FROM schema_docs")}
        names = [r[0] for r in a.db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                             "AND name NOT LIKE 'sqlite_%'")]
        assert {"pages", "reports", "snapshots", "blobs", "report_values", "latest_reports", "report_figures",
                "failed_checks", "report_changes", "reports_fts"} <= set(names)
        missing = []
        for name in names:
            if not docs.get((name, "")):
                missing.append(name)
            for column in a.db.execute(f"PRAGMA table_info([{name}])"):
                if not docs.get((name, column[1])):
                    missing.append(f"{name}.{column[1]}")
        assert missing == []
        # Nothing documented that does not exist (docs kept in step with the schema).
        for table, column in docs:
            assert table in names
            if column:
                assert column in [c[1] for c in a.db.execute(f"PRAGMA table_info([{table}])")]
        # The DDL carries the descriptions too, for anyone reading `.schema`.
        assert "-- Canonical URL" in a.db.execute("SELECT sql FROM sqlite_master WHERE name = 'pages'").fetchone()[0]


def test_schema_creation_is_idempotent(path):
    for _ in range(2):
        open_archive(path).close()
    assert rows(path, "SELECT value FROM archive_meta WHERE key = 'schema_version'")[0]["value"] == str(
        schema.SCHEMA_VERSION
    )


def test_an_archive_from_an_earlier_schema_gains_the_new_columns_filled_in(path):
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0) as w:
        w.submit_fetch(fetch(report_page())).result()
        w.submit_fetch(fetch(report_page(year=2020))).result()
    conn = sqlite3.connect(path)
    from archive import views

    for view in views.VIEWS:
        conn.execute(f"DROP VIEW {view.name}")
    conn.execute("DROP INDEX reports_latest_figures")
    conn.execute("ALTER TABLE reports DROP COLUMN is_latest")
    conn.execute("ALTER TABLE reports DROP COLUMN applications_received")
    conn.commit()
    conn.close()
    open_archive(path).close()
    latest = rows(path, "SELECT version, is_latest, applications_received FROM reports ORDER BY version")
    assert latest == [
        {"version": 1, "is_latest": 0, "applications_received": 4},
        {"version": 2, "is_latest": 1, "applications_received": 4},
    ]
    assert rows(path, "SELECT year FROM report_figures") == [{"year": 2020}]



def test_closing_while_a_reader_holds_a_snapshot_neither_waits_nor_fails(path, caplog):
    import logging
    import sqlite3
    import time

    writer = ArchiveWriter(path, parser="archive_fixtures", parse_workers=0)
    writer.submit_fetch(fetch(report_page())).result()
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM blobs").fetchone()
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="archive.writer"):
        writer.close()
    assert time.monotonic() - started < 2
    assert "folded in later" in caplog.text
    reader.close()
    assert rows(path, "SELECT count(*) AS n FROM reports")[0]["n"] == 1
