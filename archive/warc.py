"""Writing the archive as WARC 1.1 (warcio), for pywb and ReplayWeb.page.

Every snapshot becomes records in fetch order:

- a new version: a `request` (reconstructed: the crawler keeps no request headers beyond the URL)
  and the `response` it got, status line, headers and body. The body is stored after transfer
  decoding, so `Content-Encoding` and `Transfer-Encoding` are renamed `X-Archive-Orig-...` and
  `Content-Length` is the body's length, as pywb does;
- the same bytes fetched again: a `revisit` (identical-payload-digest) pointing at the response
  that first carried them;
- a 304: a `revisit` with the server-not-modified profile;
- a browser-rendered DOM: a `resource` record (it is not what the server sent).

Payload digests are the archive's own SHA-256 (base32), so revisits match their originals.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from http import HTTPStatus
from io import BytesIO
from typing import IO
from urllib.parse import urlsplit

import sqlite_utils
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from .blobs import BlobStore

NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
_DECODED = {"content-encoding", "transfer-encoding"}


def warc_digest(hex_sha256: str) -> str:
    return "sha256:" + base64.b32encode(bytes.fromhex(hex_sha256)).decode("ascii")


def warc_date(iso: str) -> str:
    return datetime_to_iso_date(datetime.fromisoformat(iso).replace(tzinfo=None), use_micros=True)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def http_headers(status: int, headers: dict[str, list[str]], body_length: int | None) -> StatusAndHeaders:
    pairs = []
    for name, values in headers.items():
        for value in values if isinstance(values, list) else [values]:
            lowered = name.lower()
            if lowered in _DECODED:
                pairs.append((f"X-Archive-Orig-{name}", value))
            elif lowered == "content-length" and body_length is not None:
                continue
            else:
                pairs.append((name, value))
    if body_length is not None:
        pairs.append(("Content-Length", str(body_length)))
    return StatusAndHeaders(_status_line(status), pairs, protocol="HTTP/1.1")


def _request_headers(url: str, user_agent: str) -> StatusAndHeaders:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return StatusAndHeaders(
        f"GET {target} HTTP/1.1",
        [("Host", parts.netloc), ("User-Agent", user_agent), ("Accept", "*/*")],
        protocol="HTTP/1.1",
        is_http_request=True,
    )


def write_warc(db: sqlite_utils.Database, out: IO[bytes], *, gzip: bool = True, filename: str | None = None) -> int:
    """Write every snapshot of the archive to `out`. Returns the number of records written."""
    from nianbao import __version__

    blobs = BlobStore(db)
    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    writer.write_record(
        writer.create_warcinfo_record(
            filename,
            {
                "software": f"nianbao/{__version__} (warcio)",
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "description": "Government information-disclosure annual reports (政府信息公开工作年度报告), "
                "every fetch nianbao archived",
            },
        )
    )
    count = 1
    #: The response record that first carried each payload: sha256 -> (record id, uri, date).
    originals: dict[str, tuple[str, str, str]] = {}
    rows = db.execute(
        "SELECT s.id, s.url, s.final_url, s.status, s.headers, s.sha256, s.fetched_at, s.rendered, s.outcome, "
        "s.nianbao_version, r.sha256 FROM snapshots s JOIN reports r ON r.id = s.report_id "
        "ORDER BY s.fetched_at, s.id"
    )
    for _sid, url, final_url, status, headers_json, digest, fetched_at, rendered, outcome, version, current in rows:
        headers = json.loads(headers_json)
        date = warc_date(fetched_at)
        uri = final_url or url
        payload_digest = digest or current
        original = originals.get(payload_digest)
        if outcome == "not_modified" or (original is not None and outcome == "seen_again"):
            if original is None:
                continue  # its original is in no WARC this archive can write (should not happen)
            record = writer.create_revisit_record(
                uri,
                warc_digest(payload_digest),
                original[1],
                original[2],
                http_headers=http_headers(status, headers, None),
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": original[0]},
            )
            if outcome == "not_modified":
                record.rec_headers.replace_header("WARC-Profile", NOT_MODIFIED_PROFILE)
            writer.write_record(record)
            count += 1
            continue
        body = blobs.get(digest)
        if rendered:
            record = writer.create_warc_record(
                uri,
                "resource",
                payload=BytesIO(body),
                length=len(body),
                warc_content_type="text/html; charset=utf-8",
                warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": warc_digest(digest)},
            )
        else:
            record = writer.create_warc_record(
                uri,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=http_headers(status, headers, len(body)),
                warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": warc_digest(digest)},
            )
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request = writer.create_warc_record(
            uri,
            "request",
            http_headers=_request_headers(uri, f"nianbao/{version or __version__}"),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        writer.write_record(request)
        writer.write_record(record)
        count += 2
        originals.setdefault(digest, (record_id, uri, date))
    return count
