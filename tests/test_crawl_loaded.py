"""The same archive on a loaded machine: `nianbao crawl` of registry portals, the browser ones
included, while busy processes hold every core, archives every report the replica's manifest
lists, and no page ends in a timeout.

The busy processes are plain Python loops at the crawl's own priority, two per core (a load
average of about twice the cores, as on a shared server running other work). The crawl keeps its
real timeouts (60 s a download, 30 s a browser navigation), only the throttle is off."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import replica

ROOT = Path(__file__).resolve().parents[1]
#: Two that render with the browser (Linxiang's year pages; Dongguan's challenge), three that do not.
PORTALS = ["linxiang", "dongguan", "changshou", "zhuji", "yanping"]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_BACKOFF_BASE=0.5"]
BUSY = "while True: pass"


def test_a_crawl_under_load_archives_every_report_with_no_timeout(tmp_path):
    db = tmp_path / "loaded.db"
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2 * (os.cpu_count() or 1))]
    try:
        with replica.ReplicaServer(portals=PORTALS) as served:
            env = {**os.environ, "NIANBAO_REPLICA": served.url, "NIANBAO_CONTACT": "mailto:test@example.org"}
            env.pop("NIANBAO_DB", None)
            result = subprocess.run([sys.executable, "-m", "nianbao", "crawl", "--db", str(db), *FAST, *PORTALS],
                                    cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
            manifest = served.manifest()
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    with sqlite3.connect(db) as conn:
        archived = {(portal, url) for portal, url in conn.execute("SELECT portal, url FROM pages")}
        timeouts = list(conn.execute("SELECT url, message FROM fetch_failures WHERE outcome = 'timeout'"))
    expected = {(m["portal"], m["url"]) for m in manifest if m["portal"] in PORTALS}
    assert len(expected) > 100
    assert sorted(expected - archived) == [], "reports not archived under load"
    assert timeouts == []
    assert "Traceback" not in result.stderr
