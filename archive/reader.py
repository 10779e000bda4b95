"""Reading an archive: bodies, versions and parsed reports, as a researcher's script would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from . import fts, reports
from .blobs import BlobStore
from .db import connect


class Archive:
    """A read-only view of an archive file (safe while a crawl writes to it: WAL)."""

    def __init__(self, path: str | Path):
        if not Path(path).exists():
            raise FileNotFoundError(f"no archive at {path}")
        self.path = Path(path)
        self.db = connect(path, readonly=True)
        self.blobs = BlobStore(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def body(self, sha256: str) -> bytes:
        """The exact bytes stored under `sha256`."""
        return self.blobs.get(sha256)

    def versions(self, url: str) -> list[dict[str, Any]]:
        """Every version of the page at `url`, oldest first."""
        return list(
            self.db.query(
                "SELECT r.* FROM reports r JOIN pages p ON p.id = r.page_id WHERE p.url = ? ORDER BY r.version",
                [url],
            )
        )

    def snapshots(self, url: str) -> list[dict[str, Any]]:
        """Every fetch of `url`, oldest first, headers decoded."""
        rows = list(self.db.query("SELECT * FROM snapshots WHERE url = ? ORDER BY fetched_at, id", [url]))
        for row in rows:
            row["headers"] = json.loads(row["headers"])
        return rows

    def page(self, url: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM pages WHERE url = ?", [url]), None)

    def report(self, report_id: int) -> dict[str, Any]:
        """One report version as the parser's JSON (issue 3)."""
        return reports.parse_json(self.db, report_id)

    def copy(self, ref: str | int) -> dict[str, Any]:
        """The archived copy `ref` names: a SHA-256, a report id (reports.id) or a URL (its page's
        latest version; a snapshot's URL or final URL also). {sha256, report_id, url, content_type}.
        Raises KeyError when the archive holds no such copy."""
        ref = str(ref).strip()
        row = None
        if re.fullmatch(r"[0-9a-fA-F]{64}", ref):
            row = self.db.execute(
                "SELECT s.sha256, s.report_id, s.url, s.content_type FROM snapshots s WHERE s.sha256 = ? "
                "ORDER BY s.fetched_at LIMIT 1", [ref.lower()]).fetchone()
        elif ref.isdigit():
            row = self.db.execute(
                "SELECT r.sha256, r.id, p.url, s.content_type FROM reports r JOIN pages p ON p.id = r.page_id "
                "JOIN snapshots s ON s.id = r.snapshot_id WHERE r.id = ?", [int(ref)]).fetchone()
        else:
            row = self.db.execute(
                "SELECT r.sha256, r.id, p.url, s.content_type FROM pages p JOIN reports r ON r.id = p.latest_report_id "
                "JOIN snapshots s ON s.id = r.snapshot_id WHERE p.url = ?", [ref]).fetchone() or self.db.execute(
                "SELECT s.sha256, s.report_id, s.url, s.content_type FROM snapshots s "
                "WHERE (s.url = ? OR s.final_url = ?) AND s.sha256 IS NOT NULL ORDER BY s.fetched_at DESC LIMIT 1",
                [ref, ref]).fetchone()
        if row is None:
            raise KeyError(f"the archive holds no copy of {ref}")
        return dict(zip(("sha256", "report_id", "url", "content_type"), row))

    def text(self, report_id: int) -> str | None:
        """The cleaned text the parser read from a report version, if parsed."""
        row = self.db.execute("SELECT text FROM report_texts WHERE report_id = ?", [report_id]).fetchone()
        return row[0] if row else None

    def search(self, query: str, *, limit: int = 20, all_versions: bool = False) -> list[dict[str, Any]]:
        return fts.search(self.db, query, limit=limit, all_versions=all_versions)
