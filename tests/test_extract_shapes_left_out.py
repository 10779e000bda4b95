"""The shapes real reports of other sites print that the parser used to lose (issue 20), each built
at test time from ../shared reports and their hand-checked values: every figure back, none wrong."""

from __future__ import annotations

import html as htmlmod

import pytest

import extract
from extract import layout, render
from extract_fixtures import SEED_PRE2019, SEEDS_2021, assert_values, gold, page_body, text_report, title

SIGNED = [3, -2, 0, 5, -1, 0]


def _with_changes(stem: str) -> dict:
    """A 2019 report's figures with rises, falls and no change in 本年增/减."""
    values = dict(gold(stem)["values"])
    for i, key in enumerate(k for k in values if k.endswith(".change")):
        values[key] = SIGNED[i % len(SIGNED)]
    return values


def _signed(values: dict):
    return lambda key: f"{values[key]:+d}" if key.endswith(".change") else render.fmt(values.get(key))


def test_signed_change_cells_of_the_2019_table_2():
    """`+3`, `-2`, `+0` in 本年增/减 (026, the 2019 template's HTML, with its changes so printed)."""
    values = _with_changes("026")
    active = layout.active_table("2019", _signed(values), label=render.printed, spare="first")
    rest = render.tables("2019", values)[1:]
    body = (f"<p>{render.HEADINGS['active']}</p>" + render.html_table(active)
            + "".join(f"<p>{h}</p>" + render.html_table(t) for h, t in rest))
    report = extract.parse(render.portal_page(f"{gold('026')['agency']}2019年政府信息公开工作年度报告", body).encode())
    assert_values(report, values, gold("026")["optional"])
    pipes = "\n".join("| " + " | ".join(c.text for c in row) + " |" for row in active)
    md = extract.parse((f"某某局2019年政府信息公开工作年度报告\n{render.HEADINGS['active']}\n" + pipes).encode(),
                       filename="r.md")
    assert_values(md, {k: v for k, v in values.items() if k.startswith("active.")})


def test_two_cells_fused_with_a_minus_keep_the_sign():
    """`| 2648-18 | 430 |`: 上一年项目数量 and a negative 本年增/减 in one cell."""
    values = _with_changes("026")
    values.update({"active.punishment.previous_count": 2648, "active.punishment.change": -18,
                   "active.punishment.decisions": 430, "active.fees.previous_count": 12, "active.fees.change": -3})
    md = render.pipe_tables("2019", values)
    fused = md.replace("| 2648 | -18 | 430 |", "| 2648-18 | 430 |").replace("| 12 | -3 |", "| 12-3 |")
    assert fused.count("2648-18") == 1 and "12-3" in fused
    report = extract.parse(("某某局2019年政府信息公开工作年度报告\n" + fused).encode(), filename="r.md")
    assert_values(report, values, gold("026")["optional"])
    # A minus that would fall on a count is no sign of 本年增/减: the row stays out.
    wrong = extract.parse(("某某局2019年政府信息公开工作年度报告\n" + fused.replace("| 2648-18 | 430 |", "| 2648 | 18-430 |"))
                          .encode(), filename="r.md")
    assert not any(k.startswith("active.punishment.") for k in wrong.values)
    assert any(w.startswith("active.punishment:") for w in wrong.warnings)


@pytest.mark.parametrize("stem", SEEDS_2021)
def test_a_heading_printed_over_the_next_sections_table(stem):
    """Heading 三, then heading 四, then table 三 and table 四."""
    g = gold(stem)
    (h2, t2), (h3, t3), (h4, t4) = render.tables("2021", g["values"])
    tables = (f"<p>{h2}</p>" + render.html_table(t2) + f"<p>{h3}</p><p>{h4}</p>" + render.html_table(t3)
              + render.html_table(t4))
    report = extract.parse(render.portal_page(title(stem), page_body(stem, tables)).encode())
    assert_values(report, g["values"])


