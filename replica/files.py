"""Report attachments as real files: PDF (reportlab), DOCX (python-docx), XLSX (openpyxl).

Bytes are deterministic (fixed timestamps and document ids) so that a second crawl of an unchanged
replica sees the same file. `.doc` and `.wps` are legacy binary formats no library here writes; they
get a compound-file header and the text in UTF-16, which is what a sniffer or a text salvager sees.
"""

from __future__ import annotations

import io
import zipfile

from extract.layout import grid

from .document import Block, text_lines

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "wps": "application/kswps",
}
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _fixed_zip(data: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a zip with fixed entry times (and the entries in `replace` swapped), so identical
    content gives identical bytes."""
    replace = replace or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, replace.get(info.filename) or src.read(info.filename))
    return out.getvalue()


def pdf(blocks: list[Block]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=18, firstLineIndent=22,
                          wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, firstLineIndent=0, spaceBefore=6)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=24, alignment=1, firstLineIndent=0)
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7, leading=9, alignment=1, wordWrap="CJK")
    story = []
    for i, b in enumerate(blocks):
        if b.kind == "table":
            matrix, merges = grid(b.rows)
            data = [[Paragraph(t, cell) if t else "" for t in row] for row in matrix]
            width = (A4[0] - 30 * mm) / len(matrix[0])
            t = Table(data, colWidths=[width] * len(matrix[0]), repeatRows=0)
            style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            style += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in merges]
            t.setStyle(TableStyle(style))
            story += [t, Spacer(1, 6)]
        else:
            story.append(Paragraph(b.text, title if i == 0 else head if b.kind == "h" else body))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            title=blocks[0].text if blocks else "", invariant=1)
    doc.build(story)
    return out.getvalue()


def docx(blocks: list[Block]) -> bytes:
    import datetime

    import docx as python_docx

    d = python_docx.Document()
    d.core_properties.created = d.core_properties.modified = datetime.datetime(2020, 1, 1)
    for i, b in enumerate(blocks):
        if b.kind == "table":
            matrix, merges = grid(b.rows)
            t = d.add_table(rows=len(matrix), cols=len(matrix[0]))
            t.style = "Table Grid"
            for r, row in enumerate(matrix):
                for c, text in enumerate(row):
                    if text:
                        t.cell(r, c).text = text
            for r0, c0, r1, c1 in merges:
                t.cell(r0, c0).merge(t.cell(r1, c1))
        elif i == 0:
            d.add_heading(b.text, level=1)
        else:
            d.add_paragraph(b.text)
    out = io.BytesIO()
    d.save(out)
    return _fixed_zip(out.getvalue())


def xlsx(blocks: list[Block]) -> bytes:
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    tables = [b for b in blocks if b.kind == "table"]
    for n, b in enumerate(tables, 1):
        ws = wb.create_sheet(f"表{n}")
        matrix, merges = grid(b.rows)
        for r, row in enumerate(matrix, 1):
            for c, text in enumerate(row, 1):
                if text:
                    ws.cell(r, c, int(text) if text.isdigit() else text)
        for r0, c0, r1, c1 in merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    if not tables:
        ws = wb.create_sheet("Sheet1")
        for r, line in enumerate(text_lines(blocks), 1):
            ws.cell(r, 1, line)
    from openpyxl.xml.functions import tostring

    wb.properties.created = datetime.datetime(2020, 1, 1)
    out = io.BytesIO()
    wb.save(out)
    # Saving stamps `modified` with the clock: put the fixed time back into the written properties.
    wb.properties.modified = wb.properties.created
    return _fixed_zip(out.getvalue(), {"docProps/core.xml": tostring(wb.properties.to_tree())})


def legacy(blocks: list[Block], kind: str) -> bytes:
    """A plausible `.doc`/`.wps`/`.xls` blob: OLE2 signature, padding, the text as UTF-16LE."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900")
    header += bytes(512 - len(header))
    marker = {"doc": b"WordDocument", "wps": b"WpsDocument", "xls": b"Workbook"}[kind]
    text = "\r".join(text_lines(blocks)).encode("utf-16-le")
    return header + marker.ljust(64, b"\0") + text + bytes((-len(text)) % 512)


def make(blocks: list[Block], ext: str) -> bytes:
    if ext == "pdf":
        return pdf(blocks)
    if ext == "docx":
        return docx(blocks)
    if ext == "xlsx":
        return xlsx(blocks)
    if ext in {"doc", "wps", "xls"}:
        return legacy(blocks, ext)
    raise ValueError(f"no writer for .{ext}")
