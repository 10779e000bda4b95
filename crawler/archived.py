"""What the archive already holds of a portal's reports, as a spider needs it to crawl incrementally.

Read once when the spider opens (one query per table, read-only: the archive's writer thread keeps
writing meanwhile, WAL lets both go on). The spider asks it whether a report is archived, how old
it is (for the re-check schedule), which files a report page linked when it was archived, and
for the archived bytes of a page it does not fetch again (a 304, or not due tonight), so that
links on it to files never archived (their fetch failed, the crawl was killed) are followed.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Known:
    """One archived report address."""

    kind: str
    #: The date its age is counted from: as listed, else as parsed, else first archived.
    dated: str | None
    #: The body of its latest version (blobs.sha256).
    sha256: str | None
    #: Its last fetch failed (5xx, timeout, 404 ...) after its last success: ask again tonight.
    failing: bool
    #: The Content-Type its latest version was served with (to read the archived copy right).
    content_type: str | None = None
    #: The page its latest listing was found on (a list page; for a file, maybe its report page).
    found_on: str | None = None


class ArchivedReports:
    """The archived report addresses of one portal (empty when there is no archive yet)."""

    def __init__(self, path: str | None = None, portal: str = "") -> None:
        self.path = path
        self.portal = portal
        self.known: dict[str, Known] = {}
        #: Report page URL -> [(file URL, link text, listed date)] archived as found on it.
        self.attachments: dict[str, list[tuple[str, str, str | None]]] = {}
        #: Addresses fetched by the interrupted run(s) this run resumes: done already.
        self.resumed: set[str] = set()
        #: Addresses whose fetches failed in earlier runs and were never archived (not new tonight).
        self.failed_before: set[str] = set()
        self._blobs = None

    @classmethod
    def load(cls, path: str | Path | None, portal: str, *, resumed_runs: tuple[int, ...] = ()) -> "ArchivedReports":
        archived = cls(str(path) if path else None, portal)
        if not path or not Path(path).exists():
            return archived
        try:
            with sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30) as db:
                archived._read(db, resumed_runs)
        except sqlite3.Error as error:
            # An archive from before a table existed, or unreadable: crawl as if it were empty.
            logger.warning("%s: cannot read what %s holds (%s): every report is fetched", portal, path, error)
            archived.known.clear()
            archived.attachments.clear()
            archived.resumed.clear()
            archived.failed_before.clear()
        return archived

    def _read(self, db: sqlite3.Connection, resumed_runs: tuple[int, ...]) -> None:
        rows = db.execute(
            "SELECT p.url, p.kind, coalesce(p.listed_date, r.published, substr(p.first_seen_at, 1, 10)), r.sha256, "
            "  p.gone_at IS NOT NULL OR EXISTS (SELECT 1 FROM fetch_failures f WHERE f.page_id = p.id "
            "    AND f.failed_at > p.last_seen_at), "
            "  p.found_on, p.listed_title, p.listed_date, s.content_type "
            "FROM pages p LEFT JOIN reports r ON r.id = p.latest_report_id "
            "LEFT JOIN snapshots s ON s.id = r.snapshot_id WHERE p.portal = ?",
            [self.portal],
        ).fetchall()
        for url, kind, dated, sha256, failing, found_on, title, listed_date, content_type in rows:
            self.known[url] = Known(kind, dated, sha256, bool(failing), content_type, found_on)
            if kind == "attachment" and found_on:
                self.attachments.setdefault(found_on, []).append((url, title or "", listed_date))
        self.failed_before = {
            url for (url,) in db.execute(
                "SELECT DISTINCT url FROM fetch_failures WHERE page_id IS NULL AND spider = ?", [self.portal])
        } - set(self.known)
        if resumed_runs:
            marks = ",".join("?" * len(resumed_runs))
            self.resumed = {
                url
                for (url,) in db.execute(
                    f"SELECT DISTINCT s.url FROM snapshots s JOIN pages p ON p.id = s.page_id "
                    f"WHERE s.run_id IN ({marks}) AND p.portal = ?",
                    [*resumed_runs, self.portal],
                )
            }
        logger.info(
            "%s: the archive holds %d report addresses%s", self.portal, len(self.known),
            f"; {len(self.resumed)} already fetched by interrupted run(s) {', '.join(map(str, resumed_runs))}"
            if resumed_runs else "",
        )

    def __contains__(self, url: str) -> bool:
        return url in self.known

    def is_new(self, url: str) -> bool:
        """Never archived and never asked for before: a report the portal published since the last run."""
        return url not in self.known and url not in self.failed_before

    def get(self, url: str) -> Known | None:
        return self.known.get(url)

    def body(self, url: str) -> bytes | None:
        """The bytes of the latest archived version of `url`, or None."""
        known = self.known.get(url)
        if known is None or not known.sha256 or not self.path:
            return None
        try:
            if self._blobs is None:
                from archive.blobs import BlobStore
                from archive.db import connect

                self._blobs = BlobStore(connect(self.path, readonly=True))
            return self._blobs.get(known.sha256)
        except Exception as error:  # a damaged blob must not stop the crawl: the page is fetched next time
            logger.warning("%s: cannot read the archived copy of %s (%s)", self.portal, url, error)
            return None

    def close(self) -> None:
        if self._blobs is not None:
            self._blobs.db.close()
            self._blobs = None
