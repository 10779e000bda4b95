"""Turning tokens into cell values: numbers as printed, units, blanks, and a table's findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .stream import EOL, HIT, TEXT, TOK, Tok


#: Where a value came from, recorded beside it (`Report.sources`, `report_values.source`), so a
#: researcher can keep only the figures a report prints in a cell of its own. A `table` source
#: is a figure of a statistics table; `sentence` is a figure the report states in a sentence that
#: names it, read only where the report has no table for it.
CELL = "table"  # its own cell
BLANK = "table:blank"  # a blank cell, read as 0 where the row's printed total agrees
ROW_SUM = "table:row_sum"  # a blank 总计 cell, given as the sum of the printed cells of its row
SPLIT = "table:split"  # cut out of a run of digits, the one reading the table's identities leave
SPLIT_TEXT = "table:split_text"  # cut out of a run, the one reading a sentence of the report agrees with
MOVED = "table:moved"  # a cell a conversion moved out of its row, put back in the one place it fits
SENTENCE = "sentence"
SOURCES = (CELL, BLANK, ROW_SUM, SPLIT, SPLIT_TEXT, MOVED, SENTENCE)


@dataclass
class Findings:
    """What a table parser read: values by key with where each came from, warnings about what it
    left out and why, and the account of how each table was found (`nianbao parse --explain`)."""

    values: dict[str, int | float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    tables: list["TableNote"] = field(default_factory=list)
    blanks_as_zero: int = 0
    blank_totals: int = 0
    blanks_unresolved: int = 0

    def put(self, key: str, value: int | float, source: str) -> None:
        self.values[key] = value
        self.sources[key] = source

    def merge(self, other: "Findings") -> None:
        self.values.update(other.values)
        self.sources.update(other.sources)
        self.warnings += other.warnings
        self.tables += other.tables


@dataclass
class TableNote:
    """How one table was found, and what of it was read: the report's own reading of itself."""

    name: str  # active, applications, appeals, stats
    found: str  # the anchor that placed it, quoted
    lines: tuple[int, int] = (0, 0)  # first and last line of the span read (0-based, content lines)


#: Why a row with a `Tok.bad` cell is left out.
UNREADABLE_CELL = "a cell holds no readable figure (digits run into other text, or longer than any figure)"


def number(text: str) -> int | float | None:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return int(d) if d == d.to_integral_value() and "." not in text else float(d)


def to_10k_yuan(value: int | float) -> int | float:
    d = Decimal(str(value)) / Decimal(10000)
    return int(d) if d == d.to_integral_value() else float(d)


def trim_padding(toks: list[Tok], n: int) -> list[Tok]:
    """Drop empty cells that pad a row beyond its `n` columns (merged cells padded by a converter).

    Padding can sit before the values or after them. When it is not clear which empty cells are
    padding and it matters (the two readings differ), the row is returned untrimmed, so the caller
    sees too many cells and leaves it out.
    """
    if len(toks) <= n:
        return toks
    tail, head = list(toks), list(toks)
    while len(tail) > n and tail[-1].blank:
        tail.pop()
    while len(tail) > n and tail[0].blank:
        tail.pop(0)
    while len(head) > n and head[0].blank:
        head.pop(0)
    while len(head) > n and head[-1].blank:
        head.pop()
    if len(tail) != n or len(head) != n:
        return tail if len(tail) == n else head if len(head) == n else toks
    same = [a.text for a in tail] == [b.text for b in head]
    return tail if same else toks


def leading_tokens(events: list[tuple], index: int) -> list[Tok]:
    """The value tokens right after the event at `index` (a label hit): a table row's value cells,
    or the numbers that follow in running text, up to the next label or words (units such as
    条/件 are not words here; the stream drops them)."""
    toks: list[Tok] = []
    row_line = None
    for kind, payload, line in events[index + 1 :]:
        if kind == HIT or kind == TEXT:
            break
        if kind == TOK:
            if row_line is not None and line != row_line:
                break
            toks.append(payload)
            if payload.row:
                row_line = line
        elif kind == EOL and row_line is not None:
            break
    return toks
