"""Figures for generated reports: every key of a template, filled so that the template's identities hold.

The identities are the ones the national templates print beside their tables: for each applicant
column, new + carried over = handled + carried forward; a row's 总计 is the sum of its applicant
columns; 总计 of the results is the sum of the result rows; an appeal row's 总计 is the sum of its
outcomes. Pre-2019 tables: a total row is the sum of its 其中 rows.

A small share of reports print one total wrong (as real ones do); `Figures.inconsistent` names it.

Figures carry from year to year as the templates say they do: what an agency carried forward
(结转下年度继续办理) in year t it carries over (上年结转) in t+1, column by column, and the 2019
template's 上一年项目数量 is last year's count plus last year's change. A few reports break the
carry on purpose (a hand-typed 上年结转 one off, as real ones sometimes are): `Figures.carry_break`
names the key, and `carry_breaks()` lists every key where a report does not carry its previous
one's figures (the deliberate breaks, and a seed report after a generated year).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from extract.templates import APPLICANT_COLUMNS, TEMPLATES_BY_NAME, keys

#: Values of the five seed reports (hand-checked gold figures), sparse: every other key is 0.
SEED_VALUES: dict[str, dict[str, float]] = {
    "000": {
        "active.licensing.decisions": 186,
        "applications.new_received.natural_person": 1,
        "applications.granted.natural_person": 1,
        "applications.total_handled.natural_person": 1,
    },
    "001": {
        "active.normative_documents.issued": 1,
        "active.normative_documents.repealed": 2,
        "active.licensing.decisions": 70,
        "active.punishment.decisions": 780,
        "active.coercion.decisions": 1,
        "applications.new_received.natural_person": 20,
        "applications.granted.natural_person": 12,
        "applications.unavailable_not_held.natural_person": 5,
        "applications.other_misc.natural_person": 1,
        "applications.total_handled.natural_person": 18,
        "applications.carried_forward.natural_person": 2,
        "appeals.review.pending": 1,
    },
    "002": {
        "active.normative_documents.issued": 5,
        "active.normative_documents.repealed": 7,
        "active.normative_documents.in_force": 20,
        "active.licensing.decisions": 24769,
        "active.punishment.decisions": 842,
        "active.coercion.decisions": 8,
        "active.fees.amount": 8862.02,
        "applications.new_received.natural_person": 12,
        "applications.new_received.business": 2,
        "applications.carried_over.natural_person": 1,
        "applications.carried_over.legal_services": 1,
        "applications.carried_over.other_org": 1,
        "applications.granted.natural_person": 2,
        "applications.granted.legal_services": 1,
        "applications.granted.other_org": 1,
        "applications.partially_granted.natural_person": 1,
        "applications.denied_internal_affairs.natural_person": 1,
        "applications.denied_internal_affairs.business": 2,
        "applications.denied_administrative_query.natural_person": 1,
        "applications.unavailable_not_held.natural_person": 4,
        "applications.unavailable_needs_creation.natural_person": 1,
        "applications.other_misc.natural_person": 2,
        "applications.total_handled.natural_person": 12,
        "applications.total_handled.business": 2,
        "applications.total_handled.legal_services": 1,
        "applications.total_handled.other_org": 1,
        "applications.carried_forward.natural_person": 1,
    },
    "003": {
        "stats.active.total": 57,
        "stats.active.total.cumulative": 615,
        "stats.active.website": 57,
        "stats.active.website.cumulative": 615,
    },
    "004": {},
}

#: The pre-2019 附表 rows seed 003 prints (Fujian style), in order.
FUJIAN_STATS = (
    "active.total", "active.website", "active.gazette",
    "requests.total", "requests.in_person", "requests.online", "requests.letter_fax",
    "replies.total", "replies.granted", "replies.partially_granted", "replies.denied", "replies.other",
    "complaints", "review", "litigation",
)
#: Another common pre-2019 row set (separate channels, a fee row).
OTHER_STATS = (
    "active.total", "active.website", "active.gazette",
    "requests.total", "requests.in_person", "requests.online", "requests.letter", "requests.fax",
    "requests.email", "requests.other",
    "replies.total", "replies.granted", "replies.partially_granted", "replies.denied", "replies.other",
    "review", "litigation", "complaints", "fees",
)


@dataclass
class Figures:
    template: str
    values: dict[str, float]
    #: pre-2019 only: the 附表 rows printed, in order.
    stats_rows: tuple[str, ...] = ()
    #: The key whose printed total does not add up, if any.
    inconsistent: str | None = None
    #: The carried-over key printed one off from last year's carried-forward figure, if any.
    carry_break: str | None = None
    notes: list[str] = field(default_factory=list)


def _result_keys(template: str) -> tuple[str, ...]:
    return TEMPLATES_BY_NAME[template].result_rows


def _carried(previous: Figures | None, col: str) -> int | None:
    """Last year's carried-forward figure of column `col`, where last year's template has it."""
    if previous is None:
        return None
    value = previous.values.get(f"applications.carried_forward.{col}")
    return None if value is None else int(value)


def _fill_applications(rng: random.Random, template: str, size: float, v: dict,
                       previous: Figures | None = None, broken: str | None = None) -> None:
    weights = {
        "natural_person": 1.0, "business": 0.12, "research": 0.01,
        "social_welfare": 0.02, "legal_services": 0.05, "other_org": 0.05,
    }
    result_weights = {r: 0.15 for r in _result_keys(template)}
    result_weights.update(granted=8, partially_granted=1.5, unavailable_not_held=3,
                          unavailable_needs_creation=0.8, denied_internal_affairs=0.6,
                          denied_process_information=0.6, denied_third_party_rights=0.4,
                          rejected_petition=0.5, rejected_repeated=0.4)
    if "other_misc" in result_weights:
        result_weights.update(other_misc=0.7, other_no_correction=0.4)
    else:
        result_weights["other"] = 0.8
    results = list(result_weights)
    rweights = [result_weights[r] for r in results]
    for col in APPLICANT_COLUMNS:
        mean = size * weights[col]
        new = max(0, int(rng.gauss(mean, mean / 2 + 0.3)))
        if rng.random() < 0.25:
            new = 0
        carried = _carried(previous, col)
        if carried is None:
            carried = rng.choice([0, 0, 0, 1, 2]) if new else rng.choice([0, 0, 0, 0, 1])
        elif col == broken:
            carried = carried + 1 if carried == 0 or rng.random() < 0.5 else carried - 1
        available = new + carried
        forward = min(available, rng.choice([0, 0, 0, 1, 1, 2, 3]))
        handled = available - forward
        counts = dict.fromkeys(results, 0)
        for _ in range(handled):
            counts[rng.choices(results, rweights)[0]] += 1
        v[f"applications.new_received.{col}"] = new
        v[f"applications.carried_over.{col}"] = carried
        for r in results:
            v[f"applications.{r}.{col}"] = counts[r]
        v[f"applications.total_handled.{col}"] = handled
        v[f"applications.carried_forward.{col}"] = forward
    _totals(v, template)


def _totals(v: dict, template: str) -> None:
    rows = ("new_received", "carried_over", *_result_keys(template), "total_handled", "carried_forward")
    for r in rows:
        v[f"applications.{r}.total"] = sum(v.get(f"applications.{r}.{c}", 0) for c in APPLICANT_COLUMNS)
    for r in ("review", "litigation_direct", "litigation_after_review"):
        v[f"appeals.{r}.total"] = sum(v.get(f"appeals.{r}.{o}", 0) for o in ("upheld", "corrected", "other", "pending"))


def _fill_appeals(rng: random.Random, size: float, v: dict) -> None:
    for r in ("review", "litigation_direct", "litigation_after_review"):
        for o in ("upheld", "corrected", "other", "pending"):
            chance = 0.12 if r == "review" else 0.06
            v[f"appeals.{r}.{o}"] = rng.randint(1, 1 + int(size / 8)) if rng.random() < chance * (1 + size / 10) else 0


def _fill_active_2021(rng: random.Random, kind: str, v: dict) -> None:
    gov = kind == "government"
    v["active.regulations.issued"] = rng.choice([0, 0, 1, 2]) if gov and rng.random() < 0.3 else 0
    v["active.regulations.repealed"] = rng.choice([0, 1]) if gov and rng.random() < 0.2 else 0
    v["active.regulations.in_force"] = rng.randint(2, 12) if gov and rng.random() < 0.3 else 0
    issued = rng.randint(0, 25 if gov else 6)
    v["active.normative_documents.issued"] = issued
    v["active.normative_documents.repealed"] = rng.randint(0, max(1, issued // 2))
    v["active.normative_documents.in_force"] = issued + rng.randint(0, 80 if gov else 15)
    scale = {"government": 3000, "town": 400, "department": 6000}[kind]
    v["active.licensing.decisions"] = 0 if rng.random() < 0.2 else rng.randint(1, scale)
    v["active.punishment.decisions"] = 0 if rng.random() < 0.3 else rng.randint(1, scale // 3)
    v["active.coercion.decisions"] = 0 if rng.random() < 0.6 else rng.randint(1, 40)
    v["active.fees.amount"] = 0 if rng.random() < 0.7 else round(rng.uniform(0.5, 900), 2)


def _fill_active_2019(rng: random.Random, kind: str, v: dict, previous: Figures | None = None) -> None:
    gov = kind == "government"
    for row, hi in (("regulations", 2 if gov else 0), ("normative_documents", 20 if gov else 5)):
        made = rng.randint(0, hi) if hi else 0
        v[f"active.{row}.new_made"] = made
        v[f"active.{row}.new_published"] = made
        v[f"active.{row}.total_published"] = made + (rng.randint(0, 60) if hi else 0)
    scale = {"government": 300, "town": 60, "department": 500}[kind]
    for row in ("licensing", "other_services", "punishment", "coercion"):
        prev = 0 if rng.random() < 0.3 else rng.randint(1, scale)
        if previous is not None and previous.template == "2019":
            # This year's 上一年项目数量 is last year's count after last year's change.
            prev = int(previous.values[f"active.{row}.previous_count"] + previous.values[f"active.{row}.change"])
        v[f"active.{row}.previous_count"] = prev
        v[f"active.{row}.change"] = rng.randint(-min(prev, 10), 12) if prev else 0
        v[f"active.{row}.decisions"] = 0 if rng.random() < 0.3 else rng.randint(1, scale * 20)
    prev = rng.choice([0, 0, 1, 2, 3])
    if previous is not None and previous.template == "2019":
        prev = int(previous.values["active.fees.previous_count"] + previous.values["active.fees.change"])
    v["active.fees.previous_count"] = prev
    v["active.fees.change"] = -1 if prev and rng.random() < 0.3 else 0
    projects = 0 if rng.random() < 0.4 else rng.randint(1, 60)
    v["active.procurement.projects"] = projects
    v["active.procurement.amount"] = round(rng.uniform(5, 3000), 2) if projects else 0


def _fill_pre2019(rng: random.Random, kind: str, v: dict, rows: tuple[str, ...], year: int) -> None:
    gazette = rng.randint(0, 30) if kind == "government" else 0
    website = rng.randint(20, 900)
    this = {"active.website": website, "active.gazette": gazette, "active.total": website + gazette}
    channels = [r for r in rows if r.startswith("requests.") and r != "requests.total"]
    for c in channels:
        this[c] = 0 if rng.random() < 0.5 else rng.randint(1, 12)
    this["requests.total"] = sum(this[c] for c in channels)
    left = this["requests.total"]
    for r in ("replies.granted", "replies.partially_granted", "replies.denied"):
        this[r] = rng.randint(0, left)
        left -= this[r]
    this["replies.other"] = left
    this["replies.total"] = this["requests.total"]
    for r in ("review", "litigation", "complaints"):
        this[r] = 0 if rng.random() < 0.85 else 1
    this["fees"] = 0
    years_back = max(1, year - 2007)
    for r in rows:
        v[f"stats.{r}"] = this[r]
    for r in rows:
        if r in {"active.total", "requests.total", "replies.total"}:
            continue
        v[f"stats.{r}.cumulative"] = this[r] * years_back + (rng.randint(0, 40) if this[r] else 0)
    for total, parts in (
        ("active.total", ("active.website", "active.gazette")),
        ("requests.total", channels),
        ("replies.total", ("replies.granted", "replies.partially_granted", "replies.denied", "replies.other")),
    ):
        v[f"stats.{total}.cumulative"] = sum(v[f"stats.{p}.cumulative"] for p in parts)


def generate(rng: random.Random, template: str, kind: str, year: int, previous: Figures | None = None,
             break_carry: bool = False) -> Figures:
    """Figures for one report; `kind` is government, town or department (sets the magnitudes).

    `previous` is the same agency's figures for the year before: what it carried forward is
    carried over, except in one column when `break_carry` (recorded as `carry_break`)."""
    v: dict[str, float] = {}
    if template == "pre2019":
        rows = FUJIAN_STATS if rng.random() < 0.6 else OTHER_STATS
        _fill_pre2019(rng, kind, v, rows, year)
        fig = Figures(template, v, rows)
    else:
        size = {"government": 18, "town": 4, "department": 7}[kind] * rng.uniform(0.3, 1.8)
        if template == "2021":
            _fill_active_2021(rng, kind, v)
        else:
            _fill_active_2019(rng, kind, v, previous)
        carries = previous is not None and _carried(previous, "natural_person") is not None
        broken = rng.choice(APPLICANT_COLUMNS[:2]) if break_carry and carries else None
        _fill_applications(rng, template, size, v, previous if carries else None, broken)
        _fill_appeals(rng, size, v)
        _totals(v, template)
        fig = Figures(template, v, carry_break=f"applications.carried_over.{broken}" if broken else None)
    return fig


#: The figures a report carries from its agency's report of the year before: (this year's key,
#: last year's keys whose sum it equals), for each template pair that has them.
def carried_keys(template: str, previous_template: str) -> list[tuple[str, tuple[str, ...]]]:
    pairs: list[tuple[str, tuple[str, ...]]] = []
    if template != "pre2019" and previous_template != "pre2019":
        for col in (*APPLICANT_COLUMNS, "total"):
            pairs.append((f"applications.carried_over.{col}", (f"applications.carried_forward.{col}",)))
    if template == previous_template == "2019":
        for row in ("licensing", "other_services", "punishment", "coercion", "fees"):
            pairs.append((f"active.{row}.previous_count", (f"active.{row}.previous_count", f"active.{row}.change")))
    return pairs


def carry_breaks(figures: Figures, previous: Figures | None) -> list[str]:
    """The keys of `figures` that do not carry `previous`'s figures (see `carried_keys`)."""
    if previous is None:
        return []
    out = []
    for key, sources in carried_keys(figures.template, previous.template):
        if key in figures.values and all(s in previous.values for s in sources):
            if figures.values[key] != sum(previous.values[s] for s in sources):
                out.append(key)
    return out


def seeded(seed: str, template: str) -> Figures:
    """The figures of one seed report, totals derived from its sparse values."""
    v: dict[str, float] = dict.fromkeys(keys(template), 0)
    v.update(SEED_VALUES[seed])
    if template == "pre2019":
        rows = FUJIAN_STATS
        v = {k: v[k] for k in v if k.split(".cumulative")[0][len("stats."):] in rows}
        return Figures(template, v, rows)
    _totals(v, template)
    return Figures(template, v)


def spoil_total(rng: random.Random, fig: Figures) -> None:
    """Print one total wrong, the way a hand-typed table sometimes does."""
    if fig.template == "pre2019":
        key = rng.choice(["stats.replies.total", "stats.requests.total", "stats.active.total"])
    else:
        key = rng.choice(["applications.total_handled.total", "applications.new_received.total",
                          "applications.granted.total"])
    fig.values[key] = fig.values[key] + rng.choice([1, 2, -1, 10]) if fig.values[key] > 1 else fig.values[key] + 1
    fig.inconsistent = key
