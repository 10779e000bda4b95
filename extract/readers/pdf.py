"""PDF attachments through pdfplumber: ruled tables as rows, the rest as text lines, in page order.

Tables broken across pages arrive as one fragment per page; their rows keep template order, which
is all the table parser needs. Text outside the tables keeps pdfplumber's line order, so rows of
tables that pdfplumber cannot see as tables still reach the parser as text lines.
"""

from __future__ import annotations

import io
import logging
import re

from ..document import Document, Line
from .text import PAGE_NUMBER

_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
# pdfminer logs a warning per damaged operator (thousands for one corrupt file); what matters of
# a damaged PDF reaches the report's warnings.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _join_cell(cell: str) -> str:
    parts = [p.strip() for p in cell.split("\n") if p.strip()]
    out = ""
    for part in parts:
        if out and not (_CJK.match(out[-1]) or _CJK.match(part[0])):
            out += " "
        out += part
    return out


def _inside(line: dict, bbox: tuple) -> bool:
    x0, top, x1, bottom = bbox
    middle = (line["top"] + line["bottom"]) / 2
    return top - 1 <= middle <= bottom + 1 and line["x1"] > x0 and line["x0"] < x1


def _page_lines(page) -> list[tuple[float, list[Line]]]:
    items: list[tuple[float, list[Line]]] = []
    try:
        tables = page.find_tables()
    except Exception:  # noqa: BLE001 - a table-finder failure leaves the text
        tables = []
    boxes = []
    for table in tables:
        try:
            rows = table.extract()
        except Exception:  # noqa: BLE001
            continue
        boxes.append(table.bbox)
        width = max((len(r) for r in rows), default=0)
        lines: list[Line] = []
        for row in rows:
            cells = [_join_cell(c) for c in row if c is not None]
            if not any(cells) and len(cells) < 15:
                continue  # spacing; fifteen empty cells are table 四 printed blank
            if width <= 1 or len(cells) == 1:
                lines.append(Line([cells[0]]))
            else:
                lines.append(Line(cells, row=True))
        items.append((table.bbox[1], lines))
    for line in page.extract_text_lines(layout=False, strip=True, return_chars=False):
        if any(_inside(line, box) for box in boxes):
            continue
        text = line["text"].strip()
        if text and not PAGE_NUMBER.match(text):
            items.append((line["top"], [Line([text])]))
    items.sort(key=lambda item: item[0])
    return items


def read_pdf(body: bytes) -> Document:
    doc = Document()
    try:
        import pdfplumber

        with pdfplumber.open(io.BytesIO(body)) as pdf:
            info = pdf.metadata or {}
            if isinstance(info.get("Title"), str) and info["Title"].strip():
                doc.title = info["Title"].strip()
            for page in pdf.pages:
                for _, lines in _page_lines(page):
                    doc.lines.extend(lines)
                page.flush_cache()
    except Exception as exc:  # noqa: BLE001 - any PDF library failure is a warning, not a crash
        doc.readable = False
        doc.warnings.append(f"PDF could not be read: {type(exc).__name__}: {exc}"[:300])
        return doc
    if not doc.lines:
        doc.warnings.append("PDF has no text layer (a scanned image?); nothing to read")
    return doc
