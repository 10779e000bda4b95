"""Helpers for the replica tests: an HTTP client that talks to the replica as a proxy, and small
walkers that find reports the way each portal's pages offer them (no JavaScript)."""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urlencode, urljoin, urlsplit

from parsel import Selector

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) nianbao-tests"
#: The five portals nianbao started from, each with a replica module of its own (the crawl, archive
#: and nightly tests run on them; tests/test_registry.py crawls the whole registry).
THE_FIVE = ("changshou", "zhuji", "dongguan", "yanping", "linxiang")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def sel(self) -> Selector:
        return Selector(text=self.text)


class ProxyClient:
    """Sends absolute-form requests (http:// on the wire) to the replica, keeping cookies."""

    def __init__(self, proxy_url: str, user_agent: str = BROWSER_UA):
        parts = urlsplit(proxy_url)
        self.host, self.port = parts.hostname, parts.port
        self.user_agent = user_agent
        self.cookies: dict[str, str] = {}

    def request(self, url: str, method: str = "GET", data: dict | None = None, headers: dict | None = None,
                timeout: float = 10) -> Reply:
        wire = "http://" + url.split("://", 1)[1] if "://" in url else url
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        hdrs = {"User-Agent": self.user_agent, "Host": urlsplit(wire).netloc}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        hdrs.update(headers or {})
        try:
            conn.request(method, wire, body=body, headers=hdrs)
            resp = conn.getresponse()
            payload = resp.read()
            for key, value in resp.getheaders():
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";")[0]
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload, url)
        finally:
            conn.close()

    def get(self, url: str, **kw) -> Reply:
        return self.request(url, **kw)


def https(url: str) -> str:
    return "https://" + url.split("://", 1)[1] if "://" in url else url


def solve_challenge(client: ProxyClient, url: str) -> Reply:
    """Do what the 521 page's script does: XOR the char codes and set the clearance cookie."""
    reply = client.get(url)
    if reply.status != 521:
        return reply
    key = int(re.search(r"_k=(\d+)", reply.text).group(1))
    codes = [int(c) for c in re.search(r"_c=\[([\d,]+)\]", reply.text).group(1).split(",")]
    stamp = re.search(r"'__jsl_clearance_s='\+'([^']*)'", reply.text).group(1)
    client.cookies["__jsl_clearance_s"] = stamp + "".join(chr(c ^ key) for c in codes)
    return client.get(url)


def numbered_pages(client: ProxyClient, first: Reply, script: str, first_number: int) -> Iterator[Reply]:
    """The list pages a `createPage(total, ...)`-style pager script links: the first, then
    `index_<n>.html` (TRS numbers the second page 1, NFCMS 2)."""
    total = int(re.search(rf"{script}\((\d+),", first.text).group(1))
    yield first
    for n in range(first_number + 1, first_number + total):
        yield client.get(urljoin(first.url, f"index_{n}.html"))


def listed(page: Reply, css: str) -> dict[str, str]:
    """The list links `css` selects on `page`: absolute URL -> the title they show."""
    return {urljoin(page.url, a.attrib["href"]): a.attrib["title"] for a in page.sel().css(css)}


# ---------------------------------------------------------------- walkers: every URL a list links
def walk_changshou(client: ProxyClient) -> dict[str, str]:
    root = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/"
    found: dict[str, str] = {}
    columns = [urljoin(root, h) for h in client.get(root).sel().css("div.left-menu a::attr(href)").getall()]
    for col in columns:
        for page in numbered_pages(client, client.get(col), "createPage", 0):
            assert page.status == 200, page.url
            found.update(listed(page, "ul.list-cont li a"))
    return found


