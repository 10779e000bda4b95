"""Splitting runs of digits back into table cells.

Flattened page text prints a table row's cells with nothing between them (64 | 0 | 0 | 2 | 0 | 4 |
70 becomes `640020470`). Spaces that did survive are certain cell boundaries; inside a run every cut
is possible, but a cell never has a leading zero. `splits` enumerates every reading of the pieces as
`n` cells that satisfies a row's identity; callers keep a reading only when it is the only one left
after the table's other identities, and otherwise report the run as ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_CELL = re.compile(r"0|[1-9]\d*")
_DECIMAL_CELL = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")

#: Enumeration stops here; a run with more readings than this is reported as ambiguous.
LIMIT = 20000


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

    None means more readings than `LIMIT`: as ambiguous as it gets.
    """
    pieces = [p for p in pieces if p]
    if not pieces or n < len(pieces) or sum(len(p) for p in pieces) < n:
        return []
    found: list[tuple[str, ...]] = []
    count = 0

    def cell_ok(cell: str, last: bool) -> bool:
        if len(cell) > max_len + (4 if last and decimal_last else 0):
            return False
        pattern = _DECIMAL_CELL if (last and decimal_last) else _CELL
        return pattern.fullmatch(cell) is not None

    def cuts(piece: str, k: int, is_last_piece: bool) -> Iterator[tuple[str, ...]]:
        # All ways to cut one piece into exactly k cells.
        if k == 1:
            if cell_ok(piece, is_last_piece):
                yield (piece,)
            return
        for i in range(1, len(piece) - k + 2):
            head = piece[:i]
            if not cell_ok(head, False):
                continue
            for rest in cuts(piece[i:], k - 1, is_last_piece):
                yield (head, *rest)

    def rec(index: int, remaining: int, acc: tuple[str, ...]) -> None:
        nonlocal count
        if index == len(pieces):
            if remaining == 0 and accept(acc):
                count += 1
                if count > LIMIT:
                    raise TooMany
                found.append(acc)
            return
        left = len(pieces) - index - 1
        piece = pieces[index]
        digits = len(piece.replace(".", ""))
        for k in range(1, min(digits, remaining - left) + 1):
            for part in cuts(piece, k, index == len(pieces) - 1):
                rec(index + 1, remaining - k, acc + part)

    try:
        rec(0, n, ())
    except TooMany:
        return None
    return found


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
