"""`nianbao serve` in a real Chromium: the front page, a chart of a figure over the years, and an
archived copy whose scripts do not run. Screenshots are written to the test's folder and their
paths printed (pytest -s shows them; -rA lists them).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest

from archive import Archive, ArchiveWriter, Fetch
from archive_fixtures import report_page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not shutil.os.path.exists(CHROMIUM), reason="Chromium is not installed")
pytest.importorskip("datasette")
pytest.importorskip("datasette_vega")

BASE = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/xzndbg/"
#: A report page whose script, if it ran, would rewrite the heading and call home.
SCRIPTED = report_page(agency="双龙镇", year=2023).replace(
    b"</body>", b"<script>document.querySelector('h1').textContent='SCRIPT RAN';"
                b"fetch('https://www.cqcs.gov.cn/track');</script></body>")


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "nianbao.db"
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0) as writer:
        for n, (agency, year, received) in enumerate(
            [(a, y, 3 + y - 2019 + i) for i, a in enumerate(("万顺镇", "凤城街道")) for y in range(2019, 2024)]
        ):
            values = {"applications.new_received.natural_person": received, "applications.new_received.total": received}
            url = f"{BASE}r{n}.html"
            writer.submit_fetch(Fetch(portal="changshou", url=url, status=200, final_url=url,
                                      headers={"Content-Type": ["text/html; charset=utf-8"]},
                                      body=report_page(agency=agency, year=year, values=values))).result()
        url = f"{BASE}scripted.html"
        writer.submit_fetch(Fetch(portal="changshou", url=url, status=200, final_url=url,
                                  headers={"Content-Type": ["text/html; charset=utf-8"]}, body=SCRIPTED)).result()
    return path


@pytest.fixture(scope="module")
def served(archive_path):
    import uvicorn

    from archive.datasette_plugin import datasette_app
    from archive.docs import datasette_metadata

    with Archive(archive_path) as archive:
        metadata = datasette_metadata(archive.db, "nianbao")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(datasette_app(str(archive_path), metadata).app(), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"])
        try:
            yield chromium
        finally:
            chromium.close()


def shot(page, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"screenshot: {path}")


def test_the_front_page_starts_with_the_panel_and_the_common_questions(browser, served, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{served}/nianbao")
    shot(page, tmp_path, "front-page")
    links = page.eval_on_selector_all("a", "els => els.map(e => e.textContent.trim())")
    assert links.index("panel") < links.index("latest_reports")  # the panel first, tables after
    for title in ("A figure over the years, per agency (panel of one figure, with a chart)",
                  "Agencies whose tables do not add up", "Reports changed after publication", "Trace a number to its bytes"):
        assert title in links
    assert "blobs" not in links and "zstd_dictionaries" not in links  # internal tables one click away
    page.goto(f"{served}/nianbao/panel")
    assert page.locator("table.rows-and-columns tbody tr").count() == 11  # 2 towns x 5 years + 双龙镇
    facets = page.eval_on_selector_all(".facet-info", "els => els.map(e => e.getAttribute('data-column'))")
    assert {"portal", "level", "template", "year"} <= set(facets)
    assert page.locator("details summary", has_text="What each column means").count() == 1
    shot(page, tmp_path, "panel")


def test_a_chart_draws_a_figure_over_the_years_per_agency(browser, served, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(f"{served}/nianbao")
    page.click("text=applications received per year")
    page.wait_for_selector(".vega-embed canvas, .vega-embed svg", timeout=20_000)
    shot(page, tmp_path, "chart")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 11


def test_an_archived_copy_opens_from_the_panel_with_its_scripts_off(browser, served, archive_path, tmp_path):
    page = browser.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{served}/nianbao/panel?agency__contains=双龙镇")
    with page.expect_navigation():
        page.click("text=archived copy")
    assert "/-/archived/" in page.url
    page.wait_for_timeout(500)
    shot(page, tmp_path, "archived-copy")
    assert page.text_content("h1") == "双龙镇2023年政府信息公开工作年度报告"  # the script did not rewrite it
    assert not any("track" in url for url in requests)  # nor call the live portal
    import urllib.request

    with urllib.request.urlopen(page.url) as response:
        assert response.read() == SCRIPTED  # byte for byte what was archived
        assert "sandbox" in response.headers["Content-Security-Policy"]
