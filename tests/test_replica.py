"""The replicas behave like their portals: layouts, pagination, twins, mess, faults, --reports, --scale."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urljoin

import pytest

from extract.templates import APPLICANT_COLUMNS, TEMPLATES_BY_NAME
from replica import ReplicaServer, catalog, manifest, report_data
from replica_fixtures import THE_FIVE, WALKERS, ProxyClient, https, solve_challenge

PORTALS = THE_FIVE


@pytest.fixture(scope="module")
def server():
    with ReplicaServer(portals=PORTALS) as srv:
        yield srv


@pytest.fixture(scope="module")
def base_manifest():
    return manifest(portals=PORTALS)


@pytest.fixture
def client(server):
    return ProxyClient(server.url)


def fold(url: str) -> str:
    """What a spider does with twins: https, no _wap, no ?xxgkhide=1."""
    url = https(url).replace("://cqcs.gov.cn/", "://www.cqcs.gov.cn/")
    url = re.sub(r"_wap\.html$", ".html", url)
    return url.replace("?xxgkhide=1", "")


# ---------------------------------------------------------------- manifest
def test_manifest_lists_every_portal_with_https_urls(base_manifest):
    kinds = Counter((m["portal"], m["kind"]) for m in base_manifest)
    for portal in PORTALS:
        assert kinds[(portal, "page")] >= 30, portal
        assert kinds[(portal, "attachment")] >= 1, portal
    assert 150 <= len(base_manifest) <= 300
    urls = [m["url"] for m in base_manifest]
    assert len(urls) == len(set(urls))
    assert all(u.startswith("https://") for u in urls)
    assert all(set(m) >= {"portal", "url", "title", "kind"} for m in base_manifest)


def test_manifest_is_deterministic_and_holds_the_seed_reports(base_manifest):
    assert manifest(portals=PORTALS) == base_manifest
    urls = {m["url"] for m in base_manifest}
    for seed in (
        "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html",
        "https://www.dg.gov.cn/zwgk/zfxxgkml/hjz/zfxxgkgzndbg/content/post_4148524.html",
        "https://www.ypzf.gov.cn/cms/cms/html/npsypqrmzf/2019-01-10/1292513457.html",
        "https://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/artview/195/148304.html?nbYear=2021&orgCode=A01A03A02A27",
    ):
        assert seed in urls
    zhuji = [d for d in report_data(portal="zhuji") if d["seed"] == "001"]
    assert zhuji[0]["index_no"] == "001008006002065/2024-154563" and zhuji[0]["published"] == "2024-01-26"


def test_each_portal_has_columns_and_non_reports_and_dead_links():
    entries = catalog()
    for portal in PORTALS:
        mine = [e for e in entries if e["portal"] == portal]
        assert len({e["column"] for e in mine}) >= 5, portal
        roles = Counter(e["role"] for e in mine)
        assert roles["article"] >= 5 and roles["dead"] >= 1, (portal, roles)
    titles = [e["title"] for e in entries if e["role"] == "article"]
    for word in ("政府信息公开指南", "工作要点", "法治政府建设年度报告", "政府工作报告", "年度报告解读"):
        assert any(word in t for t in titles), word


# ---------------------------------------------------------------- walking the lists
@pytest.mark.parametrize("portal", PORTALS)
def test_lists_reach_every_manifest_report_and_nothing_unknown(server, base_manifest, portal):
    client = ProxyClient(server.url)
    found = WALKERS[portal](client)
    mine = {m["url"]: m for m in base_manifest if m["portal"] == portal}
    listed = {m["url"] for m in mine.values() if m["kind"] == "page"} | {
        e["url"] for e in catalog(portal=portal) if e["role"] == "attachment"}
    folded = {}
    for url, title in found.items():
        target = fold(url)
        reply = client.get(target) if target not in mine else None
        if reply is not None and reply.status in (301, 302):
            target = fold(urljoin(target, reply.headers["location"]))
        folded[target] = title
    missing = listed - set(folded)
    assert not missing, sorted(missing)[:5]
    known = {e["url"] for e in catalog(portal=portal)}
    dead = {e["url"] for e in catalog(portal=portal) if e["role"] == "dead"}
    unknown = {u for u in folded if u not in known and u not in dead}
    assert not unknown, sorted(unknown)[:5]
    for url in listed:
        assert folded[url] == mine[url]["title"]


@pytest.mark.parametrize("portal", PORTALS)
def test_report_pages_link_their_attachments(server, base_manifest, portal):
    client = ProxyClient(server.url)
    if portal == "dongguan":
        solve_challenge(client, "https://www.dg.gov.cn/zwgk/zfxxgkml/index.html")
    pages = [m for m in base_manifest if m["portal"] == portal and m["kind"] == "page"]
    attachments = {m["url"] for m in base_manifest if m["portal"] == portal and m["kind"] == "attachment"}
    linked = set()
    for m in pages:
        reply = client.get(m["url"])
        if reply.status == 503:  # the one transient failure
            reply = client.get(m["url"])
        assert reply.status == 200, m["url"]
        # one page is GBK behind a UTF-8 label: its title reads in GBK
        assert m["title"] in reply.body.decode("utf-8", "replace") or m["title"] in reply.body.decode("gbk", "replace"), m["url"]
        for href in reply.sel().css("a::attr(href)").getall():
            url = https(urljoin(m["url"], href))
            if url in attachments:
                linked.add(url)
    list_linked = {e["url"] for e in catalog(portal=portal) if e["role"] == "attachment"}
    assert attachments == linked | list_linked
    for url in attachments:
        reply = client.get(url)
        assert reply.status == 200 and len(reply.body) > 500, url
        sig = reply.body[:8]
        ext = url.rsplit(".", 1)[-1]
        expected = {"pdf": b"%PDF", "docx": b"PK", "xlsx": b"PK", "doc": b"\xd0\xcf\x11\xe0",
                    "xls": b"\xd0\xcf\x11\xe0", "wps": b"\xd0\xcf\x11\xe0"}[ext]
        assert sig.startswith(expected), url


def test_report_pages_carry_template_tables(server, base_manifest):
    client = ProxyClient(server.url)
    seed = client.get("https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html")
    sel = seed.sel()
    body = sel.css("div.trs_editor_view.TRS_UEDITOR")
    assert body and len(body.css("table")) == 3
    assert sel.css('meta[name="ArticleTitle"]::attr(content)').get().endswith("年度报告")
    assert sel.css('meta[name="PubDate"]::attr(content)').get().startswith("2023-01-18")
    assert "日期:2023-01-18" in seed.text and "您当前的位置" in seed.text
    apps = body.css("table")[1]
    assert apps.css('td[rowspan="22"]') and apps.css('td[colspan="7"]')
    assert "186" in body.css("table")[0].get()
    yanping = client.get("https://www.ypzf.gov.cn/cms/cms/html/npsypqrmzf/2019-01-10/1292513457.html")
    assert "发布时间:2019-01-10" in yanping.text and "历年累计" in yanping.text and "615" in yanping.text
    assert 'name="ArticleTitle"' not in yanping.text


def test_generated_figures_satisfy_the_template_identities_except_the_spoiled_ones():
    data = report_data()
    spoiled = [d for d in data if d["inconsistent"]]
    assert 0 < len(spoiled) < len(data) * 0.15
    for d in data:
        v = d["values"]
        if d["template"] == "pre2019":
            ok = v["stats.active.total"] == v["stats.active.website"] + v["stats.active.gazette"]
        else:
            results = TEMPLATES_BY_NAME[d["template"]].result_rows
            ok = all(
                v[f"applications.new_received.{c}"] + v[f"applications.carried_over.{c}"]
                == v[f"applications.total_handled.{c}"] + v[f"applications.carried_forward.{c}"]
                and v[f"applications.total_handled.{c}"] == sum(v[f"applications.{r}.{c}"] for r in results)
                for c in APPLICANT_COLUMNS)
            ok = ok and all(v[f"applications.{r}.total"] == sum(v[f"applications.{r}.{c}"] for c in APPLICANT_COLUMNS)
                            for r in ("new_received", "total_handled", "granted"))
        assert ok == (d["inconsistent"] is None) or d["template"] == "pre2019", d["url"]
    assert {d["template"] for d in data} == {"2021", "2019", "pre2019"}
    assert any("fullwidth" in d["mess"] for d in data) and any("blanks" in d["mess"] for d in data)


# ---------------------------------------------------------------- per portal
def test_changshou_headers_twins_redirect_and_dead_link(client):
    page = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html"
    reply = client.get(page)
    assert reply.headers["content-type"] == "text/html"
    wap = client.get(page[:-5] + "_wap.html")
    assert wap.status == 200 and "186" in wap.text
    bare = client.get(page.replace("www.cqcs.gov.cn", "cqcs.gov.cn"))
    assert bare.status == 200 and bare.body == reply.body
    roles = {e["role"] for e in catalog(portal="changshou")}
    assert {"twin", "dead", "attachment"} <= roles
    twins = [e["href"] for e in catalog(portal="changshou") if e["role"] == "twin"]
    assert any(h.endswith("_wap.html") for h in twins) and any(h.startswith("http://") for h in twins)
    col = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/qzfxxgknb/csq/"
    listing = "".join(client.get(col + ("index.html" if n == 0 else f"index_{n}.html")).text for n in range(3))
    moved = [m for m in manifest(portals=PORTALS) if "/202004/t20200416_" in m["url"]]
    assert len(moved) == 1
    old = re.search(r'href="(\./2019\d\d/t2019\d+_(\d+)\.html)"[^>]*title="([^"]*2018[^"]*)"', listing)
    reply = client.get(urljoin(col, old.group(1)))
    assert reply.status == 301 and reply.headers["location"] == moved[0]["url"]
    dead = next(e for e in catalog(portal="changshou") if e["role"] == "dead")
    assert client.get(dead["url"]).status == 404
    assert "createPage(3, 1, \"index\", \"html\")" in client.get(col + "index_1.html").text


def test_zhuji_datastore_dataproxy_cookie_encoding_and_downloads(client):
    col = client.get("https://www.zhuji.gov.cn/col/col1229427/index.html")
    assert "SERVERID=" in col.headers["set-cookie"]
    assert "<datastore>" in col.text and "jpage(" in col.text and "var param_" in col.text
    embedded = re.findall(r"<record>", col.text)
    total = int(re.search(r"totalRecord:(\d+)", col.text).group(1))
    assert total > len(embedded) == 20
    reply = client.request("https://www.zhuji.gov.cn/module/jpage/dataproxy.jsp?startrecord=21&endrecord=40&perpage=10",
                           method="POST", data={"col": 1, "appid": 1, "webid": 2745, "path": "/", "columnid": 1229427,
                                                "sourceContentType": 1, "unitid": 4729427, "webname": "诸暨市政府门户网站",
                                                "permissiontype": 0})
    assert f"<totalrecord>{total}</totalrecord>" in reply.text
    assert len(re.findall(r"<record>", reply.text)) == total - 20
    gbk = [d for d in report_data(portal="zhuji") if "gbk" in d["mess"]]
    assert len(gbk) == 1
    page = client.get(gbk[0]["url"])
    assert "charset=UTF-8" in page.headers["content-type"]
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    assert gbk[0]["title"] in page.body.decode("gbk")
    seed = next(d for d in report_data(portal="zhuji") if d["seed"] == "001")
    page = client.get(seed["url"])
    assert "001008006002065/2024-154563" in page.text and 'id="zoom"' in page.text
    hidden = client.get(seed["url"] + "?xxgkhide=1")
    assert hidden.status == 200 and "001008006002065/2024-154563" in hidden.text
    old = next(d for d in report_data(portal="zhuji") if d["published"] < "2019-12-31")
    assert 'class="main-fl bt-left"' in client.get(old["url"]).text
    att = next(m for m in manifest(portals=PORTALS) if m["portal"] == "zhuji" and m["kind"] == "attachment")
    reply = client.get(att["url"])
    assert "downfile.jsp" in att["url"] and reply.headers["content-disposition"].startswith("attachment;")
    view = client.get("https://www.zhuji.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=001008006&fbtime=2023")
    assert "?xxgkhide=1" in view.text and seed["title"] in view.text


def test_dongguan_resets_non_browsers_and_challenges_html(server):
    bot = ProxyClient(server.url, user_agent="Scrapy/2.19 (+https://scrapy.org)")
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        bot.get("https://www.dg.gov.cn/robots.txt")
    browser = ProxyClient(server.url)
    first = browser.get("https://www.dg.gov.cn/zwgk/zfxxgkml/index.html")
    assert first.status == 521 and "document.cookie" in first.text and "__jsluid_s" in browser.cookies
    assert browser.get("https://www.dg.gov.cn/robots.txt").status == 200
    ok = solve_challenge(browser, "https://www.dg.gov.cn/zwgk/zfxxgkml/index.html")
    assert ok.status == 200 and "/dgcsz/gkmlpt/index" in ok.text
    seed = browser.get("https://www.dg.gov.cn/zwgk/zfxxgkml/hjz/zfxxgkgzndbg/content/post_4148524.html")
    assert seed.status == 200
    for marker in ("2024-01-31 16:46:10", "来源: 本网", "【字体:", "NFCMS_POST_ID", "即将离开", "技术支持:开普云",
                   'name="ArticleId"'):
        assert marker in seed.text, marker
    fresh = ProxyClient(server.url)
    spa = browser.get("https://www.dg.gov.cn/dgcsz/gkmlpt/index")
    sid = re.search(r'"SID": "(\d+)"', spa.text).group(1)
    api = "https://www.dg.gov.cn/dgcsz/gkmlpt/api/all/2845?page={}&sid=" + sid
    p0, p1 = fresh.get(api.format(0)), fresh.get(api.format(1))  # JSON is not challenged
    assert p0.status == 200 and p0.body == p1.body
    assert fresh.get(api.format(1).replace(sid, "1")).body.startswith(b'{"articles":[]')
    import json
    art = json.loads(p1.body)["articles"][0]
    assert "/dgcsz/gkmlpt/content/" in art["url"]
    detail = browser.get(next(a["url"] for a in json.loads(p1.body)["articles"] if "政府信息公开工作年度报告" in a["title"]))
    assert "索引号" in detail.text and "成文日期" in detail.text
    att = next(m for m in manifest(portals=PORTALS) if m["portal"] == "dongguan" and m["kind"] == "attachment")
    assert fresh.get(att["url"]).status == 200


def test_yanping_pages_of_twenty_and_transient_503(client):
    base = "https://www.ypzf.gov.cn/cms/infopublic/publicInfoView.shtml?directoryId=3741&siteId=4"
    first = client.get(base)
    rows = first.sel().css("table.view tr.viewRow")
    assert len(rows) == 20 and [t.strip() for t in first.sel().css("tr.viewHead th::text").getall()] == ["序号", "名称", "生成日期", "文号"]
    assert "索引号:" in rows[0].css("td[style]").get()
    pager = first.sel().css("div.page")
    assert pager.css("a.currentPage") and not pager.css("a.currentPage::attr(href)").get()
    assert re.search(r"共\d+条信息", pager.get()) and "下一页" in pager.get()
    assert pager.css("a::attr(href)").getall()[0].endswith("&page=2")
    flaky = next(d for d in report_data(portal="yanping") if "transient503" in d["mess"])
    with ReplicaServer(portals=PORTALS) as fresh:  # the module's server may have served it already
        once = ProxyClient(fresh.url)
        assert once.get(flaky["url"]).status == 503
        assert once.get(flaky["url"]).status == 200
    with ReplicaServer(portals=PORTALS, scale=5) as big:
        page = ProxyClient(big.url).get(base + "&page=6").sel().css("div.page").get()
        assert "…" in page and len(re.findall(r">(\d+)<", page)) <= 10


def test_linxiang_list_needs_javascript(client):
    page = client.get("https://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/zfxxgknb.html?nbYear=2021")
    assert page.status == 200 and "artview" not in page.text.split("<script>")[0]
    assert "nbYear=2020" in page.text and "XMLHttpRequest" in page.text
    detail = client.get("https://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/artview/195/148304.html?nbYear=2021&orgCode=A01A03A02A27")
    assert re.search(r"发布日期:\d{4}-\d\d-\d\d \d\d:\d\d 信息来源:临沧市政府网站群 浏览次数:\d+ 字体:【", detail.text)
    assert "etag" not in detail.headers and "last-modified" not in detail.headers
    only_pdf = [d for d in report_data(portal="linxiang") if d["attachment_only"]]
    assert only_pdf
    assert "详见附件" in client.get(only_pdf[0]["url"]).text


def test_conditional_requests_get_304(client):
    url = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/wsz_65331/202301/t20230118_11519914.html"
    first = client.get(url)
    assert first.headers["etag"] and first.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status == 304
    assert client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]}).status == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status == 200


def test_robots_and_unknown_hosts(client):
    for host in ("www.cqcs.gov.cn", "www.zhuji.gov.cn", "www.dg.gov.cn", "www.ypzf.gov.cn", "www.ynlx.gov.cn"):
        reply = client.get(f"https://{host}/robots.txt")
        assert reply.status == 200 and "Disallow: /search" in reply.text
    assert client.get("https://www.example.com/").status == 502


def test_origin_form_with_host_header(server):
    host, port = server.url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", "/zwgk_164/zfxxgknb/", headers={"Host": "www.cqcs.gov.cn"})
    assert conn.getresponse().status == 200


# ---------------------------------------------------------------- options
def test_reports_dir_publishes_files_read_at_request_time(tmp_path):
    (tmp_path / "yanping").mkdir()
    (tmp_path / "linxiang").mkdir()
    txt = tmp_path / "yanping" / "mine.txt"
    txt.write_text("页眉\n某乡2023年政府信息公开工作年度报告\n发布时间:2024-01-15\n一、总体情况\n本年度主动公开信息12条。\n"
                   "指标 | 本年\n---|---\n主动公开 | 12\n", encoding="utf-8")
    (tmp_path / "yanping" / "frag.html").write_text("<h2>某局2022年度政府信息公开工作年度报告</h2><table><tr><td>1</td></tr></table>",
                                                     encoding="utf-8")
    from replica.document import Block
    from replica.files import pdf
    (tmp_path / "linxiang" / "scan.pdf").write_bytes(pdf([Block("h", "某镇2023年政府信息公开工作年度报告"), Block("p", "正文")]))
    lines = [m for m in manifest(portals=PORTALS, reports_dir=tmp_path) if m.get("file")]
    assert {(m["portal"], m["file"], m["kind"]) for m in lines} == {
        ("yanping", "mine.txt", "page"), ("yanping", "frag.html", "page"),
        ("linxiang", "scan.pdf", "page"), ("linxiang", "scan.pdf", "attachment")}
    mine = next(m for m in lines if m["file"] == "mine.txt")
    assert mine["title"] == "某乡2023年政府信息公开工作年度报告"
    with ReplicaServer(portals=PORTALS, reports_dir=tmp_path) as srv:
        client = ProxyClient(srv.url)
        assert mine["url"] in {fold(u) for u in WALKERS["yanping"](client)}
        page = client.get(mine["url"])
        assert "本年度主动公开信息12条" in page.text and "<table" in page.text and "页眉" not in page.text
        txt.write_text(txt.read_text(encoding="utf-8").replace("12条", "13条"), encoding="utf-8")
        assert "本年度主动公开信息13条" in client.get(mine["url"]).text
        pdf_line = next(m for m in lines if m["kind"] == "attachment")
        assert client.get(pdf_line["url"]).body == (tmp_path / "linxiang" / "scan.pdf").read_bytes()
        pdf_page = next(m for m in lines if m["file"] == "scan.pdf" and m["kind"] == "page")
        assert pdf_page["url"] in WALKERS["linxiang"](client)
        assert pdf_line["url"].split("/", 3)[3] in client.get(pdf_page["url"]).text
        (tmp_path / "yanping" / "late.txt").write_text("某镇2024年政府信息公开工作年度报告\n正文\n", encoding="utf-8")
        late = next(m for m in srv.manifest() if m.get("file") == "late.txt")
        assert late["url"] in {fold(u) for u in WALKERS["yanping"](client)}


def test_reports_dir_publishes_the_shared_real_reports(tmp_path, shared):
    files = sorted((shared / "seeds").glob("*.txt")) + sorted((shared / "reports").glob("*.*"))
    files = [f for f in files if f.suffix in {".txt", ".pdf", ".html", ".md"}]
    for i, f in enumerate(files):
        folder = tmp_path / PORTALS[i % 5]
        folder.mkdir(exist_ok=True)
        (folder / f.name).write_bytes(f.read_bytes())
    lines = [m for m in manifest(portals=PORTALS, reports_dir=tmp_path) if m.get("file")]
    assert {m["file"] for m in lines} == {f.name for f in files}
    with ReplicaServer(portals=PORTALS, reports_dir=tmp_path) as srv:
        client = ProxyClient(srv.url)
        solve_challenge(client, "https://www.dg.gov.cn/zwgk/zfxxgkml/index.html")
        for m in lines:
            reply = client.get(m["url"])
            assert reply.status == 200, m
            if m["kind"] == "attachment":
                assert reply.body == (tmp_path / m["portal"] / m["file"]).read_bytes()


def test_break_empties_one_portals_lists():
    with ReplicaServer(portals=PORTALS, break_portal="changshou") as srv:
        client = ProxyClient(srv.url)
        assert WALKERS["changshou"](client) == {}
        assert WALKERS["yanping"](client)
        page = client.get("https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/qzfxxgknb/csq/index.html")
        assert page.status == 200 and "news-card" in page.text


def test_scale_grows_deterministically_past_2000_pages(base_manifest):
    big = manifest(portals=PORTALS, scale=10)
    assert sum(m["kind"] == "page" for m in big) >= 2000
    assert big == manifest(portals=PORTALS, scale=10)
    assert {m["url"] for m in base_manifest} - {m["url"] for m in big} == set()


def test_faults_answer_500_hang_truncate_and_change_layout():
    lines = [m for m in manifest(portals=PORTALS, faults=True) if m.get("fault")]
    assert Counter(m["fault"] for m in lines) == {k: 5 for k in ("http_500", "timeout", "truncated", "layout")}
    with ReplicaServer(portals=PORTALS, faults=True) as srv:
        client = ProxyClient(srv.url)
        solve_challenge(client, "https://www.dg.gov.cn/zwgk/zfxxgkml/index.html")
        for m in lines:
            if m["fault"] == "http_500":
                assert client.get(m["url"]).status == 500
            elif m["fault"] == "truncated":
                with pytest.raises(http.client.IncompleteRead):
                    client.get(m["url"])
        hang = next(m for m in lines if m["fault"] == "timeout" and m["portal"] == "zhuji")
        with pytest.raises((socket.timeout, TimeoutError)):
            client.get(hang["url"], timeout=1)
        for portal in PORTALS:
            found = {fold(u) for u in WALKERS[portal](client)}
            layout = next(m for m in lines if m["fault"] == "layout" and m["portal"] == portal)
            assert layout["url"] not in found
            others = [m for m in lines if m["portal"] == portal and m["fault"] != "layout"]
            assert all(m["url"] in found for m in others), portal
    # the hanging handler ended with the server
    assert time.time()


def test_cli_serve_prints_the_url_and_serves():
    proc = subprocess.Popen([sys.executable, "-c", "from replica.cli import replica_group; replica_group()", "serve",
                             "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert re.fullmatch(r"serving http://127\.0\.0\.1:\d+", line)
        client = ProxyClient(line.split()[1])
        assert client.get("https://www.ynlx.gov.cn/zfxxgk_lxq/index.html").status == 200
    finally:
        proc.terminate()
        proc.wait(10)
    out = subprocess.run([sys.executable, "-c", "from replica.cli import replica_group; replica_group()", "manifest",
                          "--portal", "zhuji"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out and all('"portal": "zhuji"' in line for line in out)
