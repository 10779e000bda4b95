"""The archive's figures, measured side by side in one run.

    python bench/archive.py [--scale K] [--reports N] [--concurrency C]

1. Crawl speed. Serves the replicas (`--scale`, default the smallest with ≥ 2,000 report pages),
   crawls them with the five spiders into a fresh archive (the real parser in worker processes),
   recording every request; then replays exactly those requests with a bare Scrapy spider that
   archives and parses nothing. Prints responses/s for both and their ratio (aim ≥ 0.8), the crawl
   being done when its last item is committed; the parses that finish after that are timed apart.
2. Compression: stored bytes (blobs + dictionaries) ÷ raw bytes of the HTML pages (aim ≤ 0.15),
   against plain zstd of the same pages, and the whole file per raw byte.
3. Full-text index size ÷ text size on the crawled reports (aim ≤ 1.5), next to a jieba word
   index and a trigram index of the same texts, with the share of two-character substrings each
   can find.
4. Query time over N synthetic reports (default 100,000, texts and figures recombined from the
   crawled ones): a two-character full-text query and a year-by-agency aggregate (aim < 200 ms).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from common import default_scale, report_pages, require, run_bare, run_children, run_spiders, scrapy_settings, served

# -- 1. crawl speed ---------------------------------------------------------------------------


def crawl_speed(scale: int, concurrency: int, db: Path) -> dict:
    """The spiders archiving into `db`, the spiders alone, and the bare replay of their requests."""
    with served(scale) as replica, tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "requests.jsonl"
        return run_children(__file__, ("archive", "spiders", "bare"), concurrency, replica, record, db)


# -- 2. compression --------------------------------------------------------------------------


def compression(db: Path) -> dict:
    import zstandard

    from archive import Archive
    from archive.blobs import LEVEL

    with Archive(db) as archive:
        conn = archive.db
        raw_html, stored_html, pages = conn.execute(
            "SELECT sum(size), sum(stored_size), count(*) FROM blobs WHERE html = 1"
        ).fetchone()
        dictionaries = conn.execute("SELECT coalesce(sum(length(data)), 0), count(*) FROM zstd_dictionaries").fetchone()
        raw_all = conn.execute("SELECT sum(size) FROM blobs").fetchone()[0]
        plain = zstandard.ZstdCompressor(level=LEVEL)
        sample = conn.execute("SELECT sha256 FROM blobs WHERE html = 1 ORDER BY random() LIMIT 300").fetchall()
        plain_ratio = sum(len(plain.compress(archive.body(d))) for (d,) in sample) / sum(
            len(archive.body(d)) for (d,) in sample
        )
        parts = {name: size for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")}
    file_size = db.stat().st_size + (Path(str(db) + "-wal").stat().st_size if Path(str(db) + "-wal").exists() else 0)
    return {
        "html_pages": pages,
        "raw_html": raw_html,
        "stored_html": stored_html,
        "dictionaries": dictionaries[0],
        "dictionary_count": dictionaries[1],
        "ratio": (stored_html + dictionaries[0]) / raw_html,
        "plain_zstd_ratio": plain_ratio,
        "raw_all": raw_all,
        "file": file_size,
        "parts": parts,
    }


# -- 3. full-text index size -----------------------------------------------------------------

HAN = re.compile(r"[\u3400-\u9fff]+")


def _index_size(texts: list[str], tokenize, ddl: str) -> int:
    conn = sqlite3.connect(":memory:")
    conn.execute(ddl)
    conn.executemany("INSERT INTO t(text) VALUES (?)", [(tokenize(text),) for text in texts])
    conn.execute("INSERT INTO t(t) VALUES ('optimize')")
    size = sum(pgsize for (pgsize,) in conn.execute("SELECT pgsize FROM dbstat WHERE name LIKE 't_%' OR name = 't'"))
    conn.close()
    return size


def fts_sizes(db: Path) -> dict:
    import jieba

    from archive import Archive, fts

    jieba.setLogLevel(60)
    with Archive(db) as archive:
        texts = [t for (t,) in archive.db.execute("SELECT text FROM report_texts WHERE text <> ''")]
        ours = sum(size for (size,) in archive.db.execute(
            "SELECT pgsize FROM dbstat WHERE name LIKE 'reports_fts%'"))
        indexed = archive.db.execute(
            "SELECT sum(length(CAST(coalesce(r.title, '') || coalesce(r.agency, '') || t.text AS BLOB))) "
            "FROM reports r JOIN report_texts t ON t.report_id = r.id").fetchone()[0]
    sample = texts[:400]
    text_bytes = sum(len(t.encode()) for t in sample)
    words = lambda t: " ".join(jieba.cut(t))  # noqa: E731
    contentless = "CREATE VIRTUAL TABLE t USING fts5(text, content='', tokenize='{}')"
    sizes = {
        "bigram (ours)": _index_size(sample, fts.index_tokens, contentless.format("unicode61")),
        "jieba words": _index_size(sample, words, contentless.format("unicode61")),
        "trigram": _index_size(sample, lambda t: t, "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='trigram')"),
    }
    # Which two-character substrings can each index find at all?
    pairs = sorted({run[i : i + 2] for t in sample[:100] for run in HAN.findall(t) for i in range(len(run) - 1)})
    pairs = random.Random(7).sample(pairs, min(1500, len(pairs)))
    word_tokens = [set(words(t).split()) for t in sample[:100]]
    hits = total = 0
    for pair in pairs:
        for text, tokens in zip(sample[:100], word_tokens):
            if pair in text:
                total += 1
                hits += pair in tokens
    return {
        "archive_index": ours,
        "archive_text": indexed,
        "archive_ratio": ours / indexed,
        "sample_reports": len(sample),
        "sample_text": text_bytes,
        "sizes": sizes,
        "jieba_recall": hits / total if total else 0.0,
    }


# -- 4. queries over synthetic reports -------------------------------------------------------


def synthetic_archive(source: Path, target: Path, count: int) -> dict:
    """`count` reports in the archive's schema, recombined from the crawled ones (texts, figures)."""
    from archive import fts
    from archive.writer import open_archive

    with sqlite3.connect(source) as src:
        texts = [t for (t,) in src.execute("SELECT text FROM report_texts WHERE length(text) > 200")]
        figures: dict[int, list[tuple[int, object]]] = {}
        for report_id, key_id, value in src.execute("SELECT report_id, key_id, value FROM report_values"):
            figures.setdefault(report_id, []).append((key_id, value))
        value_sets = [v for v in figures.values() if len(v) > 50] or list(figures.values())
        keys = src.execute("SELECT id, key FROM value_keys").fetchall()
    from archive.figures import compute

    names = dict(keys)
    mains = [compute({names[key_id]: value for key_id, value in values}) for values in value_sets]
    columns = list(mains[0])
    open_archive(target).close()
    rng = random.Random(2024)
    agencies = [f"{town}{kind}" for town in ("长寿", "诸暨", "东莞", "延平", "临翔", "万顺", "暨阳", "厚街", "寮步", "双龙")
                for kind in ("人民政府", "街道办事处", "发展和改革局", "财政局", "教育局", "卫生健康局", "自然资源局",
                             "生态环境局", "住房和城乡建设局", "交通运输局", "农业农村局", "市场监督管理局")]
    started = time.perf_counter()
    conn = sqlite3.connect(target)
    conn.executescript("PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; PRAGMA journal_mode = OFF;")
    with conn:
        conn.executemany("INSERT OR IGNORE INTO value_keys(id, key) VALUES (?, ?)", keys)
        text_bytes = 0
        for n in range(1, count + 1):
            agency = rng.choice(agencies)
            year = rng.randint(2008, 2024)
            text = rng.choice(texts)
            title = f"{agency}{year}年政府信息公开工作年度报告"
            url = f"https://synthetic.example/{n}.html"
            now = f"{year + 1}-01-20T00:00:00.000000+00:00"
            conn.execute(
                "INSERT INTO pages(id, url, portal, kind, first_seen_at, last_seen_at, last_changed_at, version_count, "
                "latest_report_id) VALUES (?, ?, 'synthetic', 'page', ?, ?, ?, 1, ?)", [n, url, now, now, now, n])
            which = rng.randrange(len(value_sets))
            values, main = value_sets[which], mains[which]
            conn.execute(
                "INSERT INTO reports(id, page_id, version, sha256, snapshot_id, first_seen_at, last_seen_at, parsed_at, "
                f"title, agency, year, template, value_count, checks_failed, is_latest, {', '.join(columns)}) "
                f"VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, '2021', ?, 0, 1, {', '.join('?' * len(columns))})",
                [n, n, f"{n:064x}", n, now, now, now, title, agency, year, len(values), *main.values()])
            conn.executemany("INSERT INTO report_values(report_id, key_id, value) VALUES (?, ?, ?)",
                             [(n, key_id, value) for key_id, value in values])
            conn.execute("INSERT INTO report_texts(report_id, text) VALUES (?, ?)", [n, text])
            fts.add(conn, n, title, agency, text)
            text_bytes += len(text.encode()) + len(title.encode()) + len(agency.encode())
        conn.execute("INSERT INTO reports_fts(reports_fts) VALUES ('optimize')")
        conn.execute("INSERT INTO reports_fts_pairs(reports_fts_pairs) VALUES ('optimize')")
        from archive import agencies

        agencies.refresh(conn)  # the panel views read reports.agency_id
    conn.execute("ANALYZE")
    conn.close()
    return {"seconds": time.perf_counter() - started, "text_bytes": text_bytes}


