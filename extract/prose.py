"""Figures a report states in its own words, as evidence for reading its tables.

Section 一、总体情况 often restates table figures in sentences (本年度制发规范性文件12件，废止3件，
现行有效156件; 全年收到政府信息公开申请34件). Where a flattened digit run has several readings,
the one reading that agrees with every figure the text states for its cells is what the report
prints; a reading the text does not decide stays open. Statements are only evidence: they never
give a value on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: The table rows a sentence can name, by key, with the words that name them.
_SUBJECTS: dict[str, tuple[str, ...]] = {
    "active.regulations": ("规章",),
    "active.normative_documents": ("规范性文件",),
    "active.licensing": ("行政许可",),
    "active.other_services": ("其他对外管理服务事项",),
    "active.punishment": ("行政处罚",),
    "active.coercion": ("行政强制",),
    "active.fees": ("行政事业性收费",),
    "active.procurement": ("政府集中采购",),
    "applications.new_received": ("收到政府信息公开申请", "新收政府信息公开申请", "受理政府信息公开申请",
                                  "收到依申请公开", "收到申请", "受理申请", "新收申请"),
    "applications.carried_over": ("上年结转",),
    "applications.carried_forward": ("结转下年", "转下一年", "结转至下一年", "结转到下一年"),
    "stats.active.total": ("主动公开政府信息", "主动公开信息", "主动公开文件", "主动公开"),
    "stats.requests.total": ("受理政府信息公开申请", "受理依申请公开", "收到政府信息公开申请", "受理申请", "收到申请"),
}

#: What a figure after a subject counts, by the words just before it: (suffix of the key, cue words).
#: An empty suffix is the row's total (applications) or this year's figure (pre-2019 rows).
_CUES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "regulations_2021": (("issued", ("制发", "制定", "出台", "印发", "新制定")), ("repealed", ("废止", "废除", "失效")),
                         ("in_force", ("现行有效", "有效"))),
    "regulations_2019": (("new_made", ("新制作", "制作", "制发", "制定", "印发")), ("new_published", ("新公开",)),
                         ("total_published", ("对外公开总", "公开总"))),
    "decisions": (("decisions", ("处理决定", "作出", "办理", "决定")),),
    "total": (("total", ("",)),),  # no cue: the first figure after the row's name
    "this_year": (("", ("",)),),
}

_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(件|个|项|条|部|份)")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
#: Words that put a figure in another scope than the table's row (a part, a comparison).
_OTHER_SCOPE = re.compile(r"其中|同比|比上年|较上年|增长|下降|减少|增加|占|累计|共计\d")


@dataclass(frozen=True)
class Statement:
    key: str
    value: int | float
    sentence: str
    end: int = 0  # where the stated figure (with its unit) ends in the sentence


def _cues(subject: str, template: str | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if subject in ("active.regulations", "active.normative_documents"):
        return _CUES["regulations_2019" if template == "2019" else "regulations_2021"]
    if subject in ("active.licensing", "active.punishment", "active.coercion", "active.other_services"):
        return _CUES["decisions"]
    if subject.startswith("applications."):
        return _CUES["total"]
    if subject.startswith("stats."):
        return _CUES["this_year"]
    return ()


def _subjects_in(sentence: str, wanted: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """(start, end, subject) of every subject word in the sentence, longest match first at a place."""
    found = []
    for subject in wanted:
        for word in _SUBJECTS[subject]:
            for m in re.finditer(re.escape(word), sentence):
                found.append((m.start(), m.end(), subject))
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out: list[tuple[int, int, str]] = []
    for start, end, subject in found:
        if out and start < out[-1][1]:
            continue
        out.append((start, end, subject))
    return out


def statements(text: str, subjects: Iterable[str], template: str | None = None) -> list[Statement]:
    """What the text states for the given subjects' cells (keys as the template names them).

    A figure belongs to the subject named last before it in its sentence, and to the cell whose
    cue word stands between it and the figure (or subject) before it: 制发规范性文件12件，废止3件
    gives issued 12 and repealed 3. Figures in another scope (其中, 同比, 增长…) are not statements.
    """
    wanted = tuple(s for s in subjects if s in _SUBJECTS)
    out: list[Statement] = []
    if not wanted:
        return out
    for sm in _SENTENCE.finditer(text):
        sentence = sm.group(0)
        named = _subjects_in(sentence, wanted)
        if not named:
            continue
        prev = 0
        for fm in _FIGURE.finditer(sentence):
            segment = sentence[prev : fm.start()]
            before = [n for n in named if n[1] <= fm.start()]
            prev = fm.end()
            if not before or _OTHER_SCOPE.search(segment):
                continue
            start, end, subject = before[-1]
            direct = start >= fm.start() - len(segment)  # the subject is named since the last figure
            key = _cell(subject, template, segment, direct)
            if key:
                value = float(fm.group(1)) if "." in fm.group(1) else int(fm.group(1))
                out.append(Statement(key, value, sentence, fm.end()))
    return out


def _cell(subject: str, template: str | None, segment: str, direct: bool) -> str | None:
    """The key of the cell a figure states: the cue word nearest the figure decides; a row's
    total (or this year's figure) is stated only by the first figure after the row is named."""
    cues = _cues(subject, template)
    if cues and cues[0][1] == ("",):
        suffix = cues[0][0]
        return (f"{subject}.{suffix}" if suffix else subject) if direct else None
    best, best_at = None, -1
    for suffix, cue_words in cues:
        for word in cue_words:
            at = segment.rfind(word)
            if at > best_at:
                best, best_at = suffix, at
    return f"{subject}.{best}" if best else None


def stated(found: list[Statement]) -> dict[str, set]:
    by_key: dict[str, set] = {}
    for s in found:
        by_key.setdefault(s.key, set()).add(s.value)
    return by_key


def choose(readings: list[tuple], keys: tuple[str, ...], found: list[Statement]
           ) -> tuple[tuple | None, Statement | None]:
    """The one reading (cells under `keys`) that agrees with every stated figure of those cells,
    and a statement that decided; (None, None) when the text decides nothing or several remain."""
    by_key = stated(found)
    relevant = [i for i, k in enumerate(keys) if k in by_key]
    if not relevant or len(readings) < 2:
        return None, None
    agreeing = [r for r in readings if all(r[i] in by_key[keys[i]] for i in relevant)]
    if len(agreeing) != 1:
        return None, None
    # A statement that tells the chosen reading from the others.
    for i in relevant:
        if any(r[i] != agreeing[0][i] for r in readings):
            for s in found:
                if s.key == keys[i] and s.value == agreeing[0][i]:
                    return agreeing[0], s
    return None, None


def quote(s: Statement, width: int = 40) -> str:
    """The sentence up to the stated figure, cut to `width` characters before it."""
    start = max(0, s.end - width)
    return ("…" if start else "") + s.sentence[start : s.end].strip()
