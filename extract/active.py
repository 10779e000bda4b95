"""Table 二 (主动公开政府信息情况): a few rows under 第二十条 headings, each with its own columns.

This table has no identities, so a flattened digit run is only read when a single reading exists
(`000` into three cells); amounts printed in 元 are converted to 万元, the template's unit.
"""

from __future__ import annotations

import re

from . import templates as T
from .cells import Findings, leading_tokens, number, to_10k_yuan
from .labels import active as active_labels
from .normalize import compact
from .split import splits
from .stream import HIT, Stream

_YUAN_HEADER = re.compile(r"单位[:：]?\s*元|\(\s*元\s*\)|（\s*元\s*）")


def _layout(template: str) -> dict[str, tuple[str, ...]]:
    table = T.TEMPLATES_BY_NAME[template].table("active")
    return {row.key: tuple(c.key for c in block.columns) for block in table.blocks for row in block.rows}


def _by_header(stream: Stream, toks: list, n: int) -> list:
    """A row padded to a grid (trafilatura pads merged cells): keep the cells under the block's
    column headers (the 信息内容 row above it)."""
    filled = [t for t in toks if not t.blank]
    if len(filled) == n:
        return filled  # the empty cells were the padding
    line = toks[0].line
    for li in range(line - 1, max(-1, line - 4), -1):
        cells = stream.cells(li)
        if cells and compact(cells[0]) == "信息内容":
            positions = [i for i, c in enumerate(cells) if i and c.strip()]
            if len(positions) == n and len(cells) == toks[0].width:
                by_col = {t.col: t for t in toks}
                picked = [by_col.get(p) for p in positions]
                if None not in picked:
                    return picked
            break
    return toks


def parse(stream: Stream, start: int, end: int, template: str) -> Findings:
    f = Findings()
    layout = _layout(template)
    hits = active_labels(template).find(stream.text, start, end)
    events = stream.events(start, end, hits)
    seen: dict[str, tuple] = {}
    prev_end = start
    for i, (kind, hit, _) in enumerate(events):
        if kind != HIT:
            continue
        columns = layout[hit.key]
        toks = leading_tokens(events, i)
        header = stream.text[prev_end : hit.start]
        prev_end = hit.end
        if not toks:
            continue
        toks = list(toks)
        if len(toks) > len(columns) and toks[0].row:
            toks = _by_header(stream, toks, len(columns))
        while len(toks) > len(columns) and toks[-1].blank:
            toks.pop()
        if len(toks) > len(columns) and not toks[0].row and toks[len(columns)].line != toks[len(columns) - 1].line:
            toks = toks[: len(columns)]
        digits = " ".join(t.text or "_" for t in toks)
        amount = [c for c in columns if T.unit(f"active.{hit.key}.{c}") == "10k_yuan"]
        if len(toks) == len(columns):
            cells = [None if t.blank else number(t.text) for t in toks]
            units = [t.unit for t in toks]
        elif len(toks) < len(columns) and not any(t.row or t.blank for t in toks):
            readings = splits([t.text for t in toks], len(columns), decimal_last=bool(amount))
            if not readings or len(readings) != 1:
                f.warnings.append(
                    f"active.{hit.key}: digits {digits} cannot be split into {len(columns)} cells"
                    f" ({'more than one reading' if readings else 'no reading'}); left out"
                )
                continue
            cells = [number(c) for c in readings[0]]
            units = [None] * (len(columns) - 1) + [toks[-1].unit]
        else:
            f.warnings.append(f"active.{hit.key}: {len(toks)} numbers ({digits}) for {len(columns)} cells; left out")
            continue
        values = {}
        for column, cell, unit in zip(columns, cells, units):
            if cell is None:
                f.blanks_as_zero += 1
                cell = 0
            if column in amount and (unit == "元" or (unit is None and _YUAN_HEADER.search(header))):
                cell = to_10k_yuan(cell)
            values[f"active.{hit.key}.{column}"] = cell
        if hit.key in seen:
            if seen[hit.key] != tuple(values.values()):
                f.warnings.append(f"active.{hit.key}: printed twice with different figures; the first kept")
            continue
        seen[hit.key] = tuple(values.values())
        f.values.update(values)
    if f.blanks_as_zero:
        f.warnings.append(f"active: {f.blanks_as_zero} blank cells read as 0")
    return f
