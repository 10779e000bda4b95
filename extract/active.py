"""Table 二 (主动公开政府信息情况): a few rows under 第二十条 headings, each with its own columns.

This table has no identities, so a flattened digit run is read when a single reading exists
(`000` into three cells), or when the report's own text states figures that leave one reading
(制发规范性文件12件 … 现行有效156件 for `123156`). A minus glued to the digits before it
(`48-12`) belongs to the 本年增/减 column's number. A cell that a PDF conversion moved out of its
row (`9（其中修订3件）` just after the table) is put back where only one place fits it. Amounts
printed in 元 are converted to 万元, the template's unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import fragments, prose
from . import templates as T
from .cells import BLANK, CELL, MOVED, SPLIT, SPLIT_TEXT, UNREADABLE_CELL, Findings, leading_tokens, number, to_10k_yuan
from .labels import active as active_labels
from .normalize import compact
from .split import splits
from .stream import HIT, Stream, Tok

_YUAN_HEADER = re.compile(r"单位[:：]?\s*元|\(\s*元\s*\)|（\s*元\s*）")
#: A line holding only a figure and perhaps a note on it: a cell dumped out of its table row.
_ORPHAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:件|个|项|条)?\s*(\([^()]{1,30}\))?\s*$")
_CHANGE = "change"


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


@dataclass
class _Row:
    key: str
    columns: tuple[str, ...]
    toks: list[Tok]
    header: str  # the text between the previous label and this one (unit headings live there)
    readings: list[tuple] | None = None  # cells (None = blank); None = not readable
    units: list[str | None] | None = None
    why: str = ""
    how: str = CELL
    moved: int | None = None  # the cell filled with a figure printed after the table

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f"active.{self.key}.{c}" for c in self.columns)

    @property
    def digits(self) -> str:
        return " ".join(("-" if t.minus else "") + (t.text or "_") for t in self.toks)


def _signed(text: str, minus: bool, column: str) -> int | float | None:
    value = number(text)
    return -value if minus and column == _CHANGE and value is not None else value


def _cells(toks: list[Tok], columns: tuple[str, ...]) -> tuple:
    return tuple(None if t.blank else _signed(t.text, t.minus, c) for t, c in zip(toks, columns))


def _split_readings(toks: list[Tok], columns: tuple[str, ...], decimal_last: bool) -> list[tuple] | None:
    """Readings of text tokens with fewer numbers than cells; a minus glued to a piece must land on
    the change column's cell."""
    pieces = [t.text for t in toks]
    readings = splits(pieces, len(columns), decimal_last=decimal_last)
    if readings is None:
        return None
    out = []
    for reading in readings:
        starts, pos, cell_at = {}, 0, 0
        for cell in reading:
            starts[pos] = cell_at
            pos += len(cell)
            cell_at += 1
        signs = [False] * len(columns)
        pos, ok = 0, True
        for t in toks:
            if t.minus:
                i = starts[pos]
                ok = ok and columns[i] == _CHANGE
                signs[i] = True
            pos += len(t.text)
        if ok:
            out.append(tuple(_signed(c, s, col) for c, s, col in zip(reading, signs, columns)))
    return out


def _read_row(stream: Stream, row: _Row, amount: bool) -> None:
    toks, n = list(row.toks), len(row.columns)
    if len(toks) > n and toks[0].row:
        toks = _by_header(stream, toks, n)
    while len(toks) > n and toks[-1].blank:
        toks.pop()
    if len(toks) > n and not toks[0].row and toks[n].line != toks[n - 1].line:
        toks = toks[:n]
    row.toks = toks
    if any(t.bad for t in toks):
        row.why = UNREADABLE_CELL
    elif any(t.minus and t.row and c != _CHANGE for t, c in zip(toks, row.columns)) and len(toks) == n:
        # Fused cells whose minus falls on a count: the cells are not where the columns say.
        row.why = f"a minus inside a cell ({row.digits}) does not fall on 本年增/减"
    elif len(toks) == n:
        row.readings = [_cells(toks, row.columns)]
        row.units = [t.unit for t in toks]
    elif len(toks) < n and not any(t.row or t.blank for t in toks):
        row.readings = _split_readings(toks, row.columns, amount)
        row.how = SPLIT
        row.units = [None] * (n - 1) + [toks[-1].unit]
        if not row.readings:
            row.why = f"digits {row.digits} cannot be split into {n} cells ({'no reading' if row.readings == [] else 'too many readings'})"
            row.readings = None
    elif len(toks) < n and toks[0].row and not any(t.blank for t in toks):
        # A table row short of a cell (its text moved out of the row): each place is a reading.
        row.readings = [(*_cells(toks[:i], row.columns[:i]), None, *_cells(toks[i:], row.columns[i + 1:]))
                        for i in range(n)]
        row.units = [None] * n
        row.why = f"{len(toks)} numbers ({row.digits}) for {n} cells"
    else:
        row.why = f"{len(toks)} numbers ({row.digits}) for {n} cells"


