"""What a crawl prints for a person, piece by piece: the summary at the end of a run (folded over
many portals), a portal's line without an archive, the progress line, the contact warning."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import Settings

from crawler import monitors, progress, run


def row(portal: str, health: str | None = "ok", errors: int = 0) -> dict:
    return {"portal": portal, "requests": 10, "bytes": 2_000_000, "listed": 4, "new_reports": 4, "new_versions": 0,
            "unchanged": 0, "not_modified": 0, "not_due": 0, "gone": 0, "errors": errors, "health": health}


def test_a_few_portals_get_a_line_each():
    lines = run.summary_lines([row("a"), row("b", "failed")], Path("x.db"))
    assert [line.split(":")[0] for line in lines] == ["a", "b"]
    assert lines[1].endswith("; FAILED")


def test_many_portals_fold_into_a_total_and_the_portals_that_need_a_look():
    rows = [row(f"p{n:02d}") for n in range(20)] + [row("bad", "failed"), row("flaky", errors=2)]
    lines = run.summary_lines(rows, Path("x.db"))
    assert lines[0].startswith("22 portals: 220 requests, 44.00 MB, 88 listed, 88 new") and lines[0].endswith(
        "; 21 healthy, 1 FAILED")
    assert [line.split(":")[0] for line in lines[1:3]] == ["bad", "flaky"]
    assert lines[-1] == "every portal: nianbao runs --db x.db" and len(lines) == 4


def test_without_an_archive_a_portal_line_says_nothing_was_archived():
    stats = {"nianbao/listed": 44, "nianbao/reports/page": 40, "nianbao/reports/attachment": 3, "downloader/request_count": 60}
    assert "44 listed: 43 fetched, 0 not due, nothing archived; 0 errors" in monitors.summary(stats, archived=False)
    assert "0 new, 0 changed" in monitors.summary(stats)


def test_the_progress_counts_what_is_left():
    counts = progress.PortalCounts.of({"nianbao/list_pages": 3, "nianbao/reports_known": 50, "nianbao/reports/page": 30,
                                       "nianbao/report_failed": 2, "nianbao/report_gone": 1, "nianbao/recheck/not_due": 7})
    assert (counts.lists, counts.found, counts.fetched, counts.done, counts.left) == (3, 50, 30, 40, 10)


def test_a_crawl_without_a_contact_warns_and_one_with_it_does_not(capsys):
    settings = Settings({"NIANBAO_DEFAULT_CONTACT": "https://example.org/nianbao",
                         "NIANBAO_CONTACT": "https://example.org/nianbao"})
    run._warn_without_contact(settings)
    assert "NIANBAO_CONTACT is not set" in capsys.readouterr().err
    settings.set("NIANBAO_CONTACT", "mailto:me@example.org")
    run._warn_without_contact(settings)
    assert capsys.readouterr().err == ""


def test_a_warning_with_a_traceback_is_one_line_on_the_terminal_and_whole_in_the_log(capsys, tmp_path):
    """A browser page that times out is logged with its traceback (scrapy-playwright): the terminal
    gets the warning's line, the run's log file the traceback."""
    import logging

    from crawler.progress import TerminalHandler

    logger = logging.getLogger("nianbao.test.one_line")
    logger.propagate = False
    terminal = TerminalHandler(logging.WARNING, one_line=True)
    log_file = logging.FileHandler(tmp_path / "run.log", encoding="utf-8")
    logger.addHandler(terminal)
    logger.addHandler(log_file)
    try:
        try:
            raise TimeoutError("Timeout 30000ms exceeded")
        except TimeoutError:
            logger.warning("Closing page due to failed request", exc_info=True)
        logger.warning("two\nlines")
    finally:
        logger.removeHandler(terminal)
        logger.removeHandler(log_file)
        log_file.close()
    printed = capsys.readouterr().err.splitlines()
    assert printed == ["Closing page due to failed request … (the rest in the run's log file)",
                       "two … (the rest in the run's log file)"]
    logged = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged and "TimeoutError: Timeout 30000ms exceeded" in logged
    assert "two\nlines" in logged