def _timed(conn: sqlite3.Connection, sql: str, params=(), repeat: int = 5) -> tuple[float, list]:
    times, rows = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = conn.execute(sql, params).fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, rows


SEARCH = """SELECT r.id, p.url, r.title FROM reports_fts_pairs
JOIN reports r ON r.id = reports_fts_pairs.rowid JOIN pages p ON p.id = r.page_id AND p.latest_report_id = r.id
WHERE reports_fts_pairs MATCH ? ORDER BY bm25(reports_fts_pairs, 10.0, 5.0, 1.0) LIMIT 20"""
COUNT = "SELECT count(*) FROM reports_fts_pairs WHERE reports_fts_pairs MATCH ?"
AGGREGATE = """SELECT year, agency, count(*) AS reports, sum(applications_received) AS applications_received,
       sum(granted) AS granted, sum(reviews) AS reviews
FROM reports WHERE is_latest = 1
GROUP BY year, agency"""
AGGREGATE_ANY_KEY = """SELECT r.year, r.agency, count(*), sum(v.value)
FROM report_values v JOIN reports r ON r.id = v.report_id AND r.is_latest = 1
WHERE v.key_id = (SELECT id FROM value_keys WHERE key = 'applications.denied_state_secret.total')
GROUP BY r.year, r.agency"""


