"""Which template generation a report follows: its tables' own column headers decide, the year
covered breaks ties (2019 and 2020 reports use the 2019 template, 2021 on the 2021 one)."""

from __future__ import annotations

import re

_2021 = re.compile(r"本年制发件数|本年废止件数|现行有效件数|本年处理决定数量|本年收费金额|逾期不补正|逾期未按收费通知")
_2019 = re.compile(r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|本年增/减|采购项目数量|采购总金额|其他对外管理服务事项")
_TEMPLATE_TABLE = re.compile(r"本年新收政府信息公开申请数量|上年结转政府信息公开申请数量|申请人情况")
_STATS = re.compile(r"历年累计|计量单位|指标名称|统计指标|政府信息公开情况统计表")
_WS = re.compile(r"[\s|\t\x01]+")


def by_year(year: int | None) -> str | None:
    if year is None:
        return None
    if year >= 2021:
        return "2021"
    if year >= 2019:
        return "2019"
    return "pre2019"


def detect(body: str, year: int | None) -> tuple[str | None, str]:
    """(template, how it was decided)."""
    text = _WS.sub("", body)
    n2021 = len(set(_2021.findall(text)))
    n2019 = len(set(_2019.findall(text)))
    if n2021 or n2019:
        if n2021 > n2019:
            return "2021", "table headers"
        if n2019 > n2021:
            return "2019", "table headers"
        return by_year(year) if by_year(year) in ("2021", "2019") else "2021", "table headers and year"
    if _TEMPLATE_TABLE.search(text):
        guess = by_year(year)
        return (guess if guess in ("2021", "2019") else "2021"), "applications table and year"
    if _STATS.search(text):
        return "pre2019", "statistics table"
    return by_year(year), "year"
