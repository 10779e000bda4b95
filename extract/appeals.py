"""Table 四 (行政复议、行政诉讼): fifteen cells, three groups of five outcomes ending in 总计."""

from __future__ import annotations

from . import templates as T
from .cells import BLANK, CELL, ROW_SUM, SPLIT, Findings, number, trim_padding
from .split import grouped_sum_splits
from .stream import TOK, Stream

ROWS = tuple(r.key for r in T.APPEALS.blocks[0].rows)
OUTCOMES = tuple(c.key for c in T.APPEAL_OUTCOMES)
WIDTH = len(ROWS) * len(OUTCOMES)


def parse(stream: Stream, start: int, end: int) -> Findings:
    f = Findings()
    toks = [payload for kind, payload, _ in stream.events(start, end, []) if kind == TOK]
    if not toks:
        return f
    toks = trim_padding(toks, WIDTH)
    if len(toks) > WIDTH:
        # Numbers after the table (a stray figure in the next section) end on another line.
        if toks[WIDTH - 1].line != toks[WIDTH].line:
            f.warnings.append(f"appeals: {len(toks) - WIDTH} numbers after the table's fifteen ignored")
            toks = toks[:WIDTH]
    cells: tuple | None = None
    how = CELL
    digits = " ".join(t.text or "_" for t in toks)
    if len(toks) == WIDTH and all(t.blank or t.text.isdigit() for t in toks):
        cells = tuple(None if t.blank else number(t.text) for t in toks)
    elif len(toks) < WIDTH and all(t.text.isdigit() for t in toks) and not any(t.row for t in toks):
        digits_only = "".join(t.text for t in toks)
        # Fifteen digits are fifteen cells, whether or not each group adds up.
        readings = ([tuple(digits_only)] if len(digits_only) == WIDTH
                    else grouped_sum_splits([t.text for t in toks], len(ROWS), len(OUTCOMES)))
        if readings and len(readings) == 1:
            cells = tuple(int(c) for c in readings[0])
            how = SPLIT
        else:
            why = "no reading adds up" if readings == [] else "more than one reading adds up" if readings else "too many readings"
            f.warnings.append(f"appeals: digits {digits} cannot be split into 15 cells ({why}); left out")
            return f
    else:
        f.warnings.append(f"appeals: {len(toks)} numbers ({digits}) for 15 cells; left out")
        return f
    size = len(OUTCOMES)
    for r, row in enumerate(ROWS):
        group = cells[r * size : (r + 1) * size]
        parts, total = list(group[:-1]), group[-1]
        sources = [BLANK if c is None else how for c in parts] + [ROW_SUM if total is None else how]
        printed = sum(c for c in parts if c is not None)
        if None in parts and total is not None and printed != total:
            # The printed 总计 needs more than the printed outcomes: the blanks are not zeros.
            f.blanks_unresolved += sum(c is None for c in parts)
        else:
            f.blanks_as_zero += sum(c is None for c in parts)
            parts = [0 if c is None else c for c in parts]
            if total is None:
                f.blank_totals += 1
                total = printed
        for outcome, value, source in zip(OUTCOMES, (*parts, total), sources):
            if value is not None:
                f.put(f"appeals.{row}.{outcome}", value, source)
    if f.blanks_as_zero:
        f.warnings.append(f"appeals: {f.blanks_as_zero} blank cells read as 0")
    if f.blank_totals:
        f.warnings.append(f"appeals: {f.blank_totals} blank 总计 cells given as the sum of their outcomes")
    if f.blanks_unresolved:
        f.warnings.append(f"appeals: {f.blanks_unresolved} blank cells left out: their printed 总计 is more than "
                          "their printed outcomes")
    return f
