"""The pre-2019 statistics table (统计表 / 附表): 指标名称 | 计量单位 | 本年 | 历年累计.

Rows vary by province, so rows are found by label wherever they are, in any order. A flattened
row (`212210037` for 本年 and 累计) is split where only one reading has 累计 ≥ 本年; otherwise the
table's own sums (主动公开 = 网站 + 公报, …) and the report's prose ("主动公开政府信息2122条")
may settle it; what stays open is left out with a warning.

The table runs from its header to the first full stop: a statistics table has no sentences. A
report with no table (or figures it leaves out) may state a figure in a sentence, which is read
only when the figure follows the row's own name, with nothing but 共/计/为 between them, and its
unit after it (受理政府信息公开申请9件): a heading's ordinal (`（二）受理申请情况 1、…`), a year
or a figure of another count (`行政复议案件35件`) is no statement of the row.
"""

from __future__ import annotations

import itertools
import re

from . import prose
from . import templates as T
from .cells import BLANK, CELL, SENTENCE, SPLIT, SPLIT_TEXT, UNREADABLE_CELL, Findings, TableNote, leading_tokens, number
from .labels import stats as stats_labels
from .split import splits
from .stream import HIT, TOK, Stream

HEADER = re.compile(r"历年累计|计量单位|指标名称|统计指标")
FALLBACK_HEADER = re.compile(r"统计表|附表")
#: Sums the Fujian-style table prints as "其中" sub-rows; used only to choose among split readings.
_SUMS = (
    ("active.total", ("active.website", "active.gazette")),
    ("requests.total", ("requests.in_person", "requests.online", "requests.letter_fax")),
    ("replies.total", ("replies.granted", "replies.partially_granted", "replies.denied", "replies.other")),
)
#: Rows whose figure for this year the report's prose may restate (主动公开政府信息3120条).
_STATED = ("active.total", "requests.total")
_PRODUCT_LIMIT = 50_000
_TABLE_END = re.compile(r"[。！？]")
#: What may stand between a row's name and its figure in a sentence that states it.
_LINK = re.compile(r"[\s:：]*(?:共计|合计|总计|总数|共|计|为|达)?[\s:：]*")
#: The unit after a stated figure; 元 only for the amount row.
_UNIT = re.compile(r"\s*(?:件|条|个|项|次|人次|份)")
_AMOUNT_UNIT = re.compile(r"\s*(?:万元|元)")
_SENTENCE_START = re.compile(r"[。；;！？!?\n]")
#: Words before a row's name that put its figure in another scope: a running total, a part.
_CUMULATIVE = re.compile(r"累计|历年|同比|比上年|较上年")
_PART = re.compile(r"其中")


def section_starts(stream: Stream, start: int, end: int) -> list[int]:
    """Where the table may start, most likely first: its column headers (历年累计, 计量单位, …),
    last occurrence first (prose before the table uses the same words), then 统计表/附表."""
    starts = [m.start() for m in HEADER.finditer(stream.text, start, end)][::-1]
    starts += [m.start() for m in FALLBACK_HEADER.finditer(stream.text, start, end)][::-1]
    return starts


def read(stream: Stream) -> Findings:
    """The statistics table, from the first candidate start that gives a table (three figures)."""
    text = stream.text
    best = None
    starts = section_starts(stream, 0, len(text))[:8]
    for start in starts or [0]:
        found = parse(stream, start, len(text), text[:start] if start else text, table=bool(starts))
        if len(found.values) >= 3:
            return found
        if best is None or len(found.values) > len(best.values):
            best = found
    return best


