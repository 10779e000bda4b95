"""Opening an archive file, and writing to it safely while other processes write to it too.

Every archive is a SQLite file in WAL mode: readers never block the writer, and a process killed
mid-write leaves the last committed transaction intact. Writers take the write lock up front
(`BEGIN IMMEDIATE`) so two processes never deadlock upgrading a read lock; when another process
holds the lock longer than SQLite's busy timeout, tenacity waits and retries the whole
transaction rather than failing with "database is locked".
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception,
    stop_after_delay,
    wait_random_exponential,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long SQLite itself waits for a lock before reporting SQLITE_BUSY (milliseconds).
BUSY_TIMEOUT_MS = 5_000
#: How long tenacity keeps retrying a locked transaction before giving up (seconds).
LOCK_PATIENCE_S = 300


def is_locked_error(error: BaseException) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED as the sqlite3 module reports them."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    message = str(error).lower()
    return "locked" in message or "busy" in message


def connect(path: str | Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open the archive at `path` with the pragmas every connection needs.

    The connection may be handed to another thread (the archive writer opens it on its own
    thread, tests and the CLI on theirs), but is used by one thread at a time.
    """
    if readonly:
        conn = sqlite3.connect(
            f"file:{Path(path).resolve()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not readonly:
        _retrying(lambda: _set_wal(db))
    # NORMAL is durable across a killed process in WAL mode (only a power cut can lose the last
    # commits, never corrupt the file), and spares an fsync per item.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA cache_size = -65536")
    return db


def _set_wal(db: sqlite_utils.Database) -> None:
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "wal":
        db.execute("PRAGMA journal_mode = WAL")


def _retrying(function: Callable[[], T], patience: float = LOCK_PATIENCE_S) -> T:
    wrapped = retry(
        retry=retry_if_exception(is_locked_error),
        wait=wait_random_exponential(multiplier=0.05, max=2.0),
        stop=stop_after_delay(patience),
        before_sleep=before_sleep_log(log, logging.DEBUG),
        reraise=True,
    )(function)
    return wrapped()


@contextlib.contextmanager
def _immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def write(
    db: sqlite_utils.Database,
    work: Callable[[sqlite_utils.Database], T],
    *,
    patience: float = LOCK_PATIENCE_S,
    on_rollback: Callable[[], None] | None = None,
) -> T:
    """Run `work(db)` as one write transaction, retrying it whole while the file is locked.

    `work` must be safe to run again from the start: everything it wrote in a failed attempt
    was rolled back, and `on_rollback` is called so callers can forget what they cached from it.
    """

    def attempt() -> T:
        try:
            with _immediate(db):
                return work(db)
        except BaseException:
            if on_rollback is not None:
                on_rollback()
            raise

    return _retrying(attempt, patience)
