"""The one place that writes an archive: a writer thread, with parsing in worker processes.

Scrapy's reactor hands a fetch over and gets a future back. The writer thread records it in one
transaction (snapshot, blob and, for changed bytes, a new version), and the future resolves:
the item is archived. A new version is then parsed in a worker process, and the writer stores
the parse in a second transaction. Neither step runs on the reactor; the crawl never waits on
the parser, only on the (fast) write of the bytes it fetched. A version whose parse has not been
stored yet (the crawl was killed) is parsed when the archive is next opened for writing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from . import db as dbmod
from . import agencies, fts, reports, runs, schema, snapshots
from .blobs import BlobStore, sha256
from .parsing import DEFAULT_PARSER, ParseJob, default_workers, filename_for, run_job
from .reports import KeyIds, Parsed
from .snapshots import Failure, Fetch, Recorded, header
from .workers import WorkerPool

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Past this many parses in flight, jobs carry only the blob's hash, not the body.
BODIES_IN_FLIGHT = 256


def open_archive(path: str | Path) -> "dbmod.sqlite_utils.Database":
    """Open (creating if needed) an archive for reading and writing on the calling thread."""
    database = dbmod.connect(path)
    dbmod.write(database, _prepare)
    return database


def _prepare(database) -> None:
    schema.create(database)
    reports.ensure_value_keys(database)
    row = database.execute("SELECT value FROM archive_meta WHERE key = 'fts_tokenizer'").fetchone()
    if row is None:
        database.execute(
            "INSERT INTO archive_meta(key, value) VALUES ('fts_tokenizer', ?)", [fts.TOKENIZER_VERSION]
        )
    elif row[0] != fts.TOKENIZER_VERSION:
        log.warning("full-text index built by tokenizer %s: rebuilding with %s", row[0], fts.TOKENIZER_VERSION)
        fts.rebuild(database)
    resolved = database.execute("SELECT value FROM archive_meta WHERE key = 'agency_resolver'").fetchone()
    if resolved is None or resolved[0] != agencies.RESOLVER_VERSION:
        agencies.refresh(database)


class ArchiveWriter:
    """Writes fetches, failures and parses into the archive at `path`.

    `parser` names the parser module (see `archive.parsing`); `parse_workers` is the number of
    parser processes (0 parses on a thread instead, for tests and tiny jobs). `run_id` attaches
    writes to an existing crawl run; with `create_run` the writer starts and finishes its own.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        parser: str = DEFAULT_PARSER,
        parse_workers: int | None = None,
        run_id: int | None = None,
        create_run: bool = False,
        parse_backlog: bool = True,
    ) -> None:
        self.path = str(Path(path).resolve())
        self.parser = parser
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="nianbao-archive")
        self._workers = default_workers() if parse_workers is None else parse_workers
        self._parsers: Any = None
        self._pending = 0
        self._parses_in_flight = 0
        self._idle = threading.Condition()
        self._closed = False
        self.run_id = run_id
        self._own_run = False
        self._call(self._open, create_run and run_id is None)
        if parse_backlog:
            self.parse_backlog()

    # -- plumbing ---------------------------------------------------------------------------

    def _begin(self) -> None:
        with self._idle:
            self._pending += 1

    def _end(self, _future: Any = None) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Run `function(*args)` on the writer thread (it may use `self.db`)."""
        if self._closed:
            raise RuntimeError("archive writer is closed")
        self._begin()
        future = self._thread.submit(function, *args)
        future.add_done_callback(self._end)
        return future

    def _call(self, function: Callable[..., T], *args: Any) -> T:
        return self.submit(function, *args).result()

    def _write(self, work: Callable[[Any], T]) -> T:
        return dbmod.write(self.db, work, on_rollback=self._forget)

    def _forget(self) -> None:
        self.blobs = BlobStore(self.db)
        self.key_ids = KeyIds(self.db)

    def _open(self, create_run: bool) -> None:
        self.db = open_archive(self.path)
        self._forget()
        if create_run:
            self.run_id = self._write(lambda db: runs.start(db))
            self._own_run = True

    # -- fetches and failures -------------------------------------------------------------

    def submit_fetch(self, fetch: Fetch) -> Future[Recorded]:
        """Archive one fetch; the future resolves once it is committed."""
        if fetch.run_id is None:
            fetch.run_id = self.run_id
        return self.submit(self._record_fetch, fetch)

    def _record_fetch(self, fetch: Fetch) -> Recorded:
        if not fetch.digest and not fetch.not_modified:
            fetch.digest = sha256(fetch.body)
        recorded = self._write(lambda db: snapshots.record_fetch(db, self.blobs, fetch))
        if recorded.needs_parse:
            self._schedule_parse(recorded.report_id, fetch)
        if recorded.new_html_blob and self.blobs.training_due(fetch.portal):
            self._train(fetch.portal)
        return recorded

    def submit_failure(self, failure: Failure) -> Future[bool]:
        if failure.run_id is None:
            failure.run_id = self.run_id
        return self.submit(lambda: self._write(lambda db: snapshots.record_failure(db, failure)))

    def _train(self, portal: str) -> None:
        try:
            self._write(lambda db: self.blobs.train(portal))
        except Exception:
            log.exception("training the zstd dictionary for %s failed (pages stay compressed without it)", portal)

    # -- parsing --------------------------------------------------------------------------

    def _schedule_parse(self, report_id: int, fetch: Fetch) -> None:
        with self._idle:
            carry_body = self._parses_in_flight < BODIES_IN_FLIGHT
        self._submit_parse(
            ParseJob(
                report_id=report_id,
                digest=fetch.digest or "",
                url=fetch.url,
                content_type=fetch.header("Content-Type"),
                filename=filename_for(fetch.url, fetch.kind, fetch.header("Content-Disposition")),
                parser=self.parser,
                body=fetch.body if carry_body else None,
                archive_path=self.path,
            )
        )

    def _parser_pool(self) -> Any:
        if self._parsers is None:
            if self._workers > 0:
                self._parsers = WorkerPool(self._workers)
            else:
                self._parsers = ThreadPoolExecutor(1, thread_name_prefix="nianbao-parse")
        return self._parsers

    def _submit_parse(self, job: ParseJob) -> None:
        if not job.digest:
            job.digest = self.db.execute("SELECT sha256 FROM reports WHERE id = ?", [job.report_id]).fetchone()[0]
        self._begin()
        with self._idle:
            self._parses_in_flight += 1
        pool = self._parser_pool()
        future = pool.submit(job) if isinstance(pool, WorkerPool) else pool.submit(run_job, job)
        future.add_done_callback(lambda f, job=job: self._parsed(f, job))

    def _parsed(self, future: Future, job: ParseJob) -> None:
        try:
            report_id, parsed = future.result()
        except Exception as error:  # the worker died (out of memory, a crash in a C library) or hung
            report_id = job.report_id
            parsed = Parsed(parser_version="unavailable", error=f"parser process failed: {error!r}")
        with self._idle:
            self._parses_in_flight -= 1
        try:
            self.submit(self._store_parse, report_id, parsed)
        except RuntimeError:
            log.warning("archive closed before the parse of report %s could be stored", report_id)
        finally:
            self._end()

    def _store_parse(self, report_id: int, parsed: Parsed) -> None:
        try:
            self._write(lambda db: reports.store(db, self.key_ids, report_id, parsed))
        except Exception:
            log.exception("storing the parse of report version %s failed", report_id)

    def parse_backlog(self) -> int:
        """Queue the versions that have no parse yet (e.g. from a killed crawl). Returns how many."""
        return self._queue_parses("r.parsed_at IS NULL", [])

    def reparse(self, *, everything: bool = False) -> int:
        """Queue versions parsed by another parser version (or not at all; or all of them)."""
        from .parsing import parser_version

        if everything:
            return self._queue_parses("1", [])
        return self._queue_parses(
            "r.parsed_at IS NULL OR r.parser_version IS NOT ?", [parser_version(self.parser)]
        )

    def _queue_parses(self, where: str, params: list) -> int:
        def jobs() -> list[ParseJob]:
            rows = self.db.execute(
                f"SELECT r.id, r.sha256, p.url, p.kind, s.content_type, s.headers FROM reports r "
                f"JOIN pages p ON p.id = r.page_id JOIN snapshots s ON s.id = r.snapshot_id WHERE {where} "
                f"ORDER BY r.id",
                params,
            ).fetchall()
            out = []
            for report_id, digest, url, kind, content_type, headers in rows:
                disposition = header(json.loads(headers) if headers else {}, "Content-Disposition")
                out.append(
                    ParseJob(report_id, digest, url, content_type, filename_for(url, kind, disposition),
                             parser=self.parser, body=None, archive_path=self.path)
                )
            for job in out:
                self._submit_parse(job)
            return out

        queued = self._call(jobs)
        if queued:
            log.info("parsing %d archived version(s)", len(queued))
        return len(queued)

    # -- runs ------------------------------------------------------------------------------

    def add_portal(self, portal: str) -> None:
        if self.run_id is not None:
            self._call(lambda: self._write(lambda db: runs.add_portal(db, self.run_id, portal)))

    def add_traffic(self, portal: str, requests: int, received: int) -> None:
        if self.run_id is not None:
            self._call(lambda: self._write(lambda db: runs.add_traffic(db, self.run_id, portal, requests, received)))

    # -- the end ---------------------------------------------------------------------------

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every submitted write and parse is done. False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, *, outcome: str = "finished", message: str | None = None) -> None:
        if self._closed:
            return
        self.drain()
        self._call(self._finish, outcome, message)
        self._closed = True
        if self._parsers is not None:
            self._parsers.shutdown(wait=True)
        self._thread.submit(self._close_db).result()
        self._thread.shutdown(wait=True)

    def _close_db(self) -> None:
        # Fold the write-ahead log back into the file, so a finished archive is one file. A reader
        # holding a snapshot (Datasette, a notebook) makes it busy, not an error: it is not waited
        # for, and the next writer checkpoints.
        self.db.execute("PRAGMA busy_timeout = 0")
        try:
            busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.OperationalError:  # another process holds the file: same as busy
            busy = 1
        if busy:
            log.info("the archive is in use elsewhere: its write-ahead log is folded in later")
        self.db.close()

    def _finish(self, outcome: str, message: str | None) -> None:
        for (portal,) in self.db.execute("SELECT DISTINCT portal FROM blobs WHERE html = 1").fetchall():
            if self.blobs.training_due(portal, closing=True):
                self._train(portal)
        if self._own_run and self.run_id is not None:
            self._write(lambda db: runs.finish(db, self.run_id, outcome, message))

    def __enter__(self) -> "ArchiveWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(outcome="failed" if exc[0] else "finished")
