"""Fixtures every test module shares: where ../shared is, and a running replica of the portals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The project's shared material lives beside the clone (CI has it there too); never copied in.
SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))


def pytest_sessionstart(session) -> None:
    # Modules read ../shared's reports and gold when they are imported: without it the run would
    # stop at collection on a FileNotFoundError that does not say what is missing.
    if not SHARED.is_dir():
        pytest.exit(f"../shared not found at {SHARED}: the suite reads the reports and gold there "
                    "(clone beside it, or set NIANBAO_SHARED)", returncode=4)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED} (set NIANBAO_SHARED)")
    return SHARED


#: No throttling: the replica is local.
REGISTRY_FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                 "-s", "RETRY_BACKOFF_BASE=0"]


@pytest.fixture(scope="session")
def registry_replica():
    """The replica of every registry portal, served for the whole session."""
    import replica

    with replica.ReplicaServer() as server:
        yield server


@pytest.fixture(scope="session")
def registry_archive(registry_replica, tmp_path_factory):
    """The suite's one `nianbao crawl` of every registry portal, in one process: (archive, result).
    tests/test_registry.py checks what it found; tests/test_cluster.py crawls the same on a cluster."""
    db = tmp_path_factory.mktemp("registry") / "all.db"
    env = {**os.environ, "NIANBAO_REPLICA": registry_replica.url}
    env.pop("NIANBAO_DB", None)
    result = subprocess.run([sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", "--db", str(db),
                             *REGISTRY_FAST], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    return db, result


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked `slow` (a fresh virtualenv's install, ...) run last: the rest answers first.
    `pytest -m "not slow"` leaves them out; `make test` (and so CI) runs them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)
