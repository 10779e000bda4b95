"""The templates' tables as reports print them: rows of cells with row and column spans, from values.

Everything that prints a report from figures builds its tables here: the replica's generated
reports and attachments, and the pages and files the parser's tests and benchmark read. So the
printed layout of sections 二, 三 and 四 (their merged headers, the groups of table 三) and of
the pre-2019 statistics table is written once, next to the templates it prints.

What differs between printers is passed in: `text(key)` prints one value (digits, blanks, full-width
figures are the printer's choice); `label(text)` prints a template label (the replica keeps the
templates' ASCII punctuation, test pages print full-width brackets as most reports do); and `spare`
says which value column of a table 二 block takes the width left over when its columns do not
divide the three value columns evenly (both are seen in real reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Literal

from . import templates as T

Text = Callable[[str], str]


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    #: A printed label, not a figure.
    header: bool = False


def _same(text: str) -> str:
    return text


def _head(text: str, rowspan: int = 1, colspan: int = 1) -> Cell:
    return Cell(text, rowspan, colspan, header=True)


ACTIVE_WIDTH = 4  # 信息内容 and three value columns
APPLICATION_INTAKE = ("new_received", "carried_over", "carried_forward")
#: The grouped result rows of table 三: key prefix, and the group's label printed in a rowspan.
APPLICATION_GROUPS = (("denied_", "(三)不予公开"), ("unavailable_", "(四)无法提供"),
                      ("rejected_", "(五)不予处理"), ("other_", "(六)其他处理"))
APPLICATION_RESULTS = "三、本年度办理结果"
APPLICATION_NOTE = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"


def spans(n: int, width: int, spare: Literal["first", "last"] = "last") -> list[int]:
    """`n` columns over `width`: equal shares, the remainder to the first or the last ones."""
    base, extra = divmod(width, n)
    wide = range(extra) if spare == "first" else range(n - extra, n)
    return [base + (1 if i in wide else 0) for i in range(n)]


def active_table(template: str, text: Text, *, label: Callable[[str], str] = _same,
                 spare: Literal["first", "last"] = "last") -> list[list[Cell]]:
    """Table 二: each block's heading across the table, its column labels, then its rows."""
    rows: list[list[Cell]] = []
    for block in T.TEMPLATES_BY_NAME[template].table("active").blocks:
        widths = spans(len(block.columns), ACTIVE_WIDTH - 1, spare)
        rows.append([_head(label(block.heading), colspan=ACTIVE_WIDTH)])
        rows.append([_head("信息内容"), *(_head(label(c.label), colspan=n) for c, n in zip(block.columns, widths))])
        for row in block.rows:
            rows.append([_head(label(row.label)), *(Cell(text(f"active.{row.key}.{c.key}"), colspan=n)
                                                    for c, n in zip(block.columns, widths))])
    return rows


def _group(key: str) -> str | None:
    return next((head for prefix, head in APPLICATION_GROUPS if key.startswith(prefix)), None)


def applications_table(template: str, text: Text, *, label: Callable[[str], str] = _same) -> list[list[Cell]]:
    """Table 三: three header rows over the applicant columns, then one row per template row, the
    results under 三、本年度办理结果 and the numbered results under their group's label."""
    applicants = [c.label for c in T.APPLICANTS]
    rows: list[list[Cell]] = [
        [_head(label(APPLICATION_NOTE), 3, 3), _head("申请人情况", colspan=7)],
        [_head(applicants[0], rowspan=2), _head("法人或其他组织", colspan=5), _head(applicants[-1], rowspan=2)],
        [_head(name) for name in applicants[1:-1]],
    ]
    template_rows = T.TEMPLATES_BY_NAME[template].table("applications").blocks[0].rows
    results = [r for r in template_rows if r.key not in APPLICATION_INTAKE]
    groups_seen: set[str] = set()
    for row in template_rows:
        head: list[Cell] = []
        if row is results[0]:
            head.append(_head(APPLICATION_RESULTS, rowspan=len(results)))
        group = _group(row.key)
        if row.key in APPLICATION_INTAKE:
            head.append(_head(label(row.label), colspan=3))
        elif group:
            if group not in groups_seen:
                groups_seen.add(group)
                head.append(_head(label(group), rowspan=sum(_group(r.key) == group for r in template_rows)))
            head.append(_head(label(row.label)))
        else:
            head.append(_head(label(row.label), colspan=2))
        rows.append(head + [Cell(text(f"applications.{row.key}.{c.key}")) for c in T.APPLICANTS])
    return rows


def appeals_table(text: Text, *, label: Callable[[str], str] = _same) -> list[list[Cell]]:
    """Table 四: review, then litigation in two groups of the same five outcomes; one row of figures."""
    outcomes = [label(c.label) for c in T.APPEAL_OUTCOMES]
    return [
        [_head("行政复议", colspan=5), _head("行政诉讼", colspan=10)],
        [*(_head(o, rowspan=2) for o in outcomes), _head("未经复议直接起诉", colspan=5), _head("复议后起诉", colspan=5)],
        [_head(o) for o in outcomes * 2],
        [Cell(text(f"appeals.{r.key}.{c.key}")) for r in T.APPEALS.blocks[0].rows for c in T.APPEAL_OUTCOMES],
    ]


def stats_table(year: int, keys: Iterable[str], text: Text, *, label: Callable[[str], str],
                unit: Callable[[str], str], unit_heading: str = "单位") -> list[list[Cell]]:
    """The pre-2019 统计表: 指标名称 | 单位 | this year | 历年累计, one row per `stats.<key>` printed.

    Its rows, labels and units vary by province, so the printer gives them (`label(key)`, `unit(key)`)."""
    rows = [[_head(h) for h in ("指标名称", unit_heading, f"{year}年度", "历年累计")]]
    for key in keys:
        rows.append([Cell(label(key)), Cell(unit(key)), Cell(text(f"stats.{key}")),
                     Cell(text(f"stats.{key}.cumulative"))])
    return rows


def grid(rows: list[list[Cell]]) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """Lay a spanned table out on a full matrix: (texts, merges as (row0, col0, row1, col1))."""
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, Cell]] = []
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
            width = max(width, c)
    height = max(r for r, _ in taken) + 1 if taken else 0
    matrix = [[""] * width for _ in range(height)]
    merges = []
    for r, c, cell in placed:
        matrix[r][c] = cell.text
        if cell.rowspan > 1 or cell.colspan > 1:
            merges.append((r, c, r + cell.rowspan - 1, c + cell.colspan - 1))
    return matrix, merges


def span_attrs(cell: Cell) -> str:
    """The cell's spans as HTML attributes (` rowspan="2" colspan="3"`)."""
    return ((f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "")
            + (f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""))
