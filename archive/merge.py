"""Merging archives: `merge(target, shards)` folds other nianbao archives into one.

What moves, and how it is matched (ids are local to an archive; natural keys are not):

- crawl runs by (started_at, host, pid), with their per-portal rows; a run new to the target
  records the `node` it came from (a Scrapyd node, a colleague's machine);
- value keys by key; pages by URL; blobs by SHA-256, stored once;
- zstd dictionaries: a copied blob keeps its compressed bytes and the dictionary it needs is
  copied with it (matched by its bytes, so it is copied once), rather than decompressed and
  recompressed against the target's dictionary: the merge then never spends CPU on compression,
  the stored bytes stay exactly those `verify` checked in the shard, and the next dictionary
  training of that portal (`archive.blobs`) moves the portal's blobs onto one dictionary and
  drops the ones no blob needs (`compact=True`, `nianbao merge --compact`, does that at once);
- snapshots by (fetched_at, status, sha256, spider), with their run mapped;
- fetch failures by (url, failed_at, outcome, run, spider).

A page both archives hold gets one version chain from the union of their snapshots in fetch-time
order, as if one crawler had made every fetch: a fetch whose bytes differ from the previous
fetch's starts a version, one with the same bytes is `seen_again`. A 304 carries no bytes, so it
never starts a version: it confirms the version its own archive attached it to. Versions keep
their parse (values, checks, text, both full-text indexes); when both archives parsed the same
bytes the target's parse stays, unless only the shard's was parsed. The target's versions keep
their ids (their number in the chain may change). Agencies are resolved again for every merged
page with `archive.agencies.Resolver`, so agency ids stay the target's own.

Idempotent: everything is matched before it is added, so merging a shard twice adds nothing.
Crash-safe: each shard is merged in one SQLite transaction (WAL): a merge killed at any point
leaves the target as it was before that shard or after it, and running it again finishes the job.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from . import agencies, figures, fts
from . import db as dbmod
from .blobs import BlobStore
from .snapshots import GONE_STATUSES
from .writer import open_archive

log = logging.getLogger(__name__)

#: Columns of `reports` that describe the version chain, set by the merge; the others are the parse.
_CHAIN_COLUMNS = {"id", "page_id", "version", "sha256", "snapshot_id", "rendered", "first_seen_at", "last_seen_at",
                  "is_latest", "agency_id"}
#: Page columns that describe its latest listing, taken from whichever archive saw the page last.
_LISTING_COLUMNS = ("agency_column", "listed_title", "listed_date", "found_on")


class MergeError(Exception):
    """A shard that cannot be merged (not an archive, the target itself, inconsistent)."""


@dataclass
class MergeSummary:
    """What merging one shard added to the target."""

    shard: str
    runs: int = 0
    pages: int = 0
    versions: int = 0
    snapshots: int = 0
    blobs: int = 0
    dictionaries: int = 0
    failures: int = 0
    #: Pages the target already had that gained fetches (their version chain was rebuilt).
    pages_updated: int = 0

    @property
    def changed(self) -> bool:
        return any((self.runs, self.pages, self.versions, self.snapshots, self.blobs, self.failures))

    def line(self) -> str:
        return (f"{self.shard}: {self.pages} new page(s), {self.pages_updated} updated, {self.versions} version(s), "
                f"{self.snapshots} snapshot(s), {self.blobs} blob(s), {self.dictionaries} dictionar(y/ies), "
                f"{self.runs} run(s), {self.failures} failure(s)")


def merge(
    target_path: str | Path, shard_paths: list[str | Path], *, node: str | None = None, compact: bool = False
) -> list[MergeSummary]:
    """Merge each shard archive into the archive at `target_path` (created if missing), one
    transaction per shard. `node` names where the shards' runs ran (stored as crawl_runs.node);
    `compact` then moves each portal left with several zstd dictionaries onto one (`compact`)."""
    shard_paths = [Path(p) for p in shard_paths]
    for shard in shard_paths:
        _check_shard(Path(target_path), shard)
    target = open_archive(target_path)
    try:
        summaries = [merge_shard(target, shard, node=node) for shard in shard_paths]
        if compact:
            dbmod.write(target, compact_dictionaries)
        return summaries
    finally:
        checkpoint_and_close(target)


def compact_dictionaries(db: sqlite_utils.Database) -> list[str]:
    """Portals with more than one zstd dictionary (their own and those copied from shards) get one
    trained on all their pages, and their blobs recompressed onto it (`BlobStore.train`, which
    drops the dictionaries no blob needs any more). Runs in the caller's transaction; returns the
    portals it compacted."""
    store = BlobStore(db)
    portals = [portal for (portal,) in db.execute(
        "SELECT portal FROM zstd_dictionaries GROUP BY portal HAVING count(*) > 1 ORDER BY portal")]
    return [portal for portal in portals if store.train(portal) is not None]


def merge_shard(target: sqlite_utils.Database, shard_path: str | Path, *, node: str | None = None,
                part_of: int | None = None) -> MergeSummary:
    """Merge one shard into an open target archive, in one write transaction. `part_of` is the
    target's run (a `nianbao cluster crawl`) the shard's new runs were jobs of."""
    shard = dbmod.connect(shard_path, readonly=True)
    try:
        # One read snapshot of the shard, should a crawl still be writing to it.
        shard.execute("BEGIN")
        return dbmod.write(target, lambda db: _Merge(db, shard, str(shard_path), node, part_of).run())
    finally:
        shard.rollback()
        shard.close()


def _check_shard(target: Path, shard: Path) -> None:
    if not shard.is_file():
        raise MergeError(f"{shard}: no such archive")
    if target.exists() and target.resolve() == shard.resolve():
        raise MergeError(f"{shard}: is the target archive itself")
    with open(shard, "rb") as stream:
        if stream.read(16) != b"SQLite format 3\x00":
            raise MergeError(f"{shard}: not an SQLite file")
    shard_db = dbmod.connect(shard, readonly=True)
    try:
        tables = set(shard_db.table_names())
    finally:
        shard_db.close()
    missing = {"pages", "reports", "snapshots", "blobs", "crawl_runs"} - tables
    if missing:
        raise MergeError(f"{shard}: not a nianbao archive (no {', '.join(sorted(missing))} table)")


def checkpoint_and_close(db: sqlite_utils.Database) -> None:
    # Fold the write-ahead log into the file, as the writer does; a busy reader just postpones it.
    db.execute("PRAGMA busy_timeout = 0")
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError:  # another process holds the file: the next writer checkpoints
        log.info("the archive is in use elsewhere: its write-ahead log is folded in later")
    db.close()


# -- the version chain --------------------------------------------------------------------------


@dataclass
class _Entry:
    """One snapshot of a page, from the target (`origin` 'target') or the shard."""

    origin: str
    row: dict[str, Any]
    #: The bytes it saw: its own, or for a 304 those of the version its archive attached it to.
    sha: str
    #: That version's id in the snapshot's own archive.
    report_id: int

    @property
    def has_body(self) -> bool:
        return self.row["sha256"] is not None

    def order(self) -> tuple:
        row = self.row
        return (row["fetched_at"], row["status"], row["sha256"] or "", row["spider"] or "", self.origin)


@dataclass
class _Run:
    """Consecutive fetches with the same bytes: one version."""

    sha: str
    entries: list[_Entry] = field(default_factory=list)
    report_id: int | None = None


def chain(entries: list[_Entry]) -> list[_Run]:
    """The versions of a page from its snapshots, in fetch-time order."""
    runs: list[_Run] = []
    for entry in sorted(entries, key=_Entry.order):
        if entry.has_body:
            if not runs or runs[-1].sha != entry.sha:
                runs.append(_Run(entry.sha))
            runs[-1].entries.append(entry)
            continue
        confirmed = next((run for run in reversed(runs) if run.sha == entry.sha), None)
        if confirmed is None:
            raise MergeError(f"{entry.row['url']}: a 304 at {entry.row['fetched_at']} confirms bytes no earlier fetch brought")
        confirmed.entries.append(entry)
    return runs


def _entry(origin: str, row: dict[str, Any]) -> _Entry:
    confirmed = row.pop("report_sha")
    return _Entry(origin, row, row["sha256"] or confirmed, row["report_id"])


def _snapshot_key(row: dict[str, Any]) -> tuple:
    return (row["fetched_at"], row["status"], row["sha256"], row["spider"])


def _outcome(run_index: int, entry_index: int, entry: _Entry) -> str:
    if entry_index == 0:
        return "new" if run_index == 0 else "changed"
    return "seen_again" if entry.has_body else "not_modified"


# -- one shard ----------------------------------------------------------------------------------


class _Merge:
    def __init__(self, db: sqlite_utils.Database, shard: sqlite_utils.Database, name: str, node: str | None,
                 part_of: int | None = None):
        self.db = db
        self.shard = shard
        self.node = node
        self.part_of = part_of
        self.summary = MergeSummary(name)
        self.runs: dict[int, int] = {}
        self.keys: dict[int, int] = {}
        self.dictionaries: dict[int, int] = {}
        self.touched_pages: set[int] = set()
        self.columns: dict[str, set[str]] = {}
        shard_columns = set(_columns(shard, "reports"))
        self.parse_columns = [c for c in _columns(db, "reports") if c not in _CHAIN_COLUMNS and c in shard_columns]
        self.missing_figures = any(figure.name not in shard_columns for figure in figures.MAIN_FIGURES)
        # A shard made before figures carried their source (parser 1.5.0) gives them none.
        self.value_source = "source" if "source" in _columns(shard, "report_values") else "NULL"

    def _insert(self, table: str, values: dict[str, Any], *, verb: str = "INSERT") -> int:
        """Insert the columns the target has (a shard made by a later nianbao may have more)."""
        if table not in self.columns:
            self.columns[table] = set(_columns(self.db, table))
        return _insert(self.db, table, {k: v for k, v in values.items() if k in self.columns[table]}, verb=verb)

    def run(self) -> MergeSummary:
        self._merge_runs()
        self._merge_value_keys()
        for page in self.shard.query("SELECT * FROM pages ORDER BY id"):
            self._merge_page(page)
        self._merge_failures()
        for page_id in sorted(self.touched_pages):
            self._mark_gone(page_id)
        self._resolve_agencies()
        problems = self.db.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise MergeError(f"merging {self.summary.shard} would break references: {problems[:5]}")
        return self.summary

    # -- runs and keys ------------------------------------------------------------------

    def _merge_runs(self) -> None:
        for run in self.shard.query("SELECT * FROM crawl_runs ORDER BY id"):
            found = self.db.execute(
                "SELECT id, outcome FROM crawl_runs WHERE started_at = ? AND host IS ? AND pid IS ?",
                [run["started_at"], run.get("host"), run.get("pid")],
            ).fetchone()
            fresher = False
            if found is None:
                values = {c: v for c, v in run.items() if c != "id"}
                values["resumed_from"] = self.runs.get(run.get("resumed_from"))
                values["node"] = self.node or run.get("node")
                values["part_of"] = self.part_of if self.part_of is not None else self.runs.get(run.get("part_of"))
                self.runs[run["id"]] = self._insert("crawl_runs", values)
                self.summary.runs += 1
                fresher = True
            else:
                self.runs[run["id"]] = found[0]
                # The archive that saw the run end has its record; one still `running` does not.
                if found[1] == "running" and run["outcome"] != "running":
                    self.db.execute(
                        "UPDATE crawl_runs SET finished_at = ?, outcome = ?, message = ?, portals = ? WHERE id = ?",
                        [run["finished_at"], run["outcome"], run["message"], run["portals"], found[0]],
                    )
                    fresher = True
            self._merge_run_portals(run["id"], replace=fresher)

    def _merge_run_portals(self, shard_run: int, *, replace: bool) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        for row in self.shard.query("SELECT * FROM crawl_run_portals WHERE run_id = ?", [shard_run]):
            row["run_id"] = self.runs[shard_run]
            self._insert("crawl_run_portals", row, verb=verb)

    def _merge_value_keys(self) -> None:
        for row in self.shard.query("SELECT * FROM value_keys ORDER BY id"):
            found = self.db.execute("SELECT id FROM value_keys WHERE key = ?", [row["key"]]).fetchone()
            shard_id = row.pop("id")
            self.keys[shard_id] = found[0] if found else self._insert("value_keys", row)

    # -- blobs ----------------------------------------------------------------------------

    def _ensure_blob(self, sha: str) -> None:
        if self.db.execute("SELECT 1 FROM blobs WHERE sha256 = ?", [sha]).fetchone():
            return
        row = next(self.shard.query("SELECT * FROM blobs WHERE sha256 = ?", [sha]), None)
        if row is None:
            raise MergeError(f"{self.summary.shard}: blob {sha} is referenced but not stored")
        if row.get("dictionary_id") is not None:
            row["dictionary_id"] = self._dictionary(row["dictionary_id"])
        self._insert("blobs", row)
        self.summary.blobs += 1

    def _dictionary(self, shard_id: int) -> int:
        if shard_id in self.dictionaries:
            return self.dictionaries[shard_id]
        row = next(self.shard.query("SELECT * FROM zstd_dictionaries WHERE id = ?", [shard_id]), None)
        if row is None:
            raise MergeError(f"{self.summary.shard}: zstd dictionary {shard_id} is needed but not stored")
        found = self.db.execute(
            "SELECT id FROM zstd_dictionaries WHERE portal = ? AND size = ? AND data = ?",
            [row["portal"], row["size"], row["data"]],
        ).fetchone()
        if found:
            target_id = found[0]
        else:
            row.pop("id")
            target_id = self._insert("zstd_dictionaries", row)
            self.summary.dictionaries += 1
        self.dictionaries[shard_id] = target_id
        return target_id

    # -- pages ------------------------------------------------------------------------------

    def _entries(self, database: sqlite_utils.Database, origin: str, page_id: int) -> list[_Entry]:
        return [
            _entry(origin, row)
            for row in database.query(
                "SELECT s.*, r.sha256 AS report_sha FROM snapshots s JOIN reports r ON r.id = s.report_id "
                "WHERE s.page_id = ? ORDER BY s.id",
                [page_id],
            )
        ]

    def _merge_page(self, shard_page: dict[str, Any]) -> None:
        target_page = next(self.db.query("SELECT * FROM pages WHERE url = ?", [shard_page["url"]]), None)
        shard_entries = self._entries(self.shard, "shard", shard_page["id"])
        if target_page is None:
            existing: list[_Entry] = []
        else:
            existing = self._entries(self.db, "target", target_page["id"])
            known = {_snapshot_key(entry.row) for entry in existing}
            shard_entries = [entry for entry in shard_entries if _snapshot_key(entry.row) not in known]
        if not shard_entries:
            return
        for entry in shard_entries:
            self._ensure_blob(entry.sha)
        if target_page is None:
            page_id = self._insert_page(shard_page)
            self.summary.pages += 1
        else:
            page_id = target_page["id"]
            self.summary.pages_updated += 1
        self.touched_pages.add(page_id)
        runs = chain(existing + shard_entries)
        unclaimed = self._assign_reports(page_id, runs)
        self._write_snapshots(page_id, runs)
        self._update_page(page_id, runs, target_page, shard_page)
        self._drop_versions(page_id, unclaimed)

    def _insert_page(self, shard_page: dict[str, Any]) -> int:
        values = {c: v for c, v in shard_page.items() if c != "id"}
        values.update(latest_report_id=None, version_count=0, gone_at=None, gone_status=None)
        return self._insert("pages", values)

    def _assign_reports(self, page_id: int, runs: list[_Run]) -> set[int]:
        """Give each version a report row: the target's own where it has one (first come, first
        served), else a new one carrying the shard's parse (or the target's, for a version a
        shard's fetch split in two). Returns the target's versions no run claimed (see
        `_drop_versions`)."""
        own = {row[0] for row in self.db.execute("SELECT id FROM reports WHERE page_id = ?", [page_id])}
        # Out of the way of UNIQUE (page_id, version) while versions are renumbered.
        self.db.execute("UPDATE reports SET version = -id WHERE page_id = ?", [page_id])
        claimed: set[int] = set()
        for number, run in enumerate(runs, start=1):
            mine = next((e.report_id for e in run.entries if e.origin == "target" and e.report_id not in claimed), None)
            first = run.entries[0]
            chain_values = {
                "version": number,
                "first_seen_at": first.row["fetched_at"],
                "last_seen_at": max(e.row["fetched_at"] for e in run.entries),
                "is_latest": int(number == len(runs)),
                "rendered": first.row["rendered"],
            }
            if mine is not None:
                claimed.add(mine)
                run.report_id = mine
                self.db.execute(
                    f"UPDATE reports SET {', '.join(f'{c} = ?' for c in chain_values)} WHERE id = ?",
                    [*chain_values.values(), mine],
                )
                theirs = next((e.report_id for e in run.entries if e.origin == "shard"), None)
                if theirs is not None and self._unparsed(self.db, mine) and not self._unparsed(self.shard, theirs):
                    self._copy_parse(self.shard, theirs, mine)
                continue
            source = next((e for e in run.entries if e.origin == "shard"), first)
            source_db = self.shard if source.origin == "shard" else self.db
            parse = next(source_db.query(
                f"SELECT {', '.join(self.parse_columns)} FROM reports WHERE id = ?", [source.report_id]))
            run.report_id = self._insert("reports", {
                "page_id": page_id, "sha256": run.sha, "snapshot_id": 0, **chain_values, **parse,
            })
            self.summary.versions += 1
            self._copy_parse_rows(source_db, source.report_id, run.report_id, parse)
        return own - claimed

    def _drop_versions(self, page_id: int, report_ids: set[int]) -> None:
        """Remove target versions the merged chain folded into an earlier one with the same bytes.

        Only a target whose own fetches were recorded out of fetch-time order has them (X, Y, then
        an earlier fetch of X written last): sorted, that fetch of X is `seen_again`, and the
        version it made holds nothing its first version does not (same bytes, so the same parse).
        """
        for report_id in sorted(report_ids):
            log.warning("page %s: version %s folded into an earlier version with the same bytes", page_id, report_id)
            row = self.db.execute(
                "SELECT r.title, r.agency, t.text FROM reports r "
                "LEFT JOIN report_texts t ON t.report_id = r.id WHERE r.id = ?", [report_id]).fetchone()
            if row[2] is not None:
                fts.remove(self.db, report_id, row[0], row[1], row[2])
            for table in ("report_values", "report_checks", "report_texts"):
                self.db.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
            self.db.execute("DELETE FROM reports WHERE id = ?", [report_id])

    @staticmethod
    def _unparsed(database: sqlite_utils.Database, report_id: int) -> bool:
        return database.execute("SELECT parsed_at IS NULL FROM reports WHERE id = ?", [report_id]).fetchone()[0] == 1

    def _copy_parse(self, source_db: sqlite_utils.Database, source_id: int, target_id: int) -> None:
        parse = next(source_db.query(f"SELECT {', '.join(self.parse_columns)} FROM reports WHERE id = ?", [source_id]))
        self.db.execute(f"UPDATE reports SET {', '.join(f'{c} = ?' for c in parse)} WHERE id = ?", [*parse.values(), target_id])
        self._copy_parse_rows(source_db, source_id, target_id, parse)

    def _copy_parse_rows(self, source_db: sqlite_utils.Database, source_id: int, target_id: int, parse: dict) -> None:
        """Figures, checks, text and both full-text entries of a parsed version (as `reports.store` writes them)."""
        if parse.get("parsed_at") is None:
            return
        same = source_db is self.db
        self.db.conn.executemany(
            "INSERT INTO report_values(report_id, key_id, value, source) VALUES (?, ?, ?, ?)",
            [(target_id, key_id if same else self.keys[key_id], value, source) for key_id, value, source in
             source_db.execute(f"SELECT key_id, value, {'source' if same else self.value_source} FROM report_values "
                               "WHERE report_id = ?", [source_id]).fetchall()],
        )
        self.db.conn.executemany(
            "INSERT INTO report_checks(report_id, seq, name, ok, detail) VALUES (?, ?, ?, ?, ?)",
            [(target_id, *row) for row in source_db.execute(
                "SELECT seq, name, ok, detail FROM report_checks WHERE report_id = ?", [source_id]).fetchall()],
        )
        if self.missing_figures:
            self._compute_figures(target_id)
        text = source_db.execute("SELECT text FROM report_texts WHERE report_id = ?", [source_id]).fetchone()
        if text is not None:
            self.db.execute("INSERT INTO report_texts(report_id, text) VALUES (?, ?)", [target_id, text[0]])
            fts.add(self.db, target_id, parse.get("title"), parse.get("agency"), text[0])

    def _compute_figures(self, report_id: int) -> None:
        """The main figures on the report's row, for a shard made before some of them existed."""
        values = dict(self.db.execute(
            "SELECT k.key, v.value FROM report_values v JOIN value_keys k ON k.id = v.key_id WHERE v.report_id = ?",
            [report_id]).fetchall())
        main = figures.compute(values)
        self.db.execute(f"UPDATE reports SET {', '.join(f'{name} = ?' for name in main)} WHERE id = ?",
                        [*main.values(), report_id])

    def _write_snapshots(self, page_id: int, runs: list[_Run]) -> None:
        for run_index, run in enumerate(runs):
            first_snapshot = None
            for entry_index, entry in enumerate(run.entries):
                outcome = _outcome(run_index, entry_index, entry)
                if entry.origin == "target":
                    snapshot_id = entry.row["id"]
                    if (entry.row["report_id"], entry.row["outcome"]) != (run.report_id, outcome):
                        self.db.execute("UPDATE snapshots SET report_id = ?, outcome = ? WHERE id = ?",
                                        [run.report_id, outcome, snapshot_id])
                else:
                    values = {c: v for c, v in entry.row.items() if c != "id"}
                    values.update(page_id=page_id, report_id=run.report_id, outcome=outcome,
                                  run_id=self.runs.get(entry.row["run_id"]))
                    snapshot_id = self._insert("snapshots", values)
                    self.summary.snapshots += 1
                if first_snapshot is None:
                    first_snapshot = snapshot_id
            self.db.execute("UPDATE reports SET snapshot_id = ? WHERE id = ? AND snapshot_id IS NOT ?",
                            [first_snapshot, run.report_id, first_snapshot])

    def _update_page(self, page_id: int, runs: list[_Run], target_page: dict | None, shard_page: dict) -> None:
        entries = [e for run in runs for e in run.entries]
        values: dict[str, Any] = {
            "first_seen_at": runs[0].entries[0].row["fetched_at"],
            "last_seen_at": max(e.row["fetched_at"] for e in entries),
            "last_changed_at": runs[-1].entries[0].row["fetched_at"],
            "version_count": len(runs),
            "latest_report_id": runs[-1].report_id,
        }
        if target_page is None or shard_page["last_seen_at"] > target_page["last_seen_at"]:
            values.update({c: shard_page.get(c) for c in _LISTING_COLUMNS})
        self.db.execute(f"UPDATE pages SET {', '.join(f'{c} = ?' for c in values)} WHERE id = ?", [*values.values(), page_id])

    # -- failures, gone pages, agencies ------------------------------------------------------

    def _merge_failures(self) -> None:
        known = set(self.db.execute("SELECT url, failed_at, outcome, run_id, spider FROM fetch_failures").fetchall())
        for row in self.shard.query("SELECT * FROM fetch_failures ORDER BY id"):
            row["run_id"] = self.runs.get(row["run_id"])
            key = (row["url"], row["failed_at"], row["outcome"], row["run_id"], row["spider"])
            if key in known:
                continue
            known.add(key)
            # The page, when the address was archived by then (as the crawler records it).
            page = self.db.execute("SELECT id FROM pages WHERE url = ? AND first_seen_at <= ?",
                                   [row["url"], row["failed_at"]]).fetchone()
            values = {c: v for c, v in row.items() if c != "id"}
            values["page_id"] = page[0] if page else None
            self._insert("fetch_failures", values)
            self.summary.failures += 1
            if page:
                self.touched_pages.add(page[0])

    def _mark_gone(self, page_id: int) -> None:
        """Gone: the first 404/410 after the page's last successful fetch, from either archive."""
        last_seen = self.db.execute("SELECT last_seen_at FROM pages WHERE id = ?", [page_id]).fetchone()[0]
        marks = ", ".join("?" * len(GONE_STATUSES))
        gone = self.db.execute(
            f"SELECT failed_at, status FROM fetch_failures WHERE page_id = ? AND status IN ({marks}) AND failed_at > ? "
            "ORDER BY failed_at LIMIT 1",
            [page_id, *GONE_STATUSES, last_seen],
        ).fetchone()
        self.db.execute("UPDATE pages SET gone_at = ?, gone_status = ? WHERE id = ?", [*(gone or (None, None)), page_id])

    def _resolve_agencies(self) -> None:
        resolver = agencies.Resolver(self.db)
        for page_id in sorted(self.touched_pages):
            for (report_id,) in self.db.execute(
                "SELECT id FROM reports WHERE page_id = ? AND parsed_at IS NOT NULL ORDER BY id", [page_id]
            ).fetchall():
                resolver.resolve_report(report_id)


def _columns(database: sqlite_utils.Database, table: str) -> list[str]:
    return [row[1] for row in database.execute(f"PRAGMA table_info({table})")]


def _insert(database: sqlite_utils.Database, table: str, values: dict[str, Any], *, verb: str = "INSERT") -> int:
    names = list(values)
    return database.execute(
        f"{verb} INTO {table}({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", list(values.values())
    ).lastrowid
