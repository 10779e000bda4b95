"""A generated report as a document: headings, paragraphs and tables (a grid with row/col spans).

One document is rendered to HTML by each portal's page layout, and to PDF, DOCX and XLSX for
attachments, so the tables are built once as grids of `Cell`s in the national templates' shape.
The prose is ours, assembled from phrase banks with a seeded generator and carrying the same
figures as the tables.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

from extract import layout
from extract.layout import Cell
from extract.templates import STATS_ROWS

from .figures import Figures

FULLWIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


@dataclass
class Block:
    kind: str  # "h" heading, "p" paragraph, "table"
    text: str = ""
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Style:
    """How a report prints its figures (the mess real tables carry)."""

    #: Zero cells left blank (they mean 0).
    blank_zeros: bool = False
    #: Keys printed in full-width digits.
    fullwidth: frozenset[str] = frozenset()


def fmt(value: float | int, key: str, style: Style) -> str:
    if value == 0 and style.blank_zeros and not key.endswith(".total"):
        return ""
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:.2f}"
    else:
        text = str(int(value))
    if key in style.fullwidth:
        text = text.translate(FULLWIDTH)
    return text


# ---------------------------------------------------------------- tables
_STAT_LABELS = {r.key: r.label for r in STATS_ROWS}
_STAT_LABELS.update({
    "active.total": "主动公开政府信息数",
    "active.website": "其中:政府网站公开数",
    "active.gazette": "政府公报公开数",
})
_STAT_UNITS = {"active": "条", "requests": "件", "replies": "件", "fees": "元"}


def _printer(fig: Figures, style: Style) -> Callable[[str], str]:
    v = fig.values
    return lambda key: fmt(v[key], key, style) if key in v else ""


def _stats_table(fig: Figures, style: Style, year: int) -> list[list[Cell]]:
    return layout.stats_table(year, fig.stats_rows, _printer(fig, style), label=_STAT_LABELS.__getitem__,
                              unit=lambda key: _STAT_UNITS.get(key.split(".")[0], "件"))


# ---------------------------------------------------------------- prose
def _pick(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def _count_sentence(rng: random.Random, v: dict, template: str) -> str:
    new = int(v["applications.new_received.total"])
    carried = int(v["applications.carried_over.total"])
    handled = int(v["applications.total_handled.total"])
    forward = int(v["applications.carried_forward.total"])
    if new == 0 and carried == 0:
        return _pick(rng, "本年度未收到政府信息公开申请。", "全年没有收到公民、法人或其他组织提出的政府信息公开申请。",
                     "本年度无依申请公开事项。")
    parts = [f"本年度共收到政府信息公开申请{new}件"]
    if carried:
        parts.append(f"上年结转{carried}件")
    parts.append(f"办结{handled}件")
    if forward:
        parts.append(f"结转下年度继续办理{forward}件")
    tail = _pick(rng, "均在法定期限内作出答复。", "全部按照法定程序和时限予以答复。", "答复格式规范、依据充分。")
    return ",".join(parts) + "," + tail


OPENERS = (
    "{year}年,{agency}深入贯彻《中华人民共和国政府信息公开条例》,围绕中心工作推进决策、执行、管理、服务、结果公开,政府信息公开工作质量稳步提升。",
    "{year}年,{agency}坚持以公开为常态、不公开为例外,把政务公开与日常工作同部署、同落实,公开的广度和深度持续拓展。",
    "本报告根据《中华人民共和国政府信息公开条例》要求编制,反映{agency}{year}年度政府信息公开工作情况。报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
    "{year}年,{agency}在上级政府的指导下,聚焦群众关切,以制度建设为抓手规范公开流程,政府透明度进一步提高。",
)
ACTIVE = (
    "全年通过门户网站、政务新媒体和公开栏主动公开政府信息{n}条,涵盖机构职能、政策文件、财政预决算、重点项目、社会救助等内容。",
    "本年度累计主动公开各类政府信息{n}条,其中政策文件和解读材料随文同步发布,财政资金和民生实事信息按月更新。",
    "围绕群众关心的热点事项,全年主动发布政府信息{n}条,重点公开了就业创业、教育医疗、乡村振兴和安全生产等领域信息。",
)
MANAGEMENT = (
    "落实信息发布“三审”制度,发布前对涉及国家秘密、个人隐私的内容逐条审核,全年未发生泄密和错发情况。",
    "动态调整主动公开基本目录,对已废止和失效的文件及时标注,定期开展栏目巡检,确保信息准确、更新及时。",
    "明确办公室为政府信息公开工作机构,配备专(兼)职人员,建立信息采集、审核、发布、归档台账。",
)
PLATFORM = (
    "持续优化门户网站信息公开专栏,规范栏目设置,提升检索和移动端浏览体验;政务新媒体账号与网站联动发布。",
    "依托政务服务中心设置政府信息公开查阅点,提供纸质资料查阅和咨询服务,线上线下公开渠道互为补充。",
    "加强政务新媒体管理,开展账号清理整合,全年通过微信公众号发布信息{m}条。",
)
SUPERVISION = (
    "将政务公开纳入年度目标考核,组织业务培训{k}次,主动接受社会监督,本年度未发生因政府信息公开引发的责任追究。",
    "设立监督举报电话,畅通意见反馈渠道,对群众反映的问题及时核实整改,全年未收到有关政府信息公开的投诉。",
    "定期开展自查,对照年度工作要点逐项落实,发现问题立行立改。",
)
PROBLEMS = (
    "工作中仍存在一些不足:一是部分栏目更新不够及时;二是政策解读形式较为单一;三是工作人员业务能力有待提升。下一步,将加强栏目日常维护,丰富图解、视频等解读形式,并通过集中培训提高业务水平。",
    "存在的主要问题是公开内容的系统性和针对性还不够强,与群众期待仍有差距。改进措施:完善信息公开工作制度,加强重点领域信息公开,提升依申请公开答复的规范化水平。",
    "对照上级要求,我们在信息发布的时效性、公开平台的互动性方面还有不足。今后将建立栏目责任清单,落实专人维护,强化考核督促,推动政务公开工作提质增效。",
)
OTHER = (
    "本年度未收取政府信息公开信息处理费。",
    "本机关未发生收取信息处理费的情况,无其他需要报告的事项。",
    "按照《政府信息公开信息处理费管理办法》规定,本年度未向申请人发出收费通知,未收取信息处理费。",
    "无。",
)


def _join(*sentences: str) -> str:
    return "".join(sentences)


def build(fig: Figures, *, agency: str, year: int, title: str, rng: random.Random, style: Style) -> list[Block]:
    """The blocks of one report: title, prose sections and the template's tables."""
    v = fig.values
    text = _printer(fig, style)
    blocks = [Block("h", title)]
    if fig.template == "pre2019":
        return blocks + _pre2019(fig, agency=agency, year=year, rng=rng, style=style)
    active_n = rng.randint(60, 3000)
    blocks += [
        Block("p", _pick(rng, *OPENERS).format(year=year, agency=agency)),
        Block("h", "一、总体情况"),
        Block("h", "(一)主动公开"),
        Block("p", _pick(rng, *ACTIVE).format(n=active_n)),
        Block("h", "(二)依申请公开"),
        Block("p", _count_sentence(rng, v, fig.template)),
        Block("h", "(三)政府信息管理"),
        Block("p", _pick(rng, *MANAGEMENT)),
        Block("h", "(四)平台建设"),
        Block("p", _pick(rng, *PLATFORM).format(m=rng.randint(30, 900))),
        Block("h", "(五)监督保障"),
        Block("p", _pick(rng, *SUPERVISION).format(k=rng.randint(1, 6))),
        Block("h", "二、主动公开政府信息情况"),
        Block("table", rows=layout.active_table(fig.template, text)),
        Block("h", "三、收到和处理政府信息公开申请情况"),
        Block("table", rows=layout.applications_table(fig.template, text)),
        Block("h", "四、政府信息公开行政复议、行政诉讼情况"),
        Block("table", rows=layout.appeals_table(text)),
        Block("h", "五、存在的主要问题及改进情况"),
        Block("p", _pick(rng, *PROBLEMS)),
        Block("h", "六、其他需要报告的事项"),
        Block("p", _pick(rng, *OTHER)),
    ]
    return blocks


