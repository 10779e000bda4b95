"""Fixtures every test module shares: where ../shared is, and a running replica of the portals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The project's shared material lives beside the clone (CI has it there too); never copied in.
SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED} (set NIANBAO_SHARED)")
    return SHARED


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked `slow` (a fresh virtualenv's install, ...) run last: the rest answers first.
    `pytest -m "not slow"` leaves them out; `make test` (and so CI) runs them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)
