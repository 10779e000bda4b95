"""Legacy binary Office files: .xls through xlrd, .doc/.wps by their text.

Word 97-2003 and WPS files keep their text as UTF-16 inside the WordDocument stream, with table
cells ended by \\x07. The reader takes that text (through olefile when the container is a valid
OLE file, else from the raw bytes) without the formatting records that say where a table row
ends, so it guesses rows at double cell marks: a row with empty cells then falls apart into short
rows that the table parser leaves out rather than misreads. It says so in a warning.
"""

from __future__ import annotations

import io
import re

from ..document import Document, Line

_TEXT_RUN = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2010-\u2027\u00b7\x20-\x7e\r\x07\t]{16,}")
_WS = re.compile(r"[ \t\u3000]+")


def _streams(body: bytes) -> list[bytes]:
    try:
        import olefile

        if olefile.isOleFile(io.BytesIO(body)):
            ole = olefile.OleFileIO(io.BytesIO(body))
            names = ["/".join(entry) for entry in ole.listdir()]
            preferred = [n for n in names if n.split("/")[-1] in ("WordDocument", "WpsDocument")]
            streams = [ole.openstream(n).read() for n in (preferred or names)]
            if streams:
                return [*streams, body]
    except Exception:  # noqa: BLE001 - a damaged container still has its text in the raw bytes
        pass
    return [body]


def doc_text(body: bytes) -> str:
    runs = []
    for stream in _streams(body):
        for offset in (0, 1):
            text = stream[offset : offset + (len(stream) - offset) // 2 * 2].decode("utf-16-le", "replace")
            found = [m.group(0) for m in _TEXT_RUN.finditer(text)]
            if sum(len(f) for f in found) > sum(len(r) for r in runs):
                runs = found
    return "\r".join(runs)


def read_doc(body: bytes, kind: str) -> Document:
    doc = Document()
    text = doc_text(body)
    if not re.search(r"[\u4e00-\u9fff]", text):
        doc.readable = False
        doc.warnings.append(f"{kind}: no text found in it; not readable by this parser (convert it to PDF or DOCX)")
        return doc
    for paragraph in text.split("\r"):
        if "\x07" not in paragraph:
            line = _WS.sub(" ", paragraph).strip()
            if line:
                doc.lines.append(Line([line]))
            continue
        for row in paragraph.split("\x07\x07"):
            cells = [_WS.sub(" ", c).strip() for c in row.split("\x07")]
            if any(cells):
                doc.lines.append(Line(cells, row=len(cells) > 1))
    doc.warnings.append(f"{kind} read from its text (legacy binary format): table rows with empty cells may be left out")
    return doc


def read_xls(body: bytes) -> Document:
    doc = Document()
    try:
        import xlrd

        import os

        with open(os.devnull, "w") as quiet:
            book = xlrd.open_workbook(file_contents=body, formatting_info=True, logfile=quiet, verbosity=0)
        for sheet in book.sheets():
            merged = set()
            for r0, r1, c0, c1 in sheet.merged_cells:
                for r in range(r0, r1):
                    for c in range(c0, c1):
                        if (r, c) != (r0, c0):
                            merged.add((r, c))
            for r in range(sheet.nrows):
                cells = []
                for c in range(sheet.ncols):
                    if (r, c) in merged:
                        continue
                    value = sheet.cell_value(r, c)
                    if isinstance(value, float) and value.is_integer():
                        value = int(value)
                    cells.append(_WS.sub(" ", str(value)).strip())
                if any(cells):
                    doc.lines.append(Line(cells, row=len(cells) > 1))
    except Exception as exc:  # noqa: BLE001
        fallback = read_doc(body, "Excel 97-2003 (.xls)")
        if fallback.readable:
            return fallback
        doc.readable = False
        doc.warnings.append(f"Excel 97-2003 (.xls) not readable by this parser ({type(exc).__name__}: {exc})"[:300])
    return doc
