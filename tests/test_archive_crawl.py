"""The archive in the crawl, against the replicas: `nianbao crawl` as a user runs it (a subprocess).

- a first crawl archives every report of `replica.manifest()`; a second adds no version;
- an edited report (a file under `--reports`, read at request time) becomes exactly one new
  version, both versions retrievable byte for byte, the change visible in `report_changes`;
- `nianbao export` lists every manifest report with the values `nianbao parse` gives on the page;
- a crawl killed with SIGKILL leaves an archive that opens and verifies, and the next crawl
  completes the work.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import Archive
from replica import ReplicaServer
from replica_fixtures import THE_FIVE

ROOT = Path(__file__).resolve().parents[1]
# NIANBAO_RECHECK=all: every archived report is asked for again, not only those due tonight on the
# re-check schedule (crawler/recheck.py), so an edit to an old report shows on the next crawl.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "RETRY_BACKOFF_BASE=0", "-s", "LOG_LEVEL=INFO", "-s", "NIANBAO_RECHECK=all"]
EDITED_NAME = "changshou-2022.txt"


def nianbao(*args: str, replica: str | None = None, timeout: float = 600, **popen) -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("NIANBAO_DB", None)
    if replica:
        env["NIANBAO_REPLICA"] = replica
    return subprocess.run(
        [sys.executable, "-c", "from nianbao.cli import main; main()", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, **popen,
    )


def crawl(db: Path, replica: str, *portals: str) -> subprocess.CompletedProcess:
    # -v: the whole log on stderr too (the tests read its stats).
    result = nianbao("crawl", *(portals or THE_FIVE), "--db", str(db), "-v", *FAST, replica=replica)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Traceback" not in result.stderr, result.stderr[result.stderr.index("Traceback") - 1000 :][:5000]
    return result


@pytest.fixture(scope="module")
def reports_dir(tmp_path_factory, shared) -> Path:
    """Real reports from ../shared, published through --reports (copied at run time, never into the repo)."""
    root = tmp_path_factory.mktemp("reports")
    (root / "changshou").mkdir()
    shutil.copy(next((shared / "seeds").glob("000_*.txt")), root / "changshou" / EDITED_NAME)
    (root / "zhuji").mkdir()
    shutil.copy(shared / "reports" / "001.pdf", root / "zhuji" / "report-001.pdf")
    return root


@pytest.fixture(scope="module")
def server(reports_dir):
    with ReplicaServer(reports_dir=reports_dir, portals=THE_FIVE) as replica:
        yield replica


@pytest.fixture(scope="module")
def first_crawl(server, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("archive") / "nianbao.db"
    crawl(db, server.url)
    return db


@pytest.fixture(scope="module")
def second_crawl(first_crawl, server) -> Path:
    crawl(first_crawl, server.url)
    return first_crawl


def test_a_crawl_archives_every_report_of_the_manifest(first_crawl, server):
    manifest = {m["url"]: m for m in server.manifest()}
    with Archive(first_crawl) as archive:
        pages = {r["url"]: r for r in archive.db.query("SELECT url, portal, kind, version_count FROM pages")}
        assert set(pages) == set(manifest)
        assert all(p["version_count"] == 1 for p in pages.values())
        assert all(pages[u]["kind"] == m.get("kind", "page") and pages[u]["portal"] == m["portal"] for u, m in manifest.items())
        unparsed = archive.db.execute("SELECT count(*) FROM reports WHERE parsed_at IS NULL").fetchone()[0]
        assert unparsed == 0
        (run,) = list(archive.db.query("SELECT * FROM crawl_runs"))
        assert run["outcome"] == "finished" and set(json.loads(run["portals"])) == {m["portal"] for m in manifest.values()}
        counts = {r["portal"]: r for r in archive.db.query("SELECT * FROM crawl_run_portals")}
        for portal in counts:
            assert counts[portal]["new_reports"] == sum(1 for m in manifest.values() if m["portal"] == portal)
            assert counts[portal]["requests"] > counts[portal]["new_reports"] and counts[portal]["bytes"] > 0


def test_a_second_crawl_adds_no_version(second_crawl, server):
    with Archive(second_crawl) as archive:
        assert archive.db.execute("SELECT count(*) FROM reports").fetchone()[0] == len(server.manifest())
        runs = list(archive.db.query("SELECT * FROM crawl_run_portals WHERE run_id = 2"))
        assert len(runs) == 5
        for row in runs:
            assert (row["new_reports"], row["new_versions"]) == (0, 0), row
            assert row["unchanged"] + row["not_modified"] == row["items"] > 0, row


def test_export_lists_every_manifest_report_with_the_values_nianbao_parse_gives(second_crawl, server, tmp_path):
    result = nianbao("export", "--db", str(second_crawl), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    exported = {r["url"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(exported) == {m["url"] for m in server.manifest()}
    # The same pages, as files, through `nianbao parse`.
    paths, urls = [], []
    with Archive(second_crawl) as archive:
        for url, report in sorted(exported.items()):
            kind = archive.page(url)["kind"]
            suffix = ".pdf" if archive.body(report["sha256"]).startswith(b"%PDF") else (".html" if kind == "page" else ".bin")
            path = tmp_path / f"{len(paths):04d}{suffix}"
            path.write_bytes(archive.body(report["sha256"]))
            paths.append(str(path))
            urls.append(url)
    parsed = nianbao("parse", *paths, "--json")
    lines = [json.loads(line) for line in parsed.stdout.splitlines()]
    assert len(lines) == len(paths), parsed.stderr[-2000:]
    with_values = 0
    for url, line in zip(urls, lines):
        report = exported[url]
        assert report["values"] == line["values"], url
        assert (report["template"], report["year"], report["agency"]) == (line["template"], line["year"], line["agency"]), url
        assert report["version"] == 1 and report["portal"] and re.fullmatch(r"[0-9a-f]{64}", report["sha256"])
        with_values += bool(report["values"])
    assert with_values > len(urls) * 0.8


def _served(server: ReplicaServer, url: str) -> bytes:
    from replica_fixtures import ProxyClient

    reply = ProxyClient(server.url).get(url)
    assert reply.status == 200
    return reply.body


def test_an_edited_report_becomes_exactly_one_new_version(reports_dir, tmp_path, shared):
    edit_dir = tmp_path / "reports"
    shutil.copytree(reports_dir, edit_dir)
    report_file = edit_dir / "changshou" / EDITED_NAME
    db = tmp_path / "edit.db"
    with ReplicaServer(reports_dir=edit_dir, portals=THE_FIVE) as server:
        url = next(m["url"] for m in server.manifest() if m.get("file") == EDITED_NAME)
        before = _served(server, url)
        crawl(db, server.url, "changshou")
        # The agency corrects its report: two figures of the 规章 row and a sentence.
        text = report_file.read_text(encoding="utf-8")
        edited, changed = re.subn(r"规章\n\n0\n\n0\n\n0", "规章\n\n2\n\n0\n\n2", text, count=1)
        assert changed == 1
        report_file.write_text(edited.replace("工作会议7次", "工作会议8次"), encoding="utf-8")
        after = _served(server, url)
        assert after != before
        crawl(db, server.url, "changshou")
    with Archive(db) as archive:
        counts = archive.db.execute("SELECT count(*), sum(version_count) FROM pages").fetchone()
        assert counts[1] == counts[0] + 1  # exactly one page gained exactly one version
        versions = archive.versions(url)
        assert [v["version"] for v in versions] == [1, 2]
        assert archive.body(versions[0]["sha256"]) == before and archive.body(versions[1]["sha256"]) == after
        (change,) = list(archive.db.query("SELECT * FROM report_changes"))
        assert change["url"] == url and change["text_changed"] == 1
        assert "active.regulations.issued: 0 → 2" in change["value_changes"]
        assert "active.regulations.in_force: 0 → 2" in change["value_changes"]
        latest = next(archive.db.query("SELECT version FROM latest_reports WHERE url = ?", [url]))
        assert latest["version"] == 2
        assert archive.search("会议8次") and archive.search("会议7次", all_versions=True)


def test_a_report_published_between_runs_is_found_through_the_revalidated_lists(reports_dir, tmp_path, shared):
    """Unchanged list pages answer 304 and are read from the kept copy; the one that changed is read anew."""
    publish_dir = tmp_path / "reports"
    shutil.copytree(reports_dir, publish_dir)
    db = tmp_path / "publish.db"
    with ReplicaServer(reports_dir=publish_dir, portals=THE_FIVE) as server:
        crawl(db, server.url, "changshou")
        shutil.copy(next((shared / "seeds").glob("000_*.txt")), publish_dir / "changshou" / "changshou-new.txt")
        url = next(m["url"] for m in server.manifest() if m.get("file") == "changshou-new.txt")
        second = crawl(db, server.url, "changshou")
    assert re.search(r"'httpcache/revalidate': \d+", second.stderr)
    assert re.search(r"'httpcache/invalidate': \d+", second.stderr), "the list that changed was read anew"
    with Archive(db) as archive:
        (row,) = archive.db.execute("SELECT new_reports, new_versions FROM crawl_run_portals WHERE run_id = 2").fetchall()
        assert tuple(row) == (1, 0)
        assert [v["version"] for v in archive.versions(url)] == [1]


def test_a_list_drawn_by_scripts_is_rendered_again_only_when_its_data_changed(reports_dir, tmp_path, shared):
    """Linxiang's year lists: kept renderings answer while their inputs are unchanged; a new
    report changes its year's data, and that page (only) goes through the browser again."""
    publish_dir = tmp_path / "reports"
    shutil.copytree(reports_dir, publish_dir)
    (publish_dir / "linxiang").mkdir(exist_ok=True)
    db = tmp_path / "render.db"
    with ReplicaServer(reports_dir=publish_dir, portals=THE_FIVE) as server:
        first = crawl(db, server.url, "linxiang")
        again = crawl(db, server.url, "linxiang")
        shutil.copy(next((shared / "seeds").glob("004_*.txt")), publish_dir / "linxiang" / "linxiang-new.txt")
        url = next(m["url"] for m in server.manifest() if m.get("file") == "linxiang-new.txt")
        third = crawl(db, server.url, "linxiang")
    rendered = lambda run: int(re.search(r"(\d+) pages? rendered by the browser", run.stderr).group(1))  # noqa: E731
    reused = lambda run: int(re.search(r"'nianbao/render/reused': (\d+)", run.stderr).group(1))  # noqa: E731
    assert rendered(first) > 10 and "pages rendered by the browser" not in again.stderr.split("linxiang finished")[1]
    assert reused(again) == rendered(first)
    assert 1 <= rendered(third) < rendered(first) and reused(third) == rendered(first) - rendered(third)
    with Archive(db) as archive:
        listed = archive.db.execute("SELECT run_id, listed, new_reports FROM crawl_run_portals ORDER BY run_id").fetchall()
        assert [tuple(r) for r in listed][1:] == [(2, listed[0][1], 0), (3, listed[0][1] + 1, 1)]
        assert [v["version"] for v in archive.versions(url)] == [1]


