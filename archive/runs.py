"""Crawl runs: one row per crawl, and per portal what it fetched and changed."""

from __future__ import annotations

import json
import sys

import sqlite_utils

from .clock import utc_now


def start(db: sqlite_utils.Database, *, portals: list[str] | None = None, command: str | None = None) -> int:
    from nianbao import __version__

    return db.execute(
        "INSERT INTO crawl_runs(started_at, outcome, portals, command, nianbao_version) VALUES (?, 'running', ?, ?, ?)",
        [utc_now(), json.dumps(portals or []), command or " ".join(sys.argv), __version__],
    ).lastrowid


def add_portal(db: sqlite_utils.Database, run_id: int, portal: str) -> None:
    """Note that the run crawls `portal` (each spider adds itself as it opens)."""
    row = db.execute("SELECT portals FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
    portals = json.loads(row[0] or "[]") if row else []
    if portal not in portals:
        portals.append(portal)
        db.execute("UPDATE crawl_runs SET portals = ? WHERE id = ?", [json.dumps(portals), run_id])
    db.execute("INSERT OR IGNORE INTO crawl_run_portals(run_id, portal) VALUES (?, ?)", [run_id, portal])


def add_traffic(db: sqlite_utils.Database, run_id: int, portal: str, requests: int, received: int) -> None:
    db.execute(
        "INSERT INTO crawl_run_portals(run_id, portal, requests, bytes) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(run_id, portal) DO UPDATE SET requests = requests + excluded.requests, "
        "bytes = bytes + excluded.bytes",
        [run_id, portal, requests, received],
    )


def finish(db: sqlite_utils.Database, run_id: int, outcome: str = "finished", message: str | None = None) -> None:
    db.execute(
        "UPDATE crawl_runs SET finished_at = ?, outcome = ?, message = ? WHERE id = ?",
        [utc_now(), outcome, message, run_id],
    )
