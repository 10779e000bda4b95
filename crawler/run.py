"""`nianbao crawl`, `nianbao demo` and `nianbao runs`: crawls into an archive file.

`crawl` runs the named spiders (all of them by default) in one process with Scrapy's
CrawlerProcess and the project's settings, archiving into `--db` (default `nianbao.db` in the
working directory). Each crawl is one row of the archive's `crawl_runs` table. `demo` does the same
against the built-in replicas of the portals, served in-process: the whole chain, offline.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

DEFAULT_DB = "nianbao.db"


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


def crawl(db: str | Path, portals: tuple[str, ...] | list[str] = (), *, overrides: dict | None = None) -> int:
    """Crawl `portals` (all when empty) into the archive `db`. Returns the exit status (0 = all finished)."""
    from scrapy.crawler import CrawlerProcess

    from archive import db as archive_db
    from archive import open_archive, runs

    from scrapy.spiderloader import get_spider_loader

    path = Path(db).resolve()
    settings = project_settings(path, overrides=overrides)
    known = get_spider_loader(settings).list()
    names = list(portals) or sorted(known)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.UsageError(f"unknown portal(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    process = CrawlerProcess(settings)

    database = open_archive(path)
    run_id = archive_db.write(database, lambda d: runs.start(d, portals=names, command=" ".join(sys.argv)))
    database.close()
    settings.set("NIANBAO_RUN_ID", run_id, priority="cmdline")

    crawlers = []
    for name in names:
        crawler = process.create_crawler(name)
        crawlers.append(crawler)
        process.crawl(crawler)
    outcome, problems = "interrupted", []
    try:
        process.start()
        problems = [
            f"{crawler.spider.name if crawler.spider else '?'}: finished with "
            f"{crawler.stats.get_value('finish_reason')}"
            for crawler in crawlers
            if crawler.stats.get_value("finish_reason") != "finished"
        ]
        outcome = "failed" if problems else "finished"
    finally:
        database = archive_db.connect(path)
        archive_db.write(database, lambda d: runs.finish(d, run_id, outcome, "\n".join(problems) or None))
        summary = list(database.query("SELECT * FROM crawl_run_portals WHERE run_id = ? ORDER BY portal", [run_id]))
        database.close()
    for row in summary:
        click.echo(
            f"{row['portal']}: {row['items']} items, {row['new_reports']} new, {row['new_versions']} changed, "
            f"{row['unchanged']} unchanged, {row['not_modified']} not modified, {row['gone']} gone, "
            f"{row['errors']} errors",
            err=True,
        )
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"run {run_id} {outcome}: archive {path}", err=True)
    return 0 if outcome == "finished" else 1


@click.command("crawl")
@click.argument("portals", nargs=-1)
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help="Archive file.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
def crawl_command(portals: tuple[str, ...], db: str, overrides: tuple[str, ...]) -> None:
    """Crawl PORTALS (all when none are named) into the archive file."""
    sys.exit(crawl(db, portals, overrides=_parse_overrides(overrides)))


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
def demo_command(db: str) -> None:
    """Serve the built-in portal replicas and crawl all five into the archive: the chain, offline."""
    from replica import ReplicaServer

    with ReplicaServer() as server:
        os.environ["NIANBAO_REPLICA"] = server.url
        click.echo(f"replicas serving at {server.url}", err=True)
        status = crawl(db, (), overrides=REPLICA_SPEED)
    click.echo(
        f"\nNext: nianbao export --db {db} --format jsonl | head -1\n"
        f"      sqlite3 {db} 'select * from report_figures limit 5'\n"
        f"      nianbao serve --db {db}",
        err=True,
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
        rows = list(archive.db.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", [last]))
        for run in rows:
            run["portals"] = list(
                archive.db.query("SELECT * FROM crawl_run_portals WHERE run_id = ? ORDER BY portal", [run["id"]])
            )
    if as_json:
        for run in rows:
            click.echo(json.dumps(run, ensure_ascii=False))
        return
    for run in rows:
        click.echo(f"run {run['id']}  {run['started_at']} → {run['finished_at'] or '…'}  {run['outcome']}")
        for p in run["portals"]:
            click.echo(
                f"  {p['portal']:<10} {p['requests']:>6} req {p['bytes']:>11} B  {p['new_reports']:>5} new "
                f"{p['new_versions']:>4} changed {p['unchanged']:>5} same {p['not_modified']:>5} 304 "
                f"{p['gone']:>3} gone {p['errors']:>4} err"
            )
        if run["message"]:
            click.echo("  " + run["message"].replace("\n", "\n  "))


