"""`nianbao cluster crawl` against two real Scrapyd daemons on 127.0.0.1 (one with basic auth): the
project's egg is deployed to both, the replica's portals are crawled as jobs into shards on shared
storage (a temporary directory) and merged; the merged archive must hold what a single-machine
`nianbao crawl` of the same portals archives. A job killed mid-crawl is retried on the other node.

The two tests with Scrapyd daemons (start-up, an egg build, several crawls) are marked `slow`, run last.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("scrapyd")
pytest.importorskip("scrapyd_client")

from conftest import REGISTRY_FAST
from test_archive_crawl import FAST, crawl
from test_archive_merge import blob_digests, latest_reports, verify

from archive import Archive
from crawler import registry
from crawler.local_scrapyd import LocalScrapyd
from replica import ReplicaServer

pytestmark = pytest.mark.timeout(1200)

ROOT = Path(__file__).resolve().parents[1]
#: dongguan's list is drawn by scripts: the job renders it with Chromium on the node.
PORTALS = ("chaozhou", "wansheng_gbz", "shantou", "tongliang", "dongguan")
USER, PASSWORD = "nianbao", "s3cret-for-tests"


@contextmanager
def two_nodes(folder: Path, replica_url: str):
    """Two Scrapyd daemons crawling the replica at `replica_url`, the first with basic auth. The
    node's own environment points its jobs at the replica: the browser's proxy is set when the
    settings module is imported, which a job's settings (-s) come too late for."""
    env = {"NIANBAO_REPLICA": replica_url}
    with LocalScrapyd(folder / "node-auth", env=env, auth=(USER, PASSWORD), max_proc=2) as secured, \
            LocalScrapyd(folder / "node-open", env=env, max_proc=2) as open_node:
        yield [secured.url, open_node.url]


@pytest.fixture
def nodes(tmp_path, replica):
    with two_nodes(tmp_path, replica.url) as urls:
        yield urls


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(portals=PORTALS) as server:
        yield server


def cluster_env(replica_url: str, *, credentials: bool = True) -> dict[str, str]:
    env = {**os.environ, "NIANBAO_REPLICA": replica_url}
    env.pop("NIANBAO_DB", None)
    if credentials:
        env.update(NIANBAO_SCRAPYD_USERNAME=USER, NIANBAO_SCRAPYD_PASSWORD=PASSWORD)
    return env


def cluster_crawl(db: Path, nodes: list[str], replica_url: str, *, credentials: bool = True, portals=PORTALS,
                  settings=FAST):
    return subprocess.run(
        [sys.executable, "-c", "from nianbao.cli import main; main()", "cluster", "crawl", *portals, "--nodes", ",".join(nodes),
         "--db", str(db), "--shards", str(db.parent / "shards"), *settings],
        cwd=ROOT, env=cluster_env(replica_url, credentials=credentials), capture_output=True, text=True, timeout=900,
        check=False)


def traffic(db: Path, runs: set[int] | None = None) -> tuple[set[int], int]:
    with Archive(db) as archive:
        rows = archive.db.execute("SELECT run_id, bytes FROM crawl_run_portals").fetchall()
    ids = {run for run, _ in rows}
    return ids, sum(size or 0 for run, size in rows if runs is None or run not in runs)


