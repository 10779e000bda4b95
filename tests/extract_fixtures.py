"""Inputs for the parser's tests, built at test time from ../shared (never copied into the repo).

The seeds' hand-checked values (gold) are rendered back into every shape reports are published
in: HTML tables with merged cells inside portal chrome, pipe tables, one cell per line, flattened
digit runs, and PDF, DOCX and XLSX files made here, with the seeds' own prose around them.
"""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path

from conftest import SHARED
from extract import layout, render

SEEDS_2021 = ("000_3734af7a9bdc841a", "001_7841e5a45d261ac2", "002_d14223c41a91255a", "004_50ced4fe608d0220")
SEED_PRE2019 = "003_c47c3146309e273f"
_TABLES_START = re.compile(r"^\s*二、\s*主动公开政府信息")
_TABLES_END = re.compile(r"^\s*五、")


@cache
def gold(stem: str) -> dict:
    return json.loads((SHARED / "gold" / f"{stem}.json").read_text(encoding="utf-8"))


def gold_inputs() -> list[tuple[Path, dict]]:
    """Every (input file, gold) pair: the seeds and each file of ../shared/reports with a gold."""
    out = []
    for g in sorted((SHARED / "gold").glob("*.json")):
        stem = g.stem
        if "_" in stem:
            out.append((SHARED / "seeds" / f"{stem}.txt", gold(stem)))
        else:
            for f in sorted((SHARED / "reports").glob(f"{stem}.*")):
                if f.suffix in (".txt", ".md", ".pdf", ".html", ".docx", ".xlsx"):
                    out.append((f, gold(stem)))
    return out


def title(stem: str) -> str:
    g = gold(stem)
    return f"{g['agency']}{g['year']}年政府信息公开工作年度报告"


@cache
def prose(stem: str) -> tuple[list[str], list[str]]:
    """The seed's own paragraphs before its tables (from 一、总体情况) and after them (from 五、)."""
    lines = [line.strip() for line in (SHARED / "seeds" / f"{stem}.txt").read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and "|" not in line]
    start = next((i for i, line in enumerate(lines) if re.match(r"^\s*一、", line)), 0)
    mid = next(i for i, line in enumerate(lines) if _TABLES_START.match(line))
    end = next(i for i, line in enumerate(lines) if i > mid and _TABLES_END.match(line))
    after = [line for line in lines[end:] if len(line) > 1][:12]
    return lines[start:mid], after


def page_body(stem: str, tables_html: str) -> str:
    before, after = prose(stem)
    return ("".join(f"<p>{p}</p>" for p in before) + tables_html + "".join(f"<p>{p}</p>" for p in after))


def portal_html(stem: str, **options) -> str:
    g = gold(stem)
    tables = render.html_tables(g["template"], g["values"], **options)
    return render.portal_page(title(stem), page_body(stem, tables), published=g.get("published"),
                              related=("某某镇2021年政府信息公开工作年度报告", "某某局2020年度政府信息公开工作年度报告"))


def text_report(stem: str, tables_text: str) -> str:
    before, after = prose(stem)
    return "\n".join([title(stem), *before, tables_text, *after])


# --- files made in the test -------------------------------------------------------------------

