"""Response bodies, stored once each, zstd-compressed, keyed by their SHA-256.

The pages of one portal share most of their bytes (header, navigation, sidebar, footer, the
template's table markup); compressed one by one, each page pays for that chrome again. So once a
portal has a few HTML pages archived, a zstd dictionary is trained on them and stored in the
archive; its pages are then compressed against it, and the pages that trained it are
recompressed. As the portal grows the dictionary is retrained on more pages, the portal's pages
are recompressed against it, and dictionaries no blob needs any more are dropped. A blob names the
dictionary it needs; a dictionary is never changed while a blob needs it.
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass

import sqlite_utils
import zstandard

from .clock import utc_now

log = logging.getLogger(__name__)

#: zstd level for bodies. Against a dictionary, levels above ~9 buy almost nothing and cost time
#: on the writer thread (measured on replica pages: 6 ms a page at 12, 0.1-0.3 ms at 9).
LEVEL = 9
#: A portal's first dictionary is trained once it has this many HTML blobs...
FIRST_TRAINING = 16
#: ...then retrained whenever it has this many times more blobs than the last training used...
RETRAIN_GROWTH = 8
#: ...up to this many samples (zstd recommends ~100x the dictionary size in samples).
MAX_SAMPLES = 1024
#: Dictionary size: a tenth of the sample bytes, within these bounds. A dictionary is stored
#: once per training, so a small archive gets a small one.
DICTIONARY_SIZE = (16 * 1024, 112 * 1024)
#: COVER parameters: segment size and d-mer length. zstd's parameter search (k=0) picked tiny
#: dictionaries on portal pages that compressed 3-4x worse than these.
COVER_K, COVER_D = 1024, 8
#: zstd only uses the first 128 KiB of a sample for training.
SAMPLE_PREFIX = 128 * 1024


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<div", b"<meta"))


@dataclass
class _Dictionary:
    id: int
    portal: str
    sample_count: int
    compressor: zstandard.ZstdCompressor
    decompressor: zstandard.ZstdDecompressor


class BlobStore:
    """Reads and writes `blobs` on one connection (use one store per thread)."""

    def __init__(self, db: sqlite_utils.Database, *, level: int = LEVEL):
        self.db = db
        self.level = level
        self._plain = zstandard.ZstdCompressor(level=level)
        self._plain_decompressor = zstandard.ZstdDecompressor()
        self._dictionaries: dict[int, _Dictionary] = {}
        self._latest: dict[str, int | None] = {}
        #: HTML blobs per portal: (all, without a dictionary), counted once, then kept up to date.
        self._html_counts: dict[str, list[int]] = {}

    # -- reading ---------------------------------------------------------------------------

    def get(self, digest: str) -> bytes:
        # One statement, so one snapshot: a writer retraining between two reads could otherwise
        # drop the dictionary after the blob was read and before its dictionary is.
        row = self.db.execute(
            "SELECT b.data, b.dictionary_id, b.size, d.portal, d.sample_count, d.data FROM blobs b "
            "LEFT JOIN zstd_dictionaries d ON d.id = b.dictionary_id WHERE b.sha256 = ?",
            [digest],
        ).fetchone()
        if row is None:
            raise KeyError(f"no blob {digest}")
        data, dictionary_id, size = row[:3]
        if dictionary_id is not None and dictionary_id not in self._dictionaries and row[5] is not None:
            self._dictionaries[dictionary_id] = self._load_dictionary(dictionary_id, *row[3:])
        return self.decompress(data, dictionary_id, size)

    def decompress(self, data: bytes, dictionary_id: int | None, size: int | None = None) -> bytes:
        decompressor = (
            self._plain_decompressor if dictionary_id is None else self._dictionary(dictionary_id).decompressor
        )
        return decompressor.decompress(data, max_output_size=size or 0)

    def _dictionary(self, dictionary_id: int) -> _Dictionary:
        known = self._dictionaries.get(dictionary_id)
        if known is None:
            row = self.db.execute(
                "SELECT portal, sample_count, data FROM zstd_dictionaries WHERE id = ?", [dictionary_id]
            ).fetchone()
            if row is None:
                raise KeyError(f"no zstd dictionary {dictionary_id}")
            known = self._dictionaries[dictionary_id] = self._load_dictionary(dictionary_id, *row)
        return known

    def _load_dictionary(self, dictionary_id: int, portal: str, sample_count: int, data: bytes) -> _Dictionary:
        trained = zstandard.ZstdCompressionDict(data)
        return _Dictionary(
            dictionary_id,
            portal,
            sample_count,
            zstandard.ZstdCompressor(level=self.level, dict_data=trained),
            zstandard.ZstdDecompressor(dict_data=trained),
        )

    def _exists(self, dictionary_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM zstd_dictionaries WHERE id = ?", [dictionary_id]).fetchone() is not None

    def latest_dictionary(self, portal: str) -> int | None:
        if portal not in self._latest:
            row = self.db.execute(
                "SELECT max(id) FROM zstd_dictionaries WHERE portal = ?", [portal]
            ).fetchone()
            self._latest[portal] = row[0]
        return self._latest[portal]

    # -- writing (inside the caller's transaction) -----------------------------------------

    def put(self, body: bytes, digest: str, *, portal: str, html: bool) -> bool:
        """Store `body` under `digest` unless it is there already; True if it was new."""
        if self.db.execute("SELECT 1 FROM blobs WHERE sha256 = ?", [digest]).fetchone():
            return False
        counts = self._counts(portal) if html else None
        dictionary_id = self.latest_dictionary(portal) if html else None
        if dictionary_id is not None and not self._exists(dictionary_id):
            # Another process retrained and dropped it: use the portal's dictionary as it is now.
            self._latest.pop(portal, None)
            dictionary_id = self.latest_dictionary(portal)
        compressor = self._plain if dictionary_id is None else self._dictionary(dictionary_id).compressor
        data = compressor.compress(body)
        self.db.execute(
            "INSERT INTO blobs(sha256, size, stored_size, portal, html, dictionary_id, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [digest, len(body), len(data), portal, int(html), dictionary_id, data],
        )
        if counts is not None:
            counts[0] += 1
            counts[1] += dictionary_id is None
        return True

    # -- dictionaries ----------------------------------------------------------------------

    def _counts(self, portal: str) -> list[int]:
        if portal not in self._html_counts:
            row = self.db.execute(
                "SELECT count(*), count(*) - count(dictionary_id) FROM blobs WHERE portal = ? AND html = 1",
                [portal],
            ).fetchone()
            self._html_counts[portal] = [row[0], row[1]]
        return self._html_counts[portal]

    def training_due(self, portal: str, *, closing: bool = False) -> bool:
        """Whether the portal's HTML has grown enough since its last dictionary to train one."""
        total, without = self._counts(portal)
        latest = self.latest_dictionary(portal)
        if latest is None:
            return without >= (max(4, FIRST_TRAINING // 2) if closing else FIRST_TRAINING)
        trained_on = self._dictionary(latest).sample_count
        return trained_on < MAX_SAMPLES and total >= trained_on * RETRAIN_GROWTH

    def train(self, portal: str) -> int | None:
        """Train a dictionary on the portal's HTML blobs and recompress those that gain by it.

        Runs inside the caller's transaction. Returns the new dictionary's id, or None when zstd
        finds too little in common to build one.
        """
        rows = self.db.execute(
            "SELECT sha256, data, dictionary_id, size FROM blobs WHERE portal = ? AND html = 1",
            [portal],
        ).fetchall()
        if len(rows) > MAX_SAMPLES:
            rows = random.Random(len(rows)).sample(rows, MAX_SAMPLES)
        samples = [self.decompress(data, dictionary_id, size)[:SAMPLE_PREFIX] for _, data, dictionary_id, size in rows]
        low, high = DICTIONARY_SIZE
        try:
            trained = zstandard.train_dictionary(
                min(high, max(low, sum(map(len, samples)) // 10)), samples, k=COVER_K, d=COVER_D
            )
        except zstandard.ZstdError as error:
            log.info("no zstd dictionary for %s yet (%d samples): %s", portal, len(samples), error)
            return None
        data = trained.as_bytes()
        dictionary_id = self.db.execute(
            "INSERT INTO zstd_dictionaries(portal, created_at, sample_count, size, data) VALUES (?, ?, ?, ?, ?)",
            [portal, utc_now(), len(samples), len(data), data],
        ).lastrowid
        self._latest[portal] = dictionary_id
        self._recompress(portal, dictionary_id)
        self._html_counts.pop(portal, None)
        log.info("trained zstd dictionary %d for %s on %d pages (%d bytes)", dictionary_id, portal, len(samples), len(data))
        return dictionary_id

    def _recompress(self, portal: str, dictionary_id: int) -> None:
        """Move the portal's HTML blobs to the new dictionary, then drop the dictionaries no blob
        needs any more (each costs up to ~100 KiB, more than a page or two might gain by keeping
        it). A blob stored without a dictionary moves only if that makes it smaller."""
        compressor = self._dictionary(dictionary_id).compressor
        rows = self.db.execute(
            "SELECT sha256, data, stored_size, size, dictionary_id FROM blobs "
            "WHERE portal = ? AND html = 1 AND dictionary_id IS NOT ?",
            [portal, dictionary_id],
        ).fetchall()
        for digest, data, stored_size, size, old in rows:
            smaller = compressor.compress(self.decompress(data, old, size))
            if old is not None or len(smaller) < stored_size:
                self.db.execute(
                    "UPDATE blobs SET data = ?, stored_size = ?, dictionary_id = ? WHERE sha256 = ?",
                    [smaller, len(smaller), dictionary_id, digest],
                )
        for (unused,) in self.db.execute(
            "SELECT id FROM zstd_dictionaries d WHERE portal = ? AND id <> ? "
            "AND NOT EXISTS (SELECT 1 FROM blobs WHERE dictionary_id = d.id)",
            [portal, dictionary_id],
        ).fetchall():
            self.db.execute("DELETE FROM zstd_dictionaries WHERE id = ?", [unused])
            self._dictionaries.pop(unused, None)

    # -- verification ----------------------------------------------------------------------

    def verify(self):
        """Yield (sha256, problem) for every blob whose bytes no longer hash to its key."""
        cursor = self.db.execute("SELECT sha256, data, dictionary_id, size FROM blobs")
        for digest, data, dictionary_id, size in cursor:
            try:
                body = self.decompress(data, dictionary_id, size)
            except (zstandard.ZstdError, KeyError) as error:
                yield digest, f"cannot decompress: {error}"
                continue
            if len(body) != size:
                yield digest, f"size {len(body)} != recorded {size}"
            elif sha256(body) != digest:
                yield digest, f"content hashes to {sha256(body)}"
            else:
                yield digest, None
