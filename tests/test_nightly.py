"""The nightly crawl against the replicas, as cron or systemd runs it: `nianbao crawl` (all portals).

- a first run archives every report of the manifest and records itself (per portal: requests,
  bytes, listed, new, health), with a log file and a progress line per portal;
- a second run on the unchanged replica downloads at most 5% of the first run's bytes (list
  pages revalidated, 304 where unchanged, script-drawn lists from their kept renderings; reports
  only when due), adds no version and records the 304s; with
  `NIANBAO_RECHECK=all` every archived report is asked for again and answers 304 where it can;
- with `--break dongguan` the run exits non-zero with one line naming dongguan, the URL and the
  reason, and the four other portals finish healthy;
- the browser (Linxiang's year pages, Dongguan's challenge) asks the replica for portal hosts
  only: no calls home to Google through the proxy.

Resuming after a kill, parse health and the lock are in `test_nightly_resume.py`; the parts
(schedule, monitors, abandoned runs) in `test_nightly_units.py`.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replica import ReplicaServer
from replica_fixtures import THE_FIVE

ROOT = Path(__file__).resolve().parents[1]
PORTALS = sorted(THE_FIVE)
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "RETRY_BACKOFF_BASE=0"]
#: The night the runs pretend to happen on: which archived reports are due is then fixed.
NIGHT = "2026-11-25"


def nianbao_crawl(db: Path, replica: str, *args: str, env: dict | None = None, timeout: float = 600):
    environment = {**os.environ, "NIANBAO_REPLICA": replica, "NIANBAO_RECHECK_DATE": NIGHT, **(env or {})}
    environment.pop("NIANBAO_DB", None)
    started = time.monotonic()
    result = subprocess.run(
        # -v: the whole log on stderr too (the tests read its lines); the summary is on stdout.
        [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", *PORTALS, "--db", str(db), "-v", *FAST,
         *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout,
    )
    result.seconds = time.monotonic() - started
    return result


def assert_clean(result) -> None:
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Traceback" not in result.stderr, result.stderr[result.stderr.index("Traceback") - 1000:][:5000]


def rows(db: Path, sql: str, *params) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


@pytest.fixture(scope="module")
def server():
    """The replicas, recording every host a client asked for (CONNECT included)."""
    asked: list[tuple[str, str]] = []
    with ReplicaServer(portals=PORTALS) as replica:
        handler = replica.httpd.RequestHandlerClass

        class Recording(handler):
            def do_CONNECT(self):
                asked.append(("CONNECT", self.path.split(":")[0]))
                super().do_CONNECT()

            def _dispatch(self, head=False):
                from urllib.parse import urlsplit

                host = urlsplit(self.path).hostname if self.path.startswith("http") else self.headers.get("Host", "")
                asked.append((self.path, (host or "").split(":")[0].lower()))
                super()._dispatch(head)

        replica.httpd.RequestHandlerClass = Recording
        replica.asked = asked
        yield replica


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("nightly") / "nianbao.db"


@pytest.fixture(scope="module")
def first(server, archive):
    # A progress line per portal every second (every minute by default).
    result = nianbao_crawl(archive, server.url, "-s", "NIANBAO_PROGRESS_INTERVAL=1")
    assert_clean(result)
    return result


@pytest.fixture(scope="module")
def second(first, server, archive):
    result = nianbao_crawl(archive, server.url)
    assert_clean(result)
    return result


@pytest.fixture(scope="module")
def everything(second, server, archive):
    result = nianbao_crawl(archive, server.url, env={"NIANBAO_RECHECK": "all"})
    assert_clean(result)
    return result


def test_a_first_run_archives_every_report_and_records_itself(first, server, archive):
    manifest = {m["url"]: m for m in server.manifest()}
    pages = {r["url"]: r for r in rows(archive, "SELECT url, portal, version_count FROM pages")}
    assert set(pages) == set(manifest)
    assert rows(archive, "SELECT count(*) AS n FROM reports WHERE parsed_at IS NULL")[0]["n"] == 0
    (run,) = rows(archive, "SELECT * FROM crawl_runs")
    assert run["outcome"] == "finished" and run["finished_at"] and run["message"] is None
    assert run["pid"] and run["host"] and run["log_file"]
    portals = {r["portal"]: r for r in rows(archive, "SELECT * FROM crawl_run_portals WHERE run_id = 1")}
    assert sorted(portals) == PORTALS
    for name, row in portals.items():
        published = [m for m in manifest.values() if m["portal"] == name]
        assert row["new_reports"] == len(published), row
        assert row["health"] == "ok" and row["problems"] is None, row
        assert 0 < row["listed"] <= len(published) and row["not_due"] == 0, row
        assert row["requests"] > row["new_reports"] and row["bytes"] > 0 and row["seconds"] > 0, row
    # A progress line per portal as it finishes, on stderr and in the run's log file.
    log = Path(run["log_file"]).read_text(encoding="utf-8")
    for name in PORTALS:
        line = next(line for line in first.stderr.splitlines() if f"[crawler.monitors] INFO: {name} finished in" in line)
        assert "listed" in line and line.endswith("healthy"), line
        assert line in log
    assert f"log {run['log_file']}" in first.stderr.splitlines()[0]
    # And while it crawls: the longest portal (Linxiang renders its year pages) says how far it got.
    progress = [line for line in log.splitlines() if "[crawler.monitors] INFO: linxiang: " in line and " so far (" in line]
    assert progress and all(" requests, " in line and " listed: " in line for line in progress)
    # The run finished cleanly: no job directory is left for the next night.
    assert not archive.with_name(archive.name + ".jobs").exists()


def test_a_second_run_costs_a_fraction_adds_no_version_and_records_the_304s(second, first, server, archive):
    per_run = {r["run_id"]: r for r in rows(
        archive, "SELECT run_id, sum(bytes) AS bytes, sum(new_reports + new_versions) AS added, sum(not_modified) AS "
        "not_modified, sum(not_due) AS not_due, sum(listed) AS listed FROM crawl_run_portals GROUP BY run_id")}
    bodies = {r["run_id"]: r["size"] for r in rows(archive, "SELECT run_id, sum(size) AS size FROM snapshots GROUP BY run_id")}
    one, two = per_run[1], per_run[2]
    assert two["added"] == 0
    assert rows(archive, "SELECT count(*) AS n FROM reports")[0]["n"] == len(server.manifest())
    assert two["listed"] == one["listed"], "the lists are crawled every run"
    # Reports are asked for only when due: most are not, tonight.
    assert two["not_due"] > 0.5 * one["listed"]
    # Report bodies downloaded again: a few due reports the portal serves without validators.
    assert bodies[2] <= 0.05 * one["bytes"], (bodies, per_run)
    # Everything else is the list pages: asked for every run, but an unchanged one answers 304 to
    # the validators kept beside the archive (dynamic lists and browser-built ones cost in full).
    lists_one = one["bytes"] - bodies[1]
    assert two["bytes"] - bodies[2] <= 0.7 * lists_one, (bodies, per_run)
    assert "'httpcache/revalidate'" in second.stderr
    # Linxiang's script-drawn lists answer from their kept renderings, not from the browser (a page
    # whose inputs could not all be fetched on the first run is rendered again, hence "nearly").
    rendered = int(re.search(r"linxiang finished .*?(\d+) pages rendered by the browser", first.stderr).group(1))
    reused = int(re.search(r"'nianbao/render/reused': (\d+)", second.stderr).group(1))
    assert rendered > 10 and reused >= 0.9 * rendered, (rendered, reused)
    # All told, the nightly run costs at most 5% of the first.
    assert two["bytes"] <= 0.05 * one["bytes"], (bodies, per_run)
    print(f"\nsecond run: {two['bytes']:,} B = {two['bytes'] / one['bytes']:.1%} of the first run's {one['bytes']:,} B "
          f"(list pages {lists_one:,} B = {lists_one / one['bytes']:.1%}); {second.seconds:.1f} s vs {first.seconds:.1f} s")
    # The due reports the portals serve with validators answered 304, recorded as "seen again".
    assert two["not_modified"] > 0
    fetched = rows(archive, "SELECT s.status, s.outcome, v.etag, v.last_modified FROM snapshots s "
                            "JOIN page_validators v ON v.page_id = s.page_id WHERE s.run_id = 2")
    assert fetched and all(r["status"] == 304 and r["outcome"] == "not_modified" for r in fetched
                           if r["etag"] or r["last_modified"])


def test_recheck_all_asks_for_every_archived_report_and_the_unchanged_ones_answer_304(everything, server, archive):
    manifest = {m["url"] for m in server.manifest()}
    asked = rows(archive, "SELECT s.url, s.status, s.outcome, p.portal FROM snapshots s JOIN pages p ON p.id = s.page_id "
                          "WHERE s.run_id = 3")
    assert {r["url"] for r in asked} == manifest
    assert {r["outcome"] for r in asked} <= {"not_modified", "seen_again"}
    # Every report answers 304 but Linxiang's report pages, which the portal serves without validators
    # (dynamic pages): fetched in full, they are the same bytes, "seen again".
    dynamic = [r for r in asked if r["portal"] == "linxiang" and "/artview/" in r["url"]]
    assert dynamic and all(r["status"] == 200 and r["outcome"] == "seen_again" for r in dynamic)
    assert all(r["status"] == 304 for r in asked if r not in dynamic)
    (run,) = rows(archive, "SELECT * FROM crawl_run_portals WHERE run_id = 3 AND portal = 'changshou'")
    assert run["not_modified"] == run["items"] and run["not_due"] == 0


def test_a_broken_portal_fails_the_run_naming_it_while_the_others_finish(first, archive, tmp_path):
    broken = tmp_path / "broken.db"
    shutil.copy(archive, broken)
    with ReplicaServer(break_portal="dongguan", portals=PORTALS) as replica:
        result = nianbao_crawl(broken, replica.url)
    assert result.returncode == 1, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("dongguan: https://")]
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith("dongguan: https://www.dg.gov.cn/") and lines[0].endswith(
        "its lists showed no report (did the page layout change?)")
    run = rows(broken, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert run["outcome"] == "failed" and run["message"] == lines[0]
    portals = {r["portal"]: r for r in rows(broken, "SELECT * FROM crawl_run_portals WHERE run_id = ?", run["id"])}
    before = {r["portal"]: r for r in rows(broken, "SELECT * FROM crawl_run_portals WHERE run_id = 1")}
    assert portals["dongguan"]["health"] == "failed" and portals["dongguan"]["problems"] == lines[0]
    for name in set(PORTALS) - {"dongguan"}:
        assert portals[name]["health"] == "ok" and portals[name]["listed"] == before[name]["listed"], portals[name]
        assert f"{name} finished in" in result.stderr
    assert f"run {run['id']} failed" in result.stdout


def test_the_browser_asks_the_replica_for_portal_hosts_only(first, server):
    hosts = {host for _, host in server.asked}
    assert any("/zfxxgk/nbList.do" in path for path, _ in server.asked), "the browser rendered Linxiang's year pages"
    assert [entry for entry in server.asked if entry[0] == "CONNECT"] == []
    assert hosts <= set(server.site.hosts), hosts - set(server.site.hosts)