def _stated_figure(text: str, events: list[tuple], i: int, end: int):
    """(the figure a sentence states for the row named by the hit at `events[i]`, whether the
    sentence makes it a part: 其中…), or None."""
    hit = events[i][1]
    lead = text[max(0, hit.start - 60) : hit.start]
    lead = _SENTENCE_START.split(lead)[-1]
    if _CUMULATIVE.search(lead):
        return None
    part = bool(_PART.search(lead)) and _is_total(hit.key)
    for kind, tok, _ in events[i + 1 :]:
        if kind == HIT:
            return None
        if kind != TOK:
            continue
        if tok.row or tok.blank or tok.bad or not _LINK.fullmatch(text, hit.end, tok.start):
            return None
        after = tok.start + len(tok.text)
        unit = _AMOUNT_UNIT if hit.key == "fees" else _UNIT
        if tok.unit or unit.match(text, after, min(end, after + 4)):
            return tok, part
        return None
    return None


def _the_statement(found: list[tuple]):
    """The one figure the sentences state for a row: the only one outside a 其中, or the one the
    others (the parts: 区直部门…, 各乡镇…) add up to. None when that is not certain."""
    whole = [t for t, part in found if not part]
    figures = {number(t.text) for t in whole}
    if len(figures) == 1:
        return whole[0]
    for tok in whole:
        value = number(tok.text)
        others = [number(t.text) for t, _ in found if number(t.text) != value]
        if others and sum(others) == value:
            return tok
    return None


def _is_total(key: str) -> bool:
    """A row whose figure the report's parts (其中 …) are parts of, or a count a 其中 narrows."""
    return key.endswith(".total") or key in ("review", "litigation", "complaints", "fees")


def parse(stream: Stream, start: int, end: int, prose_text: str = "", table: bool = True) -> Findings:
    """The rows found from `start`: from the table (when `table`, up to its first full stop), then
    from sentences stating a row's figure."""
    f = Findings()
    text = stream.text
    stop = _TABLE_END.search(text, start, end) if table else None
    table_end = (stop.start() if stop else end) if table else start
    two_columns = "累计" in text[start : start + 200]
    width = 2 if two_columns else 1
    hits = stats_labels().find(text, start, end)
    events = stream.events(start, end, hits)
    rows: dict[str, list] = {}
    statements: dict[str, list] = {}
    for i, (kind, hit, _) in enumerate(events):
        if kind != HIT or hit.key in rows:
            continue
        if hit.start < table_end:
            toks = [t for t in leading_tokens(events, i) if not _ordinal(text, t) and t.start <= table_end]
            if toks:
                rows[hit.key] = toks
        else:
            found = _stated_figure(text, events, i, end)
            if found is not None:
                statements.setdefault(hit.key, []).append(found)
    stated: set[str] = set()
    for key, found in statements.items():
        if key in rows:
            continue
        tok = _the_statement(found)
        if tok is not None:
            rows[key] = [tok]
            stated.add(key)
        elif any(not part for _, part in found):
            figures = sorted({number(t.text) for t, _ in found})
            f.warnings.append(f"stats.{key}: sentences state {' and '.join(map(str, figures[:4]))} for it, no table "
                              "prints it, and no one of them is the sum of the others; left out")
    # Flattened text runs a row's two cells together; an occasional space survives.
    flattened = width == 2 and rows and 2 * sum(len(t) == 1 for t in rows.values()) > len(rows)
    readings: dict[str, list[tuple]] = {}
    how: dict[str, str] = {}
    for key, toks in rows.items():
        how[key] = SENTENCE if key in stated else CELL
        if key in stated:
            readings[key] = [(number(toks[0].text), None)]
            continue
        toks = toks[:width] if len(toks) > width and toks[width].line != toks[width - 1].line else toks
        digits = " ".join(t.text or "_" for t in toks)
        if any(t.bad for t in toks):
            f.warnings.append(f"stats.{key}: {UNREADABLE_CELL}; left out")
        elif len(toks) == width:
            readings[key] = [tuple(0 if t.blank else number(t.text) for t in toks)]
            f.blanks_as_zero += sum(t.blank for t in toks)
            if any(t.blank for t in toks):
                how[key] = BLANK
        elif width == 2 and len(toks) == 1 and not flattened and not _run(toks[0].text):
            readings[key] = [(None if toks[0].blank else number(toks[0].text), None)]
        elif width == 2 and len(toks) == 1 and toks[0].text.isdigit():
            options = splits([toks[0].text], 2, lambda c: int(c[1]) >= int(c[0]))
            readings[key] = [tuple(int(c) for c in r) for r in options or []]
            how[key] = SPLIT
            if not readings[key]:
                f.warnings.append(f"stats.{key}: digits {digits} cannot be split into 本年 and 累计; left out")
                del readings[key]
        else:
            f.warnings.append(f"stats.{key}: {len(toks)} numbers ({digits}) for {width} cells; left out")
    chosen = _settle(readings, prose_text, f, how)
    if f.blanks_as_zero:
        f.warnings.append(f"stats: {f.blanks_as_zero} blank cells read as 0")
    for row in T.STATS_ROWS:
        if row.key in chosen:
            this, *rest = chosen[row.key]
            if this is not None:
                f.put(f"stats.{row.key}", this, how[row.key])
            if rest and rest[0] is not None:
                f.put(f"stats.{row.key}.cumulative", rest[0], how[row.key])
    if table:
        f.tables.append(TableNote("stats", f"«{text[start:start + 12].strip()}»", (stream.line_of(start),
                                                                                   stream.line_of(max(start, table_end - 1)))))
    if stated:
        f.tables.append(TableNote("stats", "sentences that state a row's figure (no table holds it)"))
    return f


