"""The exported WARC replays in pywb: each version at its time, revisits resolved to their payloads.

Skipped where pywb is not installed (it is a replay tool, not a dependency of nianbao).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import ArchiveWriter, Fetch
from archive_fixtures import report_page
from nianbao.cli import main

pytest.importorskip("pywb")

URL = "https://www.dg.gov.cn/zwgk/zfxxgkml/hjz/zfxxgkgzndbg/content/post_4148524.html"
FIRST = report_page(agency="厚街镇", year=2023)
SECOND = report_page(agency="厚街镇", year=2023, values={"applications.new_received.total": 41})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    return _fetch(url)[:2]


def _fetch(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.status, response.read(), response.headers.get("Memento-Datetime", "")


def test_pywb_replays_every_version_and_revisit(tmp_path):
    db = tmp_path / "a.db"
    with ArchiveWriter(db, parser="archive_fixtures", parse_workers=0) as writer:
        for body, when in ((FIRST, "2024-02-01T00:00:00Z"), (FIRST, "2024-03-01T00:00:00Z"), (SECOND, "2024-04-01T00:00:00Z")):
            writer.submit_fetch(Fetch(portal="dongguan", url=URL, status=200, final_url=URL, body=body, fetched_at=when,
                                      headers={"Content-Type": ["text/html; charset=utf-8"]})).result()
    warc = tmp_path / "nianbao.warc.gz"
    assert CliRunner().invoke(main, ["export", "--db", str(db), "--format", "warc", "-o", str(warc)]).exit_code == 0

    root = tmp_path / "pywb"
    root.mkdir()
    bin_dir = Path(sys.executable).parent
    manager = shutil.which("wb-manager", path=str(bin_dir)) or "wb-manager"
    wayback = shutil.which("wayback", path=str(bin_dir)) or "wayback"
    subprocess.run([manager, "init", "c"], cwd=root, check=True, capture_output=True)
    subprocess.run([manager, "add", "c", str(warc)], cwd=root, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([wayback, "-p", str(port)], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/c"
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        # `id_` replays the archived payload as it was captured.
        assert _get(f"{base}/20240201000000id_/{URL}") == (200, FIRST)
        status, body, captured = _fetch(f"{base}/20240301000000id_/{URL}")
        assert (status, body) == (200, FIRST) and "01 Mar 2024" in captured  # the revisit, resolved to its payload
        assert _get(f"{base}/20240401000000id_/{URL}") == (200, SECOND)
    finally:
        server.terminate()
        server.wait(10)
