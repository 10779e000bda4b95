"""Full-text indexes for Chinese report text, measured side by side on an archive's texts.

    python bench/fts.py --db ARCHIVE [--copies K]

Builds, over the archive's report texts (repeated K times, default 20, so the timings are of a
larger archive), the character-pair index nianbao kept until now (contentless, queries spelled as
pairs by archive.fts.match_expression), SQLite's trigram index (plain `MATCH '行政复议'` works;
contentless, and with the text as external content so snippet() works) and no index at all
(LIKE over the text). Prints each index's size ÷ text size and, for queries of two, three and
four characters, the median time of a count and whether it equals the LIKE scan's count.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = ("复议", "年报", "诉讼", "依申请", "行政复议", "信息公开", "政府信息公开")


def _size(conn: sqlite3.Connection, prefix: str) -> int:
    return sum(s for (s,) in conn.execute("SELECT pgsize FROM dbstat WHERE name LIKE ? || '%'", [prefix]))


def _median_ms(conn: sqlite3.Connection, sql: str, params=(), repeat: int = 5) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = conn.execute(sql, params).fetchone()[0]
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, count


def build(source: Path, target: Path, copies: int) -> int:
    from archive.fts import index_tokens, normalize

    texts = [normalize(t) for (t,) in sqlite3.connect(source).execute("SELECT text FROM report_texts WHERE text <> ''")]
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE texts(id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("CREATE VIRTUAL TABLE pairs USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE tri USING fts5(text, content='', tokenize='trigram')")
    conn.execute("CREATE VIRTUAL TABLE tri_ext USING fts5(text, content='texts', content_rowid='id', tokenize='trigram')")
    rowid = 0
    for _ in range(copies):
        for text in texts:
            rowid += 1
            conn.execute("INSERT INTO texts(id, text) VALUES (?, ?)", [rowid, text])
            conn.execute("INSERT INTO pairs(rowid, text) VALUES (?, ?)", [rowid, index_tokens(text)])
            conn.execute("INSERT INTO tri(rowid, text) VALUES (?, ?)", [rowid, text])
    conn.execute("INSERT INTO tri_ext(tri_ext) VALUES ('rebuild')")
    for table in ("pairs", "tri", "tri_ext"):
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    conn.commit()
    conn.close()
    return rowid


def measure(target: Path) -> dict:
    from archive.fts import match_expression

    conn = sqlite3.connect(target)
    text_bytes = conn.execute("SELECT sum(length(CAST(text AS BLOB))) FROM texts").fetchone()[0]
    out = {"reports": conn.execute("SELECT count(*) FROM texts").fetchone()[0], "text": text_bytes,
           "sizes": {name: _size(conn, name) for name in ("pairs", "tri_")} | {"tri": _size(conn, "tri_") - _size(conn, "tri_ext")}}
    out["sizes"]["tri_ext"] = _size(conn, "tri_ext")
    del out["sizes"]["tri_"]
    rows = {}
    for word in WORDS:
        like_ms, truth = _median_ms(conn, "SELECT count(*) FROM texts WHERE text LIKE ?", [f"%{word}%"], repeat=3)
        pairs_ms, pairs = _median_ms(conn, "SELECT count(*) FROM pairs WHERE pairs MATCH ?", [match_expression(word)])
        tri_ms, tri = _median_ms(conn, "SELECT count(*) FROM tri WHERE tri MATCH ?", [word])
        rows[word] = {"like": (like_ms, truth), "pairs": (pairs_ms, pairs == truth), "trigram": (tri_ms, tri == truth)}
    out["queries"] = rows
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="an archive (nianbao demo --db FILE makes one)")
    parser.add_argument("--copies", type=int, default=20, help="times each text is indexed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nianbao-fts-") as folder:
        target = Path(folder) / "fts.db"
        started = time.perf_counter()
        reports = build(args.db, target, args.copies)
        built = time.perf_counter() - started
        m = measure(target)
    text = m["text"]
    print(f"{reports} report texts ({args.copies} x the archive's), {text / 2**20:.1f} MiB of text, indexed in {built:.0f} s")
    print("index size / text size: " + ", ".join(
        f"{label} {m['sizes'][name] / text:.2f}" for name, label in
        (("pairs", "character pairs (contentless)"), ("tri", "trigram (contentless)"), ("tri_ext", "trigram (text as external content)"))))
    print("count of reports containing a word, median ms (= LIKE's count?):")
    for word, row in m["queries"].items():
        like_ms, truth = row["like"]
        pairs_ms, pairs_ok = row["pairs"]
        tri_ms, tri_ok = row["trigram"]
        print(f"   {word:<6} {truth:>6} reports   LIKE scan {like_ms:7.1f}   pairs {pairs_ms:6.1f} {'=' if pairs_ok else '≠'}"
              f"   trigram plain MATCH {tri_ms:6.1f} {'=' if tri_ok else '≠ (fewer than 3 characters)'}")


if __name__ == "__main__":
    main()
