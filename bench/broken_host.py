"""A host that stops answering costs minutes, not the night: the whole-registry crawl with and without it.

    python bench/broken_host.py [--portal zhuji] [--scale K]

Runs `nianbao crawl` (every registry portal, the project's own polite settings) twice, each against
a replica of its own started cold: first with every portal answering, then with `--break-files
PORTAL` (8 in 10 of that portal's report pages and files hang, reset or answer 5xx). Prints each
run's exit status and seconds, the ratio (aim: at most 1.5), and the broken run's health lines
naming the portal. Each hanging file would cost four download timeouts (60 s each) without
`crawler.hosts`, which gives the host up after NIANBAO_HOST_GIVE_UP_AFTER unanswered attempts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import NIANBAO, ROOT, served


def crawl(replica: str, db: Path) -> tuple[int, float, str]:
    env = {**os.environ, "NIANBAO_REPLICA": replica, "NIANBAO_RECHECK_DATE": "2026-11-25"}
    env.pop("NIANBAO_DB", None)
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", NIANBAO, "crawl", "--db", str(db)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    return out.returncode, time.monotonic() - started, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portal", default="zhuji")
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        for label, options in (("every portal answering", ()), (f"--break-files {args.portal}", ("--break-files", args.portal))):
            with served(args.scale, *options) as replica:
                results[label] = crawl(replica, Path(tmp) / f"{len(results)}.db")
            status, seconds, stdout = results[label]
            print(f"{label:28} exit {status}  {seconds:7.1f} s", flush=True)
    (healthy_status, healthy_seconds, _), (broken_status, broken_seconds, stdout) = results.values()
    named = [line for line in stdout.splitlines() if line.startswith(f"{args.portal}: http")]
    others = [line for line in stdout.splitlines() if line.endswith("; FAILED") and not line.startswith(f"{args.portal}:")]
    print(f"ratio (broken ÷ answering): {broken_seconds / healthy_seconds:.2f}  (aim ≤ 1.5)")
    print(f"the broken run exits {broken_status} (aim 1), the answering run {healthy_status} (aim 0); "
          f"{len(named)} health lines name {args.portal}; {len(others)} FAILED lines name another portal")
    for line in named:
        print(f"  {line[:300]}")
    if healthy_status != 0 or broken_status != 1 or not named:
        sys.exit(1)


if __name__ == "__main__":
    main()
