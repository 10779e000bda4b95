"""`nianbao cluster crawl`: the registry's portals crawled as Scrapyd jobs on several machines.

A job is `scrapy crawl <portal>` on one Scrapyd node, archiving into a shard of its own (the
SQLite archive has one writer). The coordinator:

1. builds the project's egg from the installed packages and adds it to every
   node that lacks this version (`listversions.json`, `addversion.json`); the version is a hash of
   the egg's contents, so an unchanged project is never deployed twice;
2. spreads the portals over the nodes, balanced by each portal's seconds in its last run in the
   main archive (`crawl_run_portals.seconds`; portals never timed count as the average);
3. seeds each shard with its portal's part of the main archive (`archive.subset`), so the job
   asks conditionally (ETag, Last-Modified) and follows the re-check schedule as a
   single-machine nightly run would; the list-page and rendering caches live in the shard
   directory, so list pages cost a 304 whichever node crawls them;
4. schedules the jobs (`schedule.json`), a few per node at a time, and polls the nodes
   (`listjobs.json`); a merged shard is removed; a job that ends without its stats file
   (killed, crashed), ends other than `finished`, or vanishes from its node (the node restarted
   or is unreachable) has what it archived merged (its run marked `killed`) and is retried once
   on each other node, on a fresh shard (`<key>.<run>.<portal>.<attempt>.db`: a job given up on may still be
   writing its own);
5. merges each finished shard into the main archive (`archive.merge.merge_shard`, recording the
   node on the job's run) with the job's per-portal record (seconds, listed, health);
6. records the whole run as one `crawl_runs` row, the jobs' runs `part_of` it, and returns the
   portals (with their nodes) and nodes that failed (the CLI exits 1 naming them; 3 when stopped
   by SIGTERM or Ctrl-C, after cancelling its jobs).

Shards travel by **shared storage**: the shard directory must be the same path on the
coordinator and on every node (one machine, or an NFS/SMB mount). Why: a shard is an SQLite
file written in WAL mode by the job and read once by the merge; a shared directory needs no
extra service on the nodes and no second copy of the bytes. (An authenticated HTTP route on each
node is the alternative where no shared mount is possible; not built.)

Credentials for Scrapyd's basic auth come from NIANBAO_SCRAPYD_USERNAME and
NIANBAO_SCRAPYD_PASSWORD in the environment, never from the command line; nodes without auth
ignore them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import socket
import sqlite3
import sys
import tempfile
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click

from . import registry
from .run import EXIT_LOCKED, lock_path

logger = logging.getLogger(__name__)

PROJECT = "nianbao"
#: How often the coordinator asks the nodes how their jobs are doing.
POLL_SECONDS = 2.0
#: A node that does not answer for this long has lost its jobs: they are retried elsewhere.
NODE_LOST_SECONDS = 60.0
#: Jobs given to a node at once (Scrapyd's own default max_proc is 4 per CPU; each job seeds a shard).
JOBS_PER_NODE = 4


def scrapyd_auth() -> tuple[str, str] | None:
    username = os.environ.get("NIANBAO_SCRAPYD_USERNAME")
    if not username:
        return None
    return username, os.environ.get("NIANBAO_SCRAPYD_PASSWORD", "")


# -- the egg -------------------------------------------------------------------------------------

#: The packages a job needs, as `pyproject.toml` installs them.
PACKAGES = ("nianbao", "crawler", "spiders", "extract", "archive", "replica")


def build_egg(into: Path) -> Path:
    """The project's egg for Scrapyd, made of the nianbao packages this process imports: the
    installed version, from a checkout (editable install) or from site-packages alike, so the
    coordinator needs no source tree. Scrapyd activates it with pkg_resources (EGG-INFO/PKG-INFO)
    and finds the settings module through the `scrapy` entry point, as in an egg `scrapyd-deploy`
    builds."""
    from nianbao import __version__

    egg = into / "nianbao.egg"
    with zipfile.ZipFile(egg, "w", zipfile.ZIP_DEFLATED) as archive:
        for package in PACKAGES:
            folder = _package_folder(package)
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    archive.write(path, f"{package}/{path.relative_to(folder).as_posix()}")
        archive.writestr("EGG-INFO/PKG-INFO", f"Metadata-Version: 2.1\nName: nianbao\nVersion: {__version__}\n")
        archive.writestr("EGG-INFO/entry_points.txt", "[scrapy]\nsettings = crawler.settings\n")
        archive.writestr("EGG-INFO/top_level.txt", "\n".join(PACKAGES) + "\n")
        archive.writestr("EGG-INFO/zip-safe", "")
    return egg


def _package_folder(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise click.ClickException(f"cannot build the egg: the package {package!r} is not importable")
    return Path(list(spec.submodule_search_locations)[0])


def egg_version(egg: Path) -> str:
    """The egg's version for Scrapyd: the package version and a hash of the egg's file names and
    contents (not the zip's timestamps), in the characters Scrapyd keeps in a version."""
    from nianbao import __version__

    digest = hashlib.sha256()
    with zipfile.ZipFile(egg) as archive:
        for name in sorted(archive.namelist()):
            digest.update(name.encode() + b"\0" + archive.read(name) + b"\0")
    return f"{__version__.replace('.', '_')}_{digest.hexdigest()[:12]}"


# -- a node --------------------------------------------------------------------------------------

class Node:
    """One Scrapyd daemon, through scrapyd-client's ScrapydClient (addversion by hand: it has none)."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None) -> None:
        from scrapyd_client.pyclient import ScrapydClient

        self.url = url.rstrip("/")
        username, password = auth or (None, None)
        self.client = ScrapydClient(self.url, username=username, password=password)
        self.last_answer = time.monotonic()

    def __repr__(self) -> str:
        return self.url

    def versions(self) -> list[str]:
        from scrapyd_client.exceptions import ErrorResponse

        try:
            return self.client.versions(PROJECT)
        except ErrorResponse:  # the project is not on the node yet
            return []

    def add_version(self, version: str, egg: Path) -> None:
        import requests

        with egg.open("rb") as file:
            reply = requests.post(f"{self.url}/addversion.json", auth=self.client.auth, timeout=120,
                                  data={"project": PROJECT, "version": version}, files={"egg": file})
        reply.raise_for_status()
        answer = reply.json()
        if answer.get("status") != "ok":
            raise click.ClickException(f"{self.url}: addversion failed: {answer.get('message')}")

    def schedule(self, portal: str, version: str, settings: dict[str, str], job_id: str) -> str:
        args = [("_version", version), ("jobid", job_id)]
        args += [("setting", f"{name}={value}") for name, value in settings.items()]
        return self.client.schedule(PROJECT, portal, args)

    def unfinished(self, prefix: str) -> list[str]:
        """Ids of this node's pending and running jobs whose id starts with `prefix`."""
        answer = self.client.jobs(PROJECT)
        return [job["id"] for state in ("pending", "running") for job in answer.get(state, [])
                if str(job.get("id", "")).startswith(prefix)]

    def jobs(self) -> dict | None:
        """The node's jobs by id and state ('pending', 'running', 'finished'), or None if it did not answer."""
        try:
            answer = self.client.jobs(PROJECT)
        except Exception as error:  # noqa: BLE001 - unreachable, refused, malformed: the caller decides when it is lost
            logger.warning("%s did not answer: %s", self.url, error)
            return None
        self.last_answer = time.monotonic()
        return {job["id"]: state for state in ("pending", "running", "finished") for job in answer.get(state, [])}

    def cancel(self, job_id: str) -> None:
        """Stop a job (Scrapyd sends it SIGTERM: the crawl closes, its shard stays consistent)."""
        try:
            self.client.cancel(PROJECT, job_id)
        except Exception as error:  # noqa: BLE001 - the coordinator is stopping: tell, go on with the others
            logger.warning("%s: could not cancel job %s: %s", self.url, job_id, error)


def deploy(nodes: list[Node], egg: Path, version: str) -> list[Node]:
    """Add the egg to every node that lacks `version`; returns the nodes it was added to."""
    added = []
    for node in nodes:
        if version not in node.versions():
            node.add_version(version, egg)
            added.append(node)
    return added


# -- spreading the portals -----------------------------------------------------------------------

def last_seconds(main_db: Path, portals: list[str]) -> dict[str, float]:
    """Each portal's seconds in its latest timed run in the main archive (none if never timed)."""
    if not main_db.exists():
        return {}
    connection = sqlite3.connect(f"file:{main_db}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT portal, seconds FROM crawl_run_portals WHERE seconds IS NOT NULL ORDER BY run_id").fetchall()
    except sqlite3.OperationalError:  # not an archive with runs yet
        return {}
    finally:
        connection.close()
    wanted = set(portals)
    return {portal: float(seconds) for portal, seconds in rows if portal in wanted}


def spread(portals: list[str], nodes: list[Node], seconds: dict[str, float]) -> dict[str, Node]:
    """Longest first onto the least loaded node (LPT): each node's total time stays close. Portals
    that share a host go to one node together (their jobs run one after another, `_fill`), so that
    one host is crawled from one place as politely as one portal."""
    default = sum(seconds.values()) / len(seconds) if seconds else 1.0
    load = {node.url: 0.0 for node in nodes}
    by_url = {node.url: node for node in nodes}
    placed = {}
    groups = registry.host_groups(portals)
    for group in sorted(groups, key=lambda g: (-sum(seconds.get(p, default) for p in g), g[0])):
        url = min(load, key=lambda u: (load[u], list(load).index(u)))
        for portal in group:
            placed[portal] = by_url[url]
        load[url] += sum(seconds.get(p, default) for p in group)
    return placed


# -- jobs ----------------------------------------------------------------------------------------

@dataclass
class Job:
    portal: str
    node: Node
    shard: Path
    job_id: str = ""
    tried: list[str] = field(default_factory=list)
    #: What went wrong on the nodes tried before (recorded on the portal's row once it succeeds).
    history: list[str] = field(default_factory=list)
    state: str = "waiting"  # waiting, scheduled, done, failed

    @property
    def stats_file(self) -> Path:
        return self.shard.with_name(self.shard.name + ".stats.json")


def seed_shard(main_db: Path, shard: Path, portal: str) -> None:
    """A shard starts as the portal's part of the main archive (`archive.subset.copy_portal`): the
    job has the validators, the re-check schedule and the earlier runs of its portal, and the copy
    costs the portal's share of the archive, not the archive."""
    from archive.subset import copy_portal

    remove_shard(shard)  # left by an earlier run
    copy_portal(main_db, shard, portal)


def mark_killed(shard: Path, message: str, *, cluster_run: int | None) -> None:
    """The job's run in the shard of a job that died is `killed`, with why. Its ids are the main
    archive's, so the one other `running` run it holds is the cluster run that seeded it."""
    from archive import db as archive_db
    from archive.clock import utc_now

    database = archive_db.connect(shard)
    try:
        archive_db.write(database, lambda db: db.execute(
            "UPDATE crawl_runs SET outcome = 'killed', finished_at = ?, message = ? "
            "WHERE outcome = 'running' AND id IS NOT ?", [utc_now(), message, cluster_run]))
    finally:
        database.close()


def remove_shard(shard: Path) -> None:
    """A merged shard is in the main archive now (a failed one is kept, to look into)."""
    for suffix in ("", "-wal", "-shm", ".stats.json", ".node"):
        shard.with_name(shard.name + suffix).unlink(missing_ok=True)


def archive_key(main_db: Path) -> str:
    """Names this main archive's jobs and shards (`<key>.<run>.<portal>.<attempt>`), so that a run
    finds what an earlier run that died left on the nodes and in the shard directory, and leaves
    other archives' jobs alone."""
    return "nb" + hashlib.sha256(f"{socket.gethostname()}:{main_db.resolve()}".encode()).hexdigest()[:10]


def job_settings(job: Job, overrides: dict[str, str]) -> dict[str, str]:
    caches = job.shard.parent
    settings = {"NIANBAO_DB": str(job.shard), "NIANBAO_STATS_FILE": str(job.stats_file),
                # The portal's list pages and renderings kept run to run, whichever node crawls it.
                "NIANBAO_LIST_CACHE_DIR": str(caches / "httpcache"),
                "NIANBAO_RENDER_CACHE_DIR": str(caches / "rendered")}
    # NIANBAO_REPLICA too, for the downloader; the browser takes it from the node's own environment.
    for name in ("NIANBAO_REPLICA", "NIANBAO_CONTACT", "NIANBAO_RECHECK", "NIANBAO_RECHECK_DATE",
                 "NIANBAO_ALERT_ACTIONS", "NIANBAO_ALERT_WEBHOOK_URL"):
        if os.environ.get(name):
            settings[name] = os.environ[name]
    settings.update(overrides)
    return settings


def job_verdict(job: Job) -> str:
    """'' when the job finished its crawl, else why not (the job is then retried)."""
    if not job.stats_file.exists():
        return "the job ended without its stats (killed or crashed)"
    stats = json.loads(job.stats_file.read_text())
    reason = stats.get("finish_reason")
    return "" if reason == "finished" else f"the crawl ended with {reason}"


def record_job(job: Job) -> list[str]:
    """Write the job's per-portal record (seconds, listed, health) on its run in the shard, as
    `nianbao crawl` does for its portals; returns the portal's health problems."""
    from archive import db as archive_db
    from archive import runs

    stats = json.loads(job.stats_file.read_text())
    problems = list(stats.get("nianbao/health/problems") or [])
    database = archive_db.connect(job.shard)
    try:
        (run_id,) = database.execute("SELECT max(id) FROM crawl_runs").fetchone()

        def write(db) -> None:
            runs.record_portal(
                db, run_id, job.portal,
                listed=stats.get("nianbao/listed") or 0,
                not_due=stats.get("nianbao/recheck/not_due") or 0,
                seconds=stats.get("nianbao/seconds") or stats.get("elapsed_time_seconds"),
                health="failed" if problems else ("ok" if stats.get("nianbao/health/checked") else None),
                problems=problems + list(stats.get("nianbao/health/notices") or []) + job.history,
            )
            runs.finish(db, run_id, "failed" if problems else "finished", "\n".join(problems) or None)

        archive_db.write(database, write)
    finally:
        database.close()
    return problems


@dataclass
class ClusterResult:
    merged: list[str] = field(default_factory=list)
    #: portal -> why it failed (health problems or every node failed it)
    failed: dict[str, str] = field(default_factory=dict)
    #: node url -> what went wrong there (jobs that failed or were lost)
    node_problems: dict[str, list[str]] = field(default_factory=dict)
    deployed: list[str] = field(default_factory=list)
    #: node url -> why the run could not use it at all (the run then fails, naming it)
    unusable: dict[str, str] = field(default_factory=dict)
    #: The run's row in the main archive's crawl_runs.
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unusable


class Cluster:
    """One cluster run: deploy, spread, schedule, poll, retry, merge."""

    def __init__(self, main_db: Path, nodes: list[Node], shards: Path, *, overrides: dict[str, str] | None = None,
                 poll: float = POLL_SECONDS, lost_after: float = NODE_LOST_SECONDS, per_node: int = JOBS_PER_NODE,
                 on_event=None) -> None:
        self.main_db = main_db
        self.nodes = nodes
        self.shards = shards
        self.overrides = overrides or {}
        self.poll = poll
        self.lost_after = lost_after
        self.per_node = max(1, per_node)
        self.on_event = on_event or (lambda message: logger.info("%s", message))
        self.result = ClusterResult()
        self.version = ""
        self.run_id: int | None = None
        self.key = archive_key(main_db)

    def run(self, portals: list[str]) -> ClusterResult:
        """Crawl `portals`, recorded in the main archive as one run whose jobs' runs are `part_of` it.
        Interrupted (Ctrl-C, SIGTERM), it cancels the jobs it scheduled and records the run so."""
        self.shards.mkdir(parents=True, exist_ok=True)
        self.run_id = self.result.run_id = self._record_start(portals)
        jobs: list[Job] = []
        try:
            with tempfile.TemporaryDirectory(prefix="nianbao-egg-") as folder:
                egg = build_egg(Path(folder))
                self.version = egg_version(egg)
                self.nodes = self._deploy(egg)
            if not self.nodes:
                self.result.failed = {portal: "no node could take the jobs" for portal in portals}
            else:
                self._recover()
                placed = spread(portals, self.nodes, last_seconds(self.main_db, portals))
                jobs = [Job(portal, node, self.shards / f"{portal}.db") for portal, node in placed.items()]  # named in _start
                self._wait(jobs)
        except BaseException:
            self._cancel(jobs)
            self._record_end("interrupted")
            raise
        self._record_end("finished" if self.result.ok else "failed")
        return self.result

    @contextmanager
    def _main_archive(self):
        """The main archive, opened for one write (the coordinator holds its crawl lock)."""
        from archive.writer import open_archive

        database = open_archive(self.main_db)
        try:
            yield database
        finally:
            database.close()

    def _record_start(self, portals: list[str]) -> int:
        from archive import db as archive_db
        from archive import runs

        with self._main_archive() as database:
            archive_db.write(database, runs.mark_abandoned)
            return archive_db.write(database, lambda db: runs.start(db, portals=portals, command=" ".join(sys.argv)))

    def _record_end(self, outcome: str) -> None:
        from archive import db as archive_db
        from archive import runs

        lines = [f"node {url}: {problem}" for url, problem in sorted(self.result.unusable.items())]
        lines += [f"{portal}: {problem}" for portal, problem in sorted(self.result.failed.items())]
        with self._main_archive() as database:
            archive_db.write(database, lambda db: runs.finish(db, self.run_id, outcome, "\n".join(lines) or None))

    def _recover(self) -> None:
        """What an earlier run of this archive that died (SIGKILL, a power cut) left: its jobs still
        queued or running on the nodes are cancelled, and its shards are merged, so that nothing
        they archived is lost and no job of it crawls beside tonight's."""
        prefix = f"{self.key}."
        left = {}
        for node in self.nodes:
            try:
                for job_id in node.unfinished(prefix):
                    node.cancel(job_id)
                    left[job_id] = node
                    self.on_event(f"cancelled job {job_id} on {node.url}, left by an earlier run")
            except Exception as error:  # noqa: BLE001 - a node that does not answer loses its jobs below
                self.on_event(f"{node.url}: could not list its jobs: {error}")
        deadline = time.monotonic() + self.lost_after
        while left and time.monotonic() < deadline:
            time.sleep(self.poll)
            left = {job_id: node for job_id, node in left.items() if job_id in _unfinished(node, prefix)}
        for shard in sorted(self.shards.glob(f"{prefix}*.db")):
            self._merge_leftover(shard)

    def _merge_leftover(self, shard: Path) -> None:
        _, run, portal, _ = shard.name[: -len(".db")].split(".")
        node_file = shard.with_name(shard.name + ".node")
        job = Job(portal, Node(node_file.read_text().strip() if node_file.exists() else "unknown"), shard)
        cluster_run = int(run) if run.isdigit() else None
        try:
            if job_verdict(job):
                mark_killed(shard, f"cluster run {run} ended before this job did", cluster_run=cluster_run)
            else:
                record_job(job)
            summary = self._merge_shard(job, part_of=cluster_run)
        except Exception as error:  # noqa: BLE001 - kept to look into
            self.on_event(f"kept {shard}: could not merge it: {error}")
            return
        remove_shard(shard)
        self.on_event(f"{portal}: merged {shard.name}, left by cluster run {run}: {summary.line()}")

    def _merge_shard(self, job: Job, *, part_of: int | None):
        from archive.merge import merge_shard

        with self._main_archive() as target:
            return merge_shard(target, job.shard, node=job.node.url, part_of=part_of)

    def _cancel(self, jobs: list[Job]) -> None:
        for job in jobs:
            if job.state == "scheduled" and job.job_id:
                job.node.cancel(job.job_id)
                self.on_event(f"{job.portal}: cancelled job {job.job_id} on {job.node.url}")

    def _deploy(self, egg: Path) -> list[Node]:
        """The nodes that have this version once deployed; a node that refuses or does not answer
        (wrong credentials, down) is named and left out of the run."""
        usable = []
        for node in self.nodes:
            try:
                if deploy([node], egg, self.version):
                    self.result.deployed.append(node.url)
                    self.on_event(f"deployed {self.version} to {node.url}")
            except Exception as error:  # noqa: BLE001 - any failure makes the node unusable, named below
                self.result.unusable[node.url] = f"could not deploy: {error}"
                self.on_event(f"{node.url}: could not deploy: {error}")
                continue
            usable.append(node)
        return usable

    def _start(self, job: Job) -> Job:
        job.tried.append(job.node.url)
        # A shard per attempt: a job given up on (its node stopped answering) may still be writing.
        name = f"{self.key}.{self.run_id}.{job.portal}.{len(job.tried)}"
        job.shard = self.shards / f"{name}.db"
        seed_shard(self.main_db, job.shard, job.portal)
        job.shard.with_name(job.shard.name + ".node").write_text(job.node.url)
        job.state = "scheduled"
        try:
            job.job_id = job.node.schedule(job.portal, self.version, job_settings(job, self.overrides), name)
        except Exception as error:  # noqa: BLE001 - refused, unreachable: retried on another node
            job.job_id = ""
            self._failed(job, f"could not schedule: {error}")
            return job
        self.on_event(f"{job.portal}: job {job.job_id} on {job.node.url}")
        return job

    def _fill(self, jobs: list[Job]) -> None:
        """Give each node its next jobs, up to `per_node` at once (a shard is seeded when its job is
        scheduled)."""
        from .run import portal_sites

        crawling = {site for job in jobs if job.state == "scheduled" for site in portal_sites(job.portal)}
        for node in self.nodes:
            busy = sum(job.state == "scheduled" and job.node is node for job in jobs)
            for job in [job for job in jobs if job.state == "waiting" and job.node is node]:
                if busy >= self.per_node:
                    break
                if portal_sites(job.portal) & crawling:
                    continue  # another portal of its host is being crawled: this one waits its turn
                self._start(job)
                busy += 1
                crawling |= portal_sites(job.portal)

    def _wait(self, jobs: list[Job]) -> None:
        self._fill(jobs)
        while any(job.state in ("waiting", "scheduled") for job in jobs):
            time.sleep(self.poll)
            for node in self.nodes:
                mine = [job for job in jobs if job.state == "scheduled" and job.node is node]
                if not mine:
                    continue
                states = node.jobs()
                for job in mine:
                    self._check(job, states)
            self._fill(jobs)

    def _check(self, job: Job, states: dict | None) -> None:
        if states is None:
            if time.monotonic() - job.node.last_answer > self.lost_after:
                self._failed(job, "the node stopped answering")
            return
        state = states.get(job.job_id)
        if state is None and not job_verdict(job):
            # Finished, then dropped from the node's list (Scrapyd keeps `finished_to_keep` jobs) or
            # the node restarted since: its stats say it ended well.
            self._merge(job)
        elif state is None:
            self._failed(job, "the job vanished from its node")
        elif state == "finished":
            problem = job_verdict(job)
            if problem:
                self._failed(job, problem)
            else:
                self._merge(job)

    def _failed(self, job: Job, problem: str) -> None:
        self.result.node_problems.setdefault(job.node.url, []).append(f"{job.portal}: {problem}")
        job.history.append(f"{job.node.url}: {problem}")
        self.on_event(f"{job.portal}: {problem} on {job.node.url}")
        self._salvage(job, problem)
        others = [node for node in self.nodes if node.url not in job.tried]
        if not others:
            job.state = "failed"
            self.result.failed[job.portal] = f"{problem} (tried on {', '.join(job.tried)})"
            return
        job.node = others[0]
        self.on_event(f"{job.portal}: retried on {job.node.url}")
        self._start(job)

    def _salvage(self, job: Job, problem: str) -> None:
        """What a failed job archived before it ended is merged, never lost (the retry then asks for
        those reports conditionally); its run is recorded `killed` with the reason."""
        if not job.job_id or not job.shard.exists():
            return
        try:
            mark_killed(job.shard, f"{job.node.url}: {problem}", cluster_run=self.run_id)
            summary = self._merge_shard(job, part_of=self.run_id)
        except Exception as error:  # noqa: BLE001 - a shard that cannot be read is kept to look into
            self.on_event(f"{job.portal}: kept {job.shard}: could not merge what the failed job archived: {error}")
            return
        remove_shard(job.shard)
        self.on_event(f"{job.portal}: merged what the failed job archived: {summary.line()}")

    def _merge(self, job: Job) -> None:
        problems = record_job(job)
        summary = self._merge_shard(job, part_of=self.run_id)
        job.state = "done"
        remove_shard(job.shard)
        self.result.merged.append(job.portal)
        self.on_event(f"{job.portal}: merged from {job.node.url}: {summary.line()}")
        if problems:
            self.result.failed[job.portal] = f"on {job.node.url}: " + "; ".join(problems)


def _unfinished(node: Node, prefix: str) -> list[str]:
    try:
        return node.unfinished(prefix)
    except Exception:  # noqa: BLE001 - a node that does not answer has no job of ours left to wait for
        return []


def cluster_crawl(main_db: Path, node_urls: list[str], portals: list[str], *, shards: Path | None = None,
                  overrides: dict[str, str] | None = None, **options) -> ClusterResult:
    """Crawl `portals` on the Scrapyd nodes at `node_urls` and merge their shards into `main_db`,
    holding the main archive's lock (`nianbao crawl` holds the same) for the whole run."""
    from filelock import FileLock, Timeout

    auth = scrapyd_auth()
    nodes = [Node(url, auth) for url in node_urls]
    shards = shards or main_db.with_name(main_db.name + ".shards")
    try:
        with FileLock(lock_path(main_db), timeout=0):
            return Cluster(main_db, nodes, shards, overrides=overrides, **options).run(portals)
    except Timeout:
        raise ArchiveLocked(f"another crawl holds {lock_path(main_db)}") from None


class ArchiveLocked(click.ClickException):
    """Another crawl (a `nianbao crawl` or a cluster run) holds the main archive: exit 75, as
    `nianbao crawl` does, which the nightly's service counts as the earlier run going on."""

    exit_code = EXIT_LOCKED


# -- the command ---------------------------------------------------------------------------------

def run_summary(main_db: Path, run_id: int | None) -> list[str]:
    """The end of a cluster run as `nianbao crawl` prints its own: per portal (or in total and the
    portals that failed, for many), from the jobs' records merged into the main archive."""
    from archive import Archive

    from .run import summary_lines

    with Archive(main_db) as archive:
        rows = list(archive.db.query(
            "SELECT p.* FROM crawl_run_portals p JOIN crawl_runs r ON r.id = p.run_id WHERE r.part_of = ? "
            "ORDER BY p.portal", [run_id]))
    return summary_lines(rows, main_db) if rows else []


@click.group("cluster")
def cluster_group() -> None:
    """Crawl on several machines: Scrapyd nodes run the jobs, their shards merge into one archive."""


@cluster_group.command("crawl")
@click.argument("portals", nargs=-1)
@click.option("--nodes", required=True, help="Scrapyd nodes, comma-separated (http://host:6800,...).")
@click.option("--db", default="nianbao.db", show_default=True, type=click.Path(dir_okay=False),
              help="The main archive the shards merge into.")
@click.option("--shards", type=click.Path(file_okay=False),
              help="Shared directory for the shards, the same path on every node [default: <db>.shards].")
@click.option("--jobs-per-node", default=JOBS_PER_NODE, show_default=True, help="Jobs a node is given at once.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="A Scrapy setting for every job.")
def cluster_crawl_command(portals: tuple[str, ...], nodes: str, db: str, shards: str | None, jobs_per_node: int,
                          overrides: tuple[str, ...]) -> None:
    """Crawl PORTALS (default: the whole registry) as Scrapyd jobs spread over --nodes.
    Basic auth: NIANBAO_SCRAPYD_USERNAME / NIANBAO_SCRAPYD_PASSWORD in the environment."""
    from . import registry
    from .run import _parse_overrides

    logging.basicConfig(level=logging.WARNING)
    # systemd stops a service with SIGTERM: stop as on Ctrl-C, cancelling the jobs on the nodes.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    names = list(portals) or registry.keys()
    unknown = sorted(set(names) - set(registry.keys()))
    if unknown:
        raise click.UsageError(f"unknown portal(s) {', '.join(unknown)} (see `nianbao portals`)")
    urls = [url.strip() for url in nodes.split(",") if url.strip()]
    main_db = Path(db).resolve()
    try:
        result = cluster_crawl(main_db, urls, names, shards=Path(shards).resolve() if shards else None,
                               overrides={k: str(v) for k, v in _parse_overrides(overrides).items()},
                               per_node=jobs_per_node, on_event=lambda message: click.echo(message, err=True))
    except KeyboardInterrupt:
        click.echo("interrupted: the scheduled jobs were cancelled, the run recorded `interrupted`", err=True)
        sys.exit(3)
    click.echo(f"run {result.run_id}: merged {len(result.merged)} portal(s) into {main_db}")
    for line in run_summary(main_db, result.run_id):
        click.echo(line)
    for url, problem in sorted(result.unusable.items()):
        click.echo(f"node {url}: {problem}")
    for url, problems in sorted(result.node_problems.items()):
        for problem in problems:
            click.echo(f"node {url}: {problem}")
    for portal, problem in sorted(result.failed.items()):
        click.echo(f"FAILED {portal}: {problem}")
    if not result.ok:
        sys.exit(1)
