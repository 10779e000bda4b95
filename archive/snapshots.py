"""Recording fetches: every response becomes a snapshot; changed bytes become a new version.

A fetch of a report address ends in one of four outcomes:

- `new`: the address was never archived: a page, its version 1 and the blob;
- `changed`: its bytes differ from its latest version: version n+1 (and the blob, unless the same
  bytes were archived before, e.g. a revert to an earlier version or a copy at another address);
- `seen_again`: the same bytes as its latest version: only the snapshot, no version;
- `not_modified`: a 304 to a conditional request: likewise, with no body.

A 404 or 410 on an archived address marks it gone (`record_failure`); its versions stay.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .blobs import BlobStore, looks_like_html, sha256
from .clock import utc_iso, utc_now

log = logging.getLogger(__name__)

GONE_STATUSES = (404, 410)


def header(headers: dict[str, list[str]], name: str) -> str | None:
    """The first value of header `name` (any case) in `{name: [values]}`, or None."""
    lowered = name.lower()
    for key, values in headers.items():
        if key.lower() == lowered and values:
            return values[0] if isinstance(values, list) else str(values)
    return None


@dataclass
class Fetch:
    """One fetched report page or attachment: what `crawler.items.ReportItem` carries."""

    portal: str
    url: str
    status: int
    final_url: str
    headers: dict[str, list[str]]
    body: bytes
    fetched_at: str = ""
    kind: str = "page"
    column: str = ""
    title: str = ""
    listed_date: str | None = None
    found_on: str = ""
    rendered: bool = False
    spider: str | None = None
    nianbao_version: str | None = None
    run_id: int | None = None
    digest: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.spider is None:
            self.spider = self.portal
        if self.nianbao_version is None:
            from nianbao import __version__

            self.nianbao_version = __version__

    @classmethod
    def from_item(cls, item: Any, *, spider: str | None = None, run_id: int | None = None) -> Fetch:
        get = item.get if isinstance(item, dict) else lambda name, default=None: getattr(item, name, default)
        return cls(
            portal=get("portal"),
            url=get("url"),
            status=int(get("status")),
            final_url=get("final_url") or get("url"),
            headers=dict(get("headers") or {}),
            body=bytes(get("body") or b""),
            fetched_at=get("fetched_at") or "",
            kind=get("kind") or "page",
            column=get("column") or "",
            title=get("title") or "",
            listed_date=get("listed_date"),
            found_on=get("found_on") or "",
            rendered=bool(get("rendered")),
            spider=spider,
            run_id=run_id,
        )

    def header(self, name: str) -> str | None:
        return header(self.headers, name)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Recorded:
    outcome: str
    page_id: int | None
    report_id: int | None
    snapshot_id: int | None
    #: Set when this fetch created a version that still needs parsing.
    needs_parse: bool = False
    #: Set when the blob is new and HTML (its portal's dictionary may be due).
    new_html_blob: bool = False


def _count(db: sqlite_utils.Database, run_id: int | None, portal: str, **increments: int) -> None:
    if run_id is None:
        return
    columns = ", ".join(increments)
    updates = ", ".join(f"{name} = {name} + excluded.{name}" for name in increments)
    db.execute(
        f"INSERT INTO crawl_run_portals(run_id, portal, {columns}) VALUES (?, ?, {', '.join('?' * len(increments))}) "
        f"ON CONFLICT(run_id, portal) DO UPDATE SET {updates}",
        [run_id, portal, *increments.values()],
    )


def record_fetch(db: sqlite_utils.Database, blobs: BlobStore, fetch: Fetch) -> Recorded:
    """Record one fetch. Runs inside the caller's transaction (one per fetch)."""
    fetched_at = utc_iso(fetch.fetched_at)
    page = db.execute(
        "SELECT p.id, p.latest_report_id, r.sha256 FROM pages p "
        "LEFT JOIN reports r ON r.id = p.latest_report_id WHERE p.url = ?",
        [fetch.url],
    ).fetchone()

    if fetch.not_modified:
        if page is None or page[1] is None:
            # A 304 for an address this archive never stored: nothing it could be "seen again" as.
            log.warning("304 for %s, which this archive has no copy of: not recorded", fetch.url)
            _count(db, fetch.run_id, fetch.portal, items=1, errors=1)
            return Recorded("unknown_304", None, None, None)
        page_id, report_id, _ = page
        snapshot_id = _insert_snapshot(db, fetch, page_id, report_id, None, fetched_at, "not_modified")
        _touch(db, page_id, report_id, fetched_at, fetch)
        _count(db, fetch.run_id, fetch.portal, items=1, not_modified=1)
        return Recorded("not_modified", page_id, report_id, snapshot_id)

    digest = fetch.digest or sha256(fetch.body)
    if page is not None and page[2] == digest:
        page_id, report_id, _ = page
        snapshot_id = _insert_snapshot(db, fetch, page_id, report_id, digest, fetched_at, "seen_again")
        _touch(db, page_id, report_id, fetched_at, fetch)
        _count(db, fetch.run_id, fetch.portal, items=1, unchanged=1)
        return Recorded("seen_again", page_id, report_id, snapshot_id)

    html = fetch.kind == "page" and looks_like_html(fetch.body, fetch.header("Content-Type")) or fetch.rendered
    new_blob = blobs.put(fetch.body, digest, portal=fetch.portal, html=html)
    if page is None:
        page_id = db.execute(
            "INSERT INTO pages(url, portal, kind, agency_column, listed_title, listed_date, found_on, "
            "first_seen_at, last_seen_at, last_changed_at, version_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            [fetch.url, fetch.portal, fetch.kind, fetch.column, fetch.title, fetch.listed_date, fetch.found_on,
             fetched_at, fetched_at, fetched_at],
        ).lastrowid
        outcome, version = "new", 1
    else:
        page_id = page[0]
        outcome = "changed"
        version = db.execute("SELECT count(*) FROM reports WHERE page_id = ?", [page_id]).fetchone()[0] + 1
    if outcome == "changed":
        db.execute("UPDATE reports SET is_latest = 0 WHERE page_id = ? AND is_latest = 1", [page_id])
    report_id = db.execute(
        "INSERT INTO reports(page_id, version, sha256, snapshot_id, rendered, first_seen_at, last_seen_at, is_latest) "
        "VALUES (?, ?, ?, 0, ?, ?, ?, 1)",
        [page_id, version, digest, int(fetch.rendered), fetched_at, fetched_at],
    ).lastrowid
    snapshot_id = _insert_snapshot(db, fetch, page_id, report_id, digest, fetched_at, outcome)
    db.execute("UPDATE reports SET snapshot_id = ? WHERE id = ?", [snapshot_id, report_id])
    db.execute(
        "UPDATE pages SET latest_report_id = ?, version_count = ?, last_changed_at = ?, last_seen_at = ?, "
        "gone_at = NULL, gone_status = NULL, agency_column = ?, listed_title = ?, listed_date = ?, found_on = ? "
        "WHERE id = ?",
        [report_id, version, fetched_at, fetched_at, fetch.column, fetch.title, fetch.listed_date, fetch.found_on,
         page_id],
    )
    if outcome == "new":
        _count(db, fetch.run_id, fetch.portal, items=1, new_reports=1)
    else:
        _count(db, fetch.run_id, fetch.portal, items=1, new_versions=1)
    return Recorded(outcome, page_id, report_id, snapshot_id, needs_parse=True, new_html_blob=new_blob and html)


