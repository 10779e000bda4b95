"""DOCX and XLSX through python-docx and openpyxl (legacy .doc/.xls/.wps: `readers.legacy`).

In DOCX, merged cells are read from the XML: a horizontally merged cell (gridSpan) is one cell, a
vertically merged continuation (vMerge without "restart") is skipped, so neither is read as a
blank. In XLSX, the non-anchor cells of merged ranges are skipped the same way.
"""

from __future__ import annotations

import io
import re

from ..document import Document, Line

_WS = re.compile(r"\s+")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

#: Names for the legacy binary formats, as warnings print them.
LEGACY = {".doc": "Word 97-2003 (.doc)", ".xls": "Excel 97-2003 (.xls)", ".wps": "WPS (.wps)", ".et": "WPS (.et)"}


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _tc_text(tc) -> str:
    return _clean(" ".join("".join(t.text or "" for t in p.iter(_W + "t")) for p in tc.iter(_W + "p")))


def _docx_table(tbl) -> list[Line]:
    lines = []
    for tr in tbl.iter(_W + "tr"):
        cells = []
        for tc in tr.iterchildren(_W + "tc"):
            tcpr = tc.find(_W + "tcPr")
            vmerge = tcpr.find(_W + "vMerge") if tcpr is not None else None
            if vmerge is not None and vmerge.get(_W + "val", "continue") == "continue":
                continue
            cells.append(_tc_text(tc))
        if any(cells) or len(cells) >= 15:  # fifteen empty cells: table 四 printed blank
            lines.append(Line(cells, row=len(cells) > 1))
    return lines


def read_docx(body: bytes) -> Document:
    doc = Document()
    try:
        import docx

        d = docx.Document(io.BytesIO(body))
        title = d.core_properties.title
        if title and title.strip():
            doc.title = title.strip()
        for child in d.element.body.iterchildren():
            if child.tag == _W + "p":
                text = _clean("".join(t.text or "" for t in child.iter(_W + "t")))
                if text:
                    doc.lines.append(Line([text]))
            elif child.tag == _W + "tbl":
                doc.lines.extend(_docx_table(child))
    except Exception as exc:  # noqa: BLE001
        doc.readable = False
        doc.warnings.append(f"DOCX could not be read: {type(exc).__name__}: {exc}"[:300])
    return doc


def _xlsx_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean(str(value))


def read_xlsx(body: bytes) -> Document:
    doc = Document()
    try:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(body), data_only=True)
        for ws in wb.worksheets:
            merged = set()
            for rng in ws.merged_cells.ranges:
                for row in range(rng.min_row, rng.max_row + 1):
                    for col in range(rng.min_col, rng.max_col + 1):
                        if (row, col) != (rng.min_row, rng.min_col):
                            merged.add((row, col))
            for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_xlsx_value(v) for c, v in enumerate(row, start=1) if (r, c) not in merged]
                if any(cells):
                    doc.lines.append(Line(cells, row=len(cells) > 1))
    except Exception as exc:  # noqa: BLE001
        doc.readable = False
        doc.warnings.append(f"XLSX could not be read: {type(exc).__name__}: {exc}"[:300])
    return doc
