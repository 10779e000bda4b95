"""The pre-2019 statistics table (统计表 / 附表): 指标名称 | 计量单位 | 本年 | 历年累计.

Rows vary by province, so rows are found by label wherever they are, in any order. A flattened
row (`212210037` for 本年 and 累计) is split where only one reading has 累计 ≥ 本年; otherwise the
table's own sums (主动公开 = 网站 + 公报, …) and the report's prose ("主动公开政府信息2122条")
may settle it; what stays open is left out with a warning.
"""

from __future__ import annotations

import itertools
import re

from . import prose
from . import templates as T
from .cells import UNREADABLE_CELL, Findings, leading_tokens, number
from .labels import stats as stats_labels
from .split import splits
from .stream import HIT, Stream

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


def section_starts(stream: Stream, start: int, end: int) -> list[int]:
    """Where the table may start, most likely first: its column headers (历年累计, 计量单位, …),
    last occurrence first (prose before the table uses the same words), then 统计表/附表."""
    starts = [m.start() for m in HEADER.finditer(stream.text, start, end)][::-1]
    starts += [m.start() for m in FALLBACK_HEADER.finditer(stream.text, start, end)][::-1]
    return starts


def read(stream: Stream) -> Findings:
    """The statistics table, from the first candidate start that gives a table (three figures)."""
    text = stream.text
    best = Findings()
    for start in section_starts(stream, 0, len(text))[:8] or [0]:
        found = parse(stream, start, len(text), text[:start] if start else text)
        if len(found.values) >= 3:
            return found
        if len(found.values) > len(best.values):
            best = found
    return best


def parse(stream: Stream, start: int, end: int, prose_text: str = "") -> Findings:
    f = Findings()
    two_columns = "累计" in stream.text[start : start + 200]
    width = 2 if two_columns else 1
    hits = stats_labels().find(stream.text, start, end)
    events = stream.events(start, end, hits)
    rows: dict[str, list] = {}
    for i, (kind, hit, _) in enumerate(events):
        if kind == HIT and hit.key not in rows:
            toks = [t for t in leading_tokens(events, i) if not _ordinal(stream.text, t)]
            if toks:
                rows[hit.key] = toks
    # Flattened text runs a row's two cells together; an occasional space survives.
    flattened = width == 2 and rows and 2 * sum(len(t) == 1 for t in rows.values()) > len(rows)
    readings: dict[str, list[tuple]] = {}
    for key, toks in rows.items():
        toks = toks[:width] if len(toks) > width and toks[width].line != toks[width - 1].line else toks
        digits = " ".join(t.text or "_" for t in toks)
        if any(t.bad for t in toks):
            f.warnings.append(f"stats.{key}: {UNREADABLE_CELL}; left out")
        elif len(toks) == width:
            readings[key] = [tuple(0 if t.blank else number(t.text) for t in toks)]
            f.blanks_as_zero += sum(t.blank for t in toks)
        elif width == 2 and len(toks) == 1 and not flattened and not _run(toks[0].text):
            readings[key] = [(None if toks[0].blank else number(toks[0].text), None)]
        elif width == 2 and len(toks) == 1 and toks[0].text.isdigit():
            options = splits([toks[0].text], 2, lambda c: int(c[1]) >= int(c[0]))
            readings[key] = [tuple(int(c) for c in r) for r in options or []]
            if not readings[key]:
                f.warnings.append(f"stats.{key}: digits {digits} cannot be split into 本年 and 累计; left out")
                del readings[key]
        else:
            f.warnings.append(f"stats.{key}: {len(toks)} numbers ({digits}) for {width} cells; left out")
    chosen = _settle(readings, prose_text, f)
    if f.blanks_as_zero:
        f.warnings.append(f"stats: {f.blanks_as_zero} blank cells read as 0")
    for row in T.STATS_ROWS:
        if row.key in chosen:
            this, *rest = chosen[row.key]
            if this is not None:
                f.values[f"stats.{row.key}"] = this
            if rest and rest[0] is not None:
                f.values[f"stats.{row.key}.cumulative"] = rest[0]
    return f


def _ordinal(text: str, tok) -> bool:
    """A sub-row's number in brackets (`（1）同意公开`) whose label was not recognised: no figure."""
    end = tok.start + len(tok.text)
    return not tok.row and text[tok.start - 1 : tok.start] == "(" and text[end : end + 1] == ")"


def _run(digits: str) -> bool:
    """`05` is no figure: two cells run together."""
    return len(digits) > 1 and digits.isdigit() and digits[0] == "0"


def _settle(readings: dict[str, list[tuple]], prose_text: str, f: Findings) -> dict[str, tuple]:
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