def _insert_snapshot(
    db: sqlite_utils.Database,
    fetch: Fetch,
    page_id: int,
    report_id: int,
    digest: str | None,
    fetched_at: str,
    outcome: str,
) -> int:
    return db.execute(
        "INSERT INTO snapshots(page_id, report_id, url, final_url, status, headers, etag, last_modified, "
        "content_type, sha256, size, fetched_at, run_id, spider, nianbao_version, rendered, outcome) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [page_id, report_id, fetch.url, fetch.final_url, fetch.status,
         json.dumps(fetch.headers, ensure_ascii=False), fetch.header("ETag"), fetch.header("Last-Modified"),
         fetch.header("Content-Type"), digest, len(fetch.body), fetched_at, fetch.run_id, fetch.spider,
         fetch.nianbao_version, int(fetch.rendered), outcome],
    ).lastrowid


def _touch(db: sqlite_utils.Database, page_id: int, report_id: int, fetched_at: str, fetch: Fetch) -> None:
    db.execute("UPDATE reports SET last_seen_at = max(last_seen_at, ?) WHERE id = ?", [fetched_at, report_id])
    db.execute(
        "UPDATE pages SET last_seen_at = max(last_seen_at, ?), gone_at = NULL, gone_status = NULL, "
        "agency_column = ?, listed_title = ?, listed_date = ?, found_on = ? WHERE id = ?",
        [fetched_at, fetch.column, fetch.title, fetch.listed_date, fetch.found_on, page_id],
    )


@dataclass
class Failure:
    """A fetch that produced no usable response, as `crawler.signals.fetch_failed` reports it."""

    url: str
    outcome: str
    portal: str | None = None
    status: int | None = None
    headers: dict[str, list[str]] | None = None
    message: str = ""
    failed_at: str = ""
    spider: str | None = None
    run_id: int | None = None
    is_report: bool = True


def record_failure(db: sqlite_utils.Database, failure: Failure) -> bool:
    """Record a failed fetch; a 404/410 on an archived address marks it gone. True if it did."""
    failed_at = utc_iso(failure.failed_at) if failure.failed_at else utc_now()
    page = db.execute("SELECT id, gone_at FROM pages WHERE url = ?", [failure.url]).fetchone()
    db.execute(
        "INSERT INTO fetch_failures(url, page_id, outcome, status, headers, message, failed_at, run_id, spider) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [failure.url, page[0] if page else None, failure.outcome, failure.status,
         json.dumps(failure.headers, ensure_ascii=False) if failure.headers is not None else None,
         failure.message[:1000], failed_at, failure.run_id, failure.spider],
    )
    gone = page is not None and failure.status in GONE_STATUSES
    if gone and page[1] is None:
        db.execute("UPDATE pages SET gone_at = ?, gone_status = ? WHERE id = ?", [failed_at, failure.status, page[0]])
    if failure.portal:
        _count(db, failure.run_id, failure.portal, errors=int(not gone), gone=int(gone))
    return gone
