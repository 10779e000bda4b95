"""Table 三 (收到和处理政府信息公开申请情况): 23 or 25 rows of seven applicant columns.

Numbers are read into groups of seven: a table row's value cells, a text line of seven numbers, a
run of one-number lines cut into sevens, or a flattened digit run split by the row identity
(six applicants sum to 总计). Groups are then aligned to the template's rows (`align`), with each
label as evidence for the group it is attached to or next to. Readings of a digit run that the
row identity leaves open are settled by the column identities, or left out with a warning.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from . import prose
from . import templates as T
from .align import align
from .cells import BLANK, CELL, ROW_SUM, SPLIT, SPLIT_TEXT, UNREADABLE_CELL, Findings, number, trim_padding
from .labels import applications as application_labels
from .normalize import compact
from .split import sum_splits
from .stream import EOL, HIT, TEXT, TOK, Stream, Tok

WIDTH = 7
COLUMNS = tuple(c.key for c in T.APPLICANTS)
_SUB_ROWS = ("other_no_correction", "other_no_fee", "other_misc")
_RESULTS_FULL = T.TEMPLATE_2021.result_rows
_RESULTS_AGGREGATE = T.TEMPLATE_2019.result_rows
ROWS_FULL = tuple(r.key for r in T.TEMPLATE_2021.table("applications").blocks[0].rows)
ROWS_AGGREGATE = tuple(r.key for r in T.TEMPLATE_2019.table("applications").blocks[0].rows)
_PRODUCT_LIMIT = 100_000
_SPLIT_BUDGET = 300_000
_HEADER_INDEX = {compact(c.label): i for i, c in enumerate(T.APPLICANTS)}


@dataclass
class Group:
    candidates: list[tuple]  # readings of the seven cells (None = blank cell); [] = unreadable
    line: int
    digits: str = ""
    note: str = ""
    how: str = CELL  # the source of its figures: own cells, or cut out of a run of digits


@dataclass
class HitRecord:
    key: str
    position: int  # number of groups before the hit
    line: int
    text_after: bool = False
    attached: bool = False
    adjacent: bool = False


@dataclass
class _Reader:
    groups: list[Group] = field(default_factory=list)
    hits: list[HitRecord] = field(default_factory=list)
    pool: list[Tok] = field(default_factory=list)
    row: list[Tok] = field(default_factory=list)
    #: The applicant columns' cell positions by row width, computed when a padded row needs them.
    column_source: Callable[[], dict[int, tuple[int, ...]]] | None = None
    _columns: dict[int, tuple[int, ...]] | None = None
    #: Search steps left for splitting digit runs in this table (a flattened table needs a few
    #: thousand; an adversarial page cannot make it take long).
    budget: list[int] = field(default_factory=lambda: [_SPLIT_BUDGET])

    def add_groups(self, new: list[Group]) -> None:
        if not new:
            return
        if self.hits and self.hits[-1].position == len(self.groups):
            last = self.hits[-1]
            last.adjacent = not last.text_after
            last.attached = last.adjacent and new[0].line == last.line
        self.groups.extend(new)

    def flush_row(self) -> None:
        if self.row:
            toks, self.row = self.row, []
            self.add_groups([_row_group(toks, self.columns)])

    def columns(self, width: int) -> tuple[int, ...] | None:
        if self._columns is None:
            self._columns = self.column_source() if self.column_source else {}
        return self._columns.get(width)

    def flush_pool(self) -> None:
        if self.pool:
            toks, self.pool = self.pool, []
            self.add_groups(_pool_groups(toks, self.budget))


def _cells(toks: list[Tok]) -> tuple:
    return tuple(None if t.blank else number(t.text) for t in toks)


def column_map(stream: Stream, start: int, end: int) -> dict[int, tuple[int, ...]]:
    """For table rows padded to a grid (trafilatura pads merged cells with empty ones), the cell
    positions of the seven applicant columns, by row width, read from the header rows."""
    found: dict[int, dict[int, int]] = {}
    # The header rows come just before the first row label.
    for li in range(max(0, stream.line_of(start) - 12), stream.line_of(max(start, end - 1)) + 1):
        cells = stream.cells(li)
        if not cells:
            continue
        for i, cell in enumerate(cells):
            c = compact(cell)
            if c in _HEADER_INDEX:
                found.setdefault(len(cells), {}).setdefault(_HEADER_INDEX[c], i)
    maps = {}
    for width, cols in found.items():
        positions = tuple(cols.get(k, -1) for k in range(WIDTH))
        if -1 not in positions and list(positions) == sorted(set(positions)):
            maps[width] = positions
    return maps


def _row_group(toks: list[Tok], columns: Callable[[int], tuple[int, ...] | None] | None = None) -> Group:
    toks = list(toks)
    positions = columns(toks[0].width) if len(toks) > WIDTH and columns else None
    if positions:
        by_col = {t.col: t for t in toks}
        picked = [by_col.get(c) for c in positions]
        if None not in picked:
            toks = picked
    toks = trim_padding(toks, WIDTH)
    line = toks[0].line
    digits = " ".join(t.text or "_" for t in toks)
    if any(t.bad for t in toks):
        return Group([], line, digits, UNREADABLE_CELL)
    if len(toks) != WIDTH or any("." in t.text or t.text.startswith("-") for t in toks):
        return Group([], line, digits, f"a table row with {len(toks)} cells for {WIDTH} columns")
    return Group([_cells(toks)], line, digits)


def _flattened(toks: list[Tok], budget: list[int]) -> Group:
    pieces = [t.text for t in toks]
    digits = " ".join(pieces)
    if any(not p.isdigit() for p in pieces):
        return Group([], toks[0].line, digits, "not whole numbers")
    if sum(len(p) for p in pieces) == WIDTH:
        # One digit per cell: the only way to cut it, whether or not the row adds up (a printed
        # total that does not is the report's own error, recorded as a failed check).
        return Group([tuple(int(c) for c in "".join(pieces))], toks[0].line, digits, how=SPLIT)
    readings = sum_splits(pieces, WIDTH, budget=budget)
    if readings is None:
        return Group([], toks[0].line, digits, "too many readings")
    return Group([tuple(int(c) for c in r) for r in readings], toks[0].line, digits,
                 "" if readings else "no reading satisfies the row total", how=SPLIT)


def _pool_groups(toks: list[Tok], budget: list[int]) -> list[Group]:
    by_line: list[list[Tok]] = []
    for t in toks:
        if by_line and by_line[-1][0].line == t.line:
            by_line[-1].append(t)
        else:
            by_line.append([t])
    if len(by_line) >= 2 and all(len(line) == 1 for line in by_line):
        # One number per line: cut the column of numbers into rows of seven.
        if len(toks) % WIDTH == 0 and all(t.blank or t.text.isdigit() for t in toks):
            return [Group([_cells(toks[i : i + WIDTH])], toks[i].line) for i in range(0, len(toks), WIDTH)]
        return [Group([], toks[0].line, " ".join(t.text for t in toks), "numbers one per line do not make rows")]
    groups = []
    for line in by_line:
        if len(line) % WIDTH == 0 and all(t.blank or t.text.isdigit() for t in line):
            groups += [Group([_cells(line[i : i + WIDTH])], line[0].line) for i in range(0, len(line), WIDTH)]
        elif len(line) < WIDTH:
            if sum(len(t.text) for t in line) < WIDTH:
                continue  # fewer digits than cells: a stray figure, not a row
            groups.append(_flattened(line, budget))
        else:
            groups += [Group([], line[0].line, " ".join(t.text for t in line), "numbers do not make rows")] * round(
                len(line) / WIDTH
            )
    return groups


def _read(events: list[tuple], columns: Callable[[], dict[int, tuple[int, ...]]]) -> _Reader:
    r = _Reader(column_source=columns)
    row_line = None
    for kind, payload, line in events:
        if kind == HIT:
            r.flush_row()
            r.flush_pool()
            r.hits.append(HitRecord(payload.key, len(r.groups), line))
        elif kind == TEXT:
            if r.hits and r.hits[-1].position == len(r.groups) and not r.pool and not r.row:
                r.hits[-1].text_after = True
        elif kind == TOK:
            if payload.row:
                if r.row and row_line != line:
                    r.flush_row()
                r.flush_pool()
                r.row.append(payload)
                row_line = line
            else:
                r.flush_row()
                r.pool.append(payload)
        elif kind == EOL:
            r.flush_row()
    r.flush_row()
    r.flush_pool()
    return r


def _slots(template: str, r: _Reader) -> tuple[str, ...]:
    if template == "2019":
        return ROWS_AGGREGATE
    keys = {h.key for h in r.hits}
    if keys & {"other_no_correction", "other_no_fee"}:
        return ROWS_FULL
    if any(h.key == "other" and h.attached for h in r.hits):
        return ROWS_AGGREGATE
    if len(r.groups) == len(ROWS_AGGREGATE) and "other_misc" not in keys:
        return ROWS_AGGREGATE
    return ROWS_FULL


def _scores(r: _Reader, slots: tuple[str, ...]) -> dict[tuple[int, int], int]:
    index = {k: j for j, k in enumerate(slots)}
    score: dict[tuple[int, int], int] = {}

    def add(i: int, j: int, w: int) -> None:
        if 0 <= i < len(r.groups):
            score[(i, j)] = score.get((i, j), 0) + w

    by_position: dict[int, list[HitRecord]] = {}
    for h in r.hits:
        if h.key in index:
            by_position.setdefault(h.position, []).append(h)
    for p, hits in by_position.items():
        for h in hits:
            j = index[h.key]
            if h.attached:
                add(p, j, 12)
            elif h is hits[-1]:
                add(p, j, 3 if h.adjacent else 2)
            if h is hits[0] and not h.attached:
                add(p - 1, j, 2)
    return score


def _fill_blanks(cells: tuple, f: Findings) -> tuple:
    """Blank cells of a row read as 0 when the row's 总计 allows it (or is blank too, and is then
    given as the row's sum). When the printed 总计 needs more than the printed cells, the blanks
    are not zeros anyone could vouch for: they stay None (left out)."""
    if None not in cells:
        return cells
    parts, total = cells[:-1], cells[-1]
    printed = sum(c for c in parts if c is not None)
    if total is not None and printed != total:
        f.blanks_unresolved += sum(c is None for c in parts)
        return cells
    f.blanks_as_zero += sum(c is None for c in parts)
    if total is None:
        f.blank_totals += 1
        total = printed
    return (*(0 if c is None else c for c in parts), total)


def _identities(rows: dict[str, tuple], results: tuple[str, ...]) -> list[tuple[list[str], callable]]:
    """Column identities as tests over rows of cells; a cell left out (None) makes a test pass
    (it cannot be evaluated, so it cannot decide anything)."""
    balance = ["new_received", "carried_over", "total_handled", "carried_forward"]
    handled = ["total_handled", *results]

    def test(keys: list[str], c: int, check) -> callable:
        def run(v: dict) -> bool:
            cells = [v[k][c] for k in keys]
            return None in cells or check(cells)

        return run

    checks = []
    for c in range(WIDTH):
        checks.append((balance, test(balance, c, lambda x: x[0] + x[1] == x[2] + x[3])))
        checks.append((handled, test(handled, c, lambda x: x[0] == sum(x[1:]))))
    return checks


def _stated(open_rows: dict[str, list[tuple]], prose_text: str, f: Findings) -> set[str]:
    """Rows whose total the report's text states (全年收到政府信息公开申请34件) keep the one
    reading that agrees with it; the rows so decided."""
    subjects = [f"applications.{k}" for k in open_rows]
    found = prose.statements(prose_text, subjects) if prose_text else []
    decided = set()
    for key, readings in open_rows.items():
        keys = (None,) * (WIDTH - 1) + (f"applications.{key}.total",)
        chosen, statement = prose.choose(readings, keys, found)
        if chosen is not None:
            open_rows[key] = [chosen]
            decided.add(key)
            f.warnings.append(f"applications.{key}: digits read as {'|'.join(map(str, chosen))}, the one reading "
                              f"the report's text agrees with («{prose.quote(statement)}»)")
    return decided


def _resolve(chosen: dict[str, list[tuple]], results: tuple[str, ...], f: Findings,
             prose_text: str = "", how: dict[str, str] | None = None) -> dict[str, tuple]:
    """Rows whose digit run has one reading are what the report prints. Rows with several readings
    are settled by the report's text, then by the column identities; an identity that no
    combination of readings satisfies is the report's own error (it will be recorded as a failed
    check), not evidence, and is set aside before choosing."""
    open_rows = {k: c for k, c in chosen.items() if len(c) > 1}
    for key in _stated(open_rows, prose_text, f):
        if how is not None:
            how[key] = SPLIT_TEXT
    fixed = {k: c[0] for k, c in chosen.items() if len(c) == 1}
    fixed.update({k: c[0] for k, c in open_rows.items() if len(c) == 1})
    open_rows = {k: c for k, c in open_rows.items() if len(c) > 1}
    if not open_rows:
        return fixed
    size = 1
    for c in open_rows.values():
        size *= len(c)
    keys = list(open_rows)
    checks = [test for need, test in _identities({}, results) if set(need) & set(keys)
              and all(k in fixed or k in open_rows for k in need)]
    valid: list[tuple] = []
    if size <= _PRODUCT_LIMIT and checks:
        combos = list(itertools.product(*(open_rows[k] for k in keys)))
        passes = [[test({**fixed, **dict(zip(keys, combo))}) for test in checks] for combo in combos]
        satisfiable = [any(p[i] for p in passes) for i in range(len(checks))]
        if not all(satisfiable):
            f.warnings.append(f"applications: {satisfiable.count(False)} column identities fail under every "
                              "reading of the digit runs (the printed table does not add up); the others decide")
        valid = [combo for combo, p in zip(combos, passes)
                 if all(ok for ok, needed in zip(p, satisfiable) if needed)]
        if not any(satisfiable):
            valid = []
    for i, k in enumerate(keys):
        readings = {combo[i] for combo in valid}
        if len(readings) == 1:
            fixed[k] = readings.pop()
        else:
            shown = " or ".join("|".join(map(str, r)) for r in open_rows[k][:4])
            f.warnings.append(f"applications.{k}: digits can be read as {shown}"
                              f"{' …' if len(open_rows[k]) > 4 else ''}; left out (ambiguous)")
    return fixed


def _why_unplaced(r: _Reader, i: int, slots: tuple[str, ...]) -> str:
    """Why the alignment could not place a group: what a maintainer needs to fix the shape."""
    labels = [h.key for h in r.hits if h.position in (i, i + 1) and h.key in slots]
    if len(r.groups) > len(slots):
        return f"{len(r.groups)} rows of numbers for the template's {len(slots)} rows, and no label attached to this one"
    if not labels:
        return "no row label beside it, and rows missing around it"
    return "the labels beside it (" + ", ".join(dict.fromkeys(labels)) + ") name more than one row"


def parse(stream: Stream, start: int, end: int, template: str, prose_text: str = "") -> Findings:
    f = Findings()
    hits = application_labels().find(stream.text, start, end)
    r = _read(stream.events(start, end, hits), lambda: column_map(stream, start, end))
    if not r.groups:
        return f
    slots = _slots(template, r)
    results = _RESULTS_FULL if slots == ROWS_FULL else _RESULTS_AGGREGATE
    scores = _scores(r, slots)
    assignment = align(len(r.groups), len(slots), scores)
    chosen: dict[str, list[tuple]] = {}
    how: dict[str, str] = {}
    blank_at: dict[str, tuple[bool, ...]] = {}
    for gi, (group, slot) in enumerate(zip(r.groups, assignment)):
        if slot is None:
            f.warnings.append(f"applications: a row of numbers ({group.digits or 'one row'}, line "
                              f"{group.line + 1}) could not be placed in table 三 with certainty: "
                              f"{_why_unplaced(r, gi, slots)}; left out")
            continue
        key = slots[slot]
        if not group.candidates:
            f.warnings.append(f"applications.{key}: {group.note} ({group.digits}); left out")
            continue
        chosen[key] = [_fill_blanks(c, f) for c in group.candidates]
        how[key] = group.how
        blank_at[key] = tuple(c is None for c in group.candidates[0])
    missing = [k for k in slots if k not in chosen and not any(w.startswith(f"applications.{k}:") for w in f.warnings)]
    if missing and len(missing) < len(slots):
        f.warnings.append("applications: rows not found: " + ", ".join(missing))
    rows = _resolve(chosen, results, f, prose_text, how)
    for key in slots:
        if key in rows:
            for i, (column, value) in enumerate(zip(COLUMNS, rows[key])):
                if value is not None:
                    blank = blank_at[key][i]
                    source = (ROW_SUM if i == WIDTH - 1 else BLANK) if blank else how[key]
                    f.put(f"applications.{key}.{column}", value, source)
    if f.blanks_as_zero:
        f.warnings.append(f"applications: {f.blanks_as_zero} blank cells read as 0")
    if f.blanks_unresolved:
        f.warnings.append(f"applications: {f.blanks_unresolved} blank cells left out: their row's printed 总计 "
                          "is more than its printed cells")
    if f.blank_totals:
        f.warnings.append(f"applications: {f.blank_totals} blank 总计 cells given as the sum of their row")
    return f