def _timed_call(function, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def queries(target: Path) -> dict:
    from archive.db import connect
    from archive.fts import match_expression, search

    conn = sqlite3.connect(target)
    archive_db = connect(target, readonly=True)
    out = {"reports": conn.execute("SELECT count(*) FROM reports").fetchone()[0]}
    for word in ("年报", "复议", "纠正"):
        ms, rows = _timed(conn, SEARCH, [match_expression(word)])
        count_ms, count = _timed(conn, COUNT, [match_expression(word)])
        search_ms, hits = _timed_call(lambda: search(archive_db, word))
        out[f"search {word}"] = (ms, len(rows), count_ms, count[0][0], search_ms, len(hits))
    ms, rows = _timed(conn, AGGREGATE)
    out["aggregate"] = (ms, len(rows))
    ms, rows = _timed(conn, "SELECT year, agency, count(*), sum(applications_received) FROM report_figures GROUP BY 1, 2")
    out["aggregate via report_figures"] = (ms, len(rows))
    ms, rows = _timed(conn, AGGREGATE_ANY_KEY)
    out["aggregate of any figure"] = (ms, len(rows))
    index = sum(s for (s,) in conn.execute("SELECT pgsize FROM dbstat WHERE name LIKE 'reports_fts%'"))
    out["fts_index"] = index
    conn.close()
    return out


# -- the report --------------------------------------------------------------------------------


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=0, help="replica scale (default: smallest with ≥ 2,000 report pages)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests per host, both runs")
    parser.add_argument("--reports", type=int, default=100_000, help="synthetic reports for the query timings")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the archives in this folder (without it they are removed at the end)")
    parser.add_argument("_mode", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._mode:  # a child run: mode replica record db
        mode, replica, record, db = args._mode
        if mode == "bare":
            result = run_bare(scrapy_settings(replica, args.concurrency), Path(record))
        else:  # the spiders, archiving into db, or (modes "spiders" and "warm") not archiving at all
            scratch = Path(record).with_suffix(".spiders.jsonl")
            result = run_spiders(scrapy_settings(replica, args.concurrency, db if mode == "archive" else ""),
                                 Path(record) if mode == "archive" else scratch)
        print(json.dumps(result))
        return
    require("jieba")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        measure(args, folder)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def measure(args, folder: Path) -> None:
    scale = args.scale or default_scale()
    folder.mkdir(parents=True, exist_ok=True)
    db, synthetic = folder / "crawl.db", folder / "synthetic.db"
    for path in (db, synthetic):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    speed = crawl_speed(scale, args.concurrency, db)
    packed = compression(db)
    sizes = fts_sizes(db)
    built = synthetic_archive(db, synthetic, args.reports)
    timed = queries(synthetic)

    archiving, spiders, bare = speed["archive"], speed["spiders"], speed["bare"]
    # A crawl is done when its last item is committed, the bare fetch at its last response; the
    # parses that finish after the crawl are timed apart (the whole run).
    for run in (archiving, spiders):
        run["seconds_with_parses"], run["seconds"] = run["seconds"], run["seconds_to_last_item"]
    bare["seconds"] = bare["seconds_to_last_response"]
    rate_a = archiving["responses"] / archiving["seconds"]
    rate_s = spiders["responses"] / spiders["seconds"]
    rate_b = bare["responses"] / bare["seconds"]
    print(f"replica scale {scale}: {report_pages(scale)} report pages; archive {db}"
          + ("" if args.keep else " (removed at the end; --keep DIR keeps it)"))
    print()
    print("1. crawl speed (same requests, same replica, same settings)")
    print(f"   bare Scrapy fetch:     {bare['responses']} responses in {bare['seconds']:.1f} s = {rate_b:.1f}/s")
    print(f"   crawl + archive:       {archiving['responses']} responses, {archiving['items']} items archived in "
          f"{archiving['seconds']:.1f} s = {rate_a:.1f}/s")
    print(f"   spiders, no archive:   {spiders['responses']} responses, {spiders['items']} items in "
          f"{spiders['seconds']:.1f} s = {rate_s:.1f}/s")
    print(f"   ratio crawl+archive / bare: {rate_a / rate_b:.2f}   (aim ≥ 0.80); "
          f"crawl+archive / spiders alone: {rate_a / rate_s:.2f}")
    print(f"   parses done {archiving['seconds_with_parses']:.1f} s after start "
          f"(ratio counting them: {archiving['responses'] / archiving['seconds_with_parses'] / rate_b:.2f})")
    print()
    print("2. compression of the archived HTML pages")
    print(f"   {packed['html_pages']} pages, raw {mib(packed['raw_html'])}; stored {mib(packed['stored_html'])} "
          f"+ {packed['dictionary_count']} dictionaries {packed['dictionaries'] / 1024:.0f} KiB")
    print(f"   archive bytes / raw HTML bytes: {packed['ratio']:.3f}   (aim ≤ 0.15; plain zstd per page "
          f"{packed['plain_zstd_ratio']:.3f})")
    parts = packed["parts"]
    fts_part = sum(v for k, v in parts.items() if k.startswith("reports_fts"))
    print(f"   whole file {mib(packed['file'])} = {packed['file'] / packed['raw_all']:.2f} x all raw bodies "
          f"({mib(packed['raw_all'])}): blobs {mib(parts.get('blobs', 0))}, texts {mib(parts.get('report_texts', 0))}, "
          f"full-text index {mib(fts_part)}, figures {mib(parts.get('report_values', 0) + parts.get('report_values_key', 0))}, "
          f"checks {mib(parts.get('report_checks', 0))}")
    print()
    print("3. full-text index size / text size")
    print(f"   archive ({archiving['items']} reports): {sizes['archive_ratio']:.2f}   (aim ≤ 1.5)")
    print(f"   synthetic ({timed['reports']} reports): {timed['fts_index'] / built['text_bytes']:.2f}")
    print(f"   same {sizes['sample_reports']} texts, other indexes: "
          + ", ".join(f"{name} {size / sizes['sample_text']:.2f}" for name, size in sizes["sizes"].items()))
    print(f"   two-character substrings findable: bigram 100%, jieba words {sizes['jieba_recall']:.0%}, "
          f"trigram 0% (needs 3)")
    print()
    print(f"4. queries over {timed['reports']} synthetic reports (built in {built['seconds']:.0f} s; median of 5)")
    for word in ("年报", "复议", "纠正"):
        ms, n, count_ms, count, search_ms, hits = timed[f"search {word}"]
        print(f"   two-character query {word} ({count} matching reports): archive.search() top {hits} in "
              f"{search_ms:.0f} ms; count in {count_ms:.0f} ms; every match scored by bm25 in SQL: {ms:.0f} ms")
    ms, groups = timed["aggregate"]
    print(f"   year-by-agency aggregate ({groups} groups): {ms:.0f} ms   (aim < 200 ms)")
    ms, groups = timed["aggregate via report_figures"]
    print(f"   the same through the wide report_figures view: {ms:.0f} ms")
    ms, groups = timed["aggregate of any figure"]
    print(f"   year-by-agency sum of a figure outside the main ones (report_values): {ms:.0f} ms")


if __name__ == "__main__":
    main()