def _pre2019(fig: Figures, *, agency: str, year: int, rng: random.Random, style: Style) -> list[Block]:
    v = fig.values
    total = int(v["stats.active.total"])
    requests = int(v["stats.requests.total"])
    return [
        Block("p", _pick(
            rng,
            f"本年度报告依据《中华人民共和国政府信息公开条例》编制,由概述、主动公开、依申请公开、复议诉讼、存在问题及改进措施等部分组成,统计期限为{year}年1月1日至{year}年12月31日。",
            f"根据《中华人民共和国政府信息公开条例》规定,现公布{agency}{year}年度政府信息公开工作年度报告。",
        )),
        Block("h", "一、概述"),
        Block("p", _pick(rng, *OPENERS).format(year=year, agency=agency)),
        Block("p", _pick(rng, *MANAGEMENT)),
        Block("h", "二、主动公开政府信息的情况"),
        Block("p", f"{year}年度,{agency}共主动公开政府信息{total}条。" + _pick(
            rng, "公开形式以政府门户网站为主,辅以公开栏和便民服务中心查阅点。",
            "主要类别包括机构职能、规划计划、财政预决算、重点工作和应急管理等。")),
        Block("h", "三、政府信息依申请公开办理情况"),
        Block("p", f"本年度共受理政府信息公开申请{requests}件。" if requests else "本年度未受理政府信息公开申请。"),
        Block("h", "四、因政府信息公开申请行政复议、提起行政诉讼的情况"),
        Block("p", _pick(rng, "本年度未发生因政府信息公开申请提起行政复议、行政诉讼的情况。",
                         "全年无因政府信息公开引起的行政复议和行政诉讼。")),
        Block("h", "五、政府信息公开工作存在的主要问题及改进措施"),
        Block("p", _pick(rng, *PROBLEMS)),
        Block("h", "六、需要说明的其他事项与附表"),
        Block("p", _pick(rng, "(一)需要说明的其他事项:无。", "本年度无需要说明的其他事项。")),
        Block("p", "(二)附表:政府信息公开情况统计表"),
        Block("table", rows=_stats_table(fig, style, year)),
    ]


def text_lines(blocks: list[Block]) -> list[str]:
    """Plain text of a document (for attachments that carry no tables)."""
    out: list[str] = []
    for b in blocks:
        if b.kind == "table":
            out.extend(" ".join(c.text for c in row) for row in b.rows)
        else:
            out.append(b.text)
    return out
