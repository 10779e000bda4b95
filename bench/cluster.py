"""A cluster crawl on one Scrapyd node against two, each pinned to one core, and the merge's time per 1,000 reports.

    python bench/cluster.py [--portals N | --portals NAME,NAME,...] [--scale K] [--keep DIR]

Serves the replica (every registry portal, or `--portals`: the first N spread evenly over the
registry, or the portals named), then in one run:

a. starts one Scrapyd node (`crawler.local_scrapyd.LocalScrapyd`) pinned to CPU 0 and runs
   `nianbao cluster crawl --nodes URL --db <fresh> --shards <fresh>` of those portals;
b. starts two fresh nodes pinned to CPU 0 and CPU 1 and runs the same into another fresh archive;
   both runs without throttling (bench/nightly.py's settings, as `-s` for every job), each from
   fresh nodes (the egg is built and deployed in both) and fresh caches;
c. writes each portal's part of run b's archive into a shard of its own (`archive.subset.copy_portal`:
   what a job's shard holds after a first crawl, without crawling again: the cluster removes its
   shards once merged) and times `nianbao merge SHARD... --into <fresh>`, then the same merge again
   (idempotent: it must add nothing).

It prints the wall seconds of each run and their ratio (one node / two nodes), the reports each
archived (they must be the same reports: it stops if not), the CPU seconds the nodes and the
coordinator used, the CPUs the jobs seen running were pinned to, and the merges' seconds per
1,000 reports.

The coordinator (`nianbao cluster crawl`: seeding shards, merging them) and the replica server
are not pinned: on this 2-core machine they share the cores with the nodes. Run a leaves them a
core of their own; run b does not. The ratio is therefore a lower bound of what two separate
machines give against one. Run it on a quiet machine: it prints the load average before each run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from common import NIANBAO, ROOT, require
from common import portals as registry_portals
from nightly import FAST

#: nightly.py's no-throttling settings, without its log format (the jobs log to their node).
SETTINGS = [arg for pair in zip(FAST[0::2], FAST[1::2]) if pair[0] == "-s" and not pair[1].startswith("LOG_")
            for arg in pair]
#: The replica in a process of its own, so that its CPU placement is its own.
SERVE_REPLICA = """
import json, sys
from replica import ReplicaServer
server = ReplicaServer(portals=json.loads(sys.argv[1]), scale=float(sys.argv[2]))
print("serving", server.url, flush=True)
server.serve_forever()
"""
CRAWL_TIMEOUT = 3600


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def checkout() -> str:
    """The commit measured (the egg is built from the working tree: say so when it differs)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"{git('rev-parse', '--short', 'HEAD') or 'unknown'}{' with uncommitted changes' if changed else ''}"


def cpus(pid: int) -> str:
    return ",".join(map(str, sorted(os.sched_getaffinity(pid))))


