"""The replicas' JavaScript works in a real Chromium pointed at the replica as its proxy."""

from __future__ import annotations

import shutil

import pytest

from replica import ReplicaServer, manifest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM),
                                reason="Chromium is not installed")


@pytest.fixture(scope="module")
def browser_page():
    from playwright.sync_api import sync_playwright

    with ReplicaServer(faults=True) as srv, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-features=HttpsUpgrades"],
            proxy={"server": srv.url},
        )
        try:
            yield browser
        finally:
            browser.close()


def test_linxiang_list_appears_only_after_javascript(browser_page):
    page = browser_page.new_page()
    page.goto("http://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/zfxxgknb.html?nbYear=2021")
    page.wait_for_selector("#nbList a")
    hrefs = page.eval_on_selector_all("#nbList a", "els => els.map(e => e.href)")
    assert "http://www.ynlx.gov.cn/zfxxgk_lxq_zwfwglj/artview/195/148304.html?nbYear=2021&orgCode=A01A03A02A27" in hrefs
    expected = {m["url"].replace("https://", "http://") for m in manifest()
                if m["portal"] == "linxiang" and "zwfwglj" in m["url"] and "nbYear=2021" in m["url"] and m["kind"] == "page"}
    assert expected <= set(hrefs)
    page.close()


def test_linxiang_changed_layout_renders_no_links(browser_page):
    page = browser_page.new_page()
    page.goto("http://www.ynlx.gov.cn/zfxxgk_lxq_tjj/zfxxgknb.html?nbYear=2023")
    page.wait_for_selector("#nbList li.nb-item")
    assert page.eval_on_selector_all("#nbList a", "els => els.length") == 0
    page.close()


def test_dongguan_challenge_sets_the_cookie_and_reloads(browser_page):
    context = browser_page.new_context()
    page = context.new_page()
    page.goto("http://www.dg.gov.cn/zwgk/zfxxgkml/index.html")
    page.wait_for_selector("div.catalogue")
    assert "政府信息公开目录" in page.title()
    names = {c["name"] for c in context.cookies()}
    assert {"__jsluid_s", "__jsl_clearance_s"} <= names
    context.close()
