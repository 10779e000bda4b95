"""Round trip through the portal replicas: every report page they serve parses to the figures they
say they printed (`replica.report_data()`), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.request

import pytest

import extract

replica = pytest.importorskip("replica")
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def _fetch(opener, url: str) -> tuple[bytes, str | None] | None:
    for _ in range(4):
        try:
            with opener.open(url.replace("https://", "http://", 1), timeout=20) as resp:
                return resp.read(), resp.headers.get("Content-Type")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            continue
    return None


@pytest.mark.timeout(300)
def test_replica_report_pages_parse_to_their_figures():
    data = [d for d in replica.report_data() if not d.get("attachment_only")]
    assert data
    fetched = wrong = missing = 0
    problems = []
    with replica.ReplicaServer() as server:
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": server.url}),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        )
        opener.addheaders = [("User-Agent", UA)]
        for d in data:
            got = _fetch(opener, d["url"])
            if got is None:
                continue  # anti-bot pages that need a browser (the spiders use one)
            body, ctype = got
            fetched += 1
            report = extract.parse(body, url=d["url"], content_type=ctype)
            bad = {k: (v, report.values.get(k)) for k, v in d["values"].items()
                   if k in report.values and abs(report.values[k] - v) > 1e-9}
            lost = [k for k in d["values"] if k not in report.values]
            wrong += len(bad)
            missing += len(lost)
            if bad or lost or (report.template, report.year) != (d["template"], d["year"]):
                problems.append((d["url"], report.template, report.year, list(bad.items())[:3], lost[:3]))
    assert fetched >= len(data) * 0.6, f"only {fetched} of {len(data)} pages fetched"
    assert not problems, problems[:5]
    assert wrong == missing == 0
