"""Benchmark: the parser on 2,000 mutated real reports (extract.mutate, fixed seed).

    python bench/fuzz.py [--count 2000] [--seed 0] [--shared ../shared] [--limit-s 2]

Prints how many inputs raised, failed inside the parser or took longer than the limit, the
slowest inputs (each name rebuilds its case), and the process's peak memory. Exits 1 when any
input raised, failed inside, or took longer than the limit, or the peak exceeds --limit-mb.
"""

from __future__ import annotations

import argparse
import resource
import signal
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import extract  # noqa: E402
from extract import mutate  # noqa: E402

HANG_S = 60


def sources(shared: Path) -> list[tuple[str, bytes]]:
    reports = [p for p in sorted((shared / "reports").iterdir()) if p.suffix in (".txt", ".md", ".pdf", ".html")]
    return [(p.name, p.read_bytes()) for p in reports + sorted((shared / "seeds").glob("*.txt"))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--limit-s", type=float, default=2.0)
    ap.add_argument("--limit-mb", type=float, default=500.0)
    args = ap.parse_args()

    def hang(*_):
        raise TimeoutError

    signal.signal(signal.SIGALRM, hang)
    times: list[tuple[float, str]] = []
    problems: Counter = Counter()
    examples: dict[str, str] = {}
    started = time.perf_counter()
    cpu_started = time.process_time()
    for case in mutate.cases(sources(args.shared), args.count, seed=args.seed):
        t0 = time.perf_counter()
        signal.alarm(HANG_S)
        try:
            report = extract.parse(case.body, filename=case.filename)
            internal = [w for w in report.warnings if w.startswith(("parser error", "input nested too deeply"))]
            if internal:
                problems["failed inside the parser"] += 1
                examples.setdefault("failed inside the parser", f"{case.name}: {internal[0]}")
        except TimeoutError:
            problems[f"no answer in {HANG_S} s"] += 1
            examples.setdefault(f"no answer in {HANG_S} s", case.name)
        except Exception as exc:  # noqa: BLE001 - counted: parse must never raise
            problems["raised"] += 1
            examples.setdefault("raised", f"{case.name}: {type(exc).__name__}: {exc}")
        finally:
            signal.alarm(0)
        elapsed = time.perf_counter() - t0
        times.append((elapsed, case.name))
        if elapsed > args.limit_s:
            problems[f"took more than {args.limit_s:g} s"] += 1
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times.sort(reverse=True)
    print(f"{len(times)} mutated inputs in {wall:.1f} s wall, {cpu:.1f} s CPU ({len(times) / cpu:.0f} per CPU-second)")
    print(f"peak memory of this process: {peak_mb:.0f} MB (limit {args.limit_mb:g})")
    print("slowest:")
    for elapsed, name in times[:10]:
        print(f"  {elapsed:6.2f} s  {name}")
    for what, n in problems.most_common():
        print(f"{what}: {n}" + (f" (e.g. {examples[what]})" if what in examples else ""))
    if not problems:
        print("no input raised, failed inside the parser, or took longer than the limit")
    return 1 if problems or peak_mb > args.limit_mb else 0


if __name__ == "__main__":
    sys.exit(main())
