"""Crash safety and concurrent writers: a killed writer loses nothing committed, and two processes
writing one archive wait for each other instead of failing with "database is locked"."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from archive import Archive, ArchiveWriter, open_archive
from archive.db import BUSY_TIMEOUT_MS
from nianbao.cli import main

TESTS = Path(__file__).resolve().parent

WRITER = textwrap.dedent(
    """
    import sys
    from archive import ArchiveWriter, Fetch
    from archive_fixtures import report_page

    path, name, count, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=workers, create_run=True) as writer:
        for i in range(count):
            for url, body in (
                (f"https://www.dg.gov.cn/{name}/{i}.html", report_page(agency=name + str(i))),
                ("https://www.dg.gov.cn/shared.html", report_page(agency=name, year=2000 + i % 20)),
            ):
                writer.submit_fetch(Fetch(portal="dongguan", url=url, status=200, final_url=url,
                                          headers={"Content-Type": ["text/html"]}, body=body)).result()
    print("done", name)
    """
)


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH", "")]))
    return env


def _start(path: Path, name: str, count: int, workers: int = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), name, str(count), str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        start_new_session=True,
    )


def test_two_processes_writing_one_archive_wait_and_retry_instead_of_failing(tmp_path):
    path = tmp_path / "shared.db"
    open_archive(path).close()
    # Hold the write lock longer than SQLite's own busy timeout: only retrying gets past it.
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(BUSY_TIMEOUT_MS / 1000 + 2, lambda: blocker.execute("COMMIT"))
    release.start()
    first, second = _start(path, "a", 40), _start(path, "b", 40)
    try:
        out_a, err_a = first.communicate(timeout=180)
        out_b, err_b = second.communicate(timeout=180)
    finally:
        release.join()
        for process in (first, second):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert (first.returncode, second.returncode) == (0, 0), err_a + err_b
    assert "locked" not in err_a + err_b
    with Archive(path) as archive:
        db = archive.db
        assert db.execute("SELECT count(*) FROM pages").fetchone()[0] == 81
        assert db.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 160
        versions = db.execute(
            "SELECT r.version FROM reports r JOIN pages p ON p.id = r.page_id WHERE p.url LIKE '%shared.html' ORDER BY 1"
        ).fetchall()
        # Each fetch of the shared page was compared with the version committed just before it.
        assert [v for (v,) in versions] == list(range(1, len(versions) + 1))
        assert db.execute("SELECT count(*) FROM crawl_runs WHERE outcome = 'finished'").fetchone()[0] == 2


def test_a_writer_killed_mid_crawl_leaves_a_valid_archive_that_the_next_run_completes(tmp_path):
    path = tmp_path / "killed.db"
    open_archive(path).close()
    process = _start(path, "k", 5000, workers=1)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with sqlite3.connect(path) as probe:
                if probe.execute("SELECT count(*) FROM snapshots").fetchone()[0] >= 60:
                    break
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    pages, orphans = conn.execute(
        "SELECT count(*), sum(latest_report_id IS NULL) FROM pages"
    ).fetchone()
    assert pages >= 30 and orphans == 0
    # Every committed version has its snapshot and its bytes: no half-written item.
    assert conn.execute(
        "SELECT count(*) FROM reports r LEFT JOIN snapshots s ON s.id = r.snapshot_id "
        "LEFT JOIN blobs b ON b.sha256 = r.sha256 WHERE s.id IS NULL OR b.sha256 IS NULL"
    ).fetchone()[0] == 0
    conn.close()
    assert CliRunner().invoke(main, ["verify", "--db", str(path)]).exit_code == 0

    # The next run parses what the killed one left unparsed.
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0) as writer:
        writer.drain()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM reports WHERE parsed_at IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM crawl_runs WHERE outcome = 'running'").fetchone()[0] == 1
