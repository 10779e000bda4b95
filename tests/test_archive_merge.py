"""`nianbao merge`: archives folded into one without loss, duplication or torn state.

- two archives of different portals merge into the union: reports, values, checks, texts, both
  full-text indexes, blobs (their SHA-256s, decompressing against copied dictionaries), runs with
  their node, failures, agencies;
- two archives holding different fetches of one URL merge into the chain a single archive makes
  from the same fetches in fetch-time order, whichever is merged into which;
- merging a shard twice, or an archive into a copy of itself, changes no row of any table;
- a merge killed with SIGKILL at random points leaves an archive `nianbao verify` passes, equal
  to the target before the merge or after it.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from archive_fixtures import report_page
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import Archive, ArchiveWriter, Failure, Fetch
from archive.blobs import sha256
from archive.merge import MergeError, merge
from nianbao.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHANGSHOU = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/{name}.html"
ZHUJI = "http://www.zhuji.gov.cn/art/2024/1/{name}.html"


def fetch(portal: str, url: str, body: bytes, fetched_at: str, *, status: int = 200, **kwargs) -> Fetch:
    return Fetch(portal=portal, url=url, status=status, final_url=url,
                 headers=kwargs.pop("headers", {"Content-Type": ["text/html"]}), body=body,
                 fetched_at=fetched_at, column=kwargs.pop("column", "万顺镇"), **kwargs)


def build(path: Path, fetches: list[Fetch], failures: list[Failure] = ()) -> Path:
    """An archive made by the writer, as a crawl makes it (one run, stand-in parser)."""
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0, create_run=True) as writer:
        for item in fetches:
            writer.submit_fetch(item).result()
            writer.drain()
        for failure in failures:
            writer.submit_failure(failure).result()
    return path


def portal_fetches(portal: str, template: str, count: int, *, day: int = 1, agency: str = "万顺镇人民政府") -> list[Fetch]:
    return [
        fetch(portal, template.format(name=f"r{i}"),
              report_page(agency=agency, year=2010 + i % 14,
                          values={"applications.new_received.natural_person": i, "applications.new_received.business": 2,
                                  "applications.new_received.total": i + 2 + (i % 5 == 0), "active.fees.amount": i / 4},
                          text=f"第{i}号报告 行政复议 {portal}"),
              f"2024-01-{day:02d}T08:{i // 60:02d}:{i % 60:02d}Z")
        for i in range(count)
    ]


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (the full-text indexes' own tables included), sorted."""
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}
    finally:
        conn.close()


def content(path: Path) -> dict[str, dict]:
    """What an archive holds, by URL, free of its local ids: versions with their parse, fetches, page state."""
    out = {}
    with Archive(path) as archive:
        db = archive.db
        for page in db.query("SELECT * FROM pages ORDER BY url"):
            versions = []
            for report in archive.versions(page["url"]):
                parsed = archive.report(report["id"])
                versions.append({
                    "version": report["version"], "sha256": report["sha256"], "is_latest": report["is_latest"],
                    "first_seen_at": report["first_seen_at"], "last_seen_at": report["last_seen_at"],
                    "body_ok": sha256(archive.body(report["sha256"])) == report["sha256"],
                    "parse": parsed, "text": archive.text(report["id"]),
                    "agency": db.execute("SELECT a.name FROM agencies a WHERE a.id = ?", [report["agency_id"]]).fetchone(),
                    "first_fetch": db.execute("SELECT fetched_at FROM snapshots WHERE id = ?",
                                              [report["snapshot_id"]]).fetchone()[0],
                })
            fetches = [
                (s["fetched_at"], s["status"], s["sha256"], s["outcome"], s["spider"],
                 db.execute("SELECT version FROM reports WHERE id = ?", [s["report_id"]]).fetchone()[0],
                 db.execute("SELECT started_at FROM crawl_runs WHERE id = ?", [s["run_id"]]).fetchone()[0])
                for s in archive.snapshots(page["url"])
            ]
            latest = db.execute("SELECT version FROM reports WHERE id = ?", [page["latest_report_id"]]).fetchone()[0]
            out[page["url"]] = {
                "page": {k: page[k] for k in ("portal", "kind", "first_seen_at", "last_seen_at", "last_changed_at",
                                              "version_count", "gone_at", "gone_status", "agency_column")},
                "latest": latest, "versions": versions, "fetches": fetches,
            }
    return out


