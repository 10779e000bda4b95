"""The same reports in every shape they are published in, built at test time from the seeds'
hand-checked values and prose (../shared): values, year and agency must come back the same."""

from __future__ import annotations

import re

import pytest

import extract
from extract import render
from extract_fixtures import (SEED_PRE2019, SEEDS_2021, assert_values, docx_report, gold, page_body, pdf_report,
                              portal_html, text_report, title, xlsx_report)

FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _meta_ok(report, stem):
    g = gold(stem)
    assert (report.template, report.year, report.agency) == (g["template"], g["year"], g["agency"])


@pytest.mark.parametrize("stem", SEEDS_2021)
def test_html_page_in_portal_chrome(stem):
    page = portal_html(stem)
    report = extract.parse(page.encode("utf-8"), url="https://www.example.gov.cn/art/2024/1/1/art_1_2.html",
                           content_type="text/html")
    assert_values(report, gold(stem)["values"])
    _meta_ok(report, stem)
    assert report.published == gold(stem)["published"]
    assert not report.failed_checks
    # Chrome (menus, footer, related links) stays out of the report text.
    for chrome in ("网站地图", "备案号", "请输入关键字", "某某镇2021年"):
        assert chrome not in report.text
    assert "主动公开政府信息情况" in report.text


@pytest.mark.parametrize("stem", SEEDS_2021)
def test_gbk_page_labelled_utf8_without_meta(stem):
    page = portal_html(stem).replace('charset=utf-8', 'charset=utf-8')
    body = page.encode("gb18030")
    report = extract.parse(body, content_type="text/html; charset=utf-8")
    assert_values(report, gold(stem)["values"])
    report = extract.parse(body, content_type="text/html")  # no charset at all
    _meta_ok(report, stem)


@pytest.mark.parametrize("stem", SEEDS_2021)
def test_html_with_blank_cells_for_zero(stem):
    g = gold(stem)
    tables = render.html_tables("2021", g["values"], blank_zeros=True)
    page = render.portal_page("x", f"<p>{stem}</p>" + tables)
    report = extract.parse(page.encode(), filename="page.html")
    assert_values(report, g["values"])
    if any(v == 0 for k, v in g["values"].items() if k.startswith("applications.")):
        assert any("blank cells read as 0" in w for w in report.warnings)


def test_html_with_the_single_other_row_of_2019_style():
    stem = SEEDS_2021[1]
    g = gold(stem)
    values = dict(g["values"])
    other = {}
    for col in ("natural_person", "business", "research", "social_welfare", "legal_services", "other_org", "total"):
        other[f"applications.other.{col}"] = sum(values.pop(f"applications.{k}.{col}")
                                                 for k in ("other_no_correction", "other_no_fee", "other_misc"))
    values.update(other)
    page = render.portal_page("暨阳街道办事处2023年政府信息公开工作年度报告",
                              render.html_tables("2021", values, aggregate_other=True))
    report = extract.parse(page.encode())
    assert report.template == "2021"
    assert_values(report, values)
    assert not report.failed_checks


@pytest.mark.parametrize("markdown", [True, False], ids=["markdown", "trafilatura-pipes"])
@pytest.mark.parametrize("stem", SEEDS_2021)
def test_pipe_tables(stem, markdown):
    g = gold(stem)
    text = text_report(stem, render.pipe_tables("2021", g["values"], markdown=markdown))
    report = extract.parse(text.encode(), filename="report.md")
    assert_values(report, g["values"])
    _meta_ok(report, stem)


@pytest.mark.parametrize("stem", SEEDS_2021)
def test_one_cell_per_line(stem):
    g = gold(stem)
    report = extract.parse(text_report(stem, render.cell_lines("2021", g["values"])).encode(), filename="r.txt")
    assert_values(report, g["values"])


