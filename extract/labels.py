"""Finding the template's row labels in report text, however they are printed.

Every row of `extract.templates` (with its aliases) becomes a pattern. Labels are matched on the
normalised text ignoring spaces, line breaks and quotes, because PDF text and wrapped table cells
break them anywhere. A long label matches on a prefix that no other label of the table shares (at
least four characters), then extends as far as the text agrees, so a truncated, wrapped or
misprinted tail (`2.其他法律行政止公开`) still names its row. Short labels (`3.其他`, `(七)总计`)
need their printed ordinal. A label's ordinal (`6.`, `(一)`, `其中:1、`) belongs to the label, even
when it is glued to the previous row's digits (`10000016.属于四类过程性信息`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import templates as T
from .normalize import GAP, GAP_CHARS, compact

_ORDINAL = re.compile(r"^(\([一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、])")
_CN = "一二三四五六七八九十"
_GENERIC_ORDINAL = re.compile(
    r"(?:其中:?)?(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}[、.]|\d[.、)])(?:其中:?)?$"
)


@dataclass(frozen=True)
class Label:
    key: str
    core: str
    ordinal: tuple[str, ...] = ()
    min_len: int = 0
    need_ordinal: bool = False


@dataclass(frozen=True)
class Hit:
    key: str
    start: int  # where the label (with its ordinal) starts in the searched text
    end: int
    core_start: int


def _ordinal_variants(ordinal: str) -> tuple[str, ...]:
    body = ordinal.strip("()、.")
    if body and body[0] in _CN:
        return (f"({body})", f"{body}、", f"{body}.")
    if body.isdigit():
        return (f"{body}.", f"{body}、", f"({body})", f"{body})", f"{body},")
    return (ordinal,)


def _split_label(text: str) -> tuple[str, tuple[str, ...]]:
    c = compact(text)
    if c.startswith("其中:"):
        c = c[3:]
    m = _ORDINAL.match(c)
    ordinal: tuple[str, ...] = ()
    if m:
        ordinal = _ordinal_variants(m.group(1))
        c = c[m.end():]
    c = re.sub(r"\((?:元|万元|单位:?万?元)\)$", "", c)
    return c, ordinal


def _unique_prefix(core: str, others: list[str]) -> int:
    for k in range(1, len(core) + 1):
        if not any(o.startswith(core[:k]) for o in others):
            return k
    return len(core)


def build(rows: list[tuple[str, str]], *, fuzzy: bool = True, need_ordinal: frozenset = frozenset()) -> list[Label]:
    """Labels for (key, printed text) pairs; aliases are further pairs with the same key."""
    split = [(key, *_split_label(text)) for key, text in rows]
    labels = []
    for key, core, ordinal in split:
        if not core:
            continue
        others = [c for k, c, _ in split if k != key]
        if fuzzy:
            min_len = min(len(core), max(4, _unique_prefix(core, others)))
        else:
            min_len = len(core)
        labels.append(Label(key, core, ordinal, min_len, key in need_ordinal and len(core) <= 3))
    return labels


class Matcher:
    def __init__(self, labels: list[Label]):
        self.labels = sorted(labels, key=lambda lb: -lb.min_len)
        parts = []
        for i, lb in enumerate(self.labels):
            prefix = lb.core[: lb.min_len]
            parts.append(f"(?P<l{i}>" + GAP.join(re.escape(ch) for ch in prefix) + ")")
        # A lookahead on the labels' first characters lets the engine pass over most of the text
        # at once instead of trying every alternative at every position.
        first = "".join(sorted({re.escape(lb.core[0]) for lb in self.labels if lb.core}))
        self.regex = re.compile(f"(?=[{first}])(?:" + "|".join(parts) + ")")

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Hit]:
        end = len(text) if end is None else end
        hits: list[Hit] = []
        for m in self.regex.finditer(text, start, end):
            if hits and m.start() < hits[-1].end:
                continue
            lb = self.labels[int(m.lastgroup[1:])]
            stop = _parenthetical(text, _extend(text, m.end(), end, lb.core, lb.min_len), end)
            begin = _ordinal_start(text, m.start(), hits[-1].end if hits else start, lb.ordinal)
            if begin is None:
                if lb.need_ordinal:
                    continue
                begin = m.start()
            hits.append(Hit(lb.key, begin, stop, m.start()))
        return hits


def _extend(text: str, pos: int, end: int, core: str, matched: int) -> int:
    j = matched
    stop = pos
    while j < len(core) and pos < end:
        ch = text[pos]
        if ch in GAP_CHARS:
            pos += 1
            continue
        if ch != core[j]:
            break
        pos += 1
        j += 1
        stop = pos
    return stop


def _parenthetical(text: str, pos: int, end: int) -> int:
    """A note in brackets right after a label belongs to it: 主动公开政府信息数（…计1条）."""
    p = pos
    while p < end and text[p] in " \n":
        p += 1
    if p < end and text[p] == "(":
        close = text.find(")", p, min(end, p + 60))
        if close != -1 and "\t" not in text[p:close] and "(" not in text[p + 1 : close]:
            return close + 1
    return pos


def _ordinal_start(text: str, pos: int, lower: int, variants: tuple[str, ...]) -> int | None:
    p = pos
    while p > lower and text[p - 1] in " \n":
        p -= 1
    window = text[max(lower, p - 8): p]
    if variants:
        for v in variants:
            if window.endswith(v):
                return p - len(v)
        # Spaced out (a cell printed one character per <p>): `3 . 其 他`.
        spaced = text[max(lower, p - 16): p]
        for v in variants:
            m = re.search(" ?".join(map(re.escape, v)) + "$", spaced)
            if m:
                return p - (len(spaced) - m.start())
        return None
    m = _GENERIC_ORDINAL.search(window)
    return p - len(m.group(0)) if m else None


def _rows(table: T.Table) -> list[tuple[str, str]]:
    return [(row.key, text) for block in table.blocks for row in block.rows for text in (row.label, *row.aliases)]


#: Headings inside the applications table that are not rows; they separate rows.
APPLICATION_GROUPS = ("三、本年度办理结果", "(三)不予公开", "(四)无法提供", "(五)不予处理")


@cache
def applications() -> Matcher:
    rows = _rows(T.TEMPLATE_2021.table("applications"))
    rows += [(k, t) for k, t in _rows(T.TEMPLATE_2019.table("applications")) if k == "other"]
    rows += [("_group", t) for t in APPLICATION_GROUPS]
    return Matcher(build(rows, need_ordinal=frozenset({"other_misc", "total_handled"})))


@cache
def active(template: str) -> Matcher:
    rows = _rows(T.TEMPLATES_BY_NAME[template].table("active"))
    return Matcher(build(rows, fuzzy=False))


#: The complaints row is named by 申诉, 投诉 and 举报 in every combination (申述 a common typo).
_COMPLAINT_LABELS = tuple(
    f"{lead}{core}{tail}"
    for core in ("申诉", "申述", "投诉", "举报", "申诉、举报", "申述、举报", "申诉举报", "申述举报", "投诉、举报",
                 "投诉举报", "举报投诉", "举报、投诉", "申诉、投诉", "诉讼、举报")
    for lead in ("行政", "接受", "接受行政", "受理", "受理行政", "")
    for tail in ("数", "数量", "")
    if len(lead + core + tail) >= 4 and (lead or tail)
)


@cache
def stats() -> Matcher:
    """Pre-2019 rows are printed with and without a closing 数 (当面申请数 / 当面申请件), and
    with and without 政府 before 网站 / 公报; the longer form is tried first."""
    rows = _rows(T.TEMPLATE_PRE2019.tables[0])
    variants = [("complaints", text) for text in _COMPLAINT_LABELS]
    for key, text in rows:
        core, _ = _split_label(text)
        if core.endswith("数") and len(core) >= 5:
            variants.append((key, core[:-1]))
        elif not core.endswith(("数", "数量", ")")):
            variants.append((key, core + "数"))
        if core.startswith(("网站", "公报")):
            variants.append((key, "政府" + core))
    return Matcher(build(rows + variants, fuzzy=False))


BLOCK_HEADING = re.compile("第" + GAP + "[二2]" + GAP + "十?" + GAP + "0?" + GAP + "条" + GAP + r"第?" + GAP
                           + r"\(?" + GAP + r"[一二三四五六七八九十\d]{1,2}" + GAP + r"\)?" + GAP + "项")