@pytest.mark.slow
def test_cluster_crawl_on_two_scrapyd_nodes_archives_what_one_machine_does(tmp_path, nodes, replica):
    single = tmp_path / "single.db"
    crawl(single, replica.url, *PORTALS)
    main = tmp_path / "main.db"

    # Without credentials the node with basic auth refuses the deploy: named, and the run fails.
    refused = cluster_crawl(tmp_path / "refused" / "main.db", nodes, replica.url, credentials=False)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"node {nodes[0]}: could not deploy" in refused.stdout, refused.stdout + refused.stderr[-3000:]
    assert "Traceback" not in refused.stderr

    result = cluster_crawl(main, nodes, replica.url)
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    assert "deployed " in result.stderr and nodes[0] in result.stderr and nodes[1] in result.stderr
    expected = latest_reports(single)
    assert len(expected) >= 24 and latest_reports(main) == expected
    assert blob_digests(main) == blob_digests(single)
    verify(main)
    with Archive(main) as archive:
        # One record for the run, its jobs' runs part of it, each with the node it ran on.
        (cluster_run, outcome, portals), = archive.db.execute(
            "SELECT id, outcome, portals FROM crawl_runs WHERE part_of IS NULL").fetchall()
        jobs = archive.db.execute("SELECT node, outcome, portals FROM crawl_runs WHERE part_of = ?",
                                  [cluster_run]).fetchall()
        health = archive.db.execute("SELECT portal, health FROM crawl_run_portals").fetchall()
    assert outcome == "finished" and sorted(json.loads(portals)) == sorted(PORTALS)
    assert sorted(json.loads(portals)[0] for _, _, portals in jobs) == sorted(PORTALS)
    assert {node for node, _, _ in jobs} == set(nodes) and {outcome for _, outcome, _ in jobs} == {"finished"}
    assert sorted(health) == sorted((portal, "ok") for portal in PORTALS)
    shown = subprocess.run([sys.executable, "-m", "nianbao", "runs", "--db", str(main)], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout
    assert shown.count("\nrun ") + shown.startswith("run ") == 1, shown
    for portal in PORTALS:
        assert any(line.split()[0] == portal and line.split()[-1] in nodes for line in shown.splitlines()
                   if line.startswith("  ") and line.split()), (portal, shown)

    first_runs, first_bytes = traffic(main)
    again = cluster_crawl(main, nodes, replica.url)
    assert again.returncode == 0, again.stdout + again.stderr[-4000:]
    assert "deployed " not in again.stderr  # the nodes have this version already
    assert latest_reports(main) == expected  # no new version
    _, second_bytes = traffic(main, first_runs)
    assert 0 < second_bytes <= 0.05 * first_bytes, (second_bytes, first_bytes)


def archived_snapshots(shard: Path) -> int:
    try:
        connection = sqlite3.connect(f"file:{shard}?mode=ro", uri=True, timeout=1)
        try:
            return connection.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:  # not created yet, or its schema not yet written
        return 0


def kill_first_job(node_url: str, shards: Path, stop: threading.Event, killed: list) -> None:
    """SIGKILL the first job seen running on the node once it has archived a report into its
    shard (mid-crawl: the shard holds part of the portal)."""
    from scrapyd_client.pyclient import ScrapydClient

    client = ScrapydClient(node_url, username=USER, password=PASSWORD)
    while not stop.is_set():
        try:
            running = client.jobs("nianbao").get("running", [])
        except Exception:  # noqa: BLE001 - the project is not deployed yet
            running = []
        job = next((job for job in running if job.get("pid")), None)
        shard = shards / f"{job['id']}.db" if job else None  # a job's id names its shard
        if job and archived_snapshots(shard) > 0:
            os.kill(job["pid"], signal.SIGKILL)
            killed.append((job["spider"], archived_snapshots(shard)))
            return
        time.sleep(0.05)


@pytest.mark.slow
def test_a_job_killed_mid_crawl_is_retried_on_the_other_node(tmp_path, nodes, replica, monkeypatch):
    from crawler.cluster import cluster_crawl as run_cluster

    single = tmp_path / "single.db"
    crawl(single, replica.url, *PORTALS)
    for name, value in cluster_env(replica.url).items():
        monkeypatch.setenv(name, value)
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=kill_first_job, args=(nodes[0], tmp_path / "shards", stop, killed), daemon=True)
    killer.start()
    main = tmp_path / "main.db"
    settings = {name: value for name, _, value in (pair.partition("=") for pair in FAST[1::2])}
    events = []
    try:
        result = run_cluster(main, nodes, list(PORTALS), shards=tmp_path / "shards", overrides=settings,
                             poll=0.5, on_event=events.append)
    finally:
        stop.set()
        killer.join(timeout=10)
    assert killed, events
    portal, archived_before_kill = killed[0]
    assert archived_before_kill > 0
    assert any(e.startswith(f"{portal}: retried on {nodes[1]}") for e in events), events
    assert result.ok and sorted(result.merged) == sorted(PORTALS), (result, events)
    assert nodes[0] in result.node_problems and portal in result.node_problems[nodes[0]][0]
    assert latest_reports(main) == latest_reports(single)
    assert blob_digests(main) == blob_digests(single)
    verify(main)
    with Archive(main) as archive:
        nodes_of = dict(archive.db.execute(
            "SELECT p.portal, r.node FROM crawl_run_portals p JOIN crawl_runs r ON r.id = p.run_id").fetchall())
    assert nodes_of[portal] == nodes[1]


