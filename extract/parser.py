"""From a read document to a Report: locate the tables, read them, check them."""

from __future__ import annotations

import re

from . import active, applications, appeals, checks, generation, metadata, stats
from . import templates as T
from .cells import Findings, TableNote
from .document import Document
from .labels import BLOCK_HEADING
from .normalize import GAP
from .report import Report
from .stream import Stream

# Gaps between every character: a header cell printed one character per <p> comes out spaced.
_NEW_RECEIVED = re.compile(GAP.join("本年新收政府信息公开申请"))
_CARRIED_OVER = re.compile(GAP.join("上年结转政府信息公开申请"))
_APPLICATIONS_HEADING = re.compile(GAP.join("收到和处理政府信息公开申请"))
_ACTIVE_HEADING = re.compile(GAP.join("主动公开政府信息") + GAP + "(?:的)?" + GAP + GAP.join("情况"))
_APPEALS = re.compile(r"行\s*政\s*复\s*议")
_AFTER_APPEALS = re.compile(r"(?:^|\n|\s)[五六七]\s*[、.]|主要问题|改进情况|其他需要报告")
#: Page furniture that text extraction keeps: kept out of the report text (not out of metadata).
_CHROME = re.compile(
    r"^\s*(?:您当前的位置|当前位置|您现在的位置|扫一扫|【\s*字体|字体[:：]|分享到|打印本页|关闭窗口|上一篇|下一篇|相关新闻|相关链接"
    r"|主办单位|承办单位|主办[:：]|备案号|网站标识码|技术支持|版权所有|网站地图|浏览次数|附件下载|头部$|ico$|[【】大中小\s]+$)"
    r"|ICP备|公网安备"
)
_REPORT_HINT = re.compile(r"总体情况|政府信息公开情况统计表|主动公开政府信息(?:的)?情况")


def _last(pattern: re.Pattern, text: str, start: int, end: int):
    found = None
    for m in pattern.finditer(text, start, end):
        found = m
    return found


def _template_tables(stream: Stream, template: str) -> Findings:
    text = stream.text
    out = Findings()
    # Prose in 一、总体情况 may use the row's own words ("本年新收政府信息公开申请21件"): the table
    # comes after table 二's first 第二十条 heading when there is one.
    first_block = BLOCK_HEADING.search(text)
    after = first_block.end() if first_block else 0
    anchor = _NEW_RECEIVED.search(text, after) or _CARRIED_OVER.search(text, after)
    if anchor is None:
        anchor = _last(_APPLICATIONS_HEADING, text, 0, len(text))
    apps_start = anchor.start() if anchor else None
    if apps_start is not None:
        # Rows whose numbers print above their wrapped label (PDF text) start before the first
        # label: the table starts at its heading when that is close.
        heading = _last(_APPLICATIONS_HEADING, text, max(0, apps_start - 1500), apps_start)
        # Heading 四 may stand between heading 三 and its table (each heading printed over the
        # next section's table): table 四's own 行政复议 then comes after table 三's first row.
        if (heading is not None and not BLOCK_HEADING.search(text, heading.end(), apps_start)
                and not _APPEALS.search(text, heading.end(), apps_start)):
            apps_start = heading.end()
        appeals_match = _APPEALS.search(text, max(apps_start, anchor.start()))
        appeals_start = appeals_match.start() if appeals_match else None
        apps_end = appeals_start
        if apps_end is None:
            after = _AFTER_APPEALS.search(text, apps_start + 20)
            apps_end = after.start() if after else len(text)
        # The report's prose ends where its tables begin: table 二's first heading, else table 三.
        prose_end = first_block.start() if first_block and first_block.start() < apps_start else apps_start
        found = applications.parse(stream, apps_start, apps_end, template, prose_text=text[:prose_end])
        out.tables.append(_note(stream, "applications", anchor, apps_start, apps_end))
        out.merge(found)
        if appeals_start is not None:
            after = _AFTER_APPEALS.search(text, appeals_start + 4)
            appeals_end = after.start() if after else len(text)
            found = appeals.parse(stream, appeals_start, appeals_end)
            out.tables.append(_note(stream, "appeals", appeals_match, appeals_start, appeals_end))
            out.merge(found)
    active_end = apps_start if apps_start is not None else len(text)
    heading = BLOCK_HEADING.search(text, 0, active_end)
    if heading is None:
        heading = _last(_ACTIVE_HEADING, text, 0, active_end)
    if heading is not None:
        found = active.parse(stream, heading.start(), active_end, template, prose_text=text[: heading.start()])
        out.tables.append(_note(stream, "active", heading, heading.start(), active_end))
        out.merge(found)
    return out


