"""The nightly crawl: a first run into an empty archive against the second run on the unchanged replica.

    python bench/nightly.py [--scale K] [--night YYYY-MM-DD] [--keep DIR]

Serves `nianbao replica serve --scale K`, runs `nianbao crawl` (all portals, no throttling: the
replica is local) once into a throwaway archive, unmeasured, so that the replica has generated and
cached every page before either measured run, then twice into a fresh archive, and prints side by side each run's seconds, bytes and
requests, with the ratios (aims: the second run at ≤ 5% of the bytes, ≥ 10× faster), then where
the second run's time and bytes go: start-up, each portal's crawl (and the pages the browser
rendered), shutdown; list pages against report bodies. `--night` fixes the date the re-check
schedule runs on (default: today), so which archived reports are due is reproducible.

Run it on a quiet machine: it prints the load average before it starts.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from common import NIANBAO, ROOT, served

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "RETRY_BACKOFF_BASE=0.1", "-s", "LOG_FORMAT=%(asctime)s.%(msecs)03d [%(name)s] %(levelname)s: %(message)s",
        # The whole log on stderr: where the time goes is read off it.
        "-v"]


def crawl(db: Path, replica: str, night: str) -> dict:
    env = {**os.environ, "NIANBAO_REPLICA": replica, "NIANBAO_RECHECK_DATE": night}
    env.pop("NIANBAO_DB", None)
    started = time.time()
    out = subprocess.run([sys.executable, "-c", NIANBAO, "crawl", "--db", str(db), *FAST], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    ended = time.time()
    if out.returncode:
        sys.stderr.write(out.stderr[-3000:])
        raise SystemExit(f"nianbao crawl exited {out.returncode}")
    return {"started": started, "seconds": ended - started, "stderr": out.stderr}


def _stamp(line: str) -> float | None:
    match = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3})", line)
    if not match:
        return None
    return time.mktime(datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").timetuple()) + int(match.group(2)) / 1000


def phases(result: dict) -> dict:
    """Start-up (process start to the first spider opened), each portal's end, the last one's end."""
    opened, finished, rendered = None, {}, {}
    for line in result["stderr"].splitlines():
        if opened is None and "Spider opened" in line:
            opened = _stamp(line)
        match = re.search(r"\[crawler\.monitors\] \w+: (\w+) (?:finished|stopped \(\w+\)) in ([\d.]+) s:", line)
        if match:
            finished[match.group(1)] = (_stamp(line), float(match.group(2)))
            pages = re.search(r"; (\d+) pages? rendered by the browser", line)
            rendered[match.group(1)] = int(pages.group(1)) if pages else 0
    last = max((t for t, _ in finished.values()), default=None)
    return {
        "startup": (opened - result["started"]) if opened else None,
        "portals": finished,
        "rendered": rendered,
        "shutdown": (result["started"] + result["seconds"] - last) if last else None,
    }


def per_portal(db: Path, run_id: int) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = {r["portal"]: dict(r) for r in conn.execute("SELECT * FROM crawl_run_portals WHERE run_id = ?", [run_id])}
        for portal, size in conn.execute(
            "SELECT p.portal, sum(s.size) FROM snapshots s JOIN pages p ON p.id = s.page_id WHERE s.run_id = ? "
            "GROUP BY p.portal", [run_id]
        ):
            rows[portal]["report_bytes"] = size or 0
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1, help="replica scale (default 1: ~260 reports)")
    parser.add_argument("--night", default=date.today().isoformat(), help="date the re-check schedule runs on")
    parser.add_argument("--keep", help="keep the archive and logs in this folder")
    args = parser.parse_args()
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    with served(args.scale) as replica, tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "nianbao.db"
        for leftover in [*folder.glob("nianbao.db*"), *folder.glob("warm-up.db*")]:
            if leftover.is_file():
                leftover.unlink()
        # Unmeasured: the replica generates each page on its first request and then serves it from
        # memory, which would make the second run look faster than a real site's second night.
        crawl(folder / "warm-up.db", replica, args.night)
        first = crawl(db, replica, args.night)
        second = crawl(db, replica, args.night)
        one, two = per_portal(db, 1), per_portal(db, 2)
    total = lambda rows, key: sum(r.get(key) or 0 for r in rows.values())  # noqa: E731
    reports = total(one, "new_reports")
    print(f"replica scale {args.scale:g}: {reports} reports archived by the first run; re-check schedule night {args.night}")
    print()
    print(f"{'':24}{'first run':>14}{'second run':>14}{'second/first':>14}")
    b1, b2 = total(one, "bytes"), total(two, "bytes")
    print(f"{'seconds':24}{first['seconds']:>14.1f}{second['seconds']:>14.1f}{second['seconds'] / first['seconds']:>14.3f}"
          f"   ({first['seconds'] / second['seconds']:.1f}× faster; aim ≥ 10×)")
    print(f"{'bytes':24}{b1:>14,}{b2:>14,}{b2 / b1:>14.3f}   (aim ≤ 0.05)")
    r1, r2 = total(one, "requests"), total(two, "requests")
    print(f"{'requests':24}{r1:>14,}{r2:>14,}{r2 / r1:>14.3f}")
    rb1, rb2 = total(one, "report_bytes"), total(two, "report_bytes")
    print(f"{'  report bodies':24}{rb1:>14,}{rb2:>14,}{rb2 / b1:>14.3f}   (share of the first run's bytes)")
    print(f"{'  list pages, headers':24}{b1 - rb1:>14,}{b2 - rb2:>14,}{(b2 - rb2) / b1:>14.3f}   (lists are crawled every run)")
    print(f"{'new + changed versions':24}{reports:>14,}{total(two, 'new_reports') + total(two, 'new_versions'):>14,}")
    print(f"{'not modified (304)':24}{total(one, 'not_modified'):>14,}{total(two, 'not_modified'):>14,}")
    print(f"{'unchanged (no validator)':24}{total(one, 'unchanged'):>14,}{total(two, 'unchanged'):>14,}")
    print(f"{'not due tonight':24}{total(one, 'not_due'):>14,}{total(two, 'not_due'):>14,}")
    for name, result in (("first", first), ("second", second)):
        phase = phases(result)
        print(f"\nwhere the {name} run's {result['seconds']:.1f} s go: start-up to the first spider open "
              f"{phase['startup']:.1f} s; shutdown after the last portal {phase['shutdown']:.1f} s")
        rows = one if name == "first" else two
        for portal, (_, seconds) in sorted(phase["portals"].items(), key=lambda kv: -kv[1][1]):
            row = rows[portal]
            browser = f", {phase['rendered'][portal]} pages rendered by the browser" if phase["rendered"].get(portal) else ""
            print(f"  {portal:<10} {seconds:6.1f} s  {row['requests']:>6} requests {row['bytes']:>11,} B "
                  f"(report bodies {row.get('report_bytes', 0):>10,} B){browser}")
    if args.keep:
        print(f"\narchive and logs kept in {folder}")


if __name__ == "__main__":
    main()
