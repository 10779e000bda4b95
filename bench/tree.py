"""Any command's peak memory as an operator sees it: the whole process tree, watched from outside.

    python bench/tree.py COMMAND [ARG ...]
    NIANBAO_REPLICA=http://127.0.0.1:8399 python bench/tree.py scrapy check

Runs COMMAND, passes its output through, and prints its exit status, its seconds and the peak of
its process tree's summed PSS and RSS (the crawl, parse workers, the Playwright driver, Chromium),
with the most processes it held at once. Exits with COMMAND's status.
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import TreePeak, require


def main() -> None:
    require("psutil")
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        raise SystemExit(__doc__)
    started = time.monotonic()
    child = subprocess.Popen(sys.argv[1:])
    with TreePeak(child.pid, interval=0.2) as tree:
        status = child.wait()
    print(f"exit {status} in {time.monotonic() - started:.1f} s; process tree peak: PSS {tree.peak_pss / 2**20:.0f} MB, "
          f"RSS summed {tree.peak / 2**20:.0f} MB, {tree.most_processes} processes", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
