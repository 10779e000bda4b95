"""A report's own reading of itself (`nianbao parse --explain FILE`): per table, how it was found,
which cells were read (with where each came from) and which were left out, and why. What a
maintainer needs to see which shape the parser does not know yet."""

from __future__ import annotations

from . import templates as T
from .report import Report

TITLES = {"active": "table 二 主动公开政府信息情况", "applications": "table 三 收到和处理政府信息公开申请情况",
          "appeals": "table 四 行政复议、行政诉讼情况", "stats": "统计表 (pre-2019 statistics)"}


def _rows(template: str, table: str) -> list[tuple[str, list[str]]]:
    """(row prefix, its keys in printed order) of one table of the template."""
    out: dict[str, list[str]] = {}
    for key in T.keys(template):
        if not key.startswith(table + "."):
            continue
        if table == "stats":
            prefix = key[: -len(".cumulative")] if key.endswith(".cumulative") else key
        else:
            prefix = key.rsplit(".", 1)[0]
        out.setdefault(prefix, []).append(key)
    return list(out.items())


def _cells(report: Report, keys: list[str], prefix: str) -> str:
    """`column=value` for each key read, with its source: once for the row when all agree."""
    sources = [report.sources.get(k, "?") for k in keys]
    one = len(set(sources)) == 1
    cells = [f"{k[len(prefix) + 1:] or '本年'}={report.values[k]}" + ("" if one else f" [{s}]")
             for k, s in zip(keys, sources)]
    return ", ".join(cells) + (f" [{sources[0]}]" if one else "")


def explain(report: Report) -> str:
    lines = [f"{report.source}: template {report.template or '-'}, year {report.year or '-'}, "
             f"agency {report.agency or '-'}; {len(report.values)} values"]
    if not report.template:
        lines += [f"  {w}" for w in report.warnings]
        return "\n".join(lines)
    used: set[int] = set()
    names = [t.key for t in T.TEMPLATES_BY_NAME[report.template].tables]
    notes = {}
    for note in report.tables:
        notes.setdefault(note.name, []).append(note)
    for name in names:
        lines.append(f"{TITLES.get(name, name)}:")
        for note in notes.get(name, []):
            where = f", text lines {note.lines[0] + 1}-{note.lines[1] + 1}" if note.lines != (0, 0) else ""
            lines.append(f"  found by {note.found}{where}")
        if name not in notes:
            lines.append("  not found")
        table_warnings = [(i, w) for i, w in enumerate(report.warnings) if w.startswith(name + ":")]
        for prefix, keys in _rows(report.template, name):
            read = [k for k in keys if k in report.values]
            said = [(i, w) for i, w in enumerate(report.warnings) if w.startswith(prefix + ":")]
            used.update(i for i, _ in said)
            if not read and not said:
                continue
            row = prefix.split(".", 1)[1]
            if read:
                missing = [k[len(prefix) + 1:] or "本年" for k in keys if k not in report.values]
                lines.append(f"  {row}: " + _cells(report, read, prefix)
                             + (f"; not read: {', '.join(missing)}" if missing else ""))
            else:
                lines.append(f"  {row}: left out")
            lines += [f"    - {w[len(prefix) + 1:].strip()}" for _, w in said]
        for i, w in table_warnings:
            used.add(i)
            lines.append(f"  ! {w[len(name) + 1:].strip()}")
    rest = [w for i, w in enumerate(report.warnings) if i not in used]
    if rest:
        lines.append("other warnings:")
        lines += [f"  {w}" for w in rest]
    return "\n".join(lines)
