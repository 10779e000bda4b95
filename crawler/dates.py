"""Dates as list pages, report pages and APIs print them, read into ISO `YYYY-MM-DD`."""

from __future__ import annotations

import re
from datetime import datetime, timezone

_NUMERIC = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")


def parse_date(value: object) -> str | None:
    """`2023-01-18`, `2023/1/18`, `2023.01.18`, `2023年1月18日`, `20230118`, or epoch seconds/ms."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d{10}|\d{13}", value.strip())):
        seconds = float(value)
        if seconds > 1e11:
            seconds /= 1000
        try:
            # China Standard Time: the portals' dates are Beijing dates.
            return datetime.fromtimestamp(seconds + 8 * 3600, tz=timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value)
    for pattern in (_NUMERIC, _COMPACT):
        for match in pattern.finditer(text):
            year, month, day = (int(g) for g in match.groups())
            try:
                return datetime(year, month, day).date().isoformat()
            except ValueError:
                continue
    return None