def test_a_crawl_killed_with_sigkill_leaves_a_valid_archive_and_the_next_crawl_completes_it(server, tmp_path):
    db = tmp_path / "killed.db"
    env = {**os.environ, "NIANBAO_REPLICA": server.url}
    env.pop("NIANBAO_DB", None)
    portals = ["changshou", "zhuji", "yanping"]
    # A little delay per request keeps the crawl going long enough to be killed in the middle.
    process = subprocess.Popen(
        [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", *portals, "--db", str(db),
         *FAST, "-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        archived = 0
        while time.monotonic() < deadline and process.poll() is None:
            if db.exists():
                try:
                    with sqlite3.connect(db, timeout=1) as probe:
                        archived = probe.execute("SELECT count(*) FROM snapshots").fetchone()[0]
                except sqlite3.OperationalError:
                    archived = 0  # schema not created yet
            if archived >= 25:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the crawl ended before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    expected = {m["url"] for m in server.manifest() if m["portal"] in portals}

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    assert 25 <= kept < len(expected)
    conn.close()
    verified = nianbao("verify", "--db", str(db))
    assert verified.returncode == 0, verified.stderr

    crawl(db, server.url, *portals)
    with Archive(db) as archive:
        urls = {u for (u,) in archive.db.execute("SELECT url FROM pages")}
        assert urls == expected
        assert archive.db.execute("SELECT max(version_count) FROM pages").fetchone()[0] == 1
        assert archive.db.execute("SELECT count(*) FROM reports WHERE parsed_at IS NULL").fetchone()[0] == 0
        outcomes = [r for (r,) in archive.db.execute("SELECT outcome FROM crawl_runs ORDER BY id")]
        assert outcomes == ["killed", "finished"]  # the next run found the killed one abandoned, then finished
    assert nianbao("verify", "--db", str(db)).returncode == 0
