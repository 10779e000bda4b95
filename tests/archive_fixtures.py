"""A stand-in report parser and page builder for the archive's tests.

The archive must work with whatever `extract.parse` returns under the brief's contract, so its
unit tests use this small parser they control: it reads pages built by `report_page()` (figures in
`<td data-key=...>` cells, title in `<h1>`, agency and year in meta tags) and returns an object
with `to_json()` and `text`, like `extract.Report`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

PARSER_VERSION = "standin-1"

_CELL = re.compile(r'<td data-key="([^"]+)">([^<]*)</td>')
_META = re.compile(r'<meta name="(agency|year|published)" content="([^"]*)">')
_TAG = re.compile(r"<[^>]+>")


@dataclass
class StandInReport:
    source: str | None
    title: str | None
    agency: str | None
    year: int | None
    published: str | None
    template: str | None
    values: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "title": self.title,
            "agency": self.agency,
            "year": self.year,
            "published": self.published,
            "index_no": None,
            "template": self.template,
            "values": self.values,
            "checks": self.checks,
            "warnings": self.warnings,
        }


def parse(body: bytes, *, url=None, content_type=None, filename=None) -> StandInReport:
    if body.startswith(b"RAISE"):
        raise ValueError("stand-in parser told to fail")
    if body.startswith(b"EXIT"):  # a parser that takes its process down (a crash in a C library)
        import os

        os._exit(3)
    if body.startswith(b"HANG"):
        import time

        time.sleep(600)
    page = body.decode("utf-8", "replace")
    values = {key: (float(v) if "." in v else int(v)) for key, v in _CELL.findall(page)}
    meta = dict(_META.findall(page))
    title = re.search(r"<h1>(.*?)</h1>", page, re.S)
    checks = []
    parts = [k for k in values if k.startswith("applications.new_received.") and not k.endswith(".total")]
    if "applications.new_received.total" in values and parts:
        total = values["applications.new_received.total"]
        summed = sum(values[k] for k in parts)
        checks.append({"name": "new_received.total", "ok": total == summed, "detail": f"{total} vs {summed}"})
    body_text = re.search(r"<article>(.*?)</article>", page, re.S)
    text = html.unescape(_TAG.sub("", body_text.group(1) if body_text else page)).strip()
    template = "2021" if values else None
    return StandInReport(
        source=filename or url,
        title=html.unescape(title.group(1)) if title else None,
        agency=meta.get("agency"),
        year=int(meta["year"]) if meta.get("year") else None,
        published=meta.get("published"),
        template=template,
        values=values,
        checks=checks,
        warnings=[] if template else ["not a report"],
        text=text,
    )


CHROME = "".join(
    f'<li><a href="/zwgk/col{i}/index.html">栏目{i} 政府信息公开 政务服务 办事指南</a></li>' for i in range(60)
)


def report_page(
    *,
    agency: str = "万顺镇人民政府",
    year: int = 2023,
    title: str | None = None,
    values: dict[str, Any] | None = None,
    text: str = "本报告根据《中华人民共和国政府信息公开条例》编制。行政复议结果纠正。",
    chrome: str = CHROME,
) -> bytes:
    values = values if values is not None else {
        "applications.new_received.natural_person": 3,
        "applications.new_received.business": 1,
        "applications.new_received.total": 4,
        "active.fees.amount": 12.5,
    }
    cells = "".join(f'<tr><td data-key="{k}">{v}</td></tr>' for k, v in values.items())
    title = title or f"{agency}{year}年政府信息公开工作年度报告"
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f'<meta name="agency" content="{agency}"><meta name="year" content="{year}">'
        f'<meta name="published" content="{year + 1}-01-20"><title>{title}</title></head>'
        f"<body><nav><ul>{chrome}</ul></nav><h1>{title}</h1><article><p>{text}</p>"
        f"<table>{cells}</table></article><footer>主办单位:示例人民政府 备案号:渝ICP备00000000号</footer>"
        "</body></html>"
    ).encode("utf-8")