def pdf_report(stem: str, *, ruled: bool = True, values: dict | None = None, template: str | None = None,
               **options) -> bytes:
    """A PDF like agencies publish: prose, then the tables ruled, long labels wrapping in their cells,
    table 三 breaking across pages. Uses reportlab's built-in CID font STSong-Light."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10.5, leading=15, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7.5, leading=9, wordWrap="CJK")
    g = gold(stem)
    before, after = prose(stem)
    story = [Paragraph(title(stem), ParagraphStyle("h", parent=body, fontSize=15, leading=20))]
    story += [Paragraph(p, body) for p in before]
    for heading, rows in render.tables(template or g["template"], g["values"] if values is None else values, **options):
        grid, spans = layout.grid(rows)
        width = len(grid[0])
        widths = [42] * 3 + [45] * (width - 3) if width == 10 else None
        if width == 15:
            widths = [32] * 15
        story.append(Paragraph(heading, body))
        # Long tables break across pages the way agencies' PDFs do: a merged cell continues, empty,
        # on the next page.
        cut = len(grid) // 2 + 1 if len(grid) > 20 else len(grid)
        for part, (a, b) in enumerate(((0, cut), (cut, len(grid)))):
            if a >= b:
                continue
            data = [[Paragraph(text, cell) if text else "" for text in row] for row in grid[a:b]]
            part_spans = [(c0, max(r0, a) - a, c1, min(r1, b - 1) - a) for r0, c0, r1, c1 in spans
                          if r0 < b and r1 >= a]
            if part:
                for r0, c0, r1, c1 in spans:
                    if r0 < a <= r1:
                        data[0][c0] = ""
                story.append(PageBreak())
            table = Table(data, colWidths=widths, repeatRows=0)
            table.setStyle(TableStyle([*([("GRID", (0, 0), (-1, -1), 0.5, colors.black)] if ruled else []),
                                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                       *[("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in part_spans
                                         if (c0, r0) != (c1, r1)]]))
            story.append(table)
    story += [Paragraph(p, body) for p in after]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title="").build(story)
    return out.getvalue()


def docx_report(stem: str) -> bytes:
    import docx

    g = gold(stem)
    before, after = prose(stem)
    d = docx.Document()
    d.add_heading(title(stem), level=1)
    for p in before:
        d.add_paragraph(p)
    for heading, rows in render.tables(g["template"], g["values"]):
        d.add_paragraph(heading)
        grid, spans = layout.grid(rows)
        table = d.add_table(rows=len(grid), cols=len(grid[0]))
        for r, row in enumerate(grid):
            for c, text in enumerate(row):
                if text:
                    table.cell(r, c).text = text
        for r0, c0, r1, c1 in spans:
            table.cell(r0, c0).merge(table.cell(r1, c1))
    for p in after:
        d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def xlsx_report(stem: str) -> bytes:
    import openpyxl

    g = gold(stem)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([title(stem)])
    r0 = 2
    for heading, rows in render.tables(g["template"], g["values"]):
        ws.cell(r0, 1, heading)
        r0 += 1
        grid, spans = layout.grid(rows)
        for r, row in enumerate(grid):
            for c, text in enumerate(row):
                if text:
                    ws.cell(r0 + r, c + 1, int(text) if text.isdigit() else (float(text) if re.fullmatch(r"\d+\.\d+", text) else text))
        for rr0, c0, rr1, c1 in spans:
            ws.merge_cells(start_row=r0 + rr0, start_column=c0 + 1, end_row=r0 + rr1, end_column=c1 + 1)
        r0 += len(grid) + 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def assert_values(report, expected: dict, optional: dict | None = None, *, complete: bool = True) -> None:
    """Every value given is right; with `complete`, every expected value is given."""
    optional = optional or {}
    got = report.values
    wrong = {k: (v, got[k]) for k, v in expected.items() if k in got and abs(got[k] - v) > 1e-9}
    extra = {k: got[k] for k in got if k not in expected and not (k in optional and abs(optional[k] - got[k]) < 1e-9)}
    missing = [k for k in expected if k not in got]
    assert not wrong, f"wrong values: {wrong}"
    assert not extra, f"values not in the report: {extra}"
    if complete:
        assert not missing, f"missing values: {missing[:10]} … warnings: {report.warnings}"


def random_values(template: str, seed: int) -> dict:
    """Figures for a 2019/2021 report whose identities hold, drawn at random (many zeros, some large)."""
    import random

    from extract import templates as T

    rnd = random.Random(seed)

    def count() -> int:
        return rnd.choice([0, 0, 0, 0, 1, 2, 3, 5, 8, 13, 40, 120, 999, 2048])

    values: dict = {}
    table = T.TEMPLATES_BY_NAME[template].table("active")
    for block in table.blocks:
        for row in block.rows:
            for col in block.columns:
                key = f"active.{row.key}.{col.key}"
                values[key] = round(rnd.uniform(0, 9999), 2) if T.unit(key) == "10k_yuan" else count()
    results = T.TEMPLATES_BY_NAME[template].result_rows
    cols = [c.key for c in T.APPLICANTS]
    for col in cols[:-1]:
        handled = 0
        for row in results:
            values[f"applications.{row}.{col}"] = v = count()
            handled += v
        forward = count()
        carried = rnd.randint(0, handled + forward)
        values[f"applications.total_handled.{col}"] = handled
        values[f"applications.carried_forward.{col}"] = forward
        values[f"applications.carried_over.{col}"] = carried
        values[f"applications.new_received.{col}"] = handled + forward - carried
    for row in {k.split(".")[1] for k in values if k.startswith("applications.")}:
        values[f"applications.{row}.total"] = sum(values[f"applications.{row}.{c}"] for c in cols[:-1])
    for row in T.APPEALS.blocks[0].rows:
        parts = [count() for _ in range(4)]
        for col, v in zip([c.key for c in T.APPEAL_OUTCOMES], [*parts, sum(parts)]):
            values[f"appeals.{row.key}.{col}"] = v
    return values
