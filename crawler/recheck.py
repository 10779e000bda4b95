"""When an archived report is asked for again: recent reports every night, older ones less often.

A report the archive already holds is re-checked on a schedule set by its age (from the date its
list gives it, else its parsed publication date, else when it was first archived):

=============  ===========
age            re-checked
=============  ===========
< 1 year       every night
1 to 3 years   once a week
3 years +      once a month
=============  ===========

Agencies edit a report mostly in its first months; a three-year-old report that changes is rare,
and a month is soon enough to notice. The nights are spread deterministically: a weekly report is
due on the nights where `(day number + hash(url)) % 7 == 0`, so each night re-checks about a
seventh of the weekly ones (and a thirtieth of the monthly ones), every report exactly once per
period, and the same reports on the same night whichever machine runs the crawl.

A report the archive does not hold yet is always due, as is one whose latest fetch failed (it
may have been a passing error). List pages are never scheduled: they are crawled every run.

Settings: `NIANBAO_RECHECK` = `schedule` (default) or `all` (re-check every archived report, e.g.
`NIANBAO_RECHECK=all nianbao crawl` after a parser change that needs fresh copies);
`NIANBAO_RECHECK_TIERS` = `365:1,1095:7,*:30` (age in days : period in days);
`NIANBAO_RECHECK_DATE` = `YYYY-MM-DD` pretends the run happens that day (tests, what-ifs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timezone

DEFAULT_TIERS: tuple[tuple[int | None, int], ...] = ((365, 1), (3 * 365, 7), (None, 30))


def parse_tiers(text: str) -> tuple[tuple[int | None, int], ...]:
    """`365:1,1095:7,*:30` -> ((365, 1), (1095, 7), (None, 30)): age below N days -> period in days."""
    tiers = []
    for part in text.split(","):
        age, _, period = part.strip().partition(":")
        if not period:
            raise ValueError(f"recheck tier {part!r} is not AGE_DAYS:PERIOD_DAYS")
        tiers.append((None if age.strip() in ("*", "") else int(age), max(1, int(period))))
    if tiers[-1][0] is not None:
        tiers.append((None, tiers[-1][1]))
    return tuple(tiers)


def spread(url: str) -> int:
    """A stable number per address (the same in every process and on every machine)."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=4).digest(), "big")


def as_date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class RecheckSchedule:
    """Whether an archived report is due tonight."""

    today: date
    tiers: tuple[tuple[int | None, int], ...] = DEFAULT_TIERS
    everything: bool = False

    @classmethod
    def from_settings(cls, settings) -> "RecheckSchedule":
        mode = str(settings.get("NIANBAO_RECHECK") or "schedule").strip().lower()
        if mode not in ("schedule", "all"):
            raise ValueError(f"NIANBAO_RECHECK is {mode!r}: use 'schedule' or 'all'")
        today = as_date(settings.get("NIANBAO_RECHECK_DATE")) or datetime.now(timezone.utc).date()
        tiers = settings.get("NIANBAO_RECHECK_TIERS") or DEFAULT_TIERS
        if isinstance(tiers, str):
            tiers = parse_tiers(tiers)
        return cls(today=today, tiers=tuple(tuple(t) for t in tiers), everything=mode == "all")

    def period(self, published: str | date | None) -> int:
        """Days between two checks of a report published on `published` (unknown: every night)."""
        day = as_date(published)
        if day is None:
            return 1
        age = (self.today - day).days
        for limit, period in self.tiers:
            if limit is None or age < limit:
                return period
        return self.tiers[-1][1]

    def due(self, url: str, published: str | date | None) -> bool:
        if self.everything:
            return True
        period = self.period(published)
        return period <= 1 or (self.today.toordinal() + spread(url)) % period == 0
