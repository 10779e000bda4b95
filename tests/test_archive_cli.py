"""`nianbao export | reparse | verify | serve` on a small archive built here."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from archive import ArchiveWriter, Fetch
from archive.blobs import sha256
from archive.warc import NOT_MODIFIED_PROFILE, warc_digest
from archive_fixtures import report_page
from nianbao.cli import main

BASE = "https://www.zhuji.gov.cn/art/2024/1/26/art_1229427_"
PAGES = {
    f"{BASE}1.html": report_page(agency="暨阳街道", year=2023),
    f"{BASE}2.html": report_page(agency="浣东街道", year=2022, values={"applications.new_received.total": 7}),
}
EDITED = report_page(agency="暨阳街道", year=2023, values={"applications.new_received.natural_person": 3, "applications.new_received.total": 99})
PDF_URL = "https://www.zhuji.gov.cn/module/download/downfile.jsp?filename=report.pdf"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def fetch(url, body, status=200, headers=None, when="2024-02-01T00:00:00Z", **kw):
    return Fetch(portal="zhuji", url=url, status=status, final_url=url, body=body, fetched_at=when,
                 headers=headers if headers is not None else {"Content-Type": ["text/html; charset=utf-8"],
                                                              "Content-Encoding": ["gzip"], "Content-Length": ["123"]},
                 **kw)


@pytest.fixture
def archive_path(tmp_path):
    path = tmp_path / "nianbao.db"
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0, create_run=True) as writer:
        for url, body in PAGES.items():
            writer.submit_fetch(fetch(url, body)).result()
        first = f"{BASE}1.html"
        writer.submit_fetch(fetch(first, PAGES[first], when="2024-03-01T00:00:00Z")).result()  # seen again
        writer.submit_fetch(fetch(first, b"", status=304, headers={"ETag": ['"e"']}, when="2024-04-01T00:00:00Z")).result()
        writer.submit_fetch(fetch(first, EDITED, when="2024-05-01T00:00:00Z")).result()  # version 2
        writer.submit_fetch(fetch(f"{BASE}3.html", report_page(agency="陶朱街道"), rendered=True)).result()
        writer.submit_fetch(
            fetch(PDF_URL, PDF, kind="attachment",
                  headers={"Content-Type": ["application/pdf"], "Content-Disposition": ['attachment; filename="r.pdf"']})
        ).result()
    return path


def run(*args, **kw):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)
    return result


def test_export_jsonl_gives_the_parse_plus_provenance_for_each_latest_version(archive_path):
    result = run("export", "--db", archive_path, "--format", "jsonl")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_url = {line["url"]: line for line in lines}
    assert len(lines) == 4 and set(by_url) == {*PAGES, f"{BASE}3.html", PDF_URL}
    first = by_url[f"{BASE}1.html"]
    assert list(first) == ["source", "title", "agency", "year", "published", "index_no", "template", "values",
                           "checks", "warnings", "url", "portal", "version", "sha256", "fetched_at"]
    assert first["version"] == 2 and first["sha256"] == sha256(EDITED)
    assert first["fetched_at"] == "2024-05-01T00:00:00.000000+00:00"
    assert first["values"]["applications.new_received.total"] == 99 and first["portal"] == "zhuji"
    second = by_url[f"{BASE}2.html"]
    assert second["version"] == 1 and second["values"] == {"applications.new_received.total": 7}
    assert by_url[PDF_URL]["source"] == "r.pdf"  # the parser was given the served file name


def test_export_csv_has_one_row_per_report_and_a_column_per_figure(archive_path, tmp_path):
    out = tmp_path / "reports.csv"
    assert run("export", "--db", archive_path, "--format", "csv", "-o", out).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 4
    row = next(r for r in rows if r["url"] == f"{BASE}1.html")
    assert row["version"] == "2" and row["applications.new_received.total"] == "99" and row["agency"] == "暨阳街道"
    assert json.loads(row["checks"]) and row["checks_failed"] == "1"


def test_export_warc_is_readable_by_warcio_with_requests_responses_and_revisits(archive_path, tmp_path):
    out = tmp_path / "nianbao.warc.gz"
    assert run("export", "--db", archive_path, "--format", "warc", "-o", out).exit_code == 0
    assert gzip.open(out).read(8) == b"WARC/1.1"
    records = []
    with out.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            records.append((record.rec_type, record.rec_headers, record.http_headers, record.content_stream().read()))
    types = [r[0] for r in records]
    assert types[0] == "warcinfo"
    assert types.count("response") == 4 and types.count("request") == 5 and types.count("resource") == 1
    assert types.count("revisit") == 2
    first = f"{BASE}1.html"
    responses = [r for r in records if r[0] == "response" and r[1].get_header("WARC-Target-URI") == first]
    assert [r[3] for r in responses] == [PAGES[first], EDITED]  # both versions, byte for byte
    headers = responses[0][2]
    assert headers.get_statuscode() == "200"
    assert headers.get_header("Content-Length") == str(len(PAGES[first]))
    assert headers.get_header("Content-Encoding") is None and headers.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert responses[0][1].get_header("WARC-Payload-Digest") == warc_digest(sha256(PAGES[first]))
    revisits = [r for r in records if r[0] == "revisit"]
    same, not_modified = revisits
    assert same[1].get_header("WARC-Profile").endswith("identical-payload-digest")
    assert same[1].get_header("WARC-Refers-To") == responses[0][1].get_header("WARC-Record-ID")
    assert same[1].get_header("WARC-Payload-Digest") == warc_digest(sha256(PAGES[first]))
    assert not_modified[1].get_header("WARC-Profile") == NOT_MODIFIED_PROFILE
    assert not_modified[2].get_statuscode() == "304"
    rendered = next(r for r in records if r[0] == "resource")
    assert rendered[1].get_header("WARC-Target-URI") == f"{BASE}3.html"


def test_export_warc_uncompressed(archive_path, tmp_path):
    out = tmp_path / "plain.warc"
    assert run("export", "--db", archive_path, "--format", "warc", "-o", out).exit_code == 0
    assert out.read_bytes().startswith(b"WARC/1.1")
    assert sum(1 for _ in ArchiveIterator(out.open("rb"))) == 13


def test_verify_passes_on_a_sound_archive_and_fails_on_a_corrupted_blob(archive_path):
    assert run("verify", "--db", archive_path).exit_code == 0
    conn = sqlite3.connect(archive_path)
    digest = sha256(PAGES[f"{BASE}2.html"])
    import zstandard

    conn.execute("UPDATE blobs SET data = ? WHERE sha256 = ?", [zstandard.ZstdCompressor().compress(b"tampered"), digest])
    conn.commit()
    conn.close()
    result = run("verify", "--db", archive_path)
    assert result.exit_code == 1
    assert digest in result.stderr and f"{BASE}2.html" in result.stderr


def test_verify_reports_undecompressable_data(archive_path):
    conn = sqlite3.connect(archive_path)
    conn.execute("UPDATE blobs SET data = x'00010203' WHERE sha256 = ?", [sha256(PDF)])
    conn.commit()
    conn.close()
    result = run("verify", "--db", archive_path)
    assert result.exit_code == 1 and "cannot decompress" in result.stderr


def test_reparse_command_reparses_without_fetching(archive_path):
    conn = sqlite3.connect(archive_path)
    conn.execute("UPDATE reports SET parser_version = 'old', year = NULL")
    conn.commit()
    conn.close()
    result = run("reparse", "--db", archive_path, "--parser", "archive_fixtures", "--workers", "0")
    assert result.exit_code == 0, result.stderr
    assert "reparsing 5 report version(s)" in result.stderr
    conn = sqlite3.connect(archive_path)
    assert conn.execute("SELECT count(*) FROM reports WHERE parser_version = 'standin-1'").fetchone()[0] == 5
    assert conn.execute("SELECT count(*) FROM reports WHERE year IS NOT NULL").fetchone()[0] == 4  # all but the PDF
    # Search still finds each page version once: the old index entries were replaced, not duplicated.
    assert conn.execute("SELECT count(*) FROM reports_fts WHERE reports_fts MATCH '行政复议'").fetchone()[0] == 4
    assert conn.execute("SELECT count(*) FROM reports_fts_pairs WHERE reports_fts_pairs MATCH '\"复议\"'").fetchone()[0] == 4


def test_reparse_says_clearly_when_the_parser_cannot_load(archive_path):
    result = CliRunner().invoke(main, ["reparse", "--db", str(archive_path), "--parser", "no_such_parser_module"])
    assert result.exit_code == 1 and "cannot load the parser" in result.stderr


def test_serve_metadata_documents_every_table_and_column(archive_path):
    result = run("serve", "--db", archive_path, "--metadata")
    metadata = json.loads(result.stdout)
    tables = metadata["databases"]["nianbao"]["tables"]
    conn = sqlite3.connect(archive_path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%'"):
        assert tables[name]["description"], name
        for column in conn.execute(f"PRAGMA table_info([{name}])"):
            assert tables[name]["columns"].get(column[1]), f"{name}.{column[1]}"
    assert tables["reports"]["fts_table"] == "reports_fts"


def test_datasette_runs_the_search_query_with_nianbao_match(archive_path):
    pytest.importorskip("datasette")
    from archive import Archive
    from archive.datasette_plugin import datasette_app
    from archive.docs import datasette_metadata

    with Archive(archive_path) as archive:
        metadata = datasette_metadata(archive.db, "nianbao")
    app = datasette_app(str(archive_path), metadata)

    async def get(path):
        response = await app.client.get(path)
        return response.status_code, response.json()

    status, data = asyncio.run(get("/nianbao/search.json?q=%E5%A4%8D%E8%AE%AE&_shape=array"))  # 复议
    assert status == 200 and len(data) == 3  # every latest version but the PDF mentions 行政复议
    status, data = asyncio.run(get("/nianbao/pages.json?_shape=array"))
    assert status == 200 and len(data) == 4


def test_nianbao_runs_lists_the_runs_with_per_portal_counts(archive_path):
    result = run("runs", "--db", archive_path)
    assert result.exit_code == 0
    assert "run 1" in result.stdout and "finished" in result.stdout and "zhuji" in result.stdout
    (line,) = run("runs", "--db", archive_path, "--json").stdout.splitlines()
    record = json.loads(line)
    assert record["outcome"] == "finished"
    assert record["portals"][0]["portal"] == "zhuji" and record["portals"][0]["new_reports"] == 4


def test_the_archive_pipeline_is_off_without_nianbao_db(monkeypatch):
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from crawler.pipelines import ArchivePipeline

    monkeypatch.delenv("NIANBAO_DB", raising=False)
    with pytest.raises(NotConfigured):
        ArchivePipeline.from_crawler(get_crawler(settings_dict={"NIANBAO_DB": ""}))
    pipeline = ArchivePipeline.from_crawler(get_crawler(settings_dict={"NIANBAO_DB": "x.db", "NIANBAO_RUN_ID": "7"}))
    assert pipeline.path == "x.db" and pipeline.options["run_id"] == 7 and pipeline.options["create_run"] is False


def test_show_prints_the_exact_bytes_of_a_url_a_sha256_or_a_report_id(archive_path, tmp_path):
    conn = sqlite3.connect(archive_path)
    first = f"{BASE}1.html"
    report_id, digest = conn.execute(
        "SELECT r.id, r.sha256 FROM pages p JOIN reports r ON r.id = p.latest_report_id WHERE p.url = ?", [first]).fetchone()
    old_digest = conn.execute("SELECT sha256 FROM snapshots WHERE url = ? ORDER BY id LIMIT 1", [first]).fetchone()[0]
    for ref, expected in ((first, EDITED), (digest, EDITED), (report_id, EDITED), (old_digest, PAGES[first])):
        result = run("show", "--db", archive_path, ref)
        assert result.exit_code == 0, result.stderr
        assert result.stdout_bytes == expected and sha256(result.stdout_bytes) in (digest, old_digest)
        assert sha256(expected) in result.stderr
    out = tmp_path / "r.pdf"
    assert run("show", "--db", archive_path, PDF_URL, "-o", out).exit_code == 0 and out.read_bytes() == PDF
    text = run("show", "--db", archive_path, first, "--text")
    assert "行政复议" in text.stdout and "<" not in text.stdout
    missing = run("show", "--db", archive_path, "https://example.invalid/none.html")
    assert missing.exit_code == 1 and "no copy" in missing.stderr
