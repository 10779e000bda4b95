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

    def check(name: str, keys: list[str], holds, detail) -> None:
        """Record `holds(*figures)` for the figures of `keys`, or count it skipped if one is missing."""
        nonlocal skipped
        figures = [values.get(k) for k in keys]
        if None in figures:
            skipped += 1
        else:
            out.append({"name": name, "ok": holds(*figures), "detail": detail(*figures)})

    def sums_to_total(name: str, part_keys: list[str], total_key: str, label: str = "") -> None:
        def holds(*figures):
            *parts, total = figures
            return _eq(sum(parts), total)

        def detail(*figures):
            *parts, total = figures
            return f"{label}{' + '.join(_fmt(p) for p in parts)} = {_fmt(sum(parts))}; 总计 {_fmt(total)}"

        check(name, [*part_keys, total_key], holds, detail)

    app = "applications.{}.{}".format
    sub_rows = any(k.startswith(("applications.other_no_correction.", "applications.other_no_fee.",
                                 "applications.other_misc.")) for k in values)
    # A 2021 report may print table 三 the 2019 way, with one (六)其他处理 row: check it as printed.
    aggregated = template == "2021" and not sub_rows and any(k.startswith("applications.other.") for k in values)
    as_printed = T.TEMPLATE_2021 if template == "2021" and not aggregated else T.TEMPLATE_2019
    for col in _COLUMNS:
        check(f"applications.balance.{col}",
              [app("new_received", col), app("carried_over", col), app("total_handled", col), app("carried_forward", col)],
              lambda new, old, done, carry: _eq(new + old, done + carry),
              lambda new, old, done, carry: f"新收 {_fmt(new)} + 上年结转 {_fmt(old)} = {_fmt(new + old)}; "
                                            f"办理总计 {_fmt(done)} + 结转下年 {_fmt(carry)} = {_fmt(done + carry)}")
    for col in _COLUMNS:
        sums_to_total(f"applications.handled.{col}", [app(r, col) for r in as_printed.result_rows],
                      app("total_handled", col), "办理结果 ")
    for row in as_printed.table("applications").blocks[0].rows:
        sums_to_total(f"applications.row.{row.key}", [app(row.key, c) for c in _PARTS], app(row.key, "total"))
    for row in _APPEAL_ROWS:
        sums_to_total(f"appeals.{row}", [f"appeals.{row}.{o}" for o in _OUTCOMES], f"appeals.{row}.total")
    return out, skipped
