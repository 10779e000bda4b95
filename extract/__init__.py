"""Read government information-disclosure annual reports (政府信息公开工作年度报告) into checked numbers.

    >>> import extract
    >>> report = extract.parse(body, url=url, content_type="text/html")
    >>> report.to_json()["values"]["applications.new_received.total"]

`parse` never raises on bad input: what it could not read is in `Report.warnings`.
"""

from __future__ import annotations

import os
import re
import zipfile
import io
from pathlib import Path

from .report import Report

#: Stored with every parsed report version. Raise it whenever the parser's output changes for any
#: input: `nianbao reparse` re-reads the snapshots parsed by another version.
PARSER_VERSION = "1.5.0"

__all__ = ["PARSER_VERSION", "Report", "parse", "parse_path", "sniff"]

_HTML = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|div|p|table|meta|span|br|td|h[1-6])\b", re.I)
_TEXT_EXT = {".txt", ".md", ".markdown", ".text", ".csv"}
_HTML_EXT = {".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"}
_IMAGE = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")


def _ext(name: str | None) -> str:
    if not name:
        return ""
    path = name.split("?", 1)[0].split("#", 1)[0]
    return os.path.splitext(path)[1].lower()


def sniff(body: bytes, content_type: str | None = None, filename: str | None = None, url: str | None = None) -> str:
    """The input's format: pdf, docx, xlsx, legacy:<ext>, image, zip, html or text."""
    head = body[:1024]
    ext = _ext(filename) or _ext(url)
    ctype = (content_type or "").lower()
    if b"%PDF-" in head:
        return "pdf"
    if body.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if body.startswith(b"\xd0\xcf\x11\xe0"):
        return "legacy:" + (ext if ext in (".doc", ".xls", ".wps", ".et") else ".doc/.xls")
    if ext in (".doc", ".xls", ".wps", ".et"):
        return "legacy:" + ext
    if body.startswith(_IMAGE):
        return "image"
    if ext in _TEXT_EXT:
        return "text"
    if ext in _HTML_EXT or "html" in ctype or _HTML.search(body[:8192]):
        return "html"
    return "text"


def _document(kind: str, body: bytes, content_type: str | None):
    from .decode import decode
    from .document import Document

    if kind in ("pdf", "docx", "xlsx"):
        from nianbao.inflation import bomb_problem

        # Refused before a reader inflates it whole: a file that would inflate far past its size.
        problem = bomb_problem(body)
        if problem:
            doc = Document(readable=False)
            doc.warnings.append(f"not read: {problem}")
            return doc
    if kind == "pdf":
        from .readers.pdf import read_pdf

        return read_pdf(body)
    if kind == "docx":
        from .readers.office import read_docx

        return read_docx(body)
    if kind == "xlsx":
        from .readers.office import read_xlsx

        return read_xlsx(body)
    if kind.startswith("legacy:"):
        from .readers.legacy import read_doc, read_xls
        from .readers.office import LEGACY

        ext = kind.split(":", 1)[1]
        if ext in (".xls", ".et"):
            return read_xls(body)
        if ext not in (".doc", ".wps"):
            doc = read_xls(body)  # no telling extension: a workbook, else a document
            if doc.readable:
                return doc
        return read_doc(body, LEGACY.get(ext, "a legacy Office file (.doc)"))
    if kind == "image":
        doc = Document(readable=False)
        doc.warnings.append("an image (a scanned report?): no text to read")
        return doc
    if kind == "zip":
        doc = Document(readable=False)
        doc.warnings.append("a ZIP archive that is neither DOCX nor XLSX: not readable")
        return doc
    text, _ = decode(body, content_type)
    if kind == "html":
        from .readers.html import read_html

        return read_html(text)
    from .readers.text import read_text

    return read_text(text)


def parse(body: bytes, *, url: str | None = None, content_type: str | None = None,
          filename: str | None = None) -> Report:
    """Parse one report (HTML page, text, markdown, PDF, DOCX or XLSX bytes). Never raises on bad input."""
    source = filename or url
    try:
        if not isinstance(body, (bytes, bytearray, memoryview)):
            body = str(body).encode("utf-8")
        body = bytes(body)
        from .parser import build

        kind = sniff(body, content_type, filename, url)
        doc = _document(kind, body, content_type)
        return build(doc, source=source, url=url)
    except RecursionError:
        return Report(source=source, warnings=["input nested too deeply to read"], readable=False)
    except Exception as exc:  # noqa: BLE001 - the contract: bad input is a warning, never a crash
        return Report(source=source, warnings=[f"parser error: {type(exc).__name__}: {exc}"[:300]], readable=False)


def parse_path(path: str | os.PathLike) -> Report:
    """Parse a file. A missing or unreadable file gives a Report with `readable=False` and a warning."""
    p = Path(path)
    try:
        body = p.read_bytes()
    except OSError as exc:
        return Report(source=p.name, warnings=[f"cannot read {p}: {exc.strerror or exc}"], readable=False)
    return parse(body, filename=p.name)
