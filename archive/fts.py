"""Full-text search over report text: plain queries where people type them, and any Chinese word.

Two indexes of the same title, agency and text (NFKC-normalised, contentless: the text is stored
once, in `report_texts`):

- `reports_fts`, SQLite's trigram tokenizer: a plain `MATCH '行政复议'` in sqlite3, R, or
  Datasette's search box finds exactly the reports containing the string. It cannot answer a
  query of fewer than three characters (it returns nothing, silently).
- `reports_fts_pairs`, overlapping character pairs (what Lucene's CJK analyzer does): each run
  of Han characters `c1 c2 ... cn` becomes the tokens `c1c2 c2c3 ... c(n-1)cn cn`. Every word
  of one or more characters is found exactly, but a query must be spelled as pairs, which
  `match_expression()` (and the `nianbao_match()` SQL function of `nianbao serve`) does:
  a two-character word is one token, a longer word the phrase of its pairs (信息公开 -> "信息 息公
  公开"), a single character a prefix query (年 -> 年*).

Why both, with figures (`python bench/fts.py --db ARCHIVE`): unicode61 alone makes a whole Han
run one token (年报 finds nothing inside 政府信息公开年报); jieba word segmentation misses 复议
inside 行政复议; the trigram index is the only one plain queries work in, and the pair index the
only one that finds two-character words without scanning every text (a LIKE scan took 0.4-0.8 s
over 31,600 demo texts, 124 MiB, against about 1 ms for the pair index). The pairs cost 0.77 x
the text on the demo archive, the trigrams 1.27 x there (measured at 3.1 x on real reports,
against 1.10 x for the pairs): two-character queries are the common ones, so both are kept.

Everything else (Latin words, numbers) goes through unicode61 unchanged in the pair index.
"""

from __future__ import annotations

import re
import unicodedata

#: Bump when `index_tokens` changes: stored entries must then be rebuilt (`rebuild`), since a
#: contentless index can only delete an entry by re-tokenising its text identically.
TOKENIZER_VERSION = "trigram+pairs-1"

_HAN = (
    "\u3400-\u4dbf"  # Extension A
    "\u4e00-\u9fff"  # Unified Ideographs
    "\uf900-\ufaff"  # Compatibility Ideographs
    "\U00020000-\U0003134f"  # Extensions B-G
)
HAN_RUN = re.compile(f"[{_HAN}]+")
_OPERATORS = {"AND", "OR", "NOT"}


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> str:
    """The text as FTS5 should index it: Han runs spelled out as overlapping pairs."""

    def spell(match: re.Match[str]) -> str:
        run = match.group(0)
        return " " + " ".join([*_pairs(run), run[-1]]) + " "

    return HAN_RUN.sub(spell, normalize(text))


def _term_expression(term: str) -> str:
    """One query term (no operators) as an FTS5 phrase: its tokens in the order the index has them.

    Punctuation and spaces stay in the phrase string, where unicode61 drops them as it does in
    the text; a Han run followed by anything ends in the text where it ends in the query, so
    its closing token is part of the phrase.
    """
    pieces = []
    position = 0
    prefix = False
    for match in HAN_RUN.finditer(term):
        pieces.append(term[position : match.start()])
        run = match.group(0)
        followed = match.end() < len(term)
        if len(run) == 1 and not followed:
            # A lone final character starts some pair, or is a run's closing token.
            pieces.append(run)
            prefix = True
        else:
            pieces.append(" ".join(_pairs(run) + ([run[-1]] if followed or len(run) == 1 else [])))
        position = match.end()
    pieces.append(term[position:])
    phrase = " ".join(piece for piece in pieces if piece)
    if not re.search(r"\w", phrase):
        return ""
    quoted = '"' + phrase.replace('"', '""') + '"'
    return quoted + " *" if prefix else quoted


def match_expression(query: str) -> str:
    """An FTS5 MATCH expression for a user's query.

    Terms separated by spaces must all occur (AND); `OR` and `NOT` between terms work as in
    FTS5; a term in double quotes is searched as one string, spaces included.
    """
    parts = []
    for quoted, bare in re.findall(r'"([^"]*)"|(\S+)', normalize(query)):
        if bare in _OPERATORS:
            if parts and parts[-1] not in _OPERATORS:
                parts.append(bare)
            continue
        expression = _term_expression(quoted or bare)
        if expression:
            parts.append(expression)
    while parts and parts[-1] in _OPERATORS:
        parts.pop()
    # An empty query matches nothing rather than raising a syntax error.
    return " ".join(parts) if parts else '""'


def _indexed(title: str | None, agency: str | None, text: str | None) -> tuple[list[str], list[str]]:
    plain = [normalize(title or ""), normalize(agency or ""), normalize(text or "")]
    return plain, [index_tokens(value) for value in plain]


