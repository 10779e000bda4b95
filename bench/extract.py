"""Benchmark: cleaning plus parsing of report pages, next to plain trafilatura.extract, same pages, same run.

    python bench/extract.py [--seconds 5] [--size-kb 65] [--shared ../shared]

Pages are built at run time from the seeds' hand-checked values and prose in ../shared
(extract.render), wrapped in portal chrome (menus, link lists, scripts, footer) to about
`--size-kb` each, half of them GBK-encoded. Rates are reports per CPU-second of this one process,
i.e. per core (wall-clock rates are printed too; other load on the machine affects those).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import extract  # noqa: E402
from extract import render  # noqa: E402

SEEDS = ("000_3734af7a9bdc841a", "001_7841e5a45d261ac2", "002_d14223c41a91255a", "004_50ced4fe608d0220")


def _prose(seed: Path) -> tuple[list[str], list[str]]:
    lines = [line.strip() for line in seed.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and "|" not in line]
    start = next((i for i, line in enumerate(lines) if line.startswith("一、")), 0)
    mid = next(i for i, line in enumerate(lines) if re.match(r"^二、\s*主动公开", line))
    end = next(i for i, line in enumerate(lines) if i > mid and line.startswith("五、"))
    return lines[start:mid], lines[end:][:12]


def pages(shared: Path, size_kb: int) -> list[tuple[bytes, str, dict]]:
    out = []
    for stem in SEEDS:
        gold = json.loads((shared / "gold" / f"{stem}.json").read_text(encoding="utf-8"))
        before, after = _prose(shared / "seeds" / f"{stem}.txt")
        body = ("".join(f"<p>{p}</p>" for p in before) + render.html_tables(gold["template"], gold["values"])
                + "".join(f"<p>{p}</p>" for p in after))
        title = f"{gold['agency']}{gold['year']}年政府信息公开工作年度报告"
        base = render.portal_page(title, body, published=gold.get("published"))
        pad = max(0, size_kb - len(base.encode("utf-8")) // 1024)
        for charset in ("utf-8", "gb18030"):
            html = render.portal_page(title, body, published=gold.get("published"), padding_kb=pad, charset=charset)
            ctype = "text/html" if charset == "gb18030" else "text/html; charset=utf-8"
            out.append((html.encode(charset), ctype, gold))
    return out


def rate(fn, items, seconds: float) -> tuple[float, float, int]:
    """(items per CPU-second, items per wall-second, items done)."""
    done = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.process_time() - cpu0 < seconds:
        for item in items:
            fn(item)
            done += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return done / cpu, done / wall, done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="CPU seconds per measurement")
    ap.add_argument("--size-kb", type=int, default=65, help="approximate page size")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()

    items = pages(args.shared, args.size_kb)
    # Correctness first: a benchmark of failing parses would measure the wrong thing.
    for body, ctype, gold in items:
        report = extract.parse(body, content_type=ctype)
        wrong = [k for k, v in gold["values"].items() if report.values.get(k) != v]
        assert not wrong, f"benchmark page parsed wrongly: {wrong[:5]}"
    import trafilatura

    texts = [body.decode("gb18030" if "charset" not in ctype else "utf-8") for body, ctype, _ in items]
    size = sum(len(b) for b, _, _ in items) / len(items) / 1024
    ours_cpu, ours_wall, n1 = rate(lambda it: extract.parse(it[0], content_type=it[1]), items, args.seconds)
    traf_cpu, traf_wall, n2 = rate(lambda t: trafilatura.extract(t, include_tables=True), texts, args.seconds)
    print(f"pages: {len(items)} distinct report pages, {size:.1f} KB average (half GBK without a charset label)")
    print(f"extract.parse (decode + clean + parse + checks): {ours_cpu:8.1f} reports/s per core"
          f"  ({ours_wall:.1f}/s wall, {n1} parses)")
    print(f"trafilatura.extract alone (same pages, decoded): {traf_cpu:8.1f} reports/s per core"
          f"  ({traf_wall:.1f}/s wall, {n2} extractions)")
    print(f"ratio extract.parse / trafilatura.extract: {ours_cpu / traf_cpu:.2f}x   (aim: >= 100 reports/s per core)")


if __name__ == "__main__":
    main()
