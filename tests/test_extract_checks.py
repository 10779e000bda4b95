"""Every identity of the templates is checked and recorded with its numbers; a failure is data."""

from __future__ import annotations

import extract
from extract import checks, render
from extract_fixtures import SEEDS_2021, gold, text_report


def _report(values: dict, stem: str = SEEDS_2021[2]):
    return extract.parse(text_report(stem, render.pipe_tables("2021", values)).encode(), filename="r.md")


def test_all_identities_of_a_full_2021_report_pass():
    report = _report(gold(SEEDS_2021[2])["values"])
    names = [c["name"] for c in report.checks]
    # 7 column balances, 7 handled sums, 25 row sums, 3 appeals sums.
    assert len(names) == len(set(names)) == 42
    assert all(c["ok"] for c in report.checks)


def test_a_wrong_row_total_is_a_failed_check_with_its_numbers():
    values = dict(gold(SEEDS_2021[2])["values"])
    values["applications.new_received.total"] += 5  # printed total no longer the sum of its row
    report = _report(values)
    assert report.values["applications.new_received.total"] == values["applications.new_received.total"]
    failed = {c["name"]: c for c in report.failed_checks}
    assert set(failed) == {"applications.row.new_received", "applications.balance.total"}
    row = failed["applications.row.new_received"]
    assert f"总计 {values['applications.new_received.total']}" in row["detail"]
    assert any("checks failed" in w for w in report.warnings)


def test_a_wrong_handled_total_fails_the_column_checks():
    values = dict(gold(SEEDS_2021[2])["values"])
    values["applications.total_handled.natural_person"] += 1
    values["applications.total_handled.total"] += 1
    report = _report(values)
    failed = {c["name"] for c in report.failed_checks}
    # The row still adds up (both cells +1); the natural-person and total columns do not.
    assert failed == {"applications.handled.natural_person", "applications.balance.natural_person",
                      "applications.handled.total", "applications.balance.total"}


def test_appeals_total_not_the_sum_of_its_outcomes():
    values = dict(gold(SEEDS_2021[0])["values"])
    values["appeals.review.upheld"] = 3
    report = _report(values, SEEDS_2021[0])
    failed = {c["name"]: c for c in report.failed_checks}
    assert set(failed) == {"appeals.review"}
    assert failed["appeals.review"]["detail"].startswith("3 + 0 + 0 + 0 = 3; 总计 0")


def test_checks_are_only_run_on_what_was_read():
    values = dict(gold(SEEDS_2021[0])["values"])
    del values["applications.granted.natural_person"]
    found, skipped = checks.run(values, "2021")
    assert skipped == 2  # the granted row's sum and the natural-person column's handled sum
    assert not any(c["name"] == "applications.row.granted" for c in found)
    assert checks.run({"stats.review": 1}, "pre2019") == ([], 0)
