"""Render template values back into the shapes reports are published in.

Tests and benchmarks build their inputs here from hand-checked values (the gold files in
../shared), so no report text is ever stored in the repository: the same figures as an HTML table
with merged cells inside portal chrome, as a pipe table, one cell per line, or flattened into runs
of digits. Labels are printed the way real reports print them (full-width brackets, quotes).
"""

from __future__ import annotations

import html
import random

from . import layout
from . import templates as T
from .layout import Cell

_STATS_LABELS = {row.key: row.label.replace("(元)", "") for row in T.STATS_ROWS}
_STATS_UNITS = {"fees": "元", "complaints": "件", "review": "件", "litigation": "件"}
HEADINGS = {t.key: t.title for t in T.TEMPLATE_2021.tables}


def printed(label: str) -> str:
    """A template label as reports print it."""
    return label.replace("(", "（").replace(")", "）").replace(",", "，").replace(":", "：")


def fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _printer(values: dict, blank_zeros: bool = False):
    def text(key: str) -> str:
        value = values.get(key)
        return "" if blank_zeros and value == 0 else fmt(value)
    return text


def tables(template: str, values: dict, *, aggregate_other: bool = False,
           blank_zeros: bool = False) -> list[tuple[str, list[list[Cell]]]]:
    """The three tables as (heading, rows of cells with rowspan/colspan), laid out like real reports.

    `blank_zeros` prints zeros of tables 三 and 四 as empty cells, as some agencies do, totals included.
    `aggregate_other` prints a 2021 report's table 三 with the 2019 single (六)其他处理 row.
    """
    blanked = _printer(values, blank_zeros)
    applications = "2019" if aggregate_other and template == "2021" else template
    return [(HEADINGS["active"], layout.active_table(template, _printer(values), label=printed, spare="first")),
            (HEADINGS["applications"], layout.applications_table(applications, blanked, label=printed)),
            (HEADINGS["appeals"], layout.appeals_table(blanked, label=printed))]


def rows(template: str, values: dict, *, aggregate_other: bool = False) -> list[tuple[str, list[str]]]:
    """(section, [label, value texts...]) lines of a 2019/2021 report's three tables, spans dropped,
    as text extraction leaves them: table 二 whole, table 三 one line per row under its own label
    (the group labels left out), table 四 its line of figures."""
    out: list[tuple[str, list[str]]] = []
    for section, (_, table) in zip(("active", "applications", "appeals"),
                                   tables(template, values, aggregate_other=aggregate_other)):
        if section == "active":
            out += [(section, [c.text for c in row]) for row in table]
        elif section == "applications":
            for row in table[3:]:
                label = [c for c in row if c.header][-1]
                out.append((section, [label.text] + [c.text for c in row if not c.header]))
        else:
            out.append((section, [c.text for c in table[-1]]))
    return out


def html_table(rows: list[list[Cell]]) -> str:
    out = ['<table border="1" cellspacing="0" width="100%"><tbody>']
    for row in rows:
        cells = []
        for c in row:
            content = html.escape(c.text) if c.text else "&nbsp;"
            cells.append(f'<td{layout.span_attrs(c)} style="border:1px solid #000;text-align:center"><p>{content}</p></td>')
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


def stats_rows(values: dict, year: int) -> list[list[str]]:
    keys = [row.key for row in T.STATS_ROWS if values.get(f"stats.{row.key}") is not None]
    table = layout.stats_table(year, keys, _printer(values), label=_STATS_LABELS.__getitem__,
                               unit=lambda key: _STATS_UNITS.get(key, "条"), unit_heading="计量单位")
    return [[c.text for c in row] for row in table]


def stats_html(values: dict, year: int) -> str:
    return "<p>政府信息公开情况统计表</p>" + html_table([[Cell(c) for c in r] for r in stats_rows(values, year)])


def _sections(template: str, values: dict, **options) -> list[tuple[str, list[list[str]]]]:
    """`rows()` grouped by section, in order."""
    out: list[tuple[str, list[list[str]]]] = []
    for section, texts in rows(template, values, **options):
        if not out or out[-1][0] != section:
            out.append((section, []))
        out[-1][1].append(texts)
    return out


def pipe_tables(template: str, values: dict, *, markdown: bool = True, aggregate_other: bool = False) -> str:
    """The tables as pipe rows: markdown (`| a | b |`) or trafilatura's (`a | b | ||`, padded)."""
    lines = []
    for section, section_rows in _sections(template, values, aggregate_other=aggregate_other):
        lines += ["", HEADINGS[section]]
        if section == "appeals":
            lines.append("| 行政复议 | 行政诉讼 |" if markdown else "行政复议 | 行政诉讼 | |||||||||||||")
        for texts in section_rows:
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
    for section, section_rows in _sections(template, values):
        out.append(HEADINGS[section])
        if section == "appeals":
            out += ["行政复议", "行政诉讼", *(c.label for c in T.APPEAL_OUTCOMES)]
        out += [text for texts in section_rows for text in texts]
    return "\n\n".join(out)


def flattened(template: str, values: dict, *, seed: int = 0) -> str:
    """Tables flattened into one line with the cells' digits run together (`640020470`),
    with an occasional surviving space, as scraped page text comes."""
    rnd = random.Random(seed)
    headings = {"active": HEADINGS["active"] + " ", "applications": HEADINGS["applications"],
                "appeals": f" {HEADINGS['appeals']} 行政复议行政诉讼" + "".join(c.label for c in T.APPEAL_OUTCOMES)}
    out = []
    for section, section_rows in _sections(template, values):
        out.append(headings[section])
        for texts in section_rows:
            out += [text + (" " if rnd.random() < 0.1 else "") for text in texts]
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