def test_portals_are_spread_longest_first_onto_the_least_loaded_node():
    from crawler.cluster import Node, spread

    nodes = [Node("http://a:6800"), Node("http://b:6800")]
    seconds = {"p1": 100.0, "p2": 60.0, "p3": 50.0, "p4": 10.0}
    placed = spread(["p4", "p3", "p2", "p1"], nodes, seconds)
    load = {node.url: 0.0 for node in nodes}
    for portal, node in placed.items():
        load[node.url] += seconds[portal]
    # Longest first: p1 -> a, p2 -> b, p3 -> b (60 < 100), p4 -> a (100 < 110): 110 s each.
    assert placed["p1"] is placed["p4"] is nodes[0] and placed["p2"] is placed["p3"] is nodes[1]
    assert load == {"http://a:6800": 110.0, "http://b:6800": 110.0}
    # A portal never timed counts as the average of those timed (here 56.7 s, not nothing):
    # big -> a, mid -> b, new -> b (60 < 100), small -> a (100 < 116.7).
    timed = {"big": 100.0, "mid": 60.0, "small": 10.0}
    with_new = spread(["small", "new", "mid", "big"], nodes, timed)
    assert with_new["big"] is with_new["small"] is nodes[0] and with_new["mid"] is with_new["new"] is nodes[1]
    # Never timed: evenly.
    even = spread([f"q{n}" for n in range(6)], nodes, {})
    assert sorted(sum(node is other for node in even.values()) for other in nodes) == [3, 3]


def test_the_egg_carries_the_registry_and_the_settings_entry_point_and_its_version_is_its_contents(tmp_path):
    import zipfile

    from crawler.cluster import build_egg, egg_version

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = build_egg(tmp_path / "a"), build_egg(tmp_path / "b")
    with zipfile.ZipFile(first) as egg:
        names = set(egg.namelist())
        entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    assert {"spiders/portals.tsv", "crawler/settings.py", "archive/merge.py", "extract/__init__.py"} <= names
    assert "[scrapy]" in entry_points and "settings = crawler.settings" in entry_points
    assert egg_version(first) == egg_version(second)
    with zipfile.ZipFile(first, "a") as egg:
        egg.writestr("crawler/changed.py", "# a change\n")
    assert egg_version(first) != egg_version(second)


