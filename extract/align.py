"""Assigning a table's number groups to its template rows, in order, using the labels as evidence.

Template rows always print in template order, so groups map to rows monotonically. Where the
number of groups equals the number of rows the order decides; labels only confirm it. Where rows
are missing or labels were lost (PDF fragments, wrapped cells), the labels decide, and a group
whose row is not certain (two best alignments disagree on it) is left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable

MATCH = 10


def align(n: int, m: int, score: Callable[[int, int], int]) -> list[int | None]:
    """For each of `n` groups, the index of its slot among `m` (or None when not certain)."""
    if n == 0 or m == 0:
        return [None] * n
    s = [[MATCH + score(i, j) for j in range(m)] for i in range(n)]
    f = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            f[i][j] = max(f[i - 1][j], f[i][j - 1], f[i - 1][j - 1] + s[i - 1][j - 1])
    b = [[0] * (m + 2) for _ in range(n + 2)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            b[i][j] = max(b[i + 1][j], b[i][j + 1], b[i + 1][j + 1] + s[i][j])
    best = f[n][m]
    out: list[int | None] = []
    for i in range(n):
        winners = [j for j in range(m) if f[i][j] + s[i][j] + b[i + 1][j + 1] == best]
        unmatched = any(f[i][j] + b[i + 1][j] == best for j in range(m + 1))
        out.append(winners[0] if len(winners) == 1 and not unmatched else None)
    return out
