"""Assigning a table's number groups to its template rows, in order, using the labels as evidence.

Template rows always print in template order, so groups map to rows monotonically. Where the
number of groups equals the number of rows the order decides; labels only confirm it. Where rows
are missing or labels were lost (PDF fragments, wrapped cells), the labels decide, and a group
whose row is not certain (two best alignments disagree on it) is left out rather than guessed.
"""

from __future__ import annotations

MATCH = 10
#: A group's slot is certain only when every other placement (or leaving it out) scores at least
#: this much less: loose labels (2-3 each) on either side of a group cannot decide by themselves.
MARGIN = 4


def align(n: int, m: int, score: dict[tuple[int, int], int]) -> list[int | None]:
    """For each of `n` groups, the index of its slot among `m` (or None when not certain).

    `score[(group, slot)]` is the label evidence that the group is that slot's row.
    """
    if n == 0 or m == 0:
        return [None] * n
    if n == m and all(i == j for i, j in score):
        # Every label agrees with the order (or there are none): the order decides.
        return list(range(n))
    s = [[MATCH] * m for _ in range(n)]
    for (i, j), w in score.items():
        if 0 <= i < n and 0 <= j < m:
            s[i][j] += w
    f = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        fi, fp, si = f[i], f[i - 1], s[i - 1]
        for j in range(1, m + 1):
            a, b_, c = fp[j], fi[j - 1], fp[j - 1] + si[j - 1]
            fi[j] = a if a >= b_ and a >= c else (b_ if b_ >= c else c)
    b = [[0] * (m + 2) for _ in range(n + 2)]
    for i in range(n - 1, -1, -1):
        bi, bn, si = b[i], b[i + 1], s[i]
        for j in range(m - 1, -1, -1):
            x, y, z = bn[j], bi[j + 1], bn[j + 1] + si[j]
            bi[j] = x if x >= y and x >= z else (y if y >= z else z)
    best = f[n][m]
    out: list[int | None] = []
    for i in range(n):
        fi, si, bn = f[i], s[i], b[i + 1]
        totals = [fi[j] + si[j] + bn[j + 1] for j in range(m)]
        j = max(range(m), key=totals.__getitem__)
        rival = max([t for k, t in enumerate(totals) if k != j] + [fi[k] + bn[k] for k in range(m + 1)])
        out.append(j if totals[j] == best and best - rival >= MARGIN else None)
    return out
