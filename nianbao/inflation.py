"""How far a body would inflate, judged before anything inflates it whole.

Pure functions on bytes (no Scrapy), shared by the crawl's downloader middlewares
(`crawler/bodies.py`) and the archive's parse path (`archive/parsing.py`), so that a decompression
bomb archived before the crawl checked for it, or handed to `nianbao parse`, is refused the same way.

- `office_archive_problem`: a DOCX/XLSX by its ZIP directory. python-docx and openpyxl read members
  with `zipfile`, which inflates a member only up to the size its entry declares: the declared
  sizes bound what the parser would hold.
- `pdf_stream_problem`: a PDF by its compressed streams, each inflated here in 64 KiB steps keeping
  nothing (pdfminer inflates each whole, in memory).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

MiB = 1024 * 1024
#: The defaults of the crawl's settings (NIANBAO_MAXSIZE's `office_inflated` and `pdf_inflated`,
#: NIANBAO_MAX_INFLATE_RATIO, NIANBAO_INFLATE_FLOOR), which the archive's parse path uses.
OFFICE_INFLATED = 128 * MiB
PDF_INFLATED = 512 * MiB
RATIO = 100
FLOOR = MiB


def office_archive_problem(body: bytes, *, max_total: int, ratio: float, floor: int = MiB) -> str | None:
    """Why a ZIP-based office file (DOCX, XLSX) must not be opened, judged by its directory; None
    when it may (or when it is no ZIP at all: the parser says what it is)."""
    if not body.startswith(b"PK"):
        return None
    try:
        members = zipfile.ZipFile(io.BytesIO(body)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    total = sum(member.file_size for member in members)
    if max_total and total > max_total:
        return f"its {len(members)} ZIP members declare {total} bytes inflated, more than {max_total}"
    for member in members:
        allowed = max(floor, member.compress_size * ratio)
        if ratio > 0 and member.file_size > allowed:
            return (f"ZIP member {member.filename} declares {member.file_size} bytes from "
                    f"{member.compress_size} compressed (more than {ratio:g} times)")
    return None


_STREAM = re.compile(rb"stream\r?\n")
_STEP = 64 * 1024


def _inflated_size(data: bytes, start: int, limit: int) -> tuple[int, int]:
    """(bytes the zlib stream at `start` inflates to, stopping once past `limit`; compressed bytes
    it read). (0, 0) when no zlib stream starts there (an image, a plain stream)."""
    inflater = zlib.decompressobj()
    size, offset = 0, start
    try:
        while not inflater.eof and size <= limit:
            chunk = inflater.unconsumed_tail
            if not chunk:
                chunk = data[offset:offset + _STEP]
                offset += len(chunk)
            if not chunk:
                break
            size += len(inflater.decompress(chunk, _STEP))
    except zlib.error:
        if not size:
            return 0, 0
    return size, offset - start - len(inflater.unused_data) - len(inflater.unconsumed_tail)


def pdf_stream_problem(body: bytes, *, max_total: int, ratio: float, floor: int = MiB) -> str | None:
    """Why a PDF must not be parsed, judged by how far its compressed streams inflate (each in
    steps, keeping nothing); None when it may."""
    if not body.startswith(b"%PDF"):
        return None
    budgets = [b for b in (max_total, max(floor, int(ratio * len(body))) if ratio > 0 else 0) if b]
    budget = min(budgets) if budgets else 0
    total, position = 0, 0
    while (match := _STREAM.search(body, position)) is not None:
        start = match.end()
        size, consumed = _inflated_size(body, start, (budget - total) if budget else len(body) * 1000)
        total += size
        if ratio > 0 and size > max(floor, consumed * ratio):
            return f"a stream at byte {start} inflates past {size} bytes from {consumed} (more than {ratio:g} times)"
        if budget and total > budget:
            return f"its streams inflate past {total} bytes from {len(body)}, more than the {budget} allowed"
        position = start + max(consumed, 1)
    return None


def bomb_problem(body: bytes, *, office_max: int = OFFICE_INFLATED, pdf_max: int = PDF_INFLATED,
                 ratio: float = RATIO, floor: int = FLOOR) -> str | None:
    """Why a report file must not be parsed (it would inflate too far), whatever its kind; None when it may."""
    if body.startswith(b"%PDF"):
        return pdf_stream_problem(body, max_total=pdf_max, ratio=ratio, floor=floor)
    if body.startswith(b"PK"):
        return office_archive_problem(body, max_total=office_max, ratio=ratio, floor=floor)
    return None
