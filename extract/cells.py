"""Turning tokens into cell values: numbers as printed, units, blanks, and a table's findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .stream import EOL, HIT, TEXT, TOK, Tok


@dataclass
class Findings:
    """What a table parser read: values by key, and warnings about what it left out and why."""

    values: dict[str, int | float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    blanks_as_zero: int = 0
    blank_totals: int = 0


def number(text: str) -> int | float | None:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return int(d) if d == d.to_integral_value() and "." not in text else float(d)


def to_10k_yuan(value: int | float) -> int | float:
    d = Decimal(str(value)) / Decimal(10000)
    return int(d) if d == d.to_integral_value() else float(d)


def leading_tokens(events: list[tuple], index: int) -> list[Tok]:
    """The value tokens right after the event at `index` (a label hit): a table row's value cells,
    or the numbers that follow in running text up to the next label or words."""
    toks: list[Tok] = []
    row_line = None
    for kind, payload, line in events[index + 1 :]:
        if kind == HIT or kind == TEXT:
            if toks or kind == HIT:
                break
            if kind == TEXT and not toks:
                # Words between a label and its numbers (units, "(单位:万元)") are fine only on the
                # label's own line; otherwise the label had no numbers.
                break
        elif kind == TOK:
            if row_line is not None and line != row_line:
                break
            toks.append(payload)
            if payload.row:
                row_line = line
        elif kind == EOL and row_line is not None:
            break
    return toks
