"""`nianbao replica serve --reports DIR`: a report published from a file is listed under its real
title, joined over the lines it wraps on and without a field label, or under the one its sidecar
file (`<file>.title`) gives; the spider then finds it under that title."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.titles import is_annual_report
from replica import ReplicaServer, manifest
from replica.extras import find_title, text_to_html

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("lines,title", [
    # Wrapped after 政府信息公开: the old reading kept only "工作年度报告".
    (["某某区2023年政府信息公开", "工作年度报告", "一、总体情况"], "某某区2023年政府信息公开工作年度报告"),
    # The agency's name on the line above the year.
    (["洪泽区人民政府", "2023 年政府信息公开工作年度报告", "本报告由区政府办公室编制。"],
     "洪泽区人民政府2023年政府信息公开工作年度报告"),
    (["# 某某县2021年政府信息公开工作年度", "报告", "根据《条例》要求，编制本报告。"], "某某县2021年政府信息公开工作年度报告"),
    (["标题：平潭综合实验区2021年度政府信息公开工作年度报告", "发布日期：2022-01-20"],
     "平潭综合实验区2021年度政府信息公开工作年度报告"),
    # A whole title on its line stays as it is; the site's name above it is not taken in.
    (["诸暨市人民政府", "诸暨市2023年政府信息公开工作年度报告"], "诸暨市2023年政府信息公开工作年度报告"),
    (["正文", "2024 年上海市科委政府信息公开工作", "年度报告"], "2024年上海市科委政府信息公开工作年度报告"),
    (["索引号：11530902/2024-00012", "您当前的位置:首页>政务公开>政府信息公开年报"], None),
])
def test_the_title_is_read_whole_without_labels(lines, title):
    found = find_title(lines)
    assert (found[0] if found else None) == title
    assert title is None or is_annual_report(title)


def test_the_page_body_does_not_repeat_the_title_lines():
    body = text_to_html("某某区2023年政府信息公开\n工作年度报告\n一、总体情况\n", "某某区2023年政府信息公开工作年度报告")
    assert body == "<p>一、总体情况</p>"


def test_the_list_title_comes_from_the_file_or_its_sidecar_and_the_spider_finds_it(tmp_path):
    folder = tmp_path / "changshou"
    folder.mkdir()
    (folder / "wrapped.txt").write_text("某某镇人民政府2023年政府信息公开\n工作年度报告\n一、总体情况\n本年度主动公开信息12条。\n",
                                        encoding="utf-8")
    (folder / "scan.txt").write_text("一、总体情况\n本年度主动公开信息3条。\n", encoding="utf-8")
    (folder / "scan.txt.title").write_text("某某街道2022年政府信息公开工作年度报告\n", encoding="utf-8")
    listed = {m["file"]: m for m in manifest(portals=["changshou"], reports_dir=tmp_path) if m.get("file")}
    assert listed["wrapped.txt"]["title"] == "某某镇人民政府2023年政府信息公开工作年度报告"
    assert listed["scan.txt"]["title"] == "某某街道2022年政府信息公开工作年度报告"
    out = tmp_path / "items.jsonl"
    with ReplicaServer(portals=["changshou"], reports_dir=tmp_path) as server:
        env = {**os.environ, "NIANBAO_REPLICA": server.url}
        env.pop("NIANBAO_DB", None)
        result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "changshou", "-O", str(out),
                                 "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    found = {item["url"]: item["title"] for item in map(json.loads, out.read_text().splitlines())}
    for line in listed.values():
        assert found.get(line["url"]) == line["title"], line