@pytest.mark.parametrize("stem", SEEDS_2021)
def test_full_width_digits_and_punctuation(stem):
    g = gold(stem)
    text = text_report(stem, render.cell_lines("2021", g["values"]).translate(FULL_WIDTH))
    report = extract.parse(text.encode("utf-8"), filename="r.txt")
    assert_values(report, g["values"])


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("stem", SEEDS_2021)
def test_flattened_digits(stem, seed):
    """Cells run together: what the identities split uniquely is read, the rest left out and said."""
    g = gold(stem)
    text = text_report(stem, render.flattened("2021", g["values"], seed=seed))
    report = extract.parse(text.encode(), filename="page.txt")
    assert_values(report, g["values"], complete=False)
    missing = [k for k in g["values"] if k not in report.values]
    for key in missing:
        row = key.rsplit(".", 1)[0]
        assert any(w.startswith(row + ":") or w.startswith(row.split(".")[0] + ":") for w in report.warnings), key
    # Table 三 and 四 have identities enough for these seeds' figures.
    apps = [k for k in g["values"] if k.startswith(("applications.", "appeals."))]
    assert all(k in report.values for k in apps), [k for k in apps if k not in report.values][:5]


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "unruled"])
@pytest.mark.parametrize("stem", SEEDS_2021)
def test_pdf_made_in_the_test(stem, ruled):
    """Ruled tables come through pdfplumber's table finder; unruled ones as text lines whose labels
    wrap over several lines around their numbers."""
    report = extract.parse(pdf_report(stem, ruled=ruled), filename="report.pdf")
    assert_values(report, gold(stem)["values"])
    _meta_ok(report, stem)


@pytest.mark.parametrize("stem", SEEDS_2021[:2])
def test_pdf_with_blank_zero_cells(stem):
    report = extract.parse(pdf_report(stem, blank_zeros=True), filename="report.pdf")
    assert_values(report, gold(stem)["values"])


@pytest.mark.parametrize("stem", SEEDS_2021)
def test_docx_and_xlsx(stem):
    for body, name in ((docx_report(stem), "r.docx"), (xlsx_report(stem), "r.xlsx")):
        report = extract.parse(body, filename=name)
        assert_values(report, gold(stem)["values"])
        assert report.year == gold(stem)["year"]


def test_pre2019_statistics_table_in_every_shape():
    g = gold(SEED_PRE2019)
    rows = render.stats_rows(g["values"], g["year"])
    title = f"{g['agency']}{g['year']}年政府信息公开工作年度报告"
    html = render.portal_page(title, "<p>一、概述</p><p>二、主动公开政府信息的情况</p>" + render.stats_html(g["values"], g["year"]))
    pipes = title + "\n六、附表\n" + "\n".join("| " + " | ".join(r) + " |" for r in rows)
    spaced = title + "\n六、政府信息公开情况统计表 " + " ".join(" ".join(r) for r in rows)
    flat = title + "\n六、政府信息公开情况统计表" + "".join("".join(r) for r in rows)
    trailing = spaced + "\n七、其他需要说明的事项\n历年累计主动公开信息615条，计量单位为条。"
    for body, name in ((html, "p.html"), (pipes, "p.md"), (spaced, "p.txt"), (trailing, "t.txt")):
        report = extract.parse(body.encode(), filename=name)
        assert report.template == "pre2019" and report.year == g["year"], name
        assert_values(report, g["values"])
    report = extract.parse(flat.encode(), filename="flat.txt")
    assert_values(report, g["values"], complete=False)
    # "57615" can be 5|7615, 57|615 or 576|15: the prose-free table cannot tell, so it is left out.
    assert "stats.active.total" not in report.values
    assert any(w.startswith("stats.active.total") for w in report.warnings)
    assert report.values["stats.requests.total"] == 0


def test_units_of_2019_procurement_in_yuan():
    values = {k: 0 for k in extract.templates.keys("2019")}
    values.update({"active.procurement.projects": 6, "active.procurement.amount": 25.1})
    html = render.html_tables("2019", values).replace(">25.1<", ">251000元<")
    report = extract.parse(render.portal_page("某某局2019年政府信息公开工作年度报告", html).encode())
    assert report.template == "2019"
    assert report.values["active.procurement.amount"] == 25.1
    assert report.values["active.procurement.projects"] == 6
    assert_values(report, values)


@pytest.mark.parametrize("stem", SEEDS_2021[:1])
def test_label_wording_variants(stem):
    """Half-width brackets, other quotes, 、 for ., labels wrapped mid-word: same rows."""
    g = gold(stem)
    text = text_report(stem, render.pipe_tables("2021", g["values"]))
    text = (text.replace("（", "(").replace("）", ")").replace("“", '"').replace("”", '"')
            .replace("1.属于国家秘密", "1、属于国家秘 密").replace("本年度办理结果", "本年度\n办理结果"))
    text = re.sub(r"(\d)\.(属于|本机关|没有|补正|信访|重复|要求|无正当|申请人|其他)", r"\1、\2", text)
    report = extract.parse(text.encode(), filename="r.md")
    assert_values(report, g["values"])


