"""Where each figure came from (issue 20) reaches the archive: `report_values.source`, shown by the
`report_key_values` view and kept by `nianbao merge`, so a researcher can keep only printed cells."""

from __future__ import annotations

import sqlite3

import extract
from archive import Archive, ArchiveWriter, Fetch
from archive.merge import merge

URL = "https://www.shanghai.gov.cn/nw12344/20200131/0001-12344_62700.html"


def _archive(path, body: bytes) -> None:
    writer = ArchiveWriter(path, parser="extract", parse_workers=0, create_run=True)
    try:
        writer.submit_fetch(Fetch(portal="shanghai", url=URL, status=200, final_url=URL,
                                  headers={"Content-Type": ["text/html"]}, body=body,
                                  fetched_at="2024-01-31T08:00:00Z")).result()
        writer.drain()
    finally:
        writer.close()


def _sources(path) -> dict[str, str]:
    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT key, source FROM report_key_values"))
    finally:
        db.close()


def test_every_archived_figure_carries_the_parsers_source(shared, tmp_path):
    # 026 prints blank cells (read as 0) and blank 总计 cells (given as their row's sum).
    body = (shared / "reports" / "026.html").read_bytes()
    parsed = extract.parse(body, url=URL, content_type="text/html")
    assert {"table", "table:blank", "table:row_sum"} <= set(parsed.sources.values())
    path = tmp_path / "a.db"
    _archive(path, body)
    assert _sources(path) == parsed.sources
    with Archive(path) as a:
        (version,) = a.versions(URL)
        assert a.report(version["id"])["values"] == parsed.values
    target = tmp_path / "merged.db"
    merge(target, [path])
    assert _sources(target) == parsed.sources


def test_a_shard_from_before_sources_merges_with_its_figures_unsourced(shared, tmp_path):
    path = tmp_path / "old.db"
    _archive(path, (shared / "reports" / "026.html").read_bytes())
    conn = sqlite3.connect(path)
    with conn:  # an archive parsed before figures carried their source
        for (view,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
            conn.execute(f"DROP VIEW {view}")
        conn.execute("ALTER TABLE report_values DROP COLUMN source")
        count = conn.execute("SELECT count(*) FROM report_values").fetchone()[0]
    conn.close()
    target = tmp_path / "merged.db"
    merge(target, [path])
    sources = _sources(target)
    assert len(sources) == count > 100 and set(sources.values()) == {None}
