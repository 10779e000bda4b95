"""The README's first hour on a fresh machine: a virtualenv with nothing but the package, no extras.

`make demo PYTHON=<venv>/bin/python` installs nianbao into a new virtualenv (no system site
packages, no test extras) and runs `nianbao demo` there: every PDF, DOCX and XLSX the replica lists
(every report file, in fact) must be in the archive, and what the demo prints on a terminal that is not a TTY must be short.

Slow (a pip install and a crawl of the whole registry): marked `slow`, run last, and left out by
`pytest -m "not slow"`.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILE_KINDS = (".pdf", ".docx", ".xlsx")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fresh") / "venv"
    # Without --system-site-packages: nothing installed here is seen there.
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    return folder


def _clean_env(venv: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NIANBAO_", "PYTHON", "VIRTUAL_ENV", "SCRAPY_"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.fixture(scope="module")
def demo(venv, tmp_path_factory):
    db = tmp_path_factory.mktemp("fresh-demo") / "demo.db"
    python = venv / "bin" / "python"
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    # Both streams in one pipe, in the order a person would read them: not a TTY.
    result = subprocess.run([make, "-C", str(ROOT), "demo", f"PYTHON={python}", f"DB={db}"], env=_clean_env(venv),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
    result.stderr = ""
    return result, db, python


def test_the_fresh_virtualenv_has_no_test_extras(demo):
    _result, _db, python = demo
    probe = subprocess.run([str(python), "-c", "import importlib.util as u; print(u.find_spec('pytest') is None)"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "True", "the virtualenv sees the test extras: it is not a fresh install"


def test_make_demo_in_a_fresh_virtualenv_archives_every_report_file_the_replica_lists(demo, venv):
    result, db, python = demo
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    listed = subprocess.run([str(python), "-m", "nianbao", "replica", "manifest"], env=_clean_env(venv),
                            capture_output=True, text=True, timeout=300, check=True)
    # Every report file the replica lists (PDF, DOCX, DOC, WPS, XLS; some behind download.jsp?filename=).
    files = {line["url"] for line in map(json.loads, listed.stdout.splitlines()) if line["kind"] == "attachment"}
    assert {kind for kind in FILE_KINDS if any(kind in url.lower() for url in files)} >= {".pdf", ".docx"}
    with sqlite3.connect(db) as conn:
        archived = {url for (url,) in conn.execute(
            "SELECT p.url FROM pages p JOIN snapshots s ON s.page_id = p.id WHERE s.status = 200")}
        failures = conn.execute("SELECT outcome, url FROM fetch_failures LIMIT 5").fetchall()
    assert sorted(files - archived) == [], failures


def test_the_demo_prints_a_screenful_and_its_log_file_holds_the_rest(demo):
    result, db, _python = demo
    assert result.returncode == 0, result.stdout[-3000:]
    # What `nianbao demo` printed: everything after make echoes the command.
    printed = result.stdout.split(f"-m nianbao demo --db {db}\n", 1)[1].splitlines()
    assert 5 < len(printed) <= 60, "\n".join(printed)
    assert any(line.startswith("Next: nianbao runs") for line in printed[-6:]), printed[-6:]
    assert any(line.startswith(f"run 1 finished in ") for line in printed), printed
    assert "Traceback" not in result.stdout
    (log,) = (db.parent / f"{db.name}.logs").glob("run-*.log")
    text = log.read_text()
    for cut in ("Overridden settings", "Dumping Scrapy stats", "Enabled downloader middlewares"):
        assert cut in text and cut not in result.stdout
