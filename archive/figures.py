"""The main figures of a report, named alike across template generations where the templates agree.

Every figure is in `report_values`; these few are also copied onto the report's row when it is
parsed, so the wide view and year-by-agency aggregates read one covering index instead of
joining millions of value rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Values = Mapping[str, Any]


@dataclass(frozen=True)
class Figure:
    name: str
    doc: str
    compute: Callable[[Values], Any]


def first(*keys: str) -> Callable[[Values], Any]:
    """The first of `keys` the report prints (a later key stands in for an earlier template's)."""

    def pick(values: Values) -> Any:
        return next((values[key] for key in keys if values.get(key) is not None), None)

    return pick


def _lawsuits(values: Values) -> Any:
    direct, after = values.get("appeals.litigation_direct.total"), values.get("appeals.litigation_after_review.total")
    if direct is not None and after is not None:
        return direct + after
    return values.get("stats.litigation")


def _fees(values: Values) -> Any:
    if values.get("active.fees.amount") is not None:
        return values["active.fees.amount"]
    yuan = values.get("stats.fees")
    return None if yuan is None else yuan / 10000


MAIN_FIGURES: tuple[Figure, ...] = (
    Figure("applications_received", "Applications received this year (本年新收; pre-2019: 申请总数).",
           first("applications.new_received.total", "stats.requests.total")),
    Figure("applications_carried_over", "Applications carried over from last year (上年结转).",
           first("applications.carried_over.total")),
    Figure("granted", "Answered by disclosure (予以公开; pre-2019: 同意公开).",
           first("applications.granted.total", "stats.replies.granted")),
    Figure("partially_granted", "Partly disclosed (部分公开).",
           first("applications.partially_granted.total", "stats.replies.partially_granted")),
    Figure("handled", "Applications handled in total (总计; pre-2019: 答复总数).",
           first("applications.total_handled.total", "stats.replies.total")),
    Figure("carried_forward", "Carried forward to next year (结转下年度继续办理).",
           first("applications.carried_forward.total")),
    Figure("reviews", "Administrative reconsiderations (行政复议) in total.",
           first("appeals.review.total", "stats.review")),
    Figure("lawsuits", "Administrative lawsuits (行政诉讼) in total: direct plus after reconsideration.", _lawsuits),
    Figure("reviews_corrected", "Reconsiderations whose result was corrected (结果纠正).",
           first("appeals.review.corrected")),
    Figure("regulations_issued", "Regulations (规章) issued this year (2021 template).",
           first("active.regulations.issued")),
    Figure("normative_documents_issued", "Normative documents (规范性文件) issued this year (2021 template).",
           first("active.normative_documents.issued")),
    Figure("licensing_decisions", "Administrative licensing decisions (行政许可, 2021 template).",
           first("active.licensing.decisions")),
    Figure("punishment_decisions", "Administrative punishment decisions (行政处罚, 2021 template).",
           first("active.punishment.decisions")),
    Figure("fees_10k_yuan", "Administrative fees collected, in 万元 (pre-2019 stats.fees, in 元, divided by 10,000).",
           _fees),
)


def compute(values: Values) -> dict[str, Any]:
    return {figure.name: figure.compute(values) for figure in MAIN_FIGURES}
