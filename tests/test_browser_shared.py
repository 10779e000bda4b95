"""One Playwright driver and one Chromium for a run, started only when a page needs them
(crawler/browser.py): `nianbao crawl` of portals side by side, watched from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import replica

ROOT = Path(__file__).resolve().parents[1]
SPEED = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_BACKOFF_BASE=0.1"]

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")


def descendants(pid: int) -> list[str]:
    """The command lines of every process below `pid`."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    below, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        below += children
        frontier += children
    return [commands[p] for p in below if p in commands]


def drivers(commands: list[str]) -> int:
    return sum(1 for c in commands if "run-driver" in c)


def browsers(commands: list[str]) -> int:
    """Chromium main processes (its renderers and helpers carry `--type=`)."""
    return sum(1 for c in commands if "--remote-debugging-pipe" in c and "--type=" not in c)


def crawl_watched(portals: list[str], server, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    env = {**os.environ, "NIANBAO_REPLICA": server.url, "NIANBAO_CONTACT": "mailto:test@example.org"}
    process = subprocess.Popen([sys.executable, "-m", "nianbao", "crawl", "--db", str(tmp_path / "a.db"), *SPEED, *portals],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    most = {"drivers": 0, "browsers": 0}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            commands = descendants(process.pid)
            most["drivers"] = max(most["drivers"], drivers(commands))
            most["browsers"] = max(most["browsers"], browsers(commands))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, _ = process.communicate(timeout=600)
    finally:
        done.set()
        watcher.join()
    return subprocess.CompletedProcess(process.args, process.returncode, out, ""), most


@pytest.fixture(scope="module")
def server():
    with replica.ReplicaServer() as running:
        yield running


def test_portals_that_need_no_browser_start_no_driver(server, tmp_path):
    result, most = crawl_watched(["changshou", "zhuji"], server, tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert most == {"drivers": 0, "browsers": 0}


def test_browser_portals_side_by_side_share_one_driver_and_one_browser(server, tmp_path):
    # Linxiang renders its year pages, Dongguan's challenge is answered by the browser: both at once.
    result, most = crawl_watched(["linxiang", "dongguan", "changshou"], server, tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert most["drivers"] == 1 and most["browsers"] == 1, most
    assert "finished" in result.stdout.splitlines()[-1]