def _orphans(stream: Stream, events: list[tuple], end: int) -> list[tuple[int | float, bool]]:
    """Figures alone on text lines after the table's last row: cells a conversion moved out, each
    with whether a note stands beside it (`9（其中修订3件）`); a bare figure may be a page number."""
    last_row = max((line for kind, payload, line in events if kind == HIT), default=None)
    if last_row is None:
        return []
    found = []
    for li in range(last_row + 1, stream.line_of(max(0, end - 1)) + 1):
        if stream.rows[li]:
            continue
        start, stop = stream.line_span(li)
        m = _ORPHAN.match(stream.text[start:stop])
        if m:
            found.append((number(m.group(1)), bool(m.group(2))))
    return found


def _fill_orphan(rows: list[_Row], orphans: list[tuple], f: Findings) -> None:
    """One figure dumped after the table and one row with a hole: the figure is that cell. A blank
    cell (else read as 0) takes only a figure with its note beside it, as a page number has none."""
    short = [r for r in rows if r.readings and len(r.readings) > 1 and all(None in c for c in r.readings)]
    blank = [r for r in rows if r.readings and len(r.readings) == 1 and None in r.readings[0]]
    noted = [value for value, note in orphans if note]
    holes, candidates = (short + blank, noted) if noted else (short, [value for value, _ in orphans])
    if not candidates or not holes:
        return
    if len(candidates) != 1 or len(holes) != 1:
        for r in holes:
            r.readings = None
            r.why = (f"a cell is missing or blank ({r.digits}) and {len(candidates)} figures stand after the "
                     f"table, for {len(holes)} such rows; their places are not certain")
        return
    row, value = holes[0], candidates[0]
    holed = [cells for cells in row.readings if cells.count(None) == 1]
    row.readings = [tuple(value if c is None else c for c in cells) for cells in holed]
    if len(row.readings) == 1:
        row.moved = holed[0].index(None)
        f.warnings.append(f"active.{row.key}: its missing cell filled with {value}, the figure printed just "
                          "after the table")


def _decide(row: _Row, found: list[prose.Statement], f: Findings) -> tuple | None:
    if row.readings is None:
        f.warnings.append(f"active.{row.key}: {row.why}; left out")
        return None
    if len(row.readings) == 1:
        return row.readings[0]
    chosen, statement = prose.choose([r for r in row.readings if None not in r], row.keys, found)
    if chosen is None:
        what = row.why or f"digits {row.digits} cannot be split into {len(row.columns)} cells (more than one reading)"
        f.warnings.append(f"active.{row.key}: {what}; left out")
        return None
    row.how = SPLIT_TEXT
    f.warnings.append(f"active.{row.key}: digits {row.digits} read as {'|'.join(map(str, chosen))}, the one "
                      f"reading the report's text agrees with («{prose.quote(statement)}»)")
    return chosen


def parse(stream: Stream, start: int, end: int, template: str, prose_text: str = "") -> Findings:
    f = Findings()
    layout = _layout(template)
    hits = active_labels(template).find(stream.text, start, end)
    events = stream.events(start, end, hits)
    rows: list[_Row] = []
    prev_end = start
    placed = fragments.place(events, {key: len(columns) for key, columns in layout.items()})
    for i, (kind, hit, _) in enumerate(events):
        if kind != HIT:
            continue
        toks = leading_tokens(events, i)
        if hit.start in placed.uncertain:
            f.warnings.append(f"active.{hit.key}: its label stands alone on its line, and lines of figures before and "
                              "after it fit other labels too (table 二 in fragments); which are its cells is not "
                              "certain; left out")
            toks = []
        elif hit.start in placed.cells:
            toks = placed.cells[hit.start]
        elif hit.start in placed.spilled and not {id(t) for t in toks} & {id(t) for t in placed.spilled[hit.start]}:
            toks = [*toks, *placed.spilled[hit.start]]
        header = stream.text[prev_end : hit.start]
        prev_end = hit.end
        if toks:
            rows.append(_Row(hit.key, layout[hit.key], list(toks), header))
    for row in rows:
        amount = any(T.unit(k) == "10k_yuan" for k in row.keys)
        _read_row(stream, row, amount)
    _fill_orphan(rows, _orphans(stream, events, end), f)
    found = prose.statements(prose_text, {f"active.{r.key}" for r in rows}, template) if prose_text else []
    seen: dict[str, tuple] = {}
    for row in rows:
        cells = _decide(row, found, f)
        if cells is None:
            continue
        values, sources = {}, {}
        for i, (column, key, cell, unit) in enumerate(zip(row.columns, row.keys, cells, row.units or [None] * len(cells))):
            sources[key] = MOVED if i == row.moved else row.how
            if cell is None:
                f.blanks_as_zero += 1
                cell = 0
                sources[key] = BLANK
            if T.unit(key) == "10k_yuan" and (unit == "元" or (unit is None and _YUAN_HEADER.search(row.header))):
                cell = to_10k_yuan(cell)
            values[key] = cell
        if row.key in seen:
            if seen[row.key] != tuple(values.values()):
                f.warnings.append(f"active.{row.key}: printed twice with different figures; the first kept")
            continue
        seen[row.key] = tuple(values.values())
        for key, value in values.items():
            f.put(key, value, sources[key])
    if f.blanks_as_zero:
        f.warnings.append(f"active: {f.blanks_as_zero} blank cells read as 0")
    return f
