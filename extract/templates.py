"""The national report templates as data: every table, row and column, and the keys they give.

Three generations exist. The 2019 and 2021 templates (国办公开办函 2019 and 2021) fix the tables
of sections 二, 三 and 四; reports before 2019 carry a free-form statistics table whose rows vary
by province, so `pre2019` lists the rows seen in practice.

A key is `<table>.<row>.<column>` (`applications.granted.natural_person`), except for the pre-2019
statistics, which are `stats.<row>` with `.cumulative` for the 历年累计 column. The parser, the
replica's report generator and the checks all read this module, so a template lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from itertools import product

TEMPLATES = ("2021", "2019", "pre2019")


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    #: Other ways real reports print the label (older wording, abbreviations).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str = "count"


@dataclass(frozen=True)
class Block:
    """One heading of a table with its own rows and columns (e.g. 第二十条第(五)项)."""

    heading: str
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    blocks: tuple[Block, ...]

    def keys(self) -> list[str]:
        return [
            f"{self.key}.{row.key}.{column.key}"
            for block in self.blocks
            for row, column in product(block.rows, block.columns)
        ]


@dataclass(frozen=True)
class Template:
    name: str
    tables: tuple[Table, ...]
    result_rows: tuple[str, ...] = field(default=())

    def keys(self) -> list[str]:
        return [key for table in self.tables for key in table.keys()]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


APPLICANTS = (
    Column("natural_person", "自然人"),
    Column("business", "商业企业"),
    Column("research", "科研机构"),
    Column("social_welfare", "社会公益组织"),
    Column("legal_services", "法律服务机构"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)
APPLICANT_COLUMNS = tuple(c.key for c in APPLICANTS[:-1])

APPEAL_OUTCOMES = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)

APPEALS = Table(
    "appeals",
    "四、政府信息公开行政复议、行政诉讼情况",
    (
        Block(
            "行政复议 / 行政诉讼",
            (
                Row("review", "行政复议"),
                Row("litigation_direct", "行政诉讼 未经复议直接起诉", ("未经复议直接起诉",)),
                Row("litigation_after_review", "行政诉讼 复议后起诉", ("复议后起诉",)),
            ),
            APPEAL_OUTCOMES,
        ),
    ),
)

_DENIED = (
    Row("denied_state_secret", "1.属于国家秘密"),
    Row("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    Row("denied_security_stability", "3.危及“三安全一稳定”", ("危及三安全一稳定",)),
    Row("denied_third_party_rights", "4.保护第三方合法权益"),
    Row("denied_internal_affairs", "5.属于三类内部事务信息"),
    Row("denied_process_information", "6.属于四类过程性信息"),
    Row("denied_enforcement_files", "7.属于行政执法案卷"),
    Row("denied_administrative_query", "8.属于行政查询事项"),
)
_UNAVAILABLE = (
    Row("unavailable_not_held", "1.本机关不掌握相关政府信息"),
    Row("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    Row("unavailable_unclear", "3.补正后申请内容仍不明确"),
)
_REJECTED = (
    Row("rejected_petition", "1.信访举报投诉类申请"),
    Row("rejected_repeated", "2.重复申请"),
    Row("rejected_publication", "3.要求提供公开出版物"),
    Row("rejected_excessive", "4.无正当理由大量反复申请"),
    Row("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
)
_OTHER_2021 = (
    Row(
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    Row(
        "other_no_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    Row("other_misc", "3.其他"),
)
_OTHER_2019 = (Row("other", "(六)其他处理"),)


def _applications(other_rows: tuple[Row, ...]) -> Table:
    rows = (
        Row("new_received", "一、本年新收政府信息公开申请数量"),
        Row("carried_over", "二、上年结转政府信息公开申请数量"),
        Row("granted", "(一)予以公开"),
        Row("partially_granted", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
        *_DENIED,
        *_UNAVAILABLE,
        *_REJECTED,
        *other_rows,
        Row("total_handled", "(七)总计"),
        Row("carried_forward", "四、结转下年度继续办理"),
    )
    return Table(
        "applications",
        "三、收到和处理政府信息公开申请情况",
        (Block("申请人情况", rows, APPLICANTS),),
    )


def _result_rows(other_rows: tuple[Row, ...]) -> tuple[str, ...]:
    return tuple(
        r.key
        for r in (
            Row("granted", ""),
            Row("partially_granted", ""),
            *_DENIED,
            *_UNAVAILABLE,
            *_REJECTED,
            *other_rows,
        )
    )


_DECISIONS_2021 = (Column("decisions", "本年处理决定数量"),)
_ITEMS_2019 = (
    Column("previous_count", "上一年项目数量"),
    Column("change", "本年增/减"),
    Column("decisions", "处理决定数量"),
)

TEMPLATE_2021 = Template(
    "2021",
    (
        Table(
            "active",
            "二、主动公开政府信息情况",
            (
                Block(
                    "第二十条第(一)项",
                    (Row("regulations", "规章"), Row("normative_documents", "行政规范性文件", ("规范性文件",))),
                    (
                        Column("issued", "本年制发件数"),
                        Column("repealed", "本年废止件数"),
                        Column("in_force", "现行有效件数"),
                    ),
                ),
                Block("第二十条第(五)项", (Row("licensing", "行政许可"),), _DECISIONS_2021),
                Block(
                    "第二十条第(六)项",
                    (Row("punishment", "行政处罚"), Row("coercion", "行政强制")),
                    _DECISIONS_2021,
                ),
                Block(
                    "第二十条第(八)项",
                    (Row("fees", "行政事业性收费"),),
                    (Column("amount", "本年收费金额(单位:万元)", "10k_yuan"),),
                ),
            ),
        ),
        _applications(_OTHER_2021),
        APPEALS,
    ),
    _result_rows(_OTHER_2021),
)

TEMPLATE_2019 = Template(
    "2019",
    (
        Table(
            "active",
            "二、主动公开政府信息情况",
            (
                Block(
                    "第二十条第(一)项",
                    (Row("regulations", "规章"), Row("normative_documents", "规范性文件", ("行政规范性文件",))),
                    (
                        Column("new_made", "本年新制作数量"),
                        Column("new_published", "本年新公开数量"),
                        Column("total_published", "对外公开总数量"),
                    ),
                ),
                Block(
                    "第二十条第(五)项",
                    (Row("licensing", "行政许可"), Row("other_services", "其他对外管理服务事项")),
                    _ITEMS_2019,
                ),
                Block(
                    "第二十条第(六)项",
                    (Row("punishment", "行政处罚"), Row("coercion", "行政强制")),
                    _ITEMS_2019,
                ),
                Block(
                    "第二十条第(八)项",
                    (Row("fees", "行政事业性收费"),),
                    _ITEMS_2019[:2],
                ),
                Block(
                    "第二十条第(九)项",
                    (Row("procurement", "政府集中采购"),),
                    (
                        Column("projects", "采购项目数量"),
                        Column("amount", "采购总金额", "10k_yuan"),
                    ),
                ),
            ),
        ),
        _applications(_OTHER_2019),
        APPEALS,
    ),
    _result_rows(_OTHER_2019),
)

#: Rows of the pre-2019 统计表 (指标名称 | 计量单位 | 本年 | 历年累计), as printed in various provinces.
STATS_ROWS = (
    Row("active.total", "主动公开政府信息数", ("主动公开文件数", "主动公开信息数")),
    Row("active.website", "其中:政府网站公开数", ("网站公开", "政府网站公开政府信息数")),
    Row("active.gazette", "其中:政府公报公开数", ("政府公报公开数", "政府公报公开政府信息数", "公报公开")),
    Row(
        "requests.total",
        "受理政府信息公开申请总数",
        ("收到申请数", "申请总数", "受理申请总数", "受理政府信息依申请公开总数", "受理依申请公开信息总数",
         "受理依申请公开总数", "受理政府信息公开申请数"),
    ),
    Row("requests.in_person", "当面申请数"),
    Row("requests.online", "网上申请数", ("网络申请数",)),
    Row("requests.letter_fax", "信函、传真申请数"),
    Row("requests.fax", "传真申请数"),
    Row("requests.email", "电子邮件申请数"),
    Row("requests.letter", "信函申请数"),
    Row("requests.other", "其它形式申请数", ("其他形式申请数",)),
    Row("replies.total", "对申请的答复总数", ("对申请的答复数", "申请答复数")),
    Row("replies.granted", "同意公开答复数"),
    Row("replies.partially_granted", "同意部分公开答复数"),
    Row("replies.denied", "不予公开答复数", ("否决公开答复数", "不同意公开答复数")),
    Row("replies.other", "其他类型答复数"),
    Row("review", "行政复议数", ("行政复议数量",)),
    Row("litigation", "行政诉讼数", ("行政诉讼数量",)),
    Row("complaints", "接受行政申诉、举报数", ("行政申诉数", "举报投诉数", "接受行政诉讼、举报数", "举报投诉数量")),
    Row("fees", "依申请公开收费(减免)金额(元)", ("收费减免金额", "政府信息公开收费减免金额")),
)

TEMPLATE_PRE2019 = Template(
    "pre2019",
    (
        Table(
            "stats",
            "政府信息公开情况统计表",
            (
                Block(
                    "指标名称",
                    STATS_ROWS,
                    (Column("", "本年"), Column("cumulative", "历年累计")),
                ),
            ),
        ),
    ),
)


def _stats_keys(table: Table) -> list[str]:
    # `stats.active.total` for this year's figure, `stats.active.total.cumulative` for the other.
    return [
        ".".join(part for part in (table.key, row.key, column.key) if part)
        for block in table.blocks
        for row, column in product(block.rows, block.columns)
    ]


TEMPLATES_BY_NAME = {t.name: t for t in (TEMPLATE_2021, TEMPLATE_2019, TEMPLATE_PRE2019)}


@cache
def keys(template: str) -> tuple[str, ...]:
    """Every canonical key of one template generation, in printed order."""
    t = TEMPLATES_BY_NAME[template]
    if template == "pre2019":
        return tuple(_stats_keys(t.tables[0]))
    return tuple(t.keys())


def unit(key: str) -> str:
    return "10k_yuan" if key in {"active.fees.amount", "active.procurement.amount"} else "count"
