"""Render template values back into the shapes reports are published in.

Tests and benchmarks build their inputs here from hand-checked values (the gold files in
../shared), so no report text is ever stored in the repository: the same figures as an HTML table
with merged cells inside portal chrome, as a pipe table, one cell per line, or flattened into runs
of digits. Labels are printed the way real reports print them (full-width brackets, quotes).
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

from . import templates as T

_GROUPS = (("denied_", "（三）不予公开"), ("unavailable_", "（四）无法提供"), ("rejected_", "（五）不予处理"),
           ("other_", "（六）其他处理"))
_STATS_UNITS = {"fees": "元", "complaints": "件", "review": "件", "litigation": "件"}


def printed(label: str) -> str:
    """A template label as reports print it."""
    return label.replace("(", "（").replace(")", "）").replace(",", "，").replace(":", "：")


def fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _group_of(key: str) -> str | None:
    for prefix, label in _GROUPS:
        if key.startswith(prefix) and key != "other":
            return label
    return None


def rows(template: str, values: dict, *, aggregate_other: bool = False) -> list[tuple[str, list[str]]]:
    """(section, [label cells..., value cells...]) rows of a 2019/2021 report's three tables."""
    t = T.TEMPLATES_BY_NAME[template]
    out: list[tuple[str, list]] = []
    active = t.table("active")
    for block in active.blocks:
        out.append(("active", [printed(block.heading)]))
        out.append(("active", ["信息内容", *(printed(c.label) for c in block.columns)]))
        for row in block.rows:
            cells = [values.get(f"active.{row.key}.{c.key}") for c in block.columns]
            out.append(("active", [printed(row.label), *cells]))
    app_rows = list(t.table("applications").blocks[0].rows)
    if aggregate_other and template == "2021":
        app_rows = list(T.TEMPLATE_2019.table("applications").blocks[0].rows)
    for row in app_rows:
        cells = [values.get(f"applications.{row.key}.{c.key}") for c in T.APPLICANTS]
        out.append(("applications", [printed(row.label), *cells]))
    appeal = []
    for row in T.APPEALS.blocks[0].rows:
        appeal += [values.get(f"appeals.{row.key}.{c.key}") for c in T.APPEAL_OUTCOMES]
    out.append(("appeals", appeal))
    return out


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


def _cell(value, rowspan: int = 1, colspan: int = 1, blank_zero: bool = False) -> Cell:
    text = "" if (value is None or (blank_zero and value == 0)) else fmt(value)
    return Cell(text, rowspan, colspan)


def tables(template: str, values: dict, *, aggregate_other: bool = False,
           blank_zeros: bool = False) -> list[tuple[str, list[list[Cell]]]]:
    """The three tables as (heading, rows of cells with rowspan/colspan), laid out like real reports.

    `blank_zeros` prints zeros of tables 三 and 四 as empty cells, as some agencies do, totals included.
    """
    t = T.TEMPLATES_BY_NAME[template]
    active: list[list[Cell]] = []
    for block in t.table("active").blocks:
        width = 4
        active.append([Cell(printed(block.heading), colspan=width)])
        spans = _spans(len(block.columns), width - 1)
        active.append([Cell("信息内容")] + [Cell(printed(c.label), colspan=n) for c, n in zip(block.columns, spans)])
        for row in block.rows:
            active.append([Cell(printed(row.label))] + [
                _cell(values.get(f"active.{row.key}.{c.key}"), colspan=n) for c, n in zip(block.columns, spans)])
    apps: list[list[Cell]] = [
        [Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), Cell("申请人情况", colspan=7)],
        [Cell("自然人", 2), Cell("法人或其他组织", colspan=5), Cell("总计", 2)],
        [Cell(x) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
    ]
    app_rows = list(t.table("applications").blocks[0].rows)
    if aggregate_other and template == "2021":
        app_rows = list(T.TEMPLATE_2019.table("applications").blocks[0].rows)
    results = [r for r in app_rows if r.key not in ("new_received", "carried_over", "carried_forward")]
    seen_groups: set[str] = set()
    for row in app_rows:
        head: list[Cell] = []
        if row is results[0]:
            head.append(Cell("三、本年度办理结果", rowspan=len(results)))
        group = _group_of(row.key)
        if row.key in ("new_received", "carried_over", "carried_forward"):
            head.append(Cell(printed(row.label), colspan=3))
        elif group:
            if group not in seen_groups:
                seen_groups.add(group)
                head.append(Cell(group, rowspan=sum(1 for r in app_rows if _group_of(r.key) == group)))
            head.append(Cell(printed(row.label)))
        else:
            head.append(Cell(printed(row.label), colspan=2))
        apps.append(head + [_cell(values.get(f"applications.{row.key}.{c.key}"), blank_zero=blank_zeros)
                            for c in T.APPLICANTS])
    outcomes = [printed(c.label) for c in T.APPEAL_OUTCOMES]
    appeals = [
        [Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)],
        [Cell(o, 2) for o in outcomes] + [Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)],
        [Cell(o) for o in outcomes * 2],
        [_cell(values.get(f"appeals.{r.key}.{c.key}"), blank_zero=blank_zeros)
         for r in T.APPEALS.blocks[0].rows for c in T.APPEAL_OUTCOMES],
    ]
    return [("二、主动公开政府信息情况", active), ("三、收到和处理政府信息公开申请情况", apps),
            ("四、政府信息公开行政复议、行政诉讼情况", appeals)]


