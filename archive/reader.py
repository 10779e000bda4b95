"""Reading an archive: bodies, versions and parsed reports, as a researcher's script would."""

from __future__ import annotations

import json
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

    def search(self, query: str, *, limit: int = 20, all_versions: bool = False) -> list[dict[str, Any]]:
        return fts.search(self.db, query, limit=limit, all_versions=all_versions)