def _note(stream: Stream, name: str, anchor: re.Match, start: int, end: int) -> TableNote:
    return TableNote(name, f"«{anchor.group(0)}» at line {stream.line_of(anchor.start()) + 1}",
                     (stream.line_of(start), stream.line_of(max(start, end - 1))))


#: No count or amount in these tables comes near this; a larger "figure" is digits run together.
MAX_FIGURE = 10**15


def _drop_impossible(findings: Findings) -> None:
    for key, value in list(findings.values.items()):
        if abs(value) >= MAX_FIGURE:
            del findings.values[key]
            findings.sources.pop(key, None)
            findings.warnings.append(f"{key}: {str(value)[:20]}… is longer than any figure these tables print; left out")


def _ordered(values: dict, template: str) -> dict:
    order = {k: i for i, k in enumerate(T.keys(template))}
    return dict(sorted(values.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def build(doc: Document, *, source: str | None, url: str | None = None) -> Report:
    report = Report(source=source, warnings=list(doc.warnings), readable=doc.readable)
    if not doc.readable:
        return report
    content = doc.content_lines()
    stream = Stream(content)
    md = metadata.read(doc, url)
    report.title, report.agency, report.year = md.title, md.agency, md.year
    report.published, report.index_no = md.published, md.index_no
    body_lines = [line.text for line in content if not _CHROME.search(line.text)]
    title_line = [md.title] if md.title and not any(md.title in t for t in body_lines[:5]) else []
    report.text = "\n".join([*title_line, *body_lines])
    # A list of reports shows many report titles and no report body.
    looks_like_report = (md.title_found and md.titles_seen < 3) or bool(_REPORT_HINT.search(stream.text))
    template, how = generation.detect(stream.text, md.year)
    findings = Findings()
    if template in ("2021", "2019"):
        findings = _template_tables(stream, template)
    elif template == "pre2019":
        findings = stats.read(stream)
    if not findings.values and not looks_like_report:
        report.template = None
        listing = f" (it lists {md.titles_seen} report titles: a list page?)" if md.titles_seen >= 3 else ""
        report.warnings.append("not a government information disclosure annual report: no report title, "
                               f"report headings or statistics tables found{listing}")
        if listing:
            report.title, report.agency, report.year, report.published = doc.title, None, None, None
        return report
    _drop_impossible(findings)
    report.template = template
    if template is None:
        report.warnings.append("report year and template generation could not be determined")
    elif how == "year" and not findings.values:
        report.warnings.append(f"no statistics tables found; template {template} inferred from the year {md.year}")
    if md.year is None:
        report.warnings.append("the year the report covers could not be determined")
    report.values = _ordered(findings.values, template) if template else findings.values
    report.sources = {key: findings.sources[key] for key in report.values}
    report.tables = findings.tables
    report.warnings += findings.warnings
    report.checks, skipped = checks.run(report.values, template)
    if skipped and report.values:
        report.warnings.append(f"{skipped} identities not checked: values missing")
    failed = [c["name"] for c in report.checks if not c["ok"]]
    if failed:
        report.warnings.append(f"{len(failed)} checks failed: " + ", ".join(failed[:10]) + (" …" if len(failed) > 10 else ""))
    return report
