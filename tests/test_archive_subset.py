"""`archive.subset.copy_portal`: the part of an archive a cluster job needs to crawl one portal.

The copy must hold everything of that portal (versions, parses, blobs, failures, validators, the
re-check inputs the spider reads) and nothing of the others; merging it back unchanged adds nothing,
and a crawl into it costs what a crawl into the whole archive costs.
"""

from __future__ import annotations

import re
import shutil
import sqlite3

import pytest
from test_archive_crawl import crawl
from test_archive_merge import CHANGSHOU, ZHUJI, build, content, latest_reports, portal_fetches, verify

from archive import Archive, Failure
from archive.merge import merge
from archive.subset import copy_portal
from crawler.archived import ArchivedReports
from replica import ReplicaServer


@pytest.fixture
def main_archive(tmp_path):
    """One archive of two portals (a failure of each kind: of a page, of a never-archived address)."""
    changshou = build(tmp_path / "changshou.db", portal_fetches("changshou", CHANGSHOU, 12),
                      [Failure(url=CHANGSHOU.format(name="r3"), outcome="http_404", portal="changshou", status=404,
                               failed_at="2024-03-01T00:00:00Z", spider="changshou"),
                       Failure(url=CHANGSHOU.format(name="never"), outcome="timeout", portal="changshou",
                               failed_at="2024-03-01T00:00:00Z", spider="changshou")])
    zhuji = build(tmp_path / "zhuji.db", portal_fetches("zhuji", ZHUJI, 10, day=2, agency="暨阳街道"))
    target = tmp_path / "main.db"
    merge(target, [changshou, zhuji])
    return target


def rows(path, query: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return sorted(connection.execute(query).fetchall())
    finally:
        connection.close()


def test_the_copy_holds_the_portal_whole_and_nothing_of_the_others(tmp_path, main_archive):
    shard = tmp_path / "shard.db"
    copied = copy_portal(main_archive, shard, "changshou")
    assert copied.rows["pages"] == 12 and copied.rows["fetch_failures"] == 2

    everything = content(main_archive)
    assert content(shard) == {url: value for url, value in everything.items() if url.startswith("https://www.cqcs")}
    verify(shard)
    # What the spider reads to crawl incrementally: the same from the copy as from the whole archive.
    whole, part = ArchivedReports.load(main_archive, "changshou"), ArchivedReports.load(shard, "changshou")
    assert part.known == whole.known and part.failed_before == whole.failed_before == {CHANGSHOU.format(name="never")}
    assert part.attachments == whole.attachments
    some = next(iter(whole.known))
    assert part.body(some) == whole.body(some) and part.body(some)
    validators = "SELECT url, etag, last_modified, gone_at FROM page_validators WHERE url LIKE 'https://www.cqcs%'"
    assert rows(shard, validators) == rows(main_archive, validators)
    # Rows keep their ids: the shard is the main archive seen through one portal.
    pages = "SELECT id, url, latest_report_id FROM pages WHERE portal = 'changshou'"
    assert rows(shard, pages) == rows(main_archive, pages)
    assert rows(shard, "SELECT DISTINCT portal FROM pages") == [("changshou",)]
    assert rows(shard, "SELECT DISTINCT portal FROM blobs") == [("changshou",)]
    # The runs every archive shares, and only this portal's records of them.
    assert rows(shard, "SELECT id, started_at FROM crawl_runs") == rows(main_archive, "SELECT id, started_at FROM crawl_runs")
    assert rows(shard, "SELECT portal FROM crawl_run_portals") == [("changshou",)]


def test_merging_the_copy_back_adds_nothing(tmp_path, main_archive):
    shard = tmp_path / "shard.db"
    copy_portal(main_archive, shard, "zhuji")
    before = content(main_archive)
    summaries = merge(main_archive, [shard])
    assert not summaries[0].changed, summaries[0].line()
    assert content(main_archive) == before


def test_a_missing_archive_gives_an_empty_copy_and_an_old_copy_is_replaced(tmp_path, main_archive):
    shard = tmp_path / "shard.db"
    assert copy_portal(tmp_path / "none.db", shard, "zhuji").rows == {}
    with Archive(shard) as archive:
        assert archive.db.execute("SELECT count(*) FROM pages").fetchone()[0] == 0
    copy_portal(main_archive, shard, "zhuji")
    copy_portal(main_archive, shard, "changshou")
    assert rows(shard, "SELECT DISTINCT portal FROM pages") == [("changshou",)]


def stat(stderr: str, name: str) -> int:
    found = re.findall(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(found[-1]) if found else 0


def test_a_crawl_into_the_copy_asks_what_a_crawl_into_the_whole_archive_asks(tmp_path):
    portals = ("chaozhou", "tongliang")
    with ReplicaServer(portals=portals) as replica:
        main_db = tmp_path / "main.db"
        crawl(main_db, replica.url, *portals)
        whole = tmp_path / "whole.db"
        shutil.copy(main_db, whole)
        shard = tmp_path / "shard.db"
        copy_portal(main_db, shard, "tongliang")
        into_whole = crawl(whole, replica.url, "tongliang").stderr
        into_shard = crawl(shard, replica.url, "tongliang").stderr
    asked = [stat(into_whole, "nianbao/conditional_requests"), stat(into_shard, "nianbao/conditional_requests")]
    assert asked[0] > 0 and asked[0] == asked[1], asked
    for name in ("nianbao/reports_known", "nianbao/listed", "nianbao/reports/page", "downloader/response_status_count/304"):
        assert stat(into_whole, name) == stat(into_shard, name), name
    # Nothing changed on the replica: the shard brings back its run and its fetches, no page, no version.
    summary = merge(main_db, [shard])[0]
    assert (summary.runs, summary.pages, summary.versions) == (1, 0, 0), summary.line()
    assert latest_reports(main_db) == latest_reports(whole)
