"""The nightly crawl interrupted, and a portal whose report pages stop parsing.

- killed outright (SIGKILL): the next run marks the dead run `killed`, takes its job directory
  over, asks for nothing the killed run archived, completes the archive, and removes the job
  directory when it finishes;
- stopped gracefully (SIGINT, as Ctrl-C or systemd's stop): the run is `interrupted` (exit 3),
  Scrapy writes its queue and the spiders' state into JOBDIR, and the next run resumes them;
- a portal whose report pages no longer parse (here: a parser that reads none of them) fails the
  run with one line naming the portal, a report page and the reason.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replica import ReplicaServer

ROOT = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "RETRY_BACKOFF_BASE=0"]
#: Slow enough to be stopped in the middle.
SLOW = ["-s", "DOWNLOAD_DELAY=0.05", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
        "-s", "RETRY_BACKOFF_BASE=0"]
PORTALS = ["changshou", "zhuji", "yanping"]


def command(db: Path, *args: str) -> list[str]:
    # -v: the whole log on stderr too (the tests read its lines); the summary is on stdout.
    return [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", *PORTALS, "--db", str(db), "-v", *args]


def environment(replica: str, **extra: str) -> dict:
    env = {**os.environ, "NIANBAO_REPLICA": replica, **extra}
    env.pop("NIANBAO_DB", None)
    return env


def rows(db: Path, sql: str, *params) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def stop_midway(db: Path, replica: str, how: signal.Signals) -> int:
    """Start a slow crawl, send `how` once it has archived 30 fetches, return its exit status."""
    process = subprocess.Popen(command(db, *SLOW), cwd=ROOT, env=environment(replica), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        archived = 0
        while time.monotonic() < deadline and process.poll() is None and archived < 30:
            time.sleep(0.05)
            try:
                with sqlite3.connect(db, timeout=1) as probe:
                    archived = probe.execute("SELECT count(*) FROM snapshots").fetchone()[0]
            except sqlite3.OperationalError:
                archived = 0
        assert process.poll() is None, "the crawl ended before it could be stopped"
        if how == signal.SIGKILL:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            os.kill(process.pid, how)
        return process.wait(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def crawl_again(db: Path, replica: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command(db, *FAST), cwd=ROOT, env=environment(replica), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture(scope="module")
def server():
    with ReplicaServer() as replica:
        yield replica


def expected_urls(server) -> set[str]:
    return {m["url"] for m in server.manifest() if m["portal"] in PORTALS}


def test_after_a_sigkill_the_next_run_marks_it_killed_and_resumes_it(server, tmp_path):
    db = tmp_path / "nianbao.db"
    jobs = tmp_path / "nianbao.db.jobs"
    assert stop_midway(db, server.url, signal.SIGKILL) == -signal.SIGKILL
    assert rows(db, "SELECT outcome FROM crawl_runs") == [{"outcome": "running"}]
    assert sorted(p.name for p in (jobs / "1").iterdir()) == sorted(PORTALS)
    killed_fetched = {r["url"] for r in rows(db, "SELECT url FROM snapshots WHERE run_id = 1")}
    assert 30 <= len(killed_fetched) < len(expected_urls(server))

    result = crawl_again(db, server.url)
    first, second = rows(db, "SELECT * FROM crawl_runs ORDER BY id")
    assert first["outcome"] == "killed" and first["finished_at"] is None and "was gone" in first["message"]
    assert second["outcome"] == "finished" and second["resumed_from"] == 1
    assert "run 1 killed" in result.stderr and "run 2 resumes run 1" in result.stderr
    # Nothing the killed run archived was asked for again; everything else was.
    again = {r["url"] for r in rows(db, "SELECT url FROM snapshots WHERE run_id = 2")}
    assert again & killed_fetched == set()
    assert {r["url"] for r in rows(db, "SELECT url FROM pages")} == expected_urls(server)
    skipped = sum(r["not_due"] for r in rows(db, "SELECT not_due FROM crawl_run_portals WHERE run_id = 2"))
    assert skipped == len(killed_fetched)
    assert rows(db, "SELECT max(version_count) AS n FROM pages")[0]["n"] == 1
    assert rows(db, "SELECT count(*) AS n FROM reports WHERE parsed_at IS NULL")[0]["n"] == 0
    assert not jobs.exists(), "a clean finish removes the job directory"


def test_after_a_graceful_stop_scrapy_resumes_the_queue_from_jobdir(server, tmp_path):
    db = tmp_path / "nianbao.db"
    jobs = tmp_path / "nianbao.db.jobs" / "1"
    assert stop_midway(db, server.url, signal.SIGINT) == 3
    (run,) = rows(db, "SELECT * FROM crawl_runs")
    assert run["outcome"] == "interrupted" and run["finished_at"]
    for portal in PORTALS:
        assert (jobs / portal / "spider.state").exists()
    queued = [p for p in PORTALS if (jobs / p / "requests.queue" / "active.json").exists()]
    assert queued, "Scrapy wrote the pending requests of the stopped spiders"
    stopped_fetched = {r["url"] for r in rows(db, "SELECT url FROM snapshots WHERE run_id = 1")}

    result = crawl_again(db, server.url)
    assert "Resuming crawl (" in result.stderr and "resuming a stopped job" in result.stderr
    assert rows(db, "SELECT outcome, resumed_from FROM crawl_runs WHERE id = 2") == [{"outcome": "finished", "resumed_from": 1}]
    again = {r["url"] for r in rows(db, "SELECT url FROM snapshots WHERE run_id = 2")}
    assert again and again & stopped_fetched == set()
    assert {r["url"] for r in rows(db, "SELECT url FROM pages")} == expected_urls(server)
    # The resumed run's lists count what both halves listed: the health check compares like with like.
    listed = {r["portal"]: r["listed"] for r in rows(db, "SELECT portal, listed FROM crawl_run_portals WHERE run_id = 2")}
    assert all(n > 0 for n in listed.values()) and set(listed) == set(PORTALS)
    assert not (tmp_path / "nianbao.db.jobs").exists()


def test_report_pages_that_stop_parsing_fail_the_run_naming_the_portal(server, tmp_path):
    db = tmp_path / "nianbao.db"
    # A parser that reads no report out of the replica's pages: as if the portal changed its page template.
    env = environment(server.url, NIANBAO_PARSER="archive_fixtures",
                      PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", "yanping", "--db", str(db), *FAST],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("yanping: https://")]
    assert line.startswith("yanping: https://www.ypzf.gov.cn/")
    assert "its report pages stopped parsing:" in line and "read as no report" in line
    (portal,) = rows(db, "SELECT * FROM crawl_run_portals")
    assert portal["health"] == "failed" and portal["problems"] == line and portal["listed"] > 0
    # The check waited for the parser: every version of this run was parsed when it ran.
    parsed, total = line.split("stopped parsing: ")[1].split(" new versions")[0].split(" of the ")
    assert int(parsed) == int(total) == portal["new_reports"] - rows(
        db, "SELECT count(*) AS n FROM pages WHERE kind = 'attachment'")[0]["n"]
