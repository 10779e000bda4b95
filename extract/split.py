"""Splitting runs of digits back into table cells.

Flattened page text prints a table row's cells with nothing between them (64 | 0 | 0 | 2 | 0 | 4 |
70 becomes `640020470`). Spaces that did survive are certain cell boundaries; inside a run every cut
is possible, but a cell never has a leading zero. `splits` enumerates every reading of the pieces as
`n` cells that satisfies a row's identity; callers keep a reading only when it is the only one left
after the table's other identities, and otherwise report the run as ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CELL = re.compile(r"0|[1-9]\d*")
_DECIMAL_CELL = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")

#: Enumeration stops here; a run with more readings (or more cuts to try) is reported as ambiguous.
LIMIT = 20000
WORK_LIMIT = 200_000


class TooMany(Exception):
    pass


def splits(
    pieces: list[str],
    n: int,
    accept: Callable[[tuple[str, ...]], bool] = lambda cells: True,
    *,
    max_len: int = 8,
    decimal_last: bool = False,
) -> list[tuple[str, ...]] | None:
    """Every way to cut `pieces` (digit strings, boundaries fixed between them) into `n` cells.

    None means more readings, or more cuts to try, than the limits: as ambiguous as it gets.
    """
    pieces = [p for p in pieces if p]
    if not pieces or n < len(pieces):
        return []
    text = "".join(pieces)
    size = len(text)
    forced = set()
    pos = 0
    for p in pieces[:-1]:
        pos += len(p)
        forced.add(pos)
    # next_forced[i]: the first forced boundary after position i (or the end).
    next_forced = [size] * (size + 1)
    nxt = size
    for i in range(size, -1, -1):
        next_forced[i] = nxt
        if i in forced:
            nxt = i
    last_max = max_len + (4 if decimal_last else 0)

    def cell_ok(cell: str, last: bool) -> bool:
        if last and decimal_last:
            return len(cell) <= last_max and _DECIMAL_CELL.fullmatch(cell) is not None
        return len(cell) <= max_len and _CELL.fullmatch(cell) is not None

    # feasible[(i, k)]: the rest from position i can be cut into exactly k cells.
    feasible: dict[tuple[int, int], bool] = {}

    def can(i: int, k: int) -> bool:
        key = (i, k)
        if key in feasible:
            return feasible[key]
        if k == 0:
            ok = i == size
        else:
            ok = False
            limit = min(next_forced[i], i + (last_max if k == 1 else max_len))
            for j in range(i + 1, limit + 1):
                if (j == size or j == next_forced[i] or j < next_forced[i]) and cell_ok(text[i:j], k == 1) \
                        and can(j, k - 1):
                    ok = True
                    break
        feasible[key] = ok
        return ok

    found: list[tuple[str, ...]] = []
    work = 0

    def rec(i: int, k: int, acc: list[str]) -> None:
        nonlocal work
        work += 1
        if work > WORK_LIMIT:
            raise TooMany
        if k == 0:
            cells = tuple(acc)
            if accept(cells):
                found.append(cells)
                if len(found) > LIMIT:
                    raise TooMany
            return
        limit = min(next_forced[i], i + (last_max if k == 1 else max_len))
        for j in range(i + 1, limit + 1):
            cell = text[i:j]
            if cell_ok(cell, k == 1) and can(j, k - 1):
                acc.append(cell)
                rec(j, k - 1, acc)
                acc.pop()

    try:
        if not can(0, n):
            return []
        rec(0, n, [])
    except (TooMany, RecursionError):
        return None
    return found


def _layout(pieces: list[str]) -> tuple[str, frozenset[int]]:
    text = "".join(pieces)
    forced, pos = set(), 0
    for p in pieces[:-1]:
        pos += len(p)
        forced.add(pos)
    return text, frozenset(forced)


def _sum_splits(text: str, forced: frozenset[int], lo: int, hi: int, n: int, max_len: int,
                budget: list[int]) -> list[tuple[str, ...]]:
    """Cuts of text[lo:hi] into n cells whose last is the sum of the others. No cell has a
    leading zero or straddles a forced boundary; partial sums above the total end a branch."""
    out: list[tuple[str, ...]] = []
    if hi - lo > n * max_len or hi - lo < n:
        return out
    inside = sorted(f for f in forced if lo < f < hi)
    for s in range(max(lo + n - 1, hi - max_len), hi):
        if any(s < f for f in inside):
            continue
        last = text[s:hi]
        if not _CELL.fullmatch(last):
            continue
        target = int(last)
        width = len(last)
        cells: list[str] = []

        def rec(i: int, k: int, total: int) -> None:
            budget[0] -= 1
            if budget[0] < 0:
                raise TooMany
            if k == 0:
                if i == s and total == target:
                    out.append((*cells, last))
                return
            if s - i > k * width:
                return  # too many digits left: no cell can be longer than the total
            nxt = next((f for f in inside if f > i), s)
            stop = min(nxt, i + width, s - (k - 1))
            for j in range(i + 1, stop + 1):
                cell = text[i:j]
                if len(cell) > 1 and cell[0] == "0":
                    break
                value = int(cell)
                if total + value > target:
                    break
                cells.append(cell)
                rec(j, k - 1, total + value)
                cells.pop()

        rec(lo, n - 1, 0)
    return out


def sum_splits(pieces: list[str], n: int, *, max_len: int = 8, budget: list[int] | None = None
               ) -> list[tuple[str, ...]] | None:
    """Readings of a row whose last cell is the sum of the others (table 三: six applicants = 总计).

    Much faster than `splits` with an accepting test: partial sums prune the search.
    """
    pieces = [p for p in pieces if p]
    if not pieces or any(not p.isdigit() for p in pieces):
        return []
    text, forced = _layout(pieces)
    try:
        return _sum_splits(text, forced, 0, len(text), n, max_len, budget if budget is not None else [WORK_LIMIT])
    except TooMany:
        return None


def grouped_sum_splits(pieces: list[str], groups: int, size: int, *, max_len: int = 8) -> list[tuple[str, ...]] | None:
    """Readings of consecutive groups of `size` cells, each ending in its sum (table 四)."""
    pieces = [p for p in pieces if p]
    if not pieces or any(not p.isdigit() for p in pieces):
        return []
    text, forced = _layout(pieces)
    budget = [WORK_LIMIT]
    out: list[tuple[str, ...]] = []

    def rec(lo: int, g: int, acc: tuple[str, ...]) -> None:
        if g == 0:
            if lo == len(text):
                out.append(acc)
                if len(out) > LIMIT:
                    raise TooMany
            return
        ends = [len(text)] if g == 1 else range(lo + size, min(len(text) - (g - 1) * size, lo + size * max_len) + 1)
        for hi in ends:
            for reading in _sum_splits(text, forced, lo, hi, size, max_len, budget):
                rec(hi, g - 1, acc + reading)

    try:
        rec(0, groups, ())
    except TooMany:
        return None
    return out


def number(cell: str) -> int | float:
    return float(cell) if "." in cell else int(cell)


def row_sum_ok(cells: tuple[str, ...]) -> bool:
    """The last cell is the sum of the others (applications rows: six applicants = 总计)."""
    values = [int(c) for c in cells]
    return sum(values[:-1]) == values[-1]


def grouped_sums_ok(size: int) -> Callable[[tuple[str, ...]], bool]:
    """Each group of `size` cells ends with the sum of the others (appeals: four outcomes = 总计)."""

    def ok(cells: tuple[str, ...]) -> bool:
        values = [int(c) for c in cells]
        return all(sum(values[i : i + size - 1]) == values[i + size - 1] for i in range(0, len(values), size))

    return ok
