"""The identities every 2019/2021 report's tables must satisfy, each recorded with its numbers.

A failed check is data: the printed table does not add up, and researchers filter on it.
"""

from __future__ import annotations

from . import templates as T

_COLUMNS = tuple(c.key for c in T.APPLICANTS)
_PARTS = T.APPLICANT_COLUMNS
_APPEAL_ROWS = tuple(r.key for r in T.APPEALS.blocks[0].rows)
_OUTCOMES = tuple(c.key for c in T.APPEAL_OUTCOMES[:-1])


def _fmt(x: int | float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _eq(a: int | float, b: int | float) -> bool:
    return abs(a - b) < 1e-6


def run(values: dict[str, int | float], template: str | None) -> tuple[list[dict], int]:
    """(checks, number of identities that could not be evaluated because values are missing)."""
    if template not in ("2021", "2019"):
        return [], 0
    out: list[dict] = []
    skipped = 0

    def get(*keys: str):
        return [values.get(k) for k in keys]

    def record(name: str, ok: bool, detail: str) -> None:
        out.append({"name": name, "ok": ok, "detail": detail})

    app = "applications.{}.{}".format
    sub_rows = any(k.startswith(("applications.other_no_correction.", "applications.other_no_fee.",
                                 "applications.other_misc.")) for k in values)
    if template == "2021" and (sub_rows or not any(k.startswith("applications.other.") for k in values)):
        results = T.TEMPLATE_2021.result_rows
    else:
        results = T.TEMPLATE_2019.result_rows
    for col in _COLUMNS:
        new, old, done, carry = get(app("new_received", col), app("carried_over", col),
                                    app("total_handled", col), app("carried_forward", col))
        if None in (new, old, done, carry):
            skipped += 1
        else:
            ok = _eq(new + old, done + carry)
            record(f"applications.balance.{col}", ok,
                   f"新收 {_fmt(new)} + 上年结转 {_fmt(old)} = {_fmt(new + old)}; "
                   f"办理总计 {_fmt(done)} + 结转下年 {_fmt(carry)} = {_fmt(done + carry)}")
    for col in _COLUMNS:
        parts = get(*(app(r, col) for r in results))
        done = values.get(app("total_handled", col))
        if done is None or None in parts:
            skipped += 1
        else:
            total = sum(parts)
            record(f"applications.handled.{col}", _eq(total, done),
                   f"办理结果 {' + '.join(_fmt(p) for p in parts)} = {_fmt(total)}; 总计 {_fmt(done)}")
    rows = [r.key for r in T.TEMPLATES_BY_NAME[template].table("applications").blocks[0].rows]
    if template == "2021" and not sub_rows and any(k.startswith("applications.other.") for k in values):
        rows = [r.key for r in T.TEMPLATE_2019.table("applications").blocks[0].rows]
    for row in rows:
        parts = get(*(app(row, c) for c in _PARTS))
        total = values.get(app(row, "total"))
        if total is None or None in parts:
            skipped += 1
        else:
            s = sum(parts)
            record(f"applications.row.{row}", _eq(s, total),
                   f"{' + '.join(_fmt(p) for p in parts)} = {_fmt(s)}; 总计 {_fmt(total)}")
    for row in _APPEAL_ROWS:
        parts = get(*(f"appeals.{row}.{o}" for o in _OUTCOMES))
        total = values.get(f"appeals.{row}.total")
        if total is None or None in parts:
            skipped += 1
        else:
            s = sum(parts)
            record(f"appeals.{row}", _eq(s, total),
                   f"{' + '.join(_fmt(p) for p in parts)} = {_fmt(s)}; 总计 {_fmt(total)}")
    return out, skipped
