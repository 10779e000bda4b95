"""`nianbao parse PATH... [--json]`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from extract.cli import parse_command


def _run(*args):
    return CliRunner().invoke(parse_command, list(map(str, args)))


def test_one_json_object_per_line_per_file(shared):
    files = [shared / "seeds" / "000_3734af7a9bdc841a.txt", shared / "reports" / "026.html"]
    result = _run(*files, "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    objects = [json.loads(line) for line in lines]
    assert [o["source"] for o in objects] == ["000_3734af7a9bdc841a.txt", "026.html"]
    assert objects[0]["values"]["active.licensing.decisions"] == 186
    assert objects[1]["template"] == "2019"


def test_a_missing_file_is_named_on_stderr_and_the_others_still_parse(shared, tmp_path):
    missing = tmp_path / "nowhere.pdf"
    result = _run(missing, shared / "seeds" / "003_c47c3146309e273f.txt")
    assert result.exit_code == 1
    assert "nowhere.pdf" in result.stderr and "Traceback" not in result.output
    objects = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [o["template"] for o in objects] == ["pre2019"]


def test_unreadable_format_and_a_page_that_is_not_a_report(tmp_path):
    doc = tmp_path / "old.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    notice = tmp_path / "notice.html"
    notice.write_text("<html><body><h1>关于停电的通知</h1><p>明日停电。</p></body></html>", encoding="utf-8")
    result = _run(doc, notice)
    assert result.exit_code == 1
    assert "old.doc" in result.stderr and "not readable" in result.stderr
    objects = {o["source"]: o for o in map(json.loads, result.stdout.strip().splitlines())}
    assert objects["notice.html"]["template"] is None
    assert any("not a government information disclosure annual report" in w for w in objects["notice.html"]["warnings"])
    assert objects["old.doc"]["template"] is None


def test_summary_lines_and_directories(shared):
    result = _run(shared / "reports", "--summary")
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if line.startswith(("001.pdf", "009.txt"))]
    assert lines[0].split("\t")[:3] == ["001.pdf", "2021", "2023"]
    assert "checks pass" in lines[1]


def test_explain_says_per_table_how_it_was_found_and_what_was_read(shared, tmp_path):
    # 007 prints 行政规范性文件693665, which splits three ways: left out, and said why.
    result = _run("--explain", shared / "reports" / "007.txt")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "table 二 主动公开政府信息情况:\n  found by «第二十条第(一)项»" in out
    assert "  normative_documents: left out\n    - digits 693665 cannot be split into 3 cells" in out
    assert "  licensing: decisions=2293 [table]" in out
    assert "  new_received: natural_person=64, " in out and "total=70 [table:split]" in out
    # A row of figures that no label places, and a table that is not there, are named.
    text = tmp_path / "r.md"
    text.write_text("某某局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
                    "| 一、本年新收政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
                    "| （一）予以公开 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n| 5 | 0 | 0 | 0 | 0 | 0 | 5 |\n", encoding="utf-8")
    out = _run("--explain", text).stdout
    assert "could not be placed in table 三 with certainty: no row label beside it" in out
    assert "table 四 行政复议、行政诉讼情况:\n  not found" in out
    assert "table 二 主动公开政府信息情况:\n  not found" in out
