"""One portal's part of an archive, copied into an archive of its own: what a cluster job needs.

A Scrapyd job crawls one portal into a shard (the SQLite archive has one writer) and must crawl
it incrementally, as `nianbao crawl` does on the main archive: with the ETag and Last-Modified of
each archived page, the re-check schedule (each report's age and whether its last fetch failed),
the archived bytes of pages it does not fetch again, and the portal's earlier runs (list yields,
failures run after run). `copy_portal` writes exactly that part into a new archive: the portal's
pages with every version, snapshot, blob, parse and fetch failure, the zstd dictionaries those
blobs need, their full-text entries, the portal's per-run records, and the tables every archive shares (runs, agencies,
value keys). Rows keep their ids, so the shard is the main archive seen through one portal, and
merging it back (`archive.merge`) adds only what its job fetched.

The cost is the portal's share of the archive, not the archive: a copy of the whole main
archive per job would make a nightly cluster run of N portals write N archives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import db as dbmod
from . import fts
from .writer import open_archive

#: Tables every archive shares, copied whole (small: a row per run, agency, key).
_SHARED = ("crawl_runs", "agencies", "agency_names", "value_keys")

#: The portal's rows of each table, in an order in which each table's rows are chosen by what the
#: copy already holds (`main.`) or by the portal's page ids (`portal_pages`).
_PORTAL_ROWS = {
    "crawl_run_portals": "portal = :portal",
    "pages": "id IN (SELECT id FROM portal_pages)",
    "reports": "page_id IN (SELECT id FROM portal_pages)",
    "snapshots": "page_id IN (SELECT id FROM portal_pages)",
    "blobs": "sha256 IN (SELECT sha256 FROM main.snapshots WHERE sha256 IS NOT NULL"
             " UNION SELECT sha256 FROM main.reports WHERE sha256 IS NOT NULL)",
    "zstd_dictionaries": "portal = :portal OR id IN (SELECT dictionary_id FROM main.blobs)",
    "report_values": "report_id IN (SELECT id FROM main.reports)",
    "report_checks": "report_id IN (SELECT id FROM main.reports)",
    "report_texts": "report_id IN (SELECT id FROM main.reports)",
    "fetch_failures": "page_id IN (SELECT id FROM portal_pages) OR (page_id IS NULL AND spider = :portal)",
}


@dataclass
class PortalCopy:
    """What `copy_portal` copied: rows per table."""

    portal: str
    rows: dict[str, int]

    def line(self) -> str:
        return f"{self.portal}: " + ", ".join(f"{count} {table}" for table, count in self.rows.items() if count)


def copy_portal(source: str | Path, target: str | Path, portal: str) -> PortalCopy:
    """Write `portal`'s part of the archive at `source` into a new archive at `target` (replaced
    if it exists). A missing source gives an empty archive: the portal's first crawl."""
    target = Path(target)
    for path in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        path.unlink(missing_ok=True)
    database = open_archive(target)
    try:
        if not Path(source).exists():
            return PortalCopy(portal, {})
        open_archive(source).close()  # the source at this nianbao's schema, as the target is
        return _copy(database, Path(source), portal)
    finally:
        database.close()


def _copy(database, source: Path, portal: str) -> PortalCopy:
    conn = database.conn
    # pages and reports refer to each other: references are checked once, after the copy.
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("ATTACH DATABASE ? AS source", [str(source)])
    try:
        rows = dbmod.write(database, lambda db: _copy_rows(db, portal))
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"copying {portal} from {source} left references broken: {problems[:5]}")
        return PortalCopy(portal, rows)
    finally:
        conn.execute("DETACH DATABASE source")
        conn.execute("PRAGMA foreign_keys = ON")


def _copy_rows(db, portal: str) -> dict[str, int]:
    rows: dict[str, int] = {}
    for table in _SHARED:
        db.execute(f"DELETE FROM main.{table}")  # the new archive's own (agencies from the registry, keys)
        rows[table] = _insert(db, table, "1")
    db.execute("CREATE TEMP TABLE portal_pages AS SELECT id FROM source.pages WHERE portal = ?", [portal])
    try:
        for table, where in _PORTAL_ROWS.items():
            rows[table] = _insert(db, table, where, portal=portal)
        rows["reports_fts"] = _index_texts(db)
    finally:
        db.execute("DROP TABLE temp.portal_pages")
    return rows


def _index_texts(db) -> int:
    """Both full-text indexes of the copied versions (they keep no text of their own to copy): the
    writer removes a version's entries when it parses it again, which needs them there."""
    texts = db.execute(
        "SELECT r.id, r.title, r.agency, t.text FROM main.reports r JOIN main.report_texts t ON t.report_id = r.id"
    ).fetchall()
    for report_id, title, agency, text in texts:
        fts.add(db, report_id, title, agency, text)
    return len(texts)


def _insert(db, table: str, where: str, **parameters) -> int:
    columns = [c for c in _columns(db, "main", table) if c in set(_columns(db, "source", table))]
    names = ", ".join(columns)
    cursor = db.execute(f"INSERT INTO main.{table}({names}) SELECT {names} FROM source.{table} WHERE {where}",
                        parameters)
    return cursor.rowcount


def _columns(db, schema: str, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA {schema}.table_info({table})").fetchall()]