def add(db, report_id: int, title: str | None, agency: str | None, text: str | None) -> None:
    """Index one report version in both indexes (it must not be indexed already)."""
    plain, pairs = _indexed(title, agency, text)
    db.execute("INSERT INTO reports_fts(rowid, title, agency, text) VALUES (?, ?, ?, ?)", [report_id, *plain])
    db.execute("INSERT INTO reports_fts_pairs(rowid, title, agency, text) VALUES (?, ?, ?, ?)", [report_id, *pairs])


def remove(db, report_id: int, title: str | None, agency: str | None, text: str | None) -> None:
    """Remove a report version indexed with exactly these title, agency and text."""
    plain, pairs = _indexed(title, agency, text)
    db.execute(
        "INSERT INTO reports_fts(reports_fts, rowid, title, agency, text) VALUES ('delete', ?, ?, ?, ?)", [report_id, *plain]
    )
    db.execute(
        "INSERT INTO reports_fts_pairs(reports_fts_pairs, rowid, title, agency, text) VALUES ('delete', ?, ?, ?, ?)",
        [report_id, *pairs],
    )


def rebuild(db) -> int:
    """Re-index every parsed report version from the stored text (after a tokenizer change)."""
    from .schema import FTS_DDL, PAIRS_DDL

    for table in ("reports_fts", "reports_fts_pairs"):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    db.execute(FTS_DDL)
    db.execute(PAIRS_DDL)
    count = 0
    rows = db.execute(
        "SELECT r.id, r.title, r.agency, t.text FROM reports r "
        "JOIN report_texts t ON t.report_id = r.id"
    ).fetchall()
    for report_id, title, agency, text in rows:
        add(db, report_id, title, agency, text)
        count += 1
    for table in ("reports_fts", "reports_fts_pairs"):
        db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    db.execute(
        "INSERT OR REPLACE INTO archive_meta(key, value) VALUES ('fts_tokenizer', ?)",
        [TOKENIZER_VERSION],
    )
    return count


def search(db, query: str, *, limit: int = 20, all_versions: bool = False) -> list[dict]:
    """Reports matching `query`, best first, with a snippet of text around the first hit.

    By default only each page's latest version is searched; `all_versions=True` also finds
    words that only earlier (edited or withdrawn) versions contained. Hits are ranked by bm25,
    except for a query most reports match: bm25's inverse document frequency is then clamped to
    almost nothing (every hit scores alike), so the newest versions come first instead, without
    scoring every report.
    """
    expression = match_expression(query)
    matches = db.execute("SELECT count(*) FROM reports_fts_pairs WHERE reports_fts_pairs MATCH ?", [expression]).fetchone()[0]
    documents = db.execute("SELECT count(*) FROM reports_fts_pairs_docsize").fetchone()[0]
    order = "hit.id DESC" if matches * 2 > documents else "hit.score"
    latest = "JOIN reports r ON r.id = reports_fts_pairs.rowid AND r.is_latest = 1" if not all_versions else ""
    # Rank first, then read titles and texts for the few hits shown only.
    rows = db.execute(
        f"""
        WITH hit AS (
          SELECT reports_fts_pairs.rowid AS id, bm25(reports_fts_pairs, 10.0, 5.0, 1.0) AS score
          FROM reports_fts_pairs {latest}
          WHERE reports_fts_pairs MATCH ?
          ORDER BY {order.replace("hit.id", "reports_fts_pairs.rowid").replace("hit.score", "score")}
          LIMIT ?
        )
        SELECT r.id, r.version, p.url, p.portal, r.title, r.agency, r.year, t.text, hit.score
        FROM hit
        JOIN reports r ON r.id = hit.id
        JOIN pages p ON p.id = r.page_id
        LEFT JOIN report_texts t ON t.report_id = r.id
        ORDER BY {order}
        """,
        [expression, limit],
    ).fetchall()
    keys = ("report_id", "version", "url", "portal", "title", "agency", "year", "text", "score")
    results = []
    for row in rows:
        hit = dict(zip(keys, row))
        hit["snippet"] = snippet(hit.pop("text") or "", query)
        results.append(hit)
    return results


def snippet(text: str, query: str, width: int = 40) -> str:
    """Some text around the first occurrence of any query word (FTS5's snippet() needs content)."""
    text = normalize(text)
    words = [w for w in re.split(r'[\s"]+', normalize(query)) if w and w not in _OPERATORS]
    found = [(text.find(w), w) for w in words if text.find(w) >= 0]
    if not found:
        return text[: 2 * width]
    start, word = min(found)
    left = max(0, start - width)
    right = min(len(text), start + len(word) + width)
    return ("…" if left else "") + text[left:start] + "[" + word + "]" + text[start + len(word) : right] + (
        "…" if right < len(text) else ""
    )