def html_table(rows: list[list[Cell]]) -> str:
    out = ['<table border="1" cellspacing="0" width="100%"><tbody>']
    for row in rows:
        cells = []
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            content = html.escape(c.text) if c.text else "&nbsp;"
            cells.append(f'<td{attrs} style="border:1px solid #000;text-align:center"><p>{content}</p></td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def html_tables(template: str, values: dict, *, aggregate_other: bool = False, blank_zeros: bool = False) -> str:
    """The three tables as a report page prints them, with rowspan/colspan like real pages."""
    parts = []
    for heading, rows in tables(template, values, aggregate_other=aggregate_other, blank_zeros=blank_zeros):
        parts.append(f"<p><strong>{heading}</strong></p>")
        parts.append(html_table(rows))
    return "\n".join(parts)


def _spans(n: int, width: int) -> list[int]:
    base, extra = divmod(width, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def stats_rows(values: dict, year: int) -> list[list[str]]:
    out = [["指标名称", "计量单位", f"{year}年度", "历年累计"]]
    for row in T.STATS_ROWS:
        this = values.get(f"stats.{row.key}")
        if this is None:
            continue
        out.append([row.label.replace("(元)", ""), _STATS_UNITS.get(row.key, "条"), fmt(this),
                    fmt(values.get(f"stats.{row.key}.cumulative"))])
    return out


def stats_html(values: dict, year: int) -> str:
    return "<p>政府信息公开情况统计表</p>" + html_table([[Cell(c) for c in r] for r in stats_rows(values, year)])


def pipe_tables(template: str, values: dict, *, markdown: bool = True, aggregate_other: bool = False) -> str:
    """The tables as pipe rows: markdown (`| a | b |`) or trafilatura's (`a | b | ||`, padded)."""
    lines = []
    last = None
    headings = {"active": "二、主动公开政府信息情况", "applications": "三、收到和处理政府信息公开申请情况",
                "appeals": "四、政府信息公开行政复议、行政诉讼情况"}
    for section, cells in rows(template, values, aggregate_other=aggregate_other):
        if section != last:
            lines.append("")
            lines.append(headings[section])
            if section == "appeals":
                lines.append("| 行政复议 | 行政诉讼 |" if markdown else "行政复议 | 行政诉讼 | |||||||||||||")
            last = section
        texts = [fmt(c) for c in cells]
        if markdown:
            lines.append("| " + " | ".join(texts) + " |")
            if len(lines) >= 2 and not lines[-2].startswith("|"):
                lines.append("|" + "---|" * len(texts))
        else:
            lines.append(" | ".join(texts) + " |" + "|" * max(0, 8 - len(texts)))
    return "\n".join(lines)


def cell_lines(template: str, values: dict) -> str:
    """One cell per line, as page text extracted from a table often comes (seeds 000 and 002)."""
    out = []
    headings = {"active": "二、主动公开政府信息情况", "applications": "三、收到和处理政府信息公开申请情况",
                "appeals": "四、政府信息公开行政复议、行政诉讼情况"}
    last = None
    for section, cells in rows(template, values):
        if section != last:
            out.append(headings[section])
            if section == "appeals":
                out += ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
            last = section
        out += [fmt(c) for c in cells]
    return "\n\n".join(out)


def flattened(template: str, values: dict, *, seed: int = 0) -> str:
    """Tables flattened into one line with the cells' digits run together (`640020470`),
    with an occasional surviving space, as scraped page text comes."""
    rnd = random.Random(seed)
    out = []
    headings = {"active": "二、主动公开政府信息情况 ", "applications": "三、收到和处理政府信息公开申请情况",
                "appeals": " 四、政府信息公开行政复议、行政诉讼情况 行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"}
    last = None
    for section, cells in rows(template, values):
        if section != last:
            out.append(headings[section])
            last = section
        for cell in cells:
            text = fmt(cell)
            out.append(text + (" " if rnd.random() < 0.1 else ""))
    return "".join(out)


CHROME_LINKS = ("首页", "政务公开", "政府信息公开", "政府信息公开指南", "政府信息公开制度", "法定主动公开内容",
                "政府信息公开年报", "依申请公开", "政务服务", "互动交流", "走进本区", "新闻中心", "通知公告")


def portal_page(title: str, body_html: str, *, published: str | None = None, source: str = "本网",
                related: tuple[str, ...] = (), meta: bool = True, padding_kb: int = 0, charset: str = "utf-8") -> str:
    """A report page wrapped in portal chrome: menus, breadcrumb, related links, footer, scripts."""
    nav = "".join(f'<li><a href="/col/{i}/index.html">{x}</a></li>' for i, x in enumerate(CHROME_LINKS * 3))
    side = "".join(f'<li><a href="/art/{i}.html" title="{html.escape(r)}">{html.escape(r)}</a><span>2023-01-0{i % 9 + 1}</span></li>'
                   for i, r in enumerate(related))
    script = "var _nb = {" + ",".join(f'"k{i}": "{i * 7919 % 10007}"' for i in range(40)) + "};"
    # Portals carry large menus and link lists; `padding_kb` adds them until the page is that much bigger.
    menu, size, i = [], 0, 0
    while size < padding_kb * 1024:
        item = (f'<li class="menu-item"><a href="/zwgk/col{i}/index.html" target="_blank" '
                f'title="{CHROME_LINKS[i % len(CHROME_LINKS)]}专栏{i}">{CHROME_LINKS[i % len(CHROME_LINKS)]}专栏{i}</a></li>')
        menu.append(item)
        size += len(item.encode())
        i += 1
    nav += "".join(menu)
    metas = (f'<meta name="ArticleTitle" content="{html.escape(title)}">'
             + (f'<meta name="PubDate" content="{published} 10:22">' if published else "")
             + f'<meta name="ContentSource" content="{html.escape(source)}">') if meta else ""
    date_line = f"<span>发布时间：{published}</span>" if published else ""
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">{metas}
<title>{html.escape(title)}_政府门户网站</title>
<style>.nav li{{float:left}} .footer{{color:#666}}</style>
<script>{script}</script></head>
<body><div class="top"><div class="logo">政府门户网站</div><ul class="nav">{nav}</ul>
<form action="/search"><input name="q" value="请输入关键字"><button>搜索</button></form></div>
<div class="crumb">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/nb/">政府信息公开年报</a></div>
<div class="main"><div class="left"><h3>相关文章</h3><ul>{side}</ul></div>
<div class="article"><h1 class="title">{html.escape(title)}</h1>
<div class="info">{date_line}<span>来源：{html.escape(source)}</span><span>【字体：<a>大</a> <a>中</a> <a>小</a>】</span></div>
<div class="trs_editor_view TRS_UEDITOR" id="zoom">{body_html}</div>
<div class="share">分享到：<a>微信</a><a>微博</a> 扫一扫在手机打开当前页</div></div></div>
<div class="footer"><p>主办单位：政府办公室 承办：大数据中心 网站标识码：5000000001</p>
<p>备案号：ICP备00000000号 公网安备 50000000000000号 技术支持：某某科技</p>
<p><a href="/sitemap">网站地图</a> <a href="/contact">联系我们</a></p></div>
<script>document.write("<div style='display:none'>统计 2024</div>");</script>
</body></html>"""