def chosen_portals(spec: str | None) -> list[str]:
    """Every registry portal; or the first N spread evenly over the registry; or those named."""
    every = registry_portals()
    if not spec:
        return every
    if spec.isdigit():
        count = min(int(spec), len(every))
        return [every[i * len(every) // count] for i in range(count)]
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = sorted(set(names) - set(every))
    if unknown:
        raise SystemExit(f"not in the registry: {', '.join(unknown)}")
    return names


@contextmanager
def served(portals: list[str], scale: float) -> Iterator[subprocess.Popen]:
    """The replica of `portals` in a child process; yields it with its URL as `.url`."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE_REPLICA, json.dumps(portals), str(scale)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline().strip()
        if not line.startswith("serving "):
            raise SystemExit(f"replica did not start: {line!r}")
        proc.url = line.split()[1]
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


# -- a cluster run -------------------------------------------------------------------------------

@dataclass
class RunResult:
    seconds: float
    #: Seconds from the start to the first job scheduled: the egg built and deployed.
    first_job: float | None
    coordinator_cpus: str
    coordinator_cpu_seconds: float
    node_cpus: list[str] = field(default_factory=list)
    node_cpu_seconds: list[float] = field(default_factory=list)
    #: node -> the CPU sets of the jobs seen running on it
    job_cpus: dict[str, set[str]] = field(default_factory=dict)
    jobs_seen: int = 0


class JobWatch(threading.Thread):
    """Asks the nodes which jobs run, and records the CPUs each running job is allowed on."""

    def __init__(self, urls: list[str]) -> None:
        super().__init__(daemon=True)
        self.urls = urls
        self.stopping = threading.Event()
        self.cpus: dict[str, set[str]] = {url: set() for url in urls}
        self.pids: set[int] = set()

    def run(self) -> None:
        import requests

        while not self.stopping.wait(1.0):
            for url in self.urls:
                try:
                    running = requests.get(f"{url}/listjobs.json", timeout=5).json().get("running", [])
                except (requests.RequestException, ValueError):
                    continue  # busy or not deployed yet: asked again in a second
                for job in running:
                    self._record(url, job.get("pid"))

    def _record(self, url: str, pid: int | None) -> None:
        if not pid:
            return
        try:
            self.cpus[url].add(cpus(pid))
            self.pids.add(pid)
        except ProcessLookupError:
            pass  # ended between the answer and the look


def cluster_run(folder: Path, replica: str, portals: list[str], node_cpus: list[set[int]]) -> RunResult:
    """`nianbao cluster crawl` of `portals` on fresh nodes pinned to `node_cpus`, into folder/main.db."""
    from crawler.local_scrapyd import LocalScrapyd

    with ExitStack() as stack:
        nodes = [stack.enter_context(LocalScrapyd(folder / f"node-{i}", env={"NIANBAO_REPLICA": replica}, cpus=cpu))
                 for i, cpu in enumerate(node_cpus)]
        watch = JobWatch([node.url for node in nodes])
        watch.start()
        result = coordinate(folder, replica, portals, [node.url for node in nodes])
        watch.stopping.set()
        watch.join()
        result.node_cpus = [cpus(node.pid) for node in nodes]
        result.job_cpus, result.jobs_seen = watch.cpus, len(watch.pids)
    result.node_cpu_seconds = [node.cpu_seconds or 0.0 for node in nodes]
    return result


def coordinate(folder: Path, replica: str, portals: list[str], urls: list[str]) -> RunResult:
    env = {**os.environ, "NIANBAO_REPLICA": replica}
    for name in ("NIANBAO_DB", "NIANBAO_SCRAPYD_USERNAME", "NIANBAO_SCRAPYD_PASSWORD"):
        env.pop(name, None)
    command = [sys.executable, "-c", NIANBAO, "cluster", "crawl", *portals, "--nodes", ",".join(urls),
               "--db", str(folder / "main.db"), "--shards", str(folder / "shards"), *SETTINGS]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    placement = cpus(proc.pid)
    stamped = StampedLines(proc.stderr, started)
    stamped.start()
    try:
        out = proc.stdout.read()
        proc.wait(CRAWL_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise SystemExit(f"nianbao cluster crawl did not end within {CRAWL_TIMEOUT} s")
    seconds = time.monotonic() - started
    stamped.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    log = "\n".join(f"{at:8.2f} {line}" for at, line in stamped.lines)
    (folder / "coordinator.log").write_text(log + "\n" + out)
    if proc.returncode:
        raise SystemExit(f"nianbao cluster crawl exited {proc.returncode}:\n{out[-2000:]}\n{log[-3000:]}")
    first_job = next((at for at, line in stamped.lines if ": job " in line), None)
    return RunResult(seconds, first_job, placement,
                     (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime))


class StampedLines(threading.Thread):
    """Reads a stream in a thread, each line with the seconds since `started` it arrived at."""

    def __init__(self, stream, started: float) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.started = started
        self.lines: list[tuple[float, str]] = []

    def run(self) -> None:
        for line in self.stream:
            self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))


# -- what the archives hold ----------------------------------------------------------------------

def reports(db: Path) -> set[tuple]:
    """Every archived report version: (url, version, sha256)."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return set(connection.execute(
            "SELECT p.url, r.version, r.sha256 FROM reports r JOIN pages p ON p.id = r.page_id"))
    finally:
        connection.close()


def counts(db: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("pages", "reports", "snapshots", "blobs", "crawl_runs")}
    finally:
        connection.close()


# -- the merge -----------------------------------------------------------------------------------

def portal_shards(source: Path, portals: list[str], into: Path) -> list[Path]:
    """Each portal's part of `source` as an archive of its own, as a job's shard holds it."""
    from archive.subset import copy_portal

    into.mkdir(parents=True, exist_ok=True)
    shards = []
    for portal in portals:
        shard = into / f"{portal}.db"
        copy_portal(source, shard, portal)
        shards.append(shard)
    return shards


def timed_merge(shards: list[Path], target: Path) -> float:
    return timed_command(["merge", *map(str, shards), "--into", str(target)])


def timed_command(args: list[str]) -> float:
    """Wall seconds of `nianbao ARGS...` in a child process; stops the benchmark if it fails."""
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", NIANBAO, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if out.returncode:
        raise SystemExit(f"nianbao {args[0]} exited {out.returncode}:\n{out.stdout[-2000:]}{out.stderr[-3000:]}")
    return seconds


# -- the report ----------------------------------------------------------------------------------

def print_run(name: str, result: RunResult) -> None:
    nodes = "; ".join(f"node on CPU {cpu}: {seconds:.0f} CPU s, jobs seen on CPU {' / '.join(sorted(jobs)) or '-'}"
                      for cpu, seconds, jobs in zip(result.node_cpus, result.node_cpu_seconds, result.job_cpus.values()))
    print(f"  {name}: {result.seconds:.1f} s; coordinator on CPU {result.coordinator_cpus}, "
          f"{result.coordinator_cpu_seconds:.0f} CPU s; {nodes}; {result.jobs_seen} job processes seen running")