def walk_zhuji(client: ProxyClient) -> dict[str, str]:
    parent = "https://www.zhuji.gov.cn/col/col1229426/index.html"
    found: dict[str, str] = {}
    for href in client.get(parent).sel().css("div.left-nav a::attr(href)").getall():
        page = client.get(urljoin(parent, href))
        records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", page.text, re.S)
        if "totalRecord:" not in page.text:  # a list whose layout changed: nothing to read
            continue
        total = int(re.search(r"totalRecord:(\d+)", page.text).group(1))
        raw = re.search(r"var param_\d+ = \{(.*?)\};", page.text).group(1)
        params = dict(re.findall(r"(\w+):'?([^,']*)'?", raw))
        start = len(records) + 1
        while start <= total:
            end = start + 19
            reply = client.request(f"https://www.zhuji.gov.cn/module/jpage/dataproxy.jsp?startrecord={start}"
                                   f"&endrecord={end}&perpage=10", method="POST", data=params)
            records += re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", reply.text, re.S)
            start = end + 1
        for rec in records:
            a = Selector(text=rec).css("a")[0]
            found[urljoin(parent, a.attrib["href"])] = a.attrib["title"]
    return found


def walk_dongguan(client: ProxyClient) -> dict[str, str]:
    index = "https://www.dg.gov.cn/zwgk/zfxxgkml/index.html"
    found: dict[str, str] = {}
    for href in solve_challenge(client, index).sel().css("div.catalogue a::attr(href)").getall():
        if href.endswith("/gkmlpt/index"):
            spa = client.get(href)
            config = json.loads(re.search(r"window\._CONFIG = (\{.*?\});</script>", spa.text).group(1))
            cat = next(c["id"] for c in config["TREE"] if "年报" in c["name"])
            # The catalogue's own host: the site's, a town's folder on it, or a department's subdomain.
            api = urljoin(href, config["API"])
            page = 1
            while True:
                data = json.loads(client.get(f"{api}{cat}?page={page}&sid={config['SID']}").body)
                for art in data["articles"]:
                    found[art["url"]] = art["title"]
                if page * 100 >= data["total"]:
                    break
                page += 1
            continue
        for page in numbered_pages(client, client.get(href), "createPageHTML", 1):
            found.update(listed(page, "div.list li a"))
    return found


def walk_yanping(client: ProxyClient) -> dict[str, str]:
    entry = "https://www.ypzf.gov.cn/cms/html/npsypqrmzf/zfxxgknb/index.html"
    found: dict[str, str] = {}
    columns = [entry] + [urljoin(entry, h) for h in client.get(entry).sel().css("ul.left-menu a::attr(href)").getall()]
    for col in columns:
        src = urljoin(col, client.get(col).sel().css("iframe#infoList::attr(src)").get())
        todo, seen = [src], set()
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            page = client.get(url)
            found.update(listed(page, "table.view tr.viewRow td.title a"))
            todo += [urljoin(url, h) for h in page.sel().css("div.page a::attr(href)").getall()]
    return found


def linxiang_api(client: ProxyClient) -> dict[str, str]:
    """Linxiang without a browser: read the JSON the page's script reads, build the links it builds."""
    entry = "https://www.ynlx.gov.cn/zfxxgk_lxq/index.html"
    found: dict[str, str] = {}
    home = client.get(entry).sel()
    nb_pages = ["https://www.ynlx.gov.cn/zfxxgk_lxq/zfxxgknb.html"] + [urljoin(entry, h) for h in home.css("a.nb::attr(href)").getall()]
    for nb in nb_pages:
        page = client.get(nb).sel()
        box = page.css("#nbList")
        base, org = box.attrib["data-base"], box.attrib["data-org"]
        for tab in page.css("ul.year-tab a::attr(href)").getall():
            year = tab.split("nbYear=")[1]
            data = json.loads(client.get(f"https://www.ynlx.gov.cn/zfxxgk/nbList.do?catalogId=195&orgCode={org}&nbYear={year}").body)
            for d in data.get("data", []):
                found[f"https://www.ynlx.gov.cn{base}/artview/195/{d['id']}.html?nbYear={year}&orgCode={org}"] = d["title"]
    return found


WALKERS = {"changshou": walk_changshou, "zhuji": walk_zhuji, "dongguan": walk_dongguan,
           "yanping": walk_yanping, "linxiang": linxiang_api}
