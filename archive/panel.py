"""The research panel as a file: one row per agency and year, or one per agency, year and figure.

`nianbao export --panel --format csv|parquet|dta [--long] -o FILE` writes the `panel` view's
identifying columns (agency id, name, division code, level, portal, year, template, report id,
URL, SHA-256, fetch time) and then every figure of the canonical report, one column per key,
under a name that is a valid identifier in pandas, R and Stata (at most 32 characters:
`app_new_received_natural_person`). A codebook is written beside it (FILE.codebook.csv): each
column's key, Chinese and English label, unit and the templates that have it. The same names
and labels are in the archive's `value_keys`.

CSV is UTF-8 with a byte-order mark (Excel opens it as UTF-8); Parquet and Stata (.dta, format
118, UTF-8) need pandas and pyarrow: `pip install 'nianbao[panel]'`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

#: The identifying columns of every panel row, with what they mean (also the codebook's first rows).
ID_COLUMNS = {
    "agency_id": "Agency number (agencies.id in the archive).",
    "agency": "Agency, canonical name.",
    "division_code": "Six-digit administrative division code (行政区划代码) of the agency's area.",
    "level": "province, city, district/county, township or department.",
    "portal": "Portal the report was archived from.",
    "year": "Year the report covers.",
    "template": "Template generation of the report (2021, 2019, pre2019).",
    "report_id": "The canonical report (reports.id in the archive).",
    "url": "Where the report was published.",
    "sha256": "SHA-256 of the archived bytes (nianbao show SHA256 prints them).",
    "fetched_at": "When those bytes were first fetched (UTC, ISO 8601).",
}
LONG_COLUMNS = {"key": "The figure's canonical key.", "column": "Its column name in the wide panel.",
                "value": "The figure as printed."}
FORMATS = ("csv", "parquet", "dta")
MAX_NAME = 32  # Stata's limit; pandas and R accept it too

_TABLES = {"applications": "app", "active": "act", "appeals": "apl", "stats": "st"}
_TABLE_LABELS = {
    "applications": "Applications for disclosure",
    "active": "Proactive disclosure",
    "appeals": "Reconsideration and litigation",
    "stats": "Statistics (pre-2019 template)",
}


def column_name(key: str) -> str:
    """A key as an identifier of at most 32 characters: the table abbreviated, then its longest
    words cut to four letters until it fits (`applications.unavailable_needs_creation.total` ->
    `app_unav_needs_crea_total`)."""
    table, _, rest = key.partition(".")
    words = [_TABLES.get(table, table)] + [w for w in re.split(r"[._]", rest) if w]
    words = [re.sub(r"\W", "", w) or "x" for w in words]
    while len("_".join(words)) > MAX_NAME:
        longest = max(range(1, len(words)), key=lambda i: len(words[i]), default=0)
        if len(words[longest]) <= 4:
            break
        words[longest] = words[longest][:4]
    name = "_".join(words)[:MAX_NAME]
    return name if name[0].isalpha() else "v_" + name[: MAX_NAME - 2]


def english_label(key: str) -> str:
    """`applications.new_received.natural_person` -> `Applications for disclosure: new received, natural person`."""
    table, _, rest = key.partition(".")
    parts = [p.replace("_", " ") for p in rest.split(".") if p]
    return f"{_TABLE_LABELS.get(table, table)}: " + ", ".join(parts)


def column_names(keys: list[str]) -> dict[str, str]:
    """Column name per key, made unique (a clash gets `_2`, `_3` ...)."""
    out: dict[str, str] = {}
    taken = set(ID_COLUMNS)
    for key in keys:
        name = column_name(key)
        base, n = name, 1
        while name in taken:
            n += 1
            name = f"{base[: MAX_NAME - len(str(n)) - 1]}_{n}"
        taken.add(name)
        out[key] = name
    return out


def _rows(db) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT {', '.join(ID_COLUMNS)} FROM panel ORDER BY portal, agency_id, year"))


def _values(db) -> dict[int, dict[str, Any]]:
    values: dict[int, dict[str, Any]] = {}
    for report_id, key, value in db.execute(
        "SELECT v.report_id, k.key, v.value FROM report_values v JOIN value_keys k ON k.id = v.key_id "
        "WHERE v.report_id IN (SELECT report_id FROM panel) ORDER BY k.id"
    ):
        values.setdefault(report_id, {})[key] = value
    return values


def _keys(db) -> list[dict[str, Any]]:
    """Every key a panel report has a figure for, in template order, with its codebook entry."""
    return list(db.query(
        "SELECT key, label, label_en, unit, templates FROM value_keys WHERE id IN (SELECT v.key_id FROM report_values v "
        "WHERE v.report_id IN (SELECT report_id FROM panel)) ORDER BY id"
    ))


def table(db, *, long: bool = False) -> tuple[list[str], list[list[Any]], list[dict[str, Any]]]:
    """(header, rows, codebook) of the panel, wide or long."""
    keys = _keys(db)
    # Named over every key the archive knows, as value_keys.column_name is: the same names in every export.
    names = column_names([key for (key,) in db.execute("SELECT key FROM value_keys ORDER BY id")])
    values = _values(db)
    ids = list(ID_COLUMNS)
    rows: list[list[Any]] = []
    if long:
        header = ids + list(LONG_COLUMNS)
        for row in _rows(db):
            for key, value in values.get(row["report_id"], {}).items():
                rows.append([row[c] for c in ids] + [key, names[key], value])
    else:
        header = ids + [names[k["key"]] for k in keys]
        for row in _rows(db):
            figures = values.get(row["report_id"], {})
            rows.append([row[c] for c in ids] + [figures.get(k["key"]) for k in keys])
    return header, rows, codebook(keys, names, long=long)


def codebook(keys: list[dict[str, Any]], names: dict[str, str], *, long: bool = False) -> list[dict[str, Any]]:
    book = [{"column": c, "key": "", "label": "", "label_en": doc, "unit": "", "templates": ""} for c, doc in ID_COLUMNS.items()]
    if long:
        book += [{"column": c, "key": "", "label": "", "label_en": doc, "unit": "", "templates": ""}
                 for c, doc in LONG_COLUMNS.items()]
    book += [
        {"column": names[k["key"]], "key": k["key"], "label": k["label"] or "", "label_en": k["label_en"] or english_label(k["key"]),
         "unit": k["unit"] or "", "templates": k["templates"] or ""}
        for k in keys
    ]
    return book


def codebook_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".codebook.csv")


def write(db, path: str | Path, fmt: str, *, long: bool = False) -> int:
    """Write the panel to `path` in `fmt` and its codebook beside it; the number of rows."""
    header, rows, book = table(db, long=long)
    if fmt == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows([["" if v is None else v for v in row] for row in rows])
    else:
        frame = _frame(header, rows, long=long)
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        elif fmt == "dta":
            labels = {entry["column"]: (entry["label_en"] or "")[:80] for entry in book if entry["column"] in frame.columns}
            frame.to_stata(path, write_index=False, version=118, variable_labels=labels)
        else:
            raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    with open(codebook_path(path), "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(book[0]))
        writer.writeheader()
        writer.writerows(book)
    return len(rows)


def _frame(header: list[str], rows: list[list[Any]], *, long: bool):
    try:
        import pandas as pd
    except ImportError as error:
        raise RuntimeError("Parquet and Stata exports need pandas and pyarrow: pip install 'nianbao[panel]'") from error
    frame = pd.DataFrame(rows, columns=header)
    text = ["agency", "division_code", "level", "portal", "template", "url", "sha256", "fetched_at"]
    if long:
        text += ["key", "column"]
    for column in text:
        frame[column] = frame[column].fillna("").astype(str)
    for column in ("agency_id", "year", "report_id"):
        frame[column] = frame[column].astype("int64")
    figures = ["value"] if long else header[len(ID_COLUMNS):]
    for column in figures:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame
