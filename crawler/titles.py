"""Which list entries are government information-disclosure annual reports (年报)."""

from __future__ import annotations

import re

_DISCLOSURE = re.compile(r"(?:政府|政务)?信息公开|政务公开")
_REPORT = re.compile(r"年度报告|年报|工作报告")
#: Titles that mention disclosure and reports but are something else: guides, work plans, the
#: rule-of-law and government work reports, notices about compiling the reports, ...
_NOT_A_REPORT = re.compile(
    r"指南|工作要点|要点|法治政府|依法行政|政府工作报告|目录|实施方案|工作方案|工作计划|制度|办法|规定"
    r"|通知|的函|解读|答复|考核|评估|培训|会议|征求意见|社会评议|报送|编制|情况通报"
)
#: The same, for the link texts of attachments on a report page (which need not name the report).
_NOT_A_REPORT_FILE = re.compile(r"指南|工作要点|法治政府|政府工作报告|目录")


def normalise_title(title: str | None) -> str:
    return re.sub(r"\s+", " ", title or "").strip()


def is_annual_report(title: str | None) -> bool:
    """An annual report on information disclosure: 政府信息公开 + 年度报告/年报, and no known impostor."""
    title = normalise_title(title)
    return bool(_DISCLOSURE.search(title) and _REPORT.search(title) and not _NOT_A_REPORT.search(title))


def is_report_file_link(text: str | None) -> bool:
    """Whether an attachment link on a report page may be (part of) the report."""
    return not _NOT_A_REPORT_FILE.search(normalise_title(text))
