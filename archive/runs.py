"""Crawl runs: one row per crawl, and per portal what it fetched and changed, and its health.

A run is `running` until it ends `finished`, `failed` or `interrupted`. A run whose process died
without a word (SIGKILL, power cut) stays `running` until the next crawl into the archive finds it
abandoned (its process gone) and marks it `killed` (`mark_abandoned`).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

import sqlite_utils

from .clock import utc_now


def start(
    db: sqlite_utils.Database,
    *,
    portals: list[str] | None = None,
    command: str | None = None,
    resumed_from: int | None = None,
) -> int:
    from nianbao import __version__

    return db.execute(
        "INSERT INTO crawl_runs(started_at, outcome, portals, command, nianbao_version, pid, host, resumed_from) "
        "VALUES (?, 'running', ?, ?, ?, ?, ?, ?)",
        [utc_now(), json.dumps(portals or []), command or " ".join(sys.argv), __version__, os.getpid(),
         socket.gethostname(), resumed_from],
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


def record_portal(
    db: sqlite_utils.Database,
    run_id: int,
    portal: str,
    *,
    listed: int,
    not_due: int,
    seconds: float | None,
    health: str | None,
    problems: list[str] | None = None,
    list_yields: dict[str, int] | None = None,
) -> None:
    """What the crawl of one portal listed and skipped, how long it took and how healthy it was,
    and how many reports each of its list pages showed."""
    db.execute(
        "INSERT INTO crawl_run_portals(run_id, portal, listed, not_due, seconds, health, problems, list_yields) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, portal) DO UPDATE SET listed = excluded.listed, "
        "not_due = excluded.not_due, seconds = excluded.seconds, health = excluded.health, "
        "problems = excluded.problems, list_yields = excluded.list_yields",
        [run_id, portal, listed, not_due, seconds, health, "\n".join(problems or []) or None,
         json.dumps(list_yields, ensure_ascii=False) if list_yields else None],
    )


def last_list_yields(db: sqlite_utils.Database, portal: str, *, before: int | None = None) -> dict[str, Any] | None:
    """`{"run_id": N, "yields": {list page URL: reports it showed}}` of the portal's latest healthy
    run that recorded its list pages, before run `before`; None when there is none."""
    row = next(db.query(
        "SELECT run_id, list_yields FROM crawl_run_portals WHERE portal = ? AND health = 'ok' "
        "AND list_yields IS NOT NULL AND (? IS NULL OR run_id < ?) ORDER BY run_id DESC LIMIT 1",
        [portal, before, before]), None)
    return {"run_id": row["run_id"], "yields": json.loads(row["list_yields"])} if row else None


def finish(db: sqlite_utils.Database, run_id: int, outcome: str = "finished", message: str | None = None) -> None:
    db.execute(
        "UPDATE crawl_runs SET finished_at = ?, outcome = ?, message = ? WHERE id = ?",
        [utc_now(), outcome, message, run_id],
    )


def _alive(pid: int | None, host: str | None) -> bool:
    """Whether the process that ran a run may still be running (on this machine: ask the kernel)."""
    if not pid or host != socket.gethostname():
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_abandoned(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Mark `killed` every `running` run whose process is gone. Returns the runs it marked.

    Call it holding the archive's crawl lock: then no other `nianbao crawl` is running, and a
    `running` row whose process is gone (or ran on another machine) was abandoned.
    """
    marked = []
    for run in db.query("SELECT id, pid, host, started_at FROM crawl_runs WHERE outcome = 'running' ORDER BY id"):
        if _alive(run["pid"], run["host"]):
            continue
        last = db.execute(
            "SELECT max(t) FROM (SELECT max(fetched_at) AS t FROM snapshots WHERE run_id = :id "
            "UNION ALL SELECT max(failed_at) FROM fetch_failures WHERE run_id = :id)",
            {"id": run["id"]},
        ).fetchone()[0]
        message = (
            f"killed: its process ({run['pid'] or 'unknown'} on {run['host'] or 'unknown host'}) was gone when "
            f"a later crawl started at {utc_now()}; "
            f"last archived fetch at {last or 'none'}"
        )
        db.execute("UPDATE crawl_runs SET outcome = 'killed', message = ? WHERE id = ?", [message, run["id"]])
        marked.append({**run, "message": message})
    return marked


def running(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The latest run still marked `running` (for the message when a crawl is already on)."""
    return next(db.query("SELECT * FROM crawl_runs WHERE outcome = 'running' ORDER BY id DESC LIMIT 1"), None)


def resumed_chain(db: sqlite_utils.Database, run_id: int | None) -> list[int]:
    """`run_id` and the runs it resumed in turn (a run killed twice hands on both nights' work)."""
    chain: list[int] = []
    while run_id is not None and run_id not in chain:
        chain.append(run_id)
        row = db.execute("SELECT resumed_from FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
        run_id = row[0] if row else None
    return chain


def last_healthy(db: sqlite_utils.Database, portal: str, *, before: int | None = None) -> dict[str, Any] | None:
    """The portal's row in the latest run where it was healthy (its lists' count is the baseline)."""
    return next(
        db.query(
            "SELECT p.run_id, p.listed FROM crawl_run_portals p WHERE p.portal = ? AND p.health = 'ok' "
            "AND p.listed > 0 AND (? IS NULL OR p.run_id < ?) ORDER BY p.run_id DESC LIMIT 1",
            [portal, before, before],
        ),
        None,
    )


def previous_portal_runs(db: sqlite_utils.Database, portal: str, *, before: int | None, count: int) -> list[int]:
    """The last `count` runs before `before` that crawled `portal`, newest first (the health checks
    compare this run with them)."""
    return [row[0] for row in db.execute(
        "SELECT run_id FROM crawl_run_portals WHERE portal = ? AND (? IS NULL OR run_id < ?) "
        "ORDER BY run_id DESC LIMIT ?", [portal, before, before, count])]


def failed_urls(db: sqlite_utils.Database, run_id: int, spider: str) -> set[str]:
    """The addresses whose fetches failed in run `run_id` of `spider`."""
    return {row[0] for row in db.execute(
        "SELECT DISTINCT url FROM fetch_failures WHERE run_id = ? AND spider = ?", [run_id, spider])}


def parse_health(db: sqlite_utils.Database, run_id: int, portal: str) -> dict[str, Any]:
    """How the report pages (not attachments) a run archived as new versions parsed.

    `versions`: new versions; `parsed`: those parsed so far; `unreadable`: parsed as no report
    (template null) or with a parser error; `example`: one unreadable page's URL.
    """
    row = db.execute(
        "SELECT count(*), coalesce(sum(r.parsed_at IS NOT NULL), 0), "
        "coalesce(sum(r.parsed_at IS NOT NULL AND (r.parse_error IS NOT NULL OR r.template IS NULL)), 0), "
        "min(CASE WHEN r.parsed_at IS NOT NULL AND (r.parse_error IS NOT NULL OR r.template IS NULL) THEN p.url END) "
        "FROM snapshots s JOIN reports r ON r.id = s.report_id AND r.snapshot_id = s.id "
        "JOIN pages p ON p.id = s.page_id WHERE s.run_id = ? AND p.portal = ? AND p.kind = 'page'",
        [run_id, portal],
    ).fetchone()
    return {"versions": row[0], "parsed": row[1], "unreadable": row[2], "example": row[3]}
