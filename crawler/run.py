"""`nianbao crawl`, `nianbao demo` and `nianbao runs`: the nightly crawl into an archive file.

`nianbao crawl` runs the named spiders (all of them by default) in one process with Scrapy's
CrawlerProcess and the project's settings, archiving into `--db` (default `nianbao.db` in the
working directory). It is meant to run unattended, every night (see `deploy/`):

- **one run at a time**: it holds `<db>.lock` (filelock) while it runs; a second `nianbao crawl`
  on the same archive exits at once with status 75 and names the run in progress;
- **one record per run**: a row of `crawl_runs` (start, end, outcome) and one of
  `crawl_run_portals` per portal (requests, bytes, listed, new, changed, unchanged, not modified,
  not due, gone, errors, seconds, health). A run that died without a word (SIGKILL, power cut)
  is marked `killed` by the next run;
- **incremental**: archived reports are asked for conditionally and only when due on the
  re-check schedule (`crawler/recheck.py`); list pages are crawled every run;
- **resumable**: each spider keeps Scrapy's job directory (JOBDIR) under `<db>.jobs/<run>/<spider>`.
  A run stopped by Ctrl-C or SIGTERM leaves its queue and state there; a run killed outright
  leaves no usable queue, but every report it archived is committed with its run id. The next run
  started within `NIANBAO_RESUME_WITHIN_HOURS` (default 36: the next night too, so a crawl cut
  short by a timeout every night still progresses) takes the job directory over, skips what the
  interrupted run(s) already fetched and crawls the rest. After a clean finish the job directory
  is removed, so the next night starts afresh;
- **health**: Spidermon checks each portal when it closes (`crawler/monitors.py`); a portal whose
  lists yield nothing or far fewer reports than last time, or whose report pages stop parsing,
  fails the run: one line names the portal, the URL and the reason, the other portals finish;
- **logs** go to stderr and to `<db>.logs/run-<N>.log` (one file per run, its path printed).

Exit status: 0 all portals finished and healthy; 1 a portal failed its health checks or its crawl
errored; 3 the run was interrupted (Ctrl-C, SIGTERM: the next run resumes it); 75 another crawl
holds the archive's lock; 2 a usage error.

`demo` does the same against the built-in replicas of the portals, served in-process: the whole
chain, offline.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import click

DEFAULT_DB = "nianbao.db"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 3
#: EX_TEMPFAIL (sysexits.h): try again later; systemd and cron logs tell it from a failure.
EXIT_LOCKED = 75

logger = logging.getLogger(__name__)


def project_settings(db: str | Path, *, run_id: int | None = None, overrides: dict | None = None):
    """The project's Scrapy settings, archiving into `db`. Reads NIANBAO_* from the environment."""
    os.environ["NIANBAO_DB"] = str(db)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("NIANBAO_DB", str(db), priority="cmdline")
    if run_id is not None:
        settings.set("NIANBAO_RUN_ID", run_id, priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def jobs_root(db: Path) -> Path:
    return db.with_name(db.name + ".jobs")


def logs_root(db: Path) -> Path:
    return db.with_name(db.name + ".logs")


def crawl(db: str | Path, portals: tuple[str, ...] | list[str] = (), *, overrides: dict | None = None,
          verbose: bool = False) -> int:
    """Crawl `portals` (all when empty) into the archive `db`. Returns the exit status (see module doc).

    The log goes to the run's log file; the terminal gets warnings and errors (everything when
    `verbose`), a progress display, and on stdout the summary at the end."""
    from filelock import FileLock, Timeout
    from scrapy.spiderloader import get_spider_loader

    path = Path(db).resolve()
    settings = project_settings(path, overrides=overrides)
    from . import registry

    known = get_spider_loader(settings).list()
    # Every registry portal; a platform's generic spider only when named (it needs a start URL).
    names = list(portals) or registry.keys()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.UsageError(f"unknown portal(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(path)), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        click.echo(f"nianbao crawl: {_running_message(path)}; not starting a second one (lock {lock_path(path)})", err=True)
        return EXIT_LOCKED
    try:
        return _crawl_locked(path, names, settings, verbose=verbose)
    finally:
        lock.release()


def _running_message(path: Path) -> str:
    from archive import db as archive_db
    from archive import runs

    try:
        database = archive_db.connect(path, readonly=True)
        try:
            run = runs.running(database)
        finally:
            database.close()
    except Exception:
        run = None
    if run is None:
        return f"another crawl is running into {path}"
    return f"run {run['id']} (pid {run['pid']}, started {run['started_at']}) is still crawling into {path}"


def _crawl_locked(path: Path, names: list[str], settings, *, verbose: bool = False) -> int:
    from scrapy.crawler import CrawlerProcess

    from .progress import RunDisplay

    from archive import db as archive_db
    from archive import open_archive, runs

    database = open_archive(path)
    killed = archive_db.write(database, lambda d: runs.mark_abandoned(d))
    previous, previous_outcome, resumed_runs = _resumable(path, database, settings)
    run_id = archive_db.write(
        database, lambda d: runs.start(d, portals=names, command=" ".join(sys.argv), resumed_from=previous)
    )
    log_file = _log_file(path, run_id, settings)
    archive_db.write(database, lambda d: d.execute("UPDATE crawl_runs SET log_file = ? WHERE id = ?", [str(log_file), run_id]))
    database.close()

    what = ", ".join(names) if len(names) <= 5 else f"{len(names)} portals"
    click.echo(f"run {run_id}: crawling {what} into {path}; log {log_file}", err=True)
    _warn_without_contact(settings)
    handlers = [_log_to_file(log_file, settings), _log_to_terminal(settings, verbose)]
    # The handlers above stand in for Scrapy's own (which would print everything to stderr).
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    display = RunDisplay.for_terminal(len(names), settings)
    crawlers: list = []
    jobs = None
    outcome, problems = "failed", []
    started = time.monotonic()
    try:
        # From here on the run is recorded however it ends, even if the crawl cannot start.
        try:
            jobs = _take_over_jobs(path, previous, run_id, keep_queue=previous_outcome == "interrupted")
            settings.set("NIANBAO_RUN_ID", run_id, priority="cmdline")
            settings.set("NIANBAO_JOBS_DIR", str(jobs), priority="cmdline")
            settings.set("NIANBAO_RESUMED_RUNS", resumed_runs, priority="cmdline")
            process = CrawlerProcess(settings)
            for run in killed:
                logger.warning("run %s %s", run["id"], run["message"])
            if previous:
                logger.info("run %s resumes run %s (job directory %s)", run_id, previous, jobs)
            crawl_in_turn(process, names, crawlers, settings.getint("NIANBAO_PORTALS_AT_ONCE"), prepare=display.add)
            display.start()
            try:
                process.start()
            finally:
                display.stop()
            outcome, problems = _verdict(crawlers)
        except BaseException as error:  # recorded, then raised: the traceback is the message
            problems = [f"the crawl stopped: {error!r}"]
            raise
        finally:
            database = archive_db.connect(path)
            archive_db.write(database, lambda d: _record(d, run_id, crawlers, outcome, problems))
            summary = list(database.query("SELECT * FROM crawl_run_portals WHERE run_id = ? ORDER BY portal", [run_id]))
            database.close()
            if outcome != "interrupted" and jobs is not None:
                _clean_jobs(jobs, crawlers)
        for line in summary_lines(summary, path):
            click.echo(line)
        for problem in problems:
            click.echo(problem)
        for notice in _notices(crawlers):
            click.echo(f"noticed: {notice}")
        click.echo(f"run {run_id} {outcome} in {time.monotonic() - started:.1f} s: archive {path}; log {log_file}")
    finally:
        for handler in handlers:
            logging.root.removeHandler(handler)
            handler.close()
    return {"finished": EXIT_OK, "interrupted": EXIT_INTERRUPTED}.get(outcome, EXIT_FAILED)


#: The lane every portal that renders with a browser takes besides its sites (see `crawl_in_turn`).
BROWSER_LANE = "<browser>"


def crawl_in_turn(process, spiders: list, crawlers: list, at_once: int, prepare=None,
                  browsers_at_once: int | None = None) -> None:
    """Crawl `spiders` (names or classes) `at_once` at a time, each next one as soon as one finishes,
    so that memory stays bounded however many portals the registry holds. Portals that share a host
    never run at the same time: one host is crawled as politely as one portal would crawl it. Of the
    portals whose lists a browser renders, at most `browsers_at_once` run at a time (default: the
    setting `NIANBAO_BROWSER_PORTALS_AT_ONCE`). `crawlers` gets each one as it starts (after
    `prepare(crawler)`, e.g. to connect signals). After an interrupt (Ctrl-C, SIGTERM) no further
    spider starts: the next run crawls them."""
    waiting = list(spiders)
    if browsers_at_once is None:
        browsers_at_once = process.settings.getint("NIANBAO_BROWSER_PORTALS_AT_ONCE")
    room = {BROWSER_LANE: max(1, browsers_at_once)}
    lanes = {id(spider): portal_lanes(spider, process) for spider in waiting}
    busy: dict[str, int] = {}
    running = [0]

    def free(spider) -> bool:
        return all(busy.get(lane, 0) < room.get(lane, 1) for lane in lanes[id(spider)])

    def startable() -> int | None:
        # Of the portals free to start, one of the host with the most portals still waiting: a host's
        # portals run one after another, so the longest such chain starts first.
        ready = [i for i, spider in enumerate(waiting) if free(spider)]
        if not ready:
            return None
        queued: dict[str, int] = {}
        for spider in waiting:
            for lane in lanes[id(spider)]:
                queued[lane] = queued.get(lane, 0) + 1

        def chain(i: int) -> float:
            spider_lanes = lanes[id(waiting[i])]
            return max((queued[lane] / room.get(lane, 1) for lane in spider_lanes), default=1)

        return max(ready, key=lambda i: (chain(i), -i))

    def fill() -> None:
        while waiting and running[0] < max(1, at_once):
            index = startable()
            if index is None:
                return
            spider = waiting.pop(index)
            for lane in lanes[id(spider)]:
                busy[lane] = busy.get(lane, 0) + 1
            running[0] += 1
            crawler = process.create_crawler(spider)
            if prepare is not None:
                prepare(crawler)
            crawlers.append(crawler)
            process.crawl(crawler).addBoth(finished, crawler, spider)

    def finished(result, crawler, spider):
        running[0] -= 1
        for lane in lanes[id(spider)]:
            busy[lane] -= 1
            if not busy[lane]:
                del busy[lane]
        if crawler.stats.get_value("finish_reason") == "shutdown":
            waiting.clear()
        else:
            fill()
        return result

    fill()


def portal_lanes(spider, process=None) -> set[str]:
    """What a portal holds while it runs: its sites, and the browser lane if its lists need one.

    A spider class that stands in for a registry portal (a benchmark's replay) names it in
    `runs_as` and takes that portal's lanes."""
    spider = getattr(spider, "runs_as", None) or spider
    lanes = portal_sites(spider)
    spider_class = spider
    if isinstance(spider, str) and process is not None:
        try:
            spider_class = process.spider_loader.load(spider)
        except KeyError:
            spider_class = None
    if getattr(spider_class, "uses_browser", False):
        lanes.add(BROWSER_LANE)
    return lanes


def portal_sites(spider) -> set[str]:
    """The sites (hosts without `www.`) a spider's portal crawls."""
    from urllib.parse import urlsplit

    from . import registry

    name = spider if isinstance(spider, str) else getattr(spider, "name", "")
    try:
        return set(registry.get(name).sites)
    except KeyError:
        urls = [] if isinstance(spider, str) else getattr(spider, "start_urls", [])
        return {registry.site_of(urlsplit(u).hostname or "") for u in urls}


def _verdict(crawlers) -> tuple[str, list[str]]:
    """The run's outcome and its problems, one line each (`portal: URL: reason`)."""
    problems: list[str] = []
    interrupted = False
    for crawler in crawlers:
        name = crawler.spider.name if crawler.spider else crawler.spidercls.name
        reason = crawler.stats.get_value("finish_reason")
        problems += crawler.stats.get_value("nianbao/health/problems") or []
        if reason == "shutdown":
            interrupted = True
        elif reason != "finished":
            start = (getattr(crawler.spidercls, "start_urls", None) or ["?"])[0]
            problems.append(f"{name}: {start}: the crawl ended with {reason or 'an error before it started'}")
    if interrupted:
        return "interrupted", problems
    return ("failed" if problems else "finished"), problems


def _notices(crawlers) -> list[str]:
    """What the health checks noticed without failing a portal (crawler/monitors.py NOTICES)."""
    return [line for crawler in crawlers for line in crawler.stats.get_value("nianbao/health/notices") or []]


def _record(database, run_id: int, crawlers, outcome: str, problems: list[str]) -> None:
    from archive import runs

    for crawler in crawlers:
        stats = crawler.stats
        name = crawler.spider.name if crawler.spider else crawler.spidercls.name
        own = [p for p in problems if p.startswith(f"{name}: ")]
        noticed = [n for n in stats.get_value("nianbao/health/notices") or [] if n not in own]
        checked = stats.get_value("nianbao/health/checked")
        spider = crawler.spider
        runs.record_portal(
            database, run_id, name,
            listed=stats.get_value("nianbao/listed") or 0,
            not_due=(stats.get_value("nianbao/recheck/not_due") or 0) + (stats.get_value("nianbao/recheck/resumed") or 0),
            seconds=stats.get_value("nianbao/seconds"),
            health="failed" if own else ("ok" if checked and stats.get_value("finish_reason") == "finished" else None),
            problems=own + noticed,
            list_yields=getattr(spider, "list_yields", None),
        )
    runs.finish(database, run_id, outcome, "\n".join(problems) or None)


#: Up to this many portals, the end of a run prints a line for each; above, one for the run and a
#: line for each portal that failed or had errors (`nianbao runs` has them all).
SUMMARY_PORTALS = 12


def summary_lines(rows: list[dict], path: Path) -> list[str]:
    if len(rows) <= SUMMARY_PORTALS:
        return [_portal_line(row) for row in rows]
    total = {key: sum(row[key] or 0 for row in rows) for key in (
        "requests", "bytes", "listed", "new_reports", "new_versions", "unchanged", "not_modified", "not_due", "gone",
        "errors")}
    healthy = sum(row["health"] == "ok" for row in rows)
    failed = sum(row["health"] == "failed" for row in rows)
    verdict = f"{healthy} healthy" + (f", {failed} FAILED" if failed else "") + (
        f", {len(rows) - healthy - failed} not checked" if len(rows) - healthy - failed else "")
    lines = [_portal_line({**total, "portal": f"{len(rows)} portals", "health": None}).rsplit(";", 1)[0] + f"; {verdict}"]
    lines += [_portal_line(row) for row in rows if row["health"] != "ok" or row["errors"]]
    lines.append(f"every portal: nianbao runs --db {path}")
    return lines


def _portal_line(row: dict) -> str:
    health = {"ok": "healthy", "failed": "FAILED"}.get(row["health"] or "", "not checked")
    return (
        f"{row['portal']}: {row['requests']} requests, {row['bytes'] / 1e6:.2f} MB, {row['listed']} listed, "
        f"{row['new_reports']} new, {row['new_versions']} changed, {row['unchanged']} unchanged, "
        f"{row['not_modified']} not modified, {row['not_due']} not due, {row['gone']} gone, "
        f"{row['errors']} errors; {health}"
    )


# -- resuming ------------------------------------------------------------------------------------


def _resumable(path: Path, database, settings) -> tuple[int | None, str | None, list[int]]:
    """The run whose job directory this run takes over, how it ended, and the runs whose fetches
    count as done."""
    from archive import runs

    root = jobs_root(path)
    left = sorted((int(p.name) for p in root.glob("*") if p.is_dir() and p.name.isdigit()), reverse=True) if root.exists() else []
    if not left:
        return None, None, []
    previous = left[0]
    row = database.execute("SELECT outcome, started_at FROM crawl_runs WHERE id = ?", [previous]).fetchone()
    within = settings.getfloat("NIANBAO_RESUME_WITHIN_HOURS", 36)
    started = _parse_time(row[1]) if row else None
    age = (datetime.now(timezone.utc) - started).total_seconds() / 3600 if started else None
    if row is None or row[0] not in ("killed", "interrupted", "running") or age is None or age > within:
        why = "its run is unknown" if row is None else (
            f"its run ended {row[0]}" if row[0] not in ("killed", "interrupted", "running") else f"it is {age:.0f} h old")
        logger.info("not resuming from %s: %s", root / str(previous), why)
        for stale in left:
            shutil.rmtree(root / str(stale), ignore_errors=True)
        return None, None, []
    for stale in left[1:]:
        shutil.rmtree(root / str(stale), ignore_errors=True)
    chain = runs.resumed_chain(database, previous)
    recent = []
    for run in chain:
        started_at = database.execute("SELECT started_at FROM crawl_runs WHERE id = ?", [run]).fetchone()
        when = _parse_time(started_at[0]) if started_at else None
        if when and (datetime.now(timezone.utc) - when).total_seconds() / 3600 <= within:
            recent.append(run)
    return previous, row[0], recent


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _take_over_jobs(path: Path, previous: int | None, run_id: int, *, keep_queue: bool) -> Path:
    """`<db>.jobs/<run_id>`: the interrupted run's job directory, renamed, or a new one.

    Scrapy writes a job's queue (`requests.queue/active.json`) and the spider's state only when it
    stops gracefully, and leaves them in place while a resumed run pops from the queue. So they
    are kept only after a graceful stop (`keep_queue`); after a kill they are missing, or an older
    stop's files that no longer match the queue, and the archive alone says what is done.
    """
    root = jobs_root(path)
    jobs = root / str(run_id)
    if previous is not None and (root / str(previous)).is_dir():
        (root / str(previous)).rename(jobs)
        for spider_dir in jobs.iterdir():
            if not keep_queue or not (spider_dir / "requests.queue" / "active.json").exists():
                shutil.rmtree(spider_dir / "requests.queue", ignore_errors=True)
                (spider_dir / "spider.state").unlink(missing_ok=True)
    jobs.mkdir(parents=True, exist_ok=True)
    return jobs


def _clean_jobs(jobs: Path, crawlers) -> None:
    """Remove the job directories of the spiders that finished: the next run starts them afresh."""
    for crawler in crawlers:
        if crawler.stats.get_value("finish_reason") == "finished":
            name = crawler.spider.name if crawler.spider else crawler.spidercls.name
            shutil.rmtree(jobs / name, ignore_errors=True)
    for directory in (jobs, jobs.parent):
        try:
            directory.rmdir()
        except OSError:
            break


# -- logs ----------------------------------------------------------------------------------------


def _log_file(path: Path, run_id: int, settings) -> Path:
    folder = Path(settings.get("NIANBAO_LOG_DIR") or logs_root(path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{run_id}.log"


def _log_to_terminal(settings, verbose: bool) -> logging.Handler:
    """Warnings and errors on stderr, a line each (everything, tracebacks too, with `verbose`): the
    rest is in the log file."""
    from .progress import TerminalHandler

    level = logging.getLevelName(settings.get("LOG_LEVEL") or "INFO") if verbose else logging.WARNING
    handler = TerminalHandler(level, one_line=not verbose)
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT")))
    logging.root.addHandler(handler)
    return handler


def _warn_without_contact(settings) -> None:
    if settings.get("NIANBAO_CONTACT") == settings.get("NIANBAO_DEFAULT_CONTACT") and not settings.get("NIANBAO_REPLICA"):
        click.echo("warning: NIANBAO_CONTACT is not set, so the User-Agent gives the project's address, not yours: "
                   "set it to a URL or mailto: of whoever runs this crawl", err=True)


def _log_to_file(log_file: Path, settings) -> logging.Handler:
    """Everything Scrapy logs to stderr goes to the run's log file too."""
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT")))
    handler.setLevel(settings.get("LOG_LEVEL") or "INFO")
    logging.root.addHandler(handler)
    if logging.root.level > handler.level:
        logging.root.setLevel(handler.level)
    return handler


# -- commands ------------------------------------------------------------------------------------


@click.command("crawl")
@click.argument("portals", nargs=-1)
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="Archive file.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("-v", "--verbose", is_flag=True, help="Print the whole log on stderr too (it is always in the run's log file).")
def crawl_command(portals: tuple[str, ...], db: str, overrides: tuple[str, ...], verbose: bool) -> None:
    """Crawl PORTALS (all when none are named) into the archive file.

    Exit status: 0 all healthy; 1 a portal failed (its line names it); 3 interrupted (the next
    run resumes it); 75 another crawl holds the archive's lock.
    """
    sys.exit(crawl(db, portals, overrides=_parse_overrides(overrides), verbose=verbose))


def _parse_overrides(pairs: tuple[str, ...]) -> dict:
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if not name or not _:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--set")
        out[name] = value
    return out


#: A replica on this machine needs no politeness: crawl it as fast as it answers.
REPLICA_SPEED = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_BACKOFF_BASE": 0.1,
}


@click.command("demo")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="Archive file.")
@click.option("-v", "--verbose", is_flag=True, help="Print the whole log on stderr too (it is always in the run's log file).")
def demo_command(db: str, verbose: bool) -> None:
    """Serve the built-in portal replicas and crawl every registry portal into the archive: the chain, offline."""
    from replica import ReplicaServer

    with ReplicaServer() as server:
        os.environ["NIANBAO_REPLICA"] = server.url
        click.echo(f"replicas serving at {server.url}", err=True)
        status = crawl(db, (), overrides=REPLICA_SPEED, verbose=verbose)
    click.echo(
        f"\nNext: nianbao runs --db {db}\n"
        f"      nianbao export --db {db} --format jsonl | head -1\n"
        f"      sqlite3 {db} 'select * from report_figures limit 5'\n"
        f"      nianbao serve --db {db}"
    )
    sys.exit(status)


@click.command("runs")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-n", "--last", default=10, show_default=True, help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run.")
def runs_command(db: str, last: int, as_json: bool) -> None:
    """The last crawl runs, with per-portal counts."""
    from archive import Archive

    with Archive(db) as archive:
        # A cluster run's jobs are runs of their own, `part_of` it: shown as its portals (an archive
        # made before clusters has no such column).
        parts = "part_of" in archive.db["crawl_runs"].columns_dict
        rows = list(archive.db.query(
            f"SELECT * FROM crawl_runs {'WHERE part_of IS NULL' if parts else ''} ORDER BY id DESC LIMIT ?", [last]))
        for run in rows:
            run["portals"] = list(archive.db.query(
                "SELECT p.*, r.node FROM crawl_run_portals p JOIN crawl_runs r ON r.id = p.run_id "
                f"WHERE p.run_id = :id {'OR r.part_of = :id' if parts else ''} ORDER BY p.portal", {"id": run["id"]}))
    if as_json:
        for run in rows:
            click.echo(json.dumps(run, ensure_ascii=False))
        return
    header = (f"  {'portal':<10} {'req':>6} {'MB':>7} {'listed':>6} {'new':>5} {'chg':>4} {'same':>5} {'304':>5} "
              f"{'notdue':>6} {'gone':>4} {'err':>4} {'sec':>6}  health")
    for run in rows:
        resumed = f"  (resumes run {run['resumed_from']})" if run.get("resumed_from") else ""
        click.echo(f"run {run['id']}  {run['started_at']} → {run['finished_at'] or '…'}  {run['outcome']}{resumed}")
        if run["portals"]:
            click.echo(header)
        for p in run["portals"]:
            seconds = f"{p['seconds']:.1f}" if p.get("seconds") is not None else "-"
            click.echo(
                f"  {p['portal']:<10} {p['requests']:>6} {p['bytes'] / 1e6:>7.2f} {p['listed']:>6} {p['new_reports']:>5} "
                f"{p['new_versions']:>4} {p['unchanged']:>5} {p['not_modified']:>5} {p['not_due']:>6} {p['gone']:>4} "
                f"{p['errors']:>4} {seconds:>6}  {p['health'] or '-'}" + (f"  on {p['node']}" if p.get("node") else "")
            )
        if run["message"]:
            click.echo("  " + run["message"].replace("\n", "\n  "))
        failed = set((run["message"] or "").splitlines())
        for p in run["portals"]:
            for line in (p.get("problems") or "").splitlines():
                if line not in failed:
                    click.echo(f"  noticed: {line}")