def _one_char_per_p(rows: list[list[layout.Cell]]) -> str:
    """Label cells printed one character per <p>, as some portals' editors save them."""
    out = ['<table border="1"><tbody>']
    for row in rows:
        cells = []
        for c in row:
            content = ("\n  ".join(f'<p style="text-align:center"><span>{htmlmod.escape(ch)}</span></p>' for ch in c.text)
                       if c.header else htmlmod.escape(c.text) or "&nbsp;")
            cells.append(f"<td{layout.span_attrs(c)}>{content}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out + ["</tbody></table>"])


@pytest.mark.parametrize("stem", SEEDS_2021)
def test_header_and_label_cells_one_character_per_paragraph(stem):
    g = gold(stem)
    tables = "".join(f"<p>{h}</p>" + _one_char_per_p(t) for h, t in render.tables("2021", g["values"]))
    report = extract.parse(render.portal_page(title(stem), page_body(stem, tables)).encode())
    assert_values(report, g["values"])


_SUB_ROWS = ("政府网站公开数", "政府公报公开数", "当面申请数", "网上申请数", "信函、传真申请数", "同意公开答复数",
             "同意部分公开答复数", "不予公开答复数", "其他类型答复数")


def _numbers_on_their_own_lines(stem: str) -> str:
    """The pre-2019 统计表 as text lines, each row's number (`（一）`, `1.`) on a line of its own
    before its label, the sub-rows under a line `其中：`."""
    g = gold(stem)
    rows = render.stats_rows(g["values"], g["year"])
    out = [f"{g['agency']}{g['year']}年政府信息公开工作年度报告", "六、政府信息公开情况统计表", " ".join(rows[0])]
    top = sub = 0
    for row in rows[1:]:
        label = row[0].replace("其中:", "")
        if label in _SUB_ROWS:
            if not sub:
                out.append("其中：")
            sub += 1
            out.append(f"{sub}.")
        else:
            sub = 0
            out.append(f"（{'一二三四五六七八九十'[top]}）")
            top += 1
        out.append(" ".join([label, *row[1:]]))
    return "\n".join(out)


@pytest.mark.parametrize("stem", ["019", SEED_PRE2019])
def test_pre2019_rows_whose_number_stands_on_its_own_line(stem):
    report = extract.parse(_numbers_on_their_own_lines(stem).encode(), filename="r.txt")
    assert report.template == "pre2019"
    assert_values(report, gold(stem)["values"])


def _fragments(values: dict, mode: str) -> str:
    """Table 二 as a PDF converter breaks it into small pipe tables: the label in one fragment
    and its figures in the next (`apart`), the figures before the label (`before`), or a row's
    last cell spilled onto a line of its own (`spilled`)."""
    lines = [render.HEADINGS["active"]]
    for section, texts in render.rows("2021", values):
        if section != "active":
            continue
        if len(texts) == 1 or texts[0] == "信息内容":
            lines += ["", "| " + " | ".join(texts) + " |" if len(texts) > 1 else texts[0]]
            continue
        label, cells = texts[0], texts[1:]
        if mode == "apart":
            lines += [f"| {label} |", "", "| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]
        elif mode == "before":
            lines += ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells), "", label]
        else:
            lines += ["| " + " | ".join([label, *cells[:-1]]) + " |", "", f"| {cells[-1]} |", "|---|"]
    rest = render.pipe_tables("2021", values).split(render.HEADINGS["applications"])[1]
    return "\n".join(lines) + "\n" + render.HEADINGS["applications"] + rest


@pytest.mark.parametrize("mode", ["apart", "before", "spilled"])
@pytest.mark.parametrize("stem", SEEDS_2021)
def test_table_2_in_fragments(stem, mode):
    g = gold(stem)
    report = extract.parse(text_report(stem, _fragments(g["values"], mode)).encode(), filename="r.md")
    assert_values(report, g["values"])


def test_labels_alone_between_figures_on_both_sides_are_not_guessed():
    """Figures before some labels and after others: which side is a label's is not certain."""
    g = gold(SEEDS_2021[1])
    text = _fragments(g["values"], "apart").replace("| 行政处罚 |\n\n", "", 1)
    text = text.replace("| 行政强制 |", "行政处罚\n| 行政强制 |", 1)
    report = extract.parse(text_report(SEEDS_2021[1], text).encode(), filename="r.md")
    assert_values(report, g["values"], complete=False)
    assert "active.punishment.decisions" not in report.values
    assert any(w.startswith("active.punishment:") and "not certain" in w for w in report.warnings)