def search(path: Path, query: str) -> set[str]:
    with Archive(path) as archive:
        return {hit["url"] for hit in archive.search(query, limit=1000, all_versions=True)}


def trigram(path: Path, query: str) -> set[str]:
    with Archive(path) as archive:
        return {url for (url,) in archive.db.execute(
            "SELECT p.url FROM reports_fts f JOIN reports r ON r.id = f.rowid JOIN pages p ON p.id = r.page_id "
            "WHERE reports_fts MATCH ?", [query])}


def verify(path: Path) -> None:
    result = CliRunner().invoke(main, ["verify", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert_consistent(path)


def assert_consistent(path: Path) -> None:
    """What the writer keeps true of every archive: version chains, snapshots and indexes agree."""
    with Archive(path) as archive:
        one = archive.db.execute
        assert one("PRAGMA foreign_key_check").fetchall() == []
        for page_id, count, latest in one("SELECT id, version_count, latest_report_id FROM pages").fetchall():
            versions = one("SELECT id, version, is_latest FROM reports WHERE page_id = ? ORDER BY version", [page_id]).fetchall()
            assert [v[1] for v in versions] == list(range(1, count + 1)), page_id
            assert [v[0] for v in versions if v[2]] == [latest] == [versions[-1][0]], page_id
        # A fetch with bytes belongs to a version with those bytes; a version's first fetch is its own.
        assert one("SELECT count(*) FROM snapshots s JOIN reports r ON r.id = s.report_id "
                   "WHERE s.sha256 IS NOT NULL AND s.sha256 <> r.sha256").fetchone()[0] == 0
        assert one("SELECT count(*) FROM reports r JOIN snapshots s ON s.id = r.snapshot_id "
                   "WHERE s.report_id <> r.id OR s.outcome NOT IN ('new', 'changed')").fetchone()[0] == 0
        texts = one("SELECT count(*) FROM report_texts").fetchone()[0]
        assert one("SELECT count(*) FROM reports_fts_docsize").fetchone()[0] == texts
        assert one("SELECT count(*) FROM reports_fts_pairs_docsize").fetchone()[0] == texts
    conn = sqlite3.connect(path)
    try:  # FTS5 checks its index against itself (raises on damage); contentless: no text to compare
        for table in ("reports_fts", "reports_fts_pairs"):
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
    finally:
        conn.rollback()
        conn.close()


@pytest.fixture
def two_portals(tmp_path):
    changshou = build(tmp_path / "changshou.db", portal_fetches("changshou", CHANGSHOU, 12),
                      [Failure(url=CHANGSHOU.format(name="r3"), outcome="http_404", portal="changshou", status=404,
                               failed_at="2024-03-01T00:00:00Z", spider="changshou")])
    zhuji = build(tmp_path / "zhuji.db", portal_fetches("zhuji", ZHUJI, 10, day=2, agency="暨阳街道"))
    return changshou, zhuji


# -- disjoint archives ----------------------------------------------------------------------


def test_two_archives_of_different_portals_merge_into_their_union(tmp_path, two_portals):
    changshou, zhuji = two_portals
    target = tmp_path / "merged.db"
    result = CliRunner().invoke(main, ["merge", str(changshou), str(zhuji), "--into", str(target), "--node", "node-a"])
    assert result.exit_code == 0, result.output
    merged = content(target)
    assert merged == {**content(changshou), **content(zhuji)}
    assert len(merged) == 22 and all(v["body_ok"] and v["parse"]["values"] for p in merged.values() for v in p["versions"])
    assert merged[CHANGSHOU.format(name="r3")]["page"]["gone_status"] == 404
    verify(target)
    # Bodies were compressed against each portal's dictionary: those came along, each once.
    with Archive(target) as archive:
        dictionaries = archive.db.execute("SELECT portal, count(*) FROM zstd_dictionaries GROUP BY portal").fetchall()
        assert sorted(dictionaries) == [("changshou", 1), ("zhuji", 1)]
        assert archive.db.execute("SELECT count(*) FROM blobs WHERE dictionary_id IS NULL").fetchone()[0] == 0
        runs = archive.db.execute("SELECT node, outcome FROM crawl_runs").fetchall()
        assert runs == [("node-a", "finished"), ("node-a", "finished")]
        assert archive.db.execute("SELECT count(*) FROM crawl_run_portals").fetchone()[0] == 2
        assert archive.db.execute("SELECT count(*) FROM fetch_failures WHERE page_id IS NOT NULL").fetchone()[0] == 1
        agencies = set(archive.db.execute("SELECT portal, name, core FROM agencies").fetchall())
    for shard in (changshou, zhuji):
        with Archive(shard) as archive:
            assert set(archive.db.execute("SELECT portal, name, core FROM agencies").fetchall()) <= agencies
    # Both full-text indexes hold the merged texts: a two-character word and a trigram query.
    assert search(target, "复议") == set(merged) == trigram(target, "行政复议")
    assert search(target, "街道") == {ZHUJI.format(name=f"r{i}") for i in range(10)}


def test_merging_a_shard_twice_or_an_archive_into_its_copy_changes_nothing(tmp_path, two_portals):
    changshou, zhuji = two_portals
    target = tmp_path / "target.db"
    shutil.copy(changshou, target)
    before = dump(target)
    (summary,) = merge(target, [changshou])
    assert not summary.changed and dump(target) == before
    merge(target, [zhuji])
    once = dump(target)
    summaries = merge(target, [zhuji, changshou])
    assert [s.changed for s in summaries] == [False, False]
    assert dump(target) == once


def test_a_shard_made_before_the_main_figures_existed_gets_them_computed(tmp_path, two_portals):
    from archive.figures import MAIN_FIGURES

    changshou, _ = two_portals
    old = tmp_path / "old.db"
    shutil.copy(changshou, old)
    conn = sqlite3.connect(old)
    with conn:  # an archive from before report rows carried the main figures
        conn.execute("DROP INDEX reports_latest_figures")
        for (view,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
            conn.execute(f"DROP VIEW {view}")
        for figure in MAIN_FIGURES:
            conn.execute(f"ALTER TABLE reports DROP COLUMN {figure.name}")
    conn.close()
    target = tmp_path / "target.db"
    merge(target, [old])
    names = ", ".join(figure.name for figure in MAIN_FIGURES)
    with Archive(target) as merged, Archive(changshou) as original:
        query = f"SELECT p.url, {names} FROM reports r JOIN pages p ON p.id = r.page_id ORDER BY p.url"
        figures = merged.db.execute(query).fetchall()
        assert figures == original.db.execute(query).fetchall()
        assert any(value is not None for row in figures for value in row[1:])


def test_a_shard_that_is_not_an_archive_or_the_target_is_refused(tmp_path, two_portals):
    changshou, _ = two_portals
    with pytest.raises(MergeError, match="target archive itself"):
        merge(changshou, [changshou])
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all")
    result = CliRunner().invoke(main, ["merge", str(junk), "--into", str(tmp_path / "t.db")])
    assert result.exit_code != 0 and "not an SQLite file" in result.output


def test_a_shard_that_began_as_a_copy_of_the_target_brings_back_only_its_own_fetches(tmp_path):
    """The cluster's nightly: a node crawls into a copy of the main archive (it has the validators),
    so its shard holds the target's history too, plus tonight's 304s, unchanged and changed pages."""
    first = portal_fetches("changshou", CHANGSHOU, 10)
    target = build(tmp_path / "main.db", first)
    shard = tmp_path / "node.db"
    shutil.copy(target, shard)
    tonight = []
    for i, item in enumerate(first):
        at = item.fetched_at.replace("2024-01-01", "2024-02-01")
        if i % 3 == 0:
            tonight.append(fetch("changshou", item.url, b"", at, status=304))
        elif i % 3 == 1:
            tonight.append(fetch("changshou", item.url, item.body, at))
        else:
            tonight.append(fetch("changshou", item.url, item.body.replace(b"</article>", "<p>更正</p></article>".encode()), at))
    build(shard, tonight, [Failure(url=ZHUJI.format(name="gone"), outcome="timeout", portal="zhuji",
                                   failed_at="2024-02-01T09:00:00Z", spider="zhuji")])
    (summary,) = merge(target, [shard], node="node-1")
    assert (summary.runs, summary.pages, summary.pages_updated, summary.snapshots, summary.versions, summary.failures) == (
        1, 0, 10, 10, 3, 1)
    assert content(target) == content(shard)
    with Archive(target) as archive:
        assert archive.db.execute("SELECT node FROM crawl_runs ORDER BY id").fetchall() == [(None,), ("node-1",)]
    verify(target)
    once = dump(target)
    merge(target, [shard])
    assert dump(target) == once


def test_compact_leaves_each_portal_one_dictionary_and_the_bytes_as_they_were(tmp_path):
    mine = build(tmp_path / "mine.db", portal_fetches("changshou", CHANGSHOU, 12))
    theirs = build(tmp_path / "theirs.db", portal_fetches("changshou", CHANGSHOU.replace("xzndbg", "bmndbg"), 12, day=5,
                                                          agency="龙河镇人民政府"))
    plain, compacted = tmp_path / "plain.db", tmp_path / "compacted.db"
    merge(plain, [mine, theirs])
    result = CliRunner().invoke(main, ["merge", str(mine), str(theirs), "--into", str(compacted), "--compact"])
    assert result.exit_code == 0, result.output

    def dictionaries(path):
        with Archive(path) as archive:
            return archive.db.execute("SELECT count(*), (SELECT count(DISTINCT dictionary_id) FROM blobs) "
                                      "FROM zstd_dictionaries").fetchone()

    assert dictionaries(plain) == (2, 2) and dictionaries(compacted) == (1, 1)
    assert content(compacted) == content(plain) == {**content(mine), **content(theirs)}
    verify(compacted)


def test_a_merge_while_a_crawl_writes_into_the_target_loses_neither(tmp_path, two_portals):
    import threading

    changshou, zhuji = two_portals
    tonight = portal_fetches("dongguan", "http://www.dg.gov.cn/zwgk/{name}.html", 60, day=7, agency="莞城街道")
    target = tmp_path / "target.db"
    shutil.copy(changshou, target)
    writer = ArchiveWriter(target, parser="archive_fixtures", parse_workers=0, create_run=True)

    def crawl():
        for item in tonight:
            writer.submit_fetch(item).result()

    crawling = threading.Thread(target=crawl)
    crawling.start()
    merge(target, [zhuji])
    crawling.join()
    writer.close()
    alone = build(tmp_path / "alone.db", portal_fetches("dongguan", "http://www.dg.gov.cn/zwgk/{name}.html", 60, day=7,
                                                         agency="莞城街道"))
    expected = {**without_runs(content(changshou)), **without_runs(content(zhuji)), **without_runs(content(alone))}
    assert without_runs(content(target)) == expected
    verify(target)


# -- one URL, fetches in both archives ---------------------------------------------------------

URL = CHANGSHOU.format(name="t20230118")
X = report_page(values={"applications.new_received.total": 1})
Y = report_page(values={"applications.new_received.total": 2}, text="更正后的报告 行政复议")
Z = report_page(values={"applications.new_received.total": 3})


def interleaved(tmp_path):
    """Archive A fetched X, Y, Y; archive B fetched Y, X, Z in between and after; S fetched all six."""
    a = [fetch("changshou", URL, X, "2024-01-01T00:00:00Z"), fetch("changshou", URL, Y, "2024-01-03T00:00:00Z"),
         fetch("changshou", URL, Y, "2024-01-05T00:00:00Z")]
    b = [fetch("changshou", URL, Y, "2024-01-02T00:00:00Z"), fetch("changshou", URL, X, "2024-01-04T00:00:00Z"),
         fetch("changshou", URL, Z, "2024-01-06T00:00:00Z")]
    union = sorted(a + b, key=lambda f: f.fetched_at)
    return build(tmp_path / "a.db", a), build(tmp_path / "b.db", b), build(tmp_path / "single.db", union)


def without_runs(archive_content: dict) -> dict:
    """The content with each fetch's run left out (a single archive has one run, a merge two)."""
    return {url: {**page, "fetches": [f[:-1] for f in page["fetches"]]} for url, page in archive_content.items()}


@pytest.mark.parametrize("order", ["b into a", "a into b"])
def test_interleaved_fetches_of_one_url_make_the_chain_one_archive_makes_of_them(tmp_path, order):
    a, b, single = interleaved(tmp_path)
    target, shard = (a, b) if order == "b into a" else (b, a)
    merge(target, [shard])
    merged, expected = content(target), content(single)
    assert without_runs(merged) == without_runs(expected)
    page = merged[URL]
    assert [v["sha256"] for v in page["versions"]] == [sha256(X), sha256(Y), sha256(X), sha256(Y), sha256(Z)]
    assert [f[3] for f in page["fetches"]] == ["new", "changed", "seen_again", "changed", "changed", "changed"]
    assert [v["parse"]["values"]["applications.new_received.total"] for v in page["versions"]] == [1, 2, 1, 2, 3]
    assert page["latest"] == 5 and page["page"]["version_count"] == 5
    # Each fetch keeps the run it came from: A's three and B's three.
    run_of = {f[0]: f[-1] for f in page["fetches"]}
    for shard_fetch in content(shard)[URL]["fetches"]:
        assert run_of[shard_fetch[0]] == shard_fetch[-1]
    assert len(set(run_of.values())) == 2
    verify(target)
    assert search(target, "更正") == {URL}
    once = dump(target)
    merge(target, [shard])
    assert dump(target) == once


BODIES = (X, Y, Z)
URLS = (URL, CHANGSHOU.format(name="other"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(URLS), st.integers(0, 2), st.booleans()), min_size=1, max_size=12),
       st.permutations(range(3)))
def test_any_split_of_fetches_between_archives_merges_into_the_one_archive_of_them_all(tmp_path_factory, plan, order):
    """Fetches (url, body, which archive) at increasing times, split between A, B and C, merged in
    any order, give what one archive of every fetch in fetch-time order holds."""
    root = tmp_path_factory.mktemp("split")
    fetches = [(fetch("changshou", url, BODIES[body], f"2024-01-01T00:{i:02d}:00Z"), side)
               for i, (url, body, side) in enumerate(plan)]
    parts = [[f for f, side in fetches if side], [f for f, side in fetches if not side][::2],
             [f for f, side in fetches if not side][1::2]]
    shards = [build(root / f"{n}.db", part) for n, part in enumerate(parts)]
    single = build(root / "single.db", [f for f, _ in fetches])
    target = root / "merged.db"
    merge(target, [shards[n] for n in order])
    assert without_runs(content(target)) == without_runs(content(single))
    assert_consistent(target)


def test_a_304_confirms_the_version_its_archive_attached_it_to(tmp_path):
    etag = {"Content-Type": ["text/html"], "ETag": ['"x"']}
    a = build(tmp_path / "a.db", [fetch("changshou", URL, X, "2024-01-01T00:00:00Z", headers=etag),
                                  fetch("changshou", URL, b"", "2024-01-05T00:00:00Z", status=304, headers=etag)])
    b = build(tmp_path / "b.db", [fetch("changshou", URL, Y, "2024-01-03T00:00:00Z")])
    merge(a, [b])
    page = content(a)[URL]
    assert [v["sha256"] for v in page["versions"]] == [sha256(X), sha256(Y)]
    # The 304 carries no bytes: it confirms X (version 1), it does not make X current again.
    assert [(f[1], f[3], f[5]) for f in page["fetches"]] == [(200, "new", 1), (200, "changed", 2), (304, "not_modified", 1)]
    assert page["versions"][0]["last_seen_at"].startswith("2024-01-05") and page["latest"] == 2
    verify(a)


def test_a_target_whose_fetches_were_recorded_out_of_order_gets_them_sorted(tmp_path):
    # X, Y, then a fetch of X made before Y's but written after it: a third version, in the target.
    target = build(tmp_path / "target.db", [fetch("changshou", URL, X, "2024-01-01T00:00:00Z"),
                                            fetch("changshou", URL, Y, "2024-01-03T00:00:00Z"),
                                            fetch("changshou", URL, X, "2024-01-02T00:00:00Z")])
    assert len(content(target)[URL]["versions"]) == 3
    shard = build(tmp_path / "shard.db", [fetch("changshou", URL, Z, "2024-01-04T00:00:00Z")])
    single = build(tmp_path / "single.db", [fetch("changshou", URL, X, "2024-01-01T00:00:00Z"),
                                            fetch("changshou", URL, X, "2024-01-02T00:00:00Z"),
                                            fetch("changshou", URL, Y, "2024-01-03T00:00:00Z"),
                                            fetch("changshou", URL, Z, "2024-01-04T00:00:00Z")])
    merge(target, [shard])
    assert without_runs(content(target)) == without_runs(content(single))
    assert search(target, "更正") == {URL} and search(target, "复议") == {URL}
    verify(target)


def test_a_version_only_the_shard_parsed_brings_its_parse(tmp_path):
    unparsed = build(tmp_path / "unparsed.db", [fetch("changshou", URL, X, "2024-01-01T00:00:00Z")])
    conn = sqlite3.connect(unparsed)
    with conn:  # as a crawl killed before its parses were stored leaves it
        for table in ("report_values", "report_checks", "report_texts", "agency_names", "agencies"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("INSERT INTO reports_fts(reports_fts) VALUES ('delete-all')")
        conn.execute("INSERT INTO reports_fts_pairs(reports_fts_pairs) VALUES ('delete-all')")
        conn.execute("UPDATE reports SET parsed_at = NULL, parser_version = NULL, title = NULL, agency = NULL, "
                     "year = NULL, template = NULL, warnings = NULL, value_count = NULL, agency_id = NULL")
    conn.close()
    assert search(unparsed, "复议") == set()
    shard = build(tmp_path / "shard.db", [fetch("changshou", URL, X, "2024-01-02T00:00:00Z")])
    single = build(tmp_path / "single.db", [fetch("changshou", URL, X, "2024-01-01T00:00:00Z"),
                                            fetch("changshou", URL, X, "2024-01-02T00:00:00Z")])
    merge(unparsed, [shard])
    assert without_runs(content(unparsed)) == without_runs(content(single))
    assert search(unparsed, "复议") == {URL}


# -- crash safety -----------------------------------------------------------------------------

KILLED_MERGE = """
import sys, time
from archive.merge import checkpoint_and_close, merge_shard
from archive.writer import open_archive
db = open_archive(sys.argv[1])
print("ready", flush=True)  # what follows is the merge's transaction, then the checkpoint
started = time.perf_counter()
for shard in sys.argv[2:]:
    merge_shard(db, shard)
print(time.perf_counter() - started, flush=True)
checkpoint_and_close(db)
"""


def run_merge(target: Path, *shards: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", KILLED_MERGE, str(target), *map(str, shards)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process


def test_a_merge_killed_at_random_points_leaves_the_target_before_or_after(tmp_path):
    target = build(tmp_path / "target.db", portal_fetches("changshou", CHANGSHOU, 40))
    more = portal_fetches("changshou", CHANGSHOU, 40, day=9)  # the same 40 pages changed a week on
    more = [fetch("changshou", f.url, f.body.replace(b"</article>", "<p>修订</p></article>".encode()), f.fetched_at)
            for f in more]
    shard = build(tmp_path / "shard.db", more + portal_fetches("zhuji", ZHUJI, 400, day=3))
    before = dump(target)
    after_path = tmp_path / "after.db"
    shutil.copy(target, after_path)
    finished = run_merge(after_path, shard)
    took = float(finished.stdout.readline())
    assert finished.wait(120) == 0
    after = dump(after_path)
    assert after != before
    rng = random.Random(13)
    outcomes = []
    for attempt in range(10):
        victim = tmp_path / f"victim{attempt}.db"
        shutil.copy(target, victim)
        process = run_merge(victim, shard)
        # A point inside the merge's transaction, or in the commit and checkpoint after it.
        time.sleep(rng.uniform(0, took * 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        verify(victim)
        state = dump(victim)
        assert state in (before, after), f"attempt {attempt}: torn"
        outcomes.append("after" if state == after else "before")
        # Merging again finishes the job.
        merge(victim, [shard])
        assert dump(victim) == after
    print(f"merge transaction {took:.3f} s; states after the kills:", outcomes)
    assert "before" in outcomes, outcomes  # kills landed inside the transaction


# -- shards of real crawls --------------------------------------------------------------------

GROUPS = (("chaozhou", "wansheng_gbz"), ("shantou", "tongliang"))


def latest_reports(path: Path) -> dict[str, tuple]:
    with Archive(path) as archive:
        return {
            url: (sha, version, json.dumps(archive.report(report_id), ensure_ascii=False, sort_keys=True))
            for url, sha, version, report_id in archive.db.execute(
                "SELECT p.url, r.sha256, r.version, r.id FROM pages p JOIN reports r ON r.page_id = p.id")
        }


def blob_digests(path: Path) -> set[str]:
    with Archive(path) as archive:
        return {sha for (sha,) in archive.db.execute("SELECT sha256 FROM blobs")}


def agency_rows(path: Path) -> set[tuple]:
    with Archive(path) as archive:
        return set(archive.db.execute("SELECT portal, name, level, division_code, core FROM agencies").fetchall())


def test_shards_of_two_crawls_merge_into_what_one_crawl_of_every_portal_archives(tmp_path):
    from test_archive_crawl import crawl

    from replica import ReplicaServer

    portals = [portal for group in GROUPS for portal in group]
    with ReplicaServer(portals=portals) as replica:
        shards = []
        for number, group in enumerate(GROUPS):
            shards.append(tmp_path / f"shard{number}.db")
            crawl(shards[-1], replica.url, *group)
        single = tmp_path / "single.db"
        crawl(single, replica.url, *portals)
    merged = tmp_path / "merged.db"
    result = CliRunner().invoke(main, ["merge", *map(str, shards), "--into", str(merged), "--node", "node-1"])
    assert result.exit_code == 0, result.output
    expected = latest_reports(single)
    assert len(expected) >= 24 and latest_reports(merged) == expected
    assert blob_digests(merged) == blob_digests(single)
    assert agency_rows(merged) == agency_rows(single)
    verify(merged)
    with Archive(merged) as archive:
        runs = archive.db.execute("SELECT node, outcome, portals FROM crawl_runs ORDER BY id").fetchall()
        assert [(node, outcome, sorted(json.loads(p))) for node, outcome, p in runs] == [
            ("node-1", "finished", sorted(group)) for group in GROUPS]
    once = dump(merged)
    merge(merged, shards)
    assert dump(merged) == once