def _ordinal(text: str, tok) -> bool:
    """A sub-row's number in brackets (`（1）同意公开`) whose label was not recognised: no figure."""
    end = tok.start + len(tok.text)
    return not tok.row and text[tok.start - 1 : tok.start] == "(" and text[end : end + 1] == ")"


def _run(digits: str) -> bool:
    """`05` is no figure: two cells run together."""
    return len(digits) > 1 and digits.isdigit() and digits[0] == "0"


def _settle(readings: dict[str, list[tuple]], prose_text: str, f: Findings, how: dict[str, str]) -> dict[str, tuple]:
    fixed = {k: r[0] for k, r in readings.items() if len(r) == 1}
    open_rows = {k: r for k, r in readings.items() if len(r) > 1}
    # The report's prose may state this year's figure of a row.
    wanted = [f"stats.{k}" for k in _STATED if k in open_rows]
    found = prose.statements(prose_text, wanted) if wanted else []
    for key in _STATED:
        if key in open_rows:
            chosen, statement = prose.choose(open_rows[key], (f"stats.{key}", None), found)
            if chosen is not None:
                open_rows[key] = [chosen]
                how[key] = SPLIT_TEXT
                f.warnings.append(f"stats.{key}: digits read as {'|'.join(map(str, chosen))}, the one reading "
                                  f"the report's text agrees with («{prose.quote(statement)}»)")
    for key in [k for k, r in open_rows.items() if len(r) == 1]:
        fixed[key] = open_rows.pop(key)[0]
    if open_rows:
        keys = list(open_rows)
        size = 1
        for k in keys:
            size *= len(open_rows[k])
        sums = [(t, parts) for t, parts in _SUMS if (t in keys or set(parts) & set(keys))
                and all(k in fixed or k in open_rows for k in (t, *parts))]
        valid = []
        if sums and size <= _PRODUCT_LIMIT:
            for combo in itertools.product(*(open_rows[k] for k in keys)):
                v = {**fixed, **dict(zip(keys, combo))}
                if all(all(v[t][c] == sum(v[p][c] for p in parts) for c in range(len(v[t])))
                       for t, parts in sums):
                    valid.append(combo)
        for i, key in enumerate(keys):
            options = {combo[i] for combo in valid}
            if len(options) == 1:
                fixed[key] = options.pop()
            else:
                shown = " or ".join("|".join(map(str, r)) for r in open_rows[key][:4])
                f.warnings.append(f"stats.{key}: digits can be read as {shown}; left out (ambiguous)")
    return fixed
