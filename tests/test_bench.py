"""The benchmarks say what they lack before they start, and leave nothing behind."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: bench/archive.py run as a script, with jieba (its `bench` extra) blocked as if not installed.
WITHOUT_JIEBA = ("import runpy, sys; sys.modules['jieba'] = None; sys.argv = ['bench/archive.py']; "
                 "sys.path.insert(0, 'bench'); runpy.run_path('bench/archive.py', run_name='__main__')")


def bench_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("nianbao-bench-*"))


def test_the_archive_benchmark_without_its_extra_stops_at_once_naming_it():
    before = bench_folders()
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", WITHOUT_JIEBA], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "archive.py needs jieba: pip install -e '.[bench]'" in result.stderr
    assert time.monotonic() - started < 30, "it stopped before crawling"
    assert bench_folders() == before, "it left a folder behind"


def test_the_tree_watcher_sees_a_childs_memory_and_passes_its_exit_status_on():
    import re

    grows = "import subprocess, sys, time; x = bytearray(150 * 2**20); time.sleep(0.8); sys.exit(3)"
    result = subprocess.run([sys.executable, "bench/tree.py", sys.executable, "-c", grows], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    found = re.search(r"exit 3 in [\d.]+ s; process tree peak: PSS (\d+) MB, RSS summed (\d+) MB, (\d+) processes",
                      result.stderr)
    assert found, result.stderr
    assert int(found.group(2)) >= 150 and int(found.group(1)) >= 140