def _trafilatura_text(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_tables=True, favor_recall=True)


@pytest.mark.parametrize("blank_zeros", [False, True])
@pytest.mark.parametrize("stem", SEEDS_2021)
def test_trafilatura_output_of_merged_cells(stem, blank_zeros):
    """trafilatura pads merged cells with empty ones; padding is not read as blank (zero) cells."""
    g = gold(stem)
    page = render.portal_page(title(stem), page_body(stem, render.html_tables("2021", g["values"], blank_zeros=blank_zeros)))
    report = extract.parse(_trafilatura_text(page).encode(), filename="page.txt")
    assert_values(report, g["values"])


def test_trafilatura_output_of_a_real_page_with_blank_cells(shared):
    g = gold("026")
    html = (shared / "reports" / "026.html").read_text(encoding="utf-8")
    report = extract.parse(_trafilatura_text(f"<html><body>{html}</body></html>").encode(), filename="026.txt")
    assert_values(report, g["values"], g["optional"])


def test_padding_that_could_be_either_side_is_not_guessed():
    # Seven applicant cells, one of them blank, plus one padding cell: before or after the values?
    values = " | ".join(["（一）予以公开", "", "258", "12", "", "", "1", "1", ""])
    text = "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 272 | 0 | 0 | 0 | 0 | 0 | 272\n" + values
    report = extract.parse(text.encode(), filename="r.md")
    assert report.values["applications.new_received.natural_person"] == 272
    assert not any(k.startswith("applications.granted.") for k in report.values)
    assert any(w.startswith("applications.granted:") for w in report.warnings)