@pytest.mark.slow
def test_a_portal_failing_on_the_cluster_fails_the_run_naming_it_and_its_node(tmp_path, nodes):
    """Most of zhuji's report files answer 500 (`--break-files`): the job finishes, its health checks
    fail, and the cluster run exits 1 with the portal and the node it ran on, recorded in the run."""
    healthy, broken = "chaozhou", "zhuji"  # neither needs the browser: the job takes this replica from its settings
    main = tmp_path / "main.db"
    with ReplicaServer(portals=(healthy, broken), break_files=broken) as replica:
        result = subprocess.run(
            [sys.executable, "-m", "nianbao", "cluster", "crawl", healthy, broken, "--nodes", ",".join(nodes),
             "--db", str(main), "--shards", str(tmp_path / "shards"), *FAST,
             # The broken files stall: time out soon.
             "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1"],
            cwd=ROOT, env=cluster_env(replica.url), capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 1, result.stdout + result.stderr[-4000:]
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    # The end of the run, as `nianbao crawl` prints it: a line per portal from the jobs' records.
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{healthy}: ") and line.endswith("; healthy") for line in lines), result.stdout
    assert any(line.startswith(f"{broken}: ") and line.endswith("; FAILED") for line in lines), result.stdout
    ran_on = [node for node in nodes if failed and failed[0].startswith(f"FAILED {broken}: on {node}: ")]
    assert len(failed) == 1 and len(ran_on) == 1 and "report" in failed[0], result.stdout
    node = ran_on[0]
    with Archive(main) as archive:
        (outcome, message), = archive.db.execute(
            "SELECT outcome, message FROM crawl_runs WHERE part_of IS NULL").fetchall()
        health = dict(archive.db.execute("SELECT portal, health FROM crawl_run_portals").fetchall())
        reports = archive.db.execute("SELECT count(*) FROM pages WHERE portal = ?", [healthy]).fetchone()[0]
    assert outcome == "failed" and message.startswith(f"{broken}: on {node}: "), message
    assert health == {healthy: "ok", broken: "failed"} and reports > 0


@pytest.mark.slow
def test_a_cluster_run_stopped_with_sigterm_cancels_its_jobs_and_is_recorded_interrupted(tmp_path, nodes, replica):
    from scrapyd_client.pyclient import ScrapydClient

    main = tmp_path / "main.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "nianbao", "cluster", "crawl", *PORTALS, "--nodes", ",".join(nodes), "--db", str(main),
         "--shards", str(tmp_path / "shards"), *FAST],
        cwd=ROOT, env=cluster_env(replica.url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in process.stderr:  # the first job scheduled: the run is under way
        seen.append(line)
        if ": job " in line:
            break
    process.send_signal(signal.SIGTERM)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == 3, "".join(seen) + rest
    assert "cancelled job" in rest and "Traceback" not in rest, rest
    with Archive(main) as archive:
        (outcome,), = archive.db.execute("SELECT outcome FROM crawl_runs WHERE part_of IS NULL").fetchall()
    assert outcome == "interrupted"
    clients = [ScrapydClient(url, username=USER, password=PASSWORD) for url in nodes]
    deadline = time.monotonic() + 60
    while any(client.jobs("nianbao")["pending"] or client.jobs("nianbao")["running"] for client in clients):
        assert time.monotonic() < deadline, [client.jobs("nianbao") for client in clients]
        time.sleep(0.5)


def registry_sample() -> list[str]:
    """Registry lines a cluster crawl stands for the whole registry with: the two portals rendered by
    Chromium, two lines of every platform, and the two largest groups of lines sharing a host (their
    jobs wait for each other and stay on one node). The suite crawls the whole registry once, on one
    machine (conftest.registry_archive); its part for these lines is what the cluster must archive."""
    sample = ["dongguan", "linxiang"]
    for platform in registry.PLATFORMS:
        sample += [p.key for p in registry.portals(platform)][:2]
    for group in sorted(registry.host_groups(), key=len, reverse=True)[:2]:
        sample += group
    return list(dict.fromkeys(sample))


def reports_of(path: Path, portals: list[str]) -> dict[str, tuple]:
    with Archive(path) as archive:
        urls = {url for (url,) in archive.db.execute(
            f"SELECT url FROM pages WHERE portal IN ({','.join('?' * len(portals))})", portals)}
    return {url: report for url, report in latest_reports(path).items() if url in urls}


@pytest.mark.slow
def test_a_cluster_crawl_of_registry_lines_archives_what_the_one_machine_crawl_of_the_registry_did(
        tmp_path, registry_archive, registry_replica):
    """A sample of the registry (`registry_sample`) on two nodes, against the replica the suite's
    single-machine crawl of the registry crawled; then again, unchanged."""
    single, single_result = registry_archive
    assert single_result.returncode == 0, single_result.stderr[-3000:]
    sample = registry_sample()
    groups = [group for group in registry.host_groups(sample) if len(group) > 1]
    assert len(sample) >= 20 and groups and {registry.get(p).platform for p in sample} == set(registry.PLATFORMS)
    main = tmp_path / "main.db"
    with two_nodes(tmp_path, registry_replica.url) as urls:
        # The nightly's re-check schedule (not FAST's `all`): what the 5% is measured against.
        first = cluster_crawl(main, urls, registry_replica.url, portals=sample, settings=REGISTRY_FAST)
        assert first.returncode == 0, first.stdout + first.stderr[-4000:]
        expected = reports_of(single, sample)
        assert len(expected) > 200 and latest_reports(main) == expected
        assert blob_digests(main) <= blob_digests(single)
        verify(main)
        with Archive(main) as archive:
            ran = archive.db.execute("SELECT r.node, p.portal, p.health FROM crawl_run_portals p "
                                     "JOIN crawl_runs r ON r.id = p.run_id").fetchall()
        assert sorted(portal for _, portal, _ in ran) == sorted(sample)
        assert {node for node, _, _ in ran} == set(urls) and {health for _, _, health in ran} == {"ok"}
        # The lines of one host were crawled from one node.
        node_of = {portal: node for node, portal, _ in ran}
        assert all(len({node_of[p] for p in group}) == 1 for group in groups)

        first_runs, first_bytes = traffic(main)
        again = cluster_crawl(main, urls, registry_replica.url, portals=sample, settings=REGISTRY_FAST)
    assert again.returncode == 0, again.stdout + again.stderr[-4000:]
    assert latest_reports(main) == expected  # no new version
    _, second_bytes = traffic(main, first_runs)
    assert 0 < second_bytes <= 0.05 * first_bytes, (second_bytes, first_bytes)


@pytest.mark.slow
def test_a_run_after_a_coordinator_that_died_cancels_its_jobs_and_merges_its_shards(tmp_path, nodes, replica):
    """The coordinator SIGKILLed once its jobs are under way: they go on (or end) on the nodes, and
    the next run cancels what still runs, merges every shard the dead run left, and crawls the rest."""
    single = tmp_path / "single.db"
    crawl(single, replica.url, *PORTALS)
    main, shards = tmp_path / "main.db", tmp_path / "shards"
    process = subprocess.Popen(
        [sys.executable, "-m", "nianbao", "cluster", "crawl", *PORTALS, "--nodes", ",".join(nodes), "--db", str(main),
         "--shards", str(shards), "--jobs-per-node", "2", *FAST],
        cwd=ROOT, env=cluster_env(replica.url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    scheduled = 0
    for line in process.stderr:
        scheduled += ": job " in line
        if scheduled == 4:  # every node busy
            break
    time.sleep(3)  # some shards hold reports now
    process.kill()
    process.wait()
    left = sorted(path.name for path in shards.glob("*.db"))
    assert len(left) == 4, left

    again = cluster_crawl(main, nodes, replica.url)
    assert again.returncode == 0, again.stdout + again.stderr[-4000:]
    assert again.stderr.count(", left by cluster run 1:") == 4, again.stderr
    assert list(shards.glob("*.db")) == []
    assert latest_reports(main) == latest_reports(single)
    assert blob_digests(main) == blob_digests(single)
    verify(main)
    with Archive(main) as archive:
        cluster_runs = archive.db.execute("SELECT id, outcome FROM crawl_runs WHERE part_of IS NULL ORDER BY id").fetchall()
        jobs_of_first = archive.db.execute("SELECT count(*) FROM crawl_runs WHERE part_of = 1").fetchone()[0]
    assert cluster_runs == [(1, "killed"), (2, "finished")] and jobs_of_first == 4


def test_a_finished_job_gone_from_its_nodes_list_is_merged_and_one_never_finished_is_retried(tmp_path):
    """Scrapyd keeps `finished_to_keep` finished jobs: one dropped from the list between two polls
    is judged by its stats file, not taken for lost."""
    from crawler.cluster import Cluster, Job, Node

    nodes = [Node("http://a:6800"), Node("http://b:6800")]
    cluster = Cluster(tmp_path / "main.db", nodes, tmp_path)
    merged, failed = [], []
    cluster._merge = merged.append
    cluster._failed = lambda job, problem: failed.append((job.portal, problem))
    done, cut = Job("done", nodes[0], tmp_path / "done.db", job_id="1"), Job("cut", nodes[0], tmp_path / "cut.db", job_id="2")
    done.stats_file.write_text(json.dumps({"finish_reason": "finished"}))
    cut.stats_file.write_text(json.dumps({"finish_reason": "shutdown"}))
    for job in (done, cut):
        cluster._check(job, {})
    assert merged == [done] and failed == [("cut", "the job vanished from its node")]


def test_the_egg_is_built_from_an_installed_nianbao_without_a_checkout(tmp_path):
    """The coordinator deploys the installed version: packages in a site directory (as a plain
    `pip install` leaves them, no scrapy.cfg or setup.py anywhere) give the same egg."""
    import shutil
    import zipfile

    from crawler.cluster import PACKAGES, build_egg

    site = tmp_path / "site"
    for package in PACKAGES:
        shutil.copytree(ROOT / package, site / package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "here").mkdir()
    (tmp_path / "checkout").mkdir()
    script = ("import sys, crawler.cluster as c; from pathlib import Path; "
              "assert c.__file__.startswith(sys.argv[1]), c.__file__; print(c.build_egg(Path(sys.argv[2])))")
    out = subprocess.run([sys.executable, "-c", script, str(site), str(tmp_path / "here")], cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    with zipfile.ZipFile(out.stdout.strip()) as installed, zipfile.ZipFile(build_egg(tmp_path / "checkout")) as checkout:
        assert sorted(installed.namelist()) == sorted(checkout.namelist())
        assert installed.read("EGG-INFO/entry_points.txt") == b"[scrapy]\nsettings = crawler.settings\n"


def test_an_unknown_portal_is_a_usage_error_and_a_held_archive_exits_75(tmp_path):
    from click.testing import CliRunner
    from filelock import FileLock

    from crawler.run import lock_path
    from nianbao.cli import main

    unknown = CliRunner().invoke(main, ["cluster", "crawl", "nosuch", "--nodes", "http://127.0.0.1:9", "--db",
                                        str(tmp_path / "main.db")])
    assert unknown.exit_code == 2 and "unknown portal(s) nosuch" in unknown.output, unknown.output
    db = tmp_path / "main.db"
    with FileLock(str(lock_path(db)), timeout=0):  # a nightly `nianbao crawl` in progress
        held = CliRunner().invoke(main, ["cluster", "crawl", "chaozhou", "--nodes", "http://127.0.0.1:9", "--db", str(db)])
    assert held.exit_code == 75 and "another crawl holds" in held.output, held.output