def print_table(one: RunResult, two: RunResult, archived: tuple[int, int], merges: list[tuple[str, float]],
                startup: float, merged: int, shards: int) -> None:
    print()
    print(f"{'':34}{'one node':>12}{'two nodes':>12}{'one/two':>10}")
    print(f"{'wall seconds':34}{one.seconds:>12.1f}{two.seconds:>12.1f}{one.seconds / two.seconds:>10.2f}")
    print(f"{'  to the first job (egg, deploy)':34}{one.first_job or 0:>12.1f}{two.first_job or 0:>12.1f}")
    print(f"{'reports archived (the same)':34}{archived[0]:>12,}{archived[1]:>12,}")
    print(f"{'nodes CPU seconds':34}{sum(one.node_cpu_seconds):>12.0f}{sum(two.node_cpu_seconds):>12.0f}")
    print(f"{'coordinator CPU seconds':34}{one.coordinator_cpu_seconds:>12.0f}{two.coordinator_cpu_seconds:>12.0f}")
    print()
    print(f"{'merge of ' + str(shards) + ' shards':34}{'seconds':>12}{'reports':>12}{'s per 1,000':>14}")
    for name, seconds in merges:
        print(f"{name:34}{seconds:>12.2f}{merged:>12,}{seconds / merged * 1000 if merged else 0:>14.2f}")
    print(f"{'  start-up (nianbao merge --help)':34}{startup:>12.2f}")
    print("\none/two is a lower bound: the coordinator and the replica server are not pinned and share the nodes'")
    print("two cores in run b. Each merge's seconds include the command's start-up (the line above).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", help="N (the first N spread over the registry) or NAME,NAME,... (default: all)")
    parser.add_argument("--scale", type=float, default=1, help="replica scale (default 1)")
    parser.add_argument("--keep", help="keep the archives, shards and node folders in this folder")
    args = parser.parse_args()
    require("scrapyd", "scrapyd_client", extra="cluster")
    portals = chosen_portals(args.portals)
    print(f"{len(portals)} portal(s), replica scale {args.scale:g}, {os.cpu_count()} cores; nianbao at {checkout()}")
    with served(portals, args.scale) as replica, tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        folder = Path(args.keep or tmp)
        for name in ("one-node", "two-nodes", "merge"):
            shutil.rmtree(folder / name, ignore_errors=True)
        print(f"replica server {replica.url} on CPU {cpus(replica.pid)} (not pinned)")
        print(f"load average before run a: {load()}")
        one = cluster_run(folder / "one-node", replica.url, portals, [{0}])
        print_run("a, one node", one)
        print(f"load average before run b: {load()}")
        two = cluster_run(folder / "two-nodes", replica.url, portals, [{0}, {1}])
        print_run("b, two nodes", two)
        archived = same_reports(folder / "one-node" / "main.db", folder / "two-nodes" / "main.db")
        merges, startup, merged, shards = merge_bench(folder / "two-nodes" / "main.db", portals, folder / "merge")
    print_table(one, two, archived, merges, startup, merged, shards)
    if args.keep:
        print(f"\narchives, shards and node folders kept in {folder}")


def same_reports(one: Path, two: Path) -> tuple[int, int]:
    """The two runs' reports, which must be the same; returns how many each archived."""
    first, second = reports(one), reports(two)
    if first != second:
        raise SystemExit(f"the runs archived different reports: {len(first)} on one node, {len(second)} on two; "
                         f"{len(first - second)} only on one node, {len(second - first)} only on two")
    return len(first), len(second)


def merge_bench(source: Path, portals: list[str], folder: Path) -> tuple[list[tuple[str, float]], float, int, int]:
    """Merge each portal's shard of `source` into a fresh archive, twice; returns the timings,
    the command's start-up time, the reports merged and the number of shards."""
    started = time.monotonic()
    shards = portal_shards(source, portals, folder / "shards")
    print(f"  c: {len(shards)} shards written in {time.monotonic() - started:.1f} s (not timed below)")
    target = folder / "merged.db"
    first = timed_merge(shards, target)
    after_first = counts(target)
    if reports(target) != reports(source):
        raise SystemExit("the merge did not give the reports of the archive the shards came from")
    second = timed_merge(shards, target)
    if counts(target) != after_first:
        raise SystemExit(f"the second merge added rows: {after_first} -> {counts(target)}")
    print(f"  c: merged into {target.name}: {after_first}; the second merge added nothing")
    startup = timed_command(["merge", "--help"])
    return [("first merge", first), ("second merge (adds nothing)", second)], startup, after_first["reports"], len(shards)


if __name__ == "__main__":
    main()