NATIONAL_STATS = [  # the national 统计表 of 2014-2018 (one 统计数 column), figures made up
    ("统计指标", "单位", "统计数"), ("一、主动公开情况", "", ""),
    ("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "条", "2543"),
    ("其中：主动公开规范性文件数", "条", "12"), ("（二）通过不同渠道和方式公开政府信息的情况", "", ""),
    ("1.政府公报公开政府信息数", "条", "20"), ("2.政府网站公开政府信息数", "条", "2500"),
    ("3.政务微博公开政府信息数", "条", "300"), ("三、依申请公开情况", "", ""), ("（一）收到申请数", "件", "9"),
    ("1.当面申请数", "件", "2"), ("2.传真申请数", "件", "0"), ("3.网络申请数", "件", "6"), ("4.信函申请数", "件", "1"),
    ("（三）申请答复数", "件", "9"), ("1.属于已主动公开范围数", "件", "1"), ("2.同意公开答复数", "件", "5"),
    ("3.同意部分公开答复数", "件", "1"), ("4.不同意公开答复数", "件", "2"), ("四、行政复议数量", "件", "1"),
    ("五、行政诉讼数量", "件", "0"), ("六、举报投诉数量", "件", "3"), ("七、依申请公开信息收取的费用", "万元", "0"),
]
NATIONAL_VALUES = {
    "stats.active.total": 2543, "stats.active.gazette": 20, "stats.active.website": 2500, "stats.requests.total": 9,
    "stats.requests.in_person": 2, "stats.requests.fax": 0, "stats.requests.online": 6, "stats.requests.letter": 1,
    "stats.replies.total": 9, "stats.replies.granted": 5, "stats.replies.partially_granted": 1,
    "stats.replies.denied": 2, "stats.review": 1, "stats.litigation": 0, "stats.complaints": 3,
}


@pytest.mark.parametrize("shape", ["html", "spaced", "pipes"])
def test_national_statistics_table_of_2014_to_2018(shape):
    head = "某县2016年政府信息公开工作年度报告\n一、概述\n……\n七、附件：政府信息公开情况统计表\n"
    if shape == "html":
        body = (head.replace("\n", "<br>") + render.html_table([[render.Cell(c) for c in r] for r in NATIONAL_STATS])).encode()
        name = "r.html"
    else:
        sep = " " if shape == "spaced" else " | "
        body = (head + "\n".join(sep.join(r) for r in NATIONAL_STATS)).encode()
        name = "r.txt" if shape == "spaced" else "r.md"
    report = extract.parse(body, filename=name)
    assert (report.template, report.year) == ("pre2019", 2016)
    assert_values(report, NATIONAL_VALUES)
    assert not any("no statistics tables" in w for w in report.warnings)


RANDOM = [(t, s) for t in ("2021", "2019") for s in range(8)]


@pytest.mark.parametrize("template,seed", RANDOM)
def test_random_reports_in_every_text_and_html_shape(template, seed):
    """Figures nobody tuned for: every shape gives them back exactly, or (flattened) leaves a cell
    out with a warning, never a wrong number."""
    from extract_fixtures import random_values

    values = random_values(template, seed)
    title_ = f"某某区民政局{2023 if template == '2021' else 2019}年政府信息公开工作年度报告"
    # Prose that uses the rows' own words must not be taken for the table.
    prose = "一、总体情况\n本年新收政府信息公开申请21件，上年结转政府信息公开申请3件，予以公开12件。\n"
    html_prose = "".join(f"<p>{p}</p>" for p in prose.splitlines())
    shapes = {
        "html": render.portal_page(title_, html_prose + render.html_tables(template, values)).encode(),
        "html-blank": render.portal_page(title_, html_prose + render.html_tables(template, values, blank_zeros=True)).encode(),
        "md": (title_ + "\n" + prose + render.pipe_tables(template, values)).encode(),
        "trafilatura-pipes": (title_ + "\n" + prose + render.pipe_tables(template, values, markdown=False)).encode(),
        "cells": (title_ + "\n" + prose + render.cell_lines(template, values)).encode(),
    }
    for shape, body in shapes.items():
        report = extract.parse(body, filename="r.html" if shape.startswith("html") else "r.md")
        assert report.template == template, shape
        assert_values(report, values)
        assert not report.failed_checks, shape
    flat = extract.parse((title_ + "\n" + render.flattened(template, values, seed=seed)).encode(), filename="r.txt")
    assert_values(flat, values, complete=False)
    assert sum(k.startswith("applications.") for k in flat.values) >= 100 or flat.warnings


@pytest.mark.parametrize("template,seed", RANDOM[::3])
def test_random_reports_as_pdf(template, seed):
    from extract_fixtures import random_values

    values = random_values(template, seed)
    for ruled in (True, False):
        pdf = pdf_report(SEEDS_2021[0], ruled=ruled, values=values, template=template)
        report = extract.parse(pdf, filename="r.pdf")
        assert report.template == template
        assert_values(report, values)


def _fragmented(template: str, values: dict, rnd) -> str:
    """Table 三 the way PDF-to-text and PDF-to-markdown break it: some rows lose their label (left
    as prose before or after the numbers), some print their numbers on the line above the label."""
    out = [f"某某局{2023 if template == '2021' else 2019}年政府信息公开工作年度报告"]
    for section, cells in render.rows(template, values):
        texts = [render.fmt(c) for c in cells]
        if section == "applications":
            if texts[0].startswith("一、"):
                out.append("三、收到和处理政府信息公开申请情况")
            label, nums = texts[0], texts[1:]
            r = rnd.random()
            if r < 0.25:
                cut = len(label) // 2
                out += ([label[:cut], "| " + " | ".join(nums) + " |", label[cut:]] if rnd.random() < 0.5
                        else ["| " + " | ".join(nums) + " |", label])
            elif r < 0.35:
                out += [" ".join(nums), label]
            else:
                out.append(f"| {label} | " + " | ".join(nums) + " |")
        elif section == "appeals":
            out += ["四、政府信息公开行政复议、行政诉讼情况", "| " + " | ".join(texts) + " |"]
        else:
            out.append("| " + " | ".join(texts) + " |")
    return "\n".join(out)


def test_fragmented_tables_are_read_or_left_out_never_misread():
    import random

    from extract_fixtures import random_values

    total = recovered = 0
    for seed in range(60):
        rnd = random.Random(seed)
        template = rnd.choice(["2021", "2019"])
        values = random_values(template, seed)
        report = extract.parse(_fragmented(template, values, rnd).encode(), filename="f.md")
        assert_values(report, values, complete=False)
        apps = [k for k in values if k.startswith("applications.")]
        total += len(apps)
        recovered += sum(k in report.values for k in apps)
    assert recovered >= 0.9 * total


def test_blank_cells_are_zero_only_where_the_printed_total_agrees():
    rows = [["一、本年新收政府信息公开申请数量", "272", "", "", "", "", "", "272"],
            ["（一）予以公开", "258", "12", "", "", "1", "1", "300"]]
    html = "<p>三、收到和处理政府信息公开申请情况</p>" + render.html_table([[render.Cell(c) for c in r] for r in rows])
    report = extract.parse(render.portal_page("某局2023年政府信息公开工作年度报告", html).encode())
    v = report.values
    assert v["applications.new_received.business"] == 0 and v["applications.new_received.total"] == 272
    assert (v["applications.granted.natural_person"], v["applications.granted.total"]) == (258, 300)
    assert "applications.granted.research" not in v and "applications.granted.social_welfare" not in v
    assert any("blank cells left out" in w for w in report.warnings)


@pytest.mark.parametrize("dash", ["—", "-", "/", "无"])
@pytest.mark.parametrize("stem", SEEDS_2021)
def test_one_cell_per_line_with_dashes_for_zeros(stem, dash):
    # As copied from a web table whose empty cells print a dash: each dash is a blank cell, read as
    # 0 where the printed totals agree (here they always do: the dashes stand for zeros).
    g = gold(stem)
    lines = re.sub(r"(?m)^0$", dash, render.cell_lines("2021", g["values"]))
    assert dash in lines.splitlines()
    report = extract.parse(text_report(stem, lines).encode(), filename="r.txt")
    assert_values(report, g["values"])


def test_dashes_one_per_line_are_not_zeros_where_the_total_says_otherwise():
    g = gold(SEEDS_2021[0])
    values = dict(g["values"])
    key = "applications.granted.total"
    lines = render.cell_lines("2021", {**values, key: values[key] + 5})
    row = [k for k in values if k.startswith("applications.granted.")]
    text = text_report(SEEDS_2021[0], re.sub(r"(?m)^0$", "—", lines))
    report = extract.parse(text.encode(), filename="r.txt")
    zeros = [k for k in row if values[k] == 0 and k != key]
    assert zeros and not any(k in report.values for k in zeros)
    assert any("blank cells left out" in w for w in report.warnings)
    # The other rows, whose totals agree, are read.
    assert report.values["applications.new_received.total"] == values["applications.new_received.total"]


def _text_rows(values: dict, sep: str) -> str:
    """The tables as lines of text, cells apart by `sep` (a table pasted or extracted as text)."""
    pipes = render.pipe_tables("2021", values, markdown=True)
    return "\n".join(re.sub(r"\s*\|\s*", sep, line).strip() for line in pipes.splitlines()
                     if not re.match(r"^\s*\|?[-: |]+\|?\s*$", line))


@pytest.mark.parametrize("sep,dash", [("  ", "—"), ("\t", "—"), ("\t", "/"), (" ", "-")])
@pytest.mark.parametrize("stem", SEEDS_2021)
def test_text_rows_with_dashes_for_zeros(stem, sep, dash):
    g = gold(stem)
    rows = re.sub(r"(?m)(?<=\s)0(?=\s|$)|^0(?=\s)", dash, _text_rows(g["values"], sep))
    assert f"{sep}{dash}{sep}" in rows
    report = extract.parse(text_report(stem, rows).encode(), filename="r.txt")
    assert_values(report, g["values"])


def test_dashes_in_text_rows_are_not_zeros_where_the_total_says_otherwise():
    values = dict(gold(SEEDS_2021[0])["values"])
    key = "applications.granted.total"
    rows = _text_rows({**values, key: values[key] + 5}, "  ")
    report = extract.parse(text_report(SEEDS_2021[0], re.sub(r"(?m)(?<=\s)0(?=\s|$)", "—", rows)).encode(),
                           filename="r.txt")
    zeros = [k for k in values if k.startswith("applications.granted.") and values[k] == 0 and k != key]
    assert zeros and not any(k in report.values for k in zeros)
    assert report.values["applications.new_received.total"] == values["applications.new_received.total"]
