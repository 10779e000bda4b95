"""Dates as Chinese reports print them: 2024-01-20, 2024/1/20, 2024.01.20, 2024年1月20日 and
二〇二四年一月二十日."""

from __future__ import annotations

import datetime as dt
import re

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN = "〇零○Ｏ一二三四五六七八九十"
DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)"
    rf"|([{_CN}]{{4}})\s*年\s*([{_CN}]{{1,3}})\s*月\s*([{_CN}]{{1,3}})\s*日"
)


def _cn_number(text: str) -> int | None:
    if all(ch in _CN_DIGITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS.get(tens, None) if tens else 1
        o = _CN_DIGITS.get(ones, None) if ones else 0
        if t is None or o is None:
            return None
        return t * 10 + o
    return None


def to_date(m: re.Match) -> dt.date | None:
    try:
        if m.group(1):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        y, mo, d = (_cn_number(m.group(i)) for i in (4, 5, 6))
        if None in (y, mo, d):
            return None
        return dt.date(y, mo, d)
    except ValueError:
        return None


def first_date(text: str) -> dt.date | None:
    for m in DATE.finditer(text):
        d = to_date(m)
        if d:
            return d
    return None


def chinese_year(text: str) -> int | None:
    value = _cn_number(text)
    return value if value and 1990 <= value <= 2100 else None
