"""Title, agency, year covered, publication date and 索引号 of a report.

The agency is the one printed in the report's title (`重庆市长寿区万顺镇人民政府 2022年…`,
`2023年暨阳街道办事处…`), else the body's opening subject, else the page's 发布机构. The year is the
year the title names (the year covered, not the year published). The publication date comes from
`<meta name=PubDate>`, then 发布时间/发布日期/公开日期/日期/时间 labels, then a date printed beside
the title, then a signature date at the end; a date before December of the year covered cannot
be the publication date of its annual report and is ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from .dates import DATE, chinese_year, first_date, to_date
from .document import Document
from .normalize import nfkc

_YEAR = r"((?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})\s*年\s*度?"
_KIND = r"(?:政府信息公开|政务公开|信息公开)"
_KIND_RE = re.compile(r"(?:关于)?" + _KIND)
_YEAR_RE = re.compile(r"[(（]?\s*" + _YEAR + r"\s*[)）]?")
#: A line that is a report title: "...政府信息公开工作年度报告", "...政务公开年报（2023年度）".
TITLE_LINE = re.compile(
    r"^(?:(?:文章)?标题|名称|题目)?\s*[:：]?\s*(?P<title>[^。;；:：|]{0,60}?" + _KIND
    + r"[^。;；:：|]{0,14}?(?:年度报告|年报|报告)(?:\s*[(（][^()（）]{0,12}[)）])?)\s*$"
)
#: A title inside running text (flattened pages): no spaces in it.
TITLE_IN_TEXT = re.compile(
    r"(?P<title>[^\s|:：>»,，。;；“”《》]{0,30}?" + _YEAR + r"[^\s|:：>»,，。;；“”《》]{0,30}?" + _KIND
    + r"工作(?:年度)?报告)"
)
_SITE_SUFFIX = re.compile(r"\s*[_|\-–—]\s*[^_|\-–—]*(?:网|政府|门户|网站)[^_|\-–—]*$")
_STRIP = " \t　,，.。:：、-—_|“”\"'《》()（）"
_ORG_SUFFIXES = (
    "人民政府办公厅", "人民政府办公室", "人民政府", "管理委员会", "委员会", "办公厅", "办公室", "街道办事处", "办事处",
    "管理局", "局", "委", "办", "厅", "院", "署", "中心", "街道", "镇", "乡", "管委会",
)
_PUBLISH_LABELS = (
    (re.compile(r"(?:发布|公开|发稿|更新)(?:时间|日期)"), 0),
    (re.compile(r"(?<![成生印发统])(?:日期|时间)"), 1),
    (re.compile(r"(?:成文|生成|印发|发文)日期"), 2),
)
_LABELLED_DATE = re.compile(r"((?:发布|公开|发稿|更新|成文|生成|印发|发文)?(?:时间|日期))\s*[:：]?\s*[|]?\s*(?=\d|[〇二])")
_META_DATES = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date.issued",
               "dcterms.issued", "dc.date", "publish_date", "date", "releasedate")
_INDEX_NO = re.compile(r"索\s*引\s*号\s*[:：]?\s*[|]?\s*([A-Za-z0-9][A-Za-z0-9\-/_.·]*[A-Za-z0-9])")
_PERIOD = re.compile(r"(?:统计期限|统计期|统计时限|数据统计)[^。]{0,12}?((?:19|20)\d{2})\s*年")
_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d{2})\s*年")
_PUBLISHER = re.compile(r"(?:发布机构|发文机关|信息来源|来源)\s*[:：]\s*[|]?\s*([\u4e00-\u9fff]{2,30})")
_URL_YEAR = re.compile(r"[?&](?:nbYear|year|nd)=((?:19|20)\d{2})", re.I)


@dataclass
class Metadata:
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    index_no: str | None = None
    title_found: bool = False
    #: How many different report titles the page shows (a list page shows many).
    titles_seen: int = 0


def _year(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return chinese_year(text)


def split_title(title: str) -> tuple[str | None, int | None]:
    """(agency, year) as a report title prints them, wherever the year sits:
    `重庆市长寿区万顺镇人民政府 2022年政府信息公开工作年度报告`, `2023年暨阳街道办事处政府信息公开…`,
    `某局政府信息公开工作年度报告（2023年度）`."""
    kind = _KIND_RE.search(title)
    if not kind:
        return None, None
    head, tail = title[: kind.start()], title[kind.end() :]
    ym = _YEAR_RE.search(head)
    if ym:
        pre, mid = head[: ym.start()], head[ym.end() :]
    else:
        ym = _YEAR_RE.search(tail)
        pre, mid = head, ""
    year = _year(ym.group(1)) if ym else None

    def clean(part: str) -> str:
        part = re.sub(r"^(?:(?:文章)?标题|名称|题目)\s*[:：]", "", part.strip(_STRIP)).strip(_STRIP)
        part = part.removeprefix("关于").removesuffix("关于").removesuffix("的").strip(_STRIP)
        return part.replace(" ", "")

    agency = clean(mid) or clean(pre)
    return agency or None, year


def _title_candidates(lines: list[tuple[str, bool]]) -> list[tuple[int, str]]:
    found = []
    for i, (text, _) in enumerate(lines[:200]):
        if len(text) <= 90:
            m = TITLE_LINE.match(text)
            if m and _YEAR_RE.search(m.group("title")):
                found.append((i, m.group("title")))
                continue
            # A title wrapped over two or three short lines (PDF headings).
            joined = text
            for k in (1, 2):
                if i + k >= len(lines) or len(lines[i + k][0]) > 40:
                    break
                joined = joined + lines[i + k][0]
                m = TITLE_LINE.match(joined)
                if m and _YEAR_RE.search(m.group("title")):
                    found.append((i, m.group("title")))
                    break
    return found


def _title(doc: Document, lines: list[tuple[str, bool]]) -> tuple[str | None, str | None, int | None]:
    """(title, agency, year)."""
    meta_title = doc.meta.get("articletitle") or doc.meta.get("title") or doc.meta.get("og:title")
    if meta_title:
        m = TITLE_LINE.match(nfkc(meta_title).strip())
        if m and _YEAR_RE.search(m.group("title")):
            return (m.group("title").strip(), *split_title(m.group("title")))
    candidates = _title_candidates(lines)
    first_content = next((i for i, (_, content) in enumerate(lines) if content), 0)
    if candidates:
        # The title nearest the start of the body: before it if any, else the first after it.
        before = [c for c in candidates if c[0] <= first_content + 3]
        i, text = before[-1] if before else candidates[0]
        agency, year = split_title(text)
        if agency is None and i > 0:
            prev = lines[i - 1][0]
            if len(prev) <= 30 and not re.search(r"\d|正文|首页|位置", prev) and prev.endswith(_ORG_SUFFIXES):
                agency = prev.strip(_STRIP).replace(" ", "")
                text = prev + text
        return text.strip(), agency, year
    for text, _ in lines[:200]:
        m = TITLE_IN_TEXT.search(text, 0, 20000)
        if m:
            return (m.group("title").strip(), *split_title(m.group("title")))
    if doc.title:
        text = _SITE_SUFFIX.sub("", nfkc(doc.title)).strip()
        m = TITLE_LINE.match(text) or TITLE_IN_TEXT.search(text)
        if m and _YEAR_RE.search(m.group("title")):
            return (m.group("title").strip(), *split_title(m.group("title")))
    return None, None, None


def _body_agency(lines: list[tuple[str, bool]], body: str) -> str | None:
    for text, content in lines:
        if not content or len(text) < 20:
            continue
        s = re.sub(r"^(?:\d{4}\s*年度?\s*[,，]?|[一二三四五六七八九十]、.{0,8}?情况)", "", text)[:28]
        for k in range(len(s), 2, -1):
            head = s[:k]
            if head.endswith(_ORG_SUFFIXES) and re.fullmatch(r"[\u4e00-\u9fff]+", head) and body.count(head) >= 2:
                return head
        break
    return None


def _published(doc: Document, lines: list[tuple[str, bool]], year: int | None,
               title_at: int | None) -> str | None:
    def plausible(d: dt.date | None) -> bool:
        if d is None:
            return False
        if year and d < dt.date(year, 12, 1):
            return False
        return d.year >= 1990 and d <= dt.date.today() + dt.timedelta(days=366)

    for name in _META_DATES:
        value = doc.meta.get(name)
        if value:
            d = first_date(nfkc(value))
            if plausible(d):
                return d.isoformat()
    best: tuple[int, int, dt.date] | None = None
    for i, (text, _) in enumerate(lines):
        for m in _LABELLED_DATE.finditer(text):
            label = m.group(1)
            rank = next((r for pattern, r in _PUBLISH_LABELS if pattern.fullmatch(label)), None)
            if rank is None:
                continue
            dm = DATE.match(text, m.end())
            d = to_date(dm) if dm else None
            if plausible(d) and (best is None or (rank, i) < best[:2]):
                best = (rank, i, d)
    if best:
        return best[2].isoformat()
    # A date printed just under the title, unlabelled ("中国东莞政府门户网站 2024-01-31 16:46:10 来源: 本网").
    # Only there: list pages' sidebars carry dates of other documents.
    at = title_at if title_at is not None else next((i for i, (_, content) in enumerate(lines) if content), 0)
    for text, _ in lines[at : at + 4]:
        if len(text) <= 90 and not re.search(r"统计|期限|截至|截止|至", text):
            d = first_date(text)
            if plausible(d):
                return d.isoformat()
    tail = [text for text, content in lines if content][-8:]
    for text in reversed(tail):
        if len(text) <= 40:
            m = DATE.search(text)
            if m and len(text) - len(m.group(0)) <= 30 and not re.search(r"统计|期限|至", text):
                d = to_date(m)
                if plausible(d):
                    return d.isoformat()
    return None


def _is_agency(name: str) -> bool:
    """A publisher field names an agency, not the site ("本网", "原创", a portal's own name)."""
    return bool(name) and name.endswith(_ORG_SUFFIXES) and not name.endswith(("网", "网站"))


def _body_year(body: str) -> int | None:
    m = _PERIOD.search(body)
    if m:
        return int(m.group(1))
    years = Counter(int(y) for y in _YEAR_IN_TEXT.findall(body[:3000]))
    if years:
        return years.most_common(1)[0][0]
    return None


def read(doc: Document, url: str | None = None) -> Metadata:
    lines = [(nfkc(line.text).strip(), line.content) for line in doc.lines]
    lines = [(t, c) for t, c in lines if t]
    body = "\n".join(t for t, c in lines if c)
    md = Metadata()
    md.title, md.agency, md.year = _title(doc, lines)
    md.title_found = md.title is not None
    md.titles_seen = len({text for _, text in _title_candidates(lines)}
                         | {m.group("title") for text, _ in lines[:200] for m in TITLE_IN_TEXT.finditer(text, 0, 20000)})
    if md.year is None and url:
        m = _URL_YEAR.search(url)
        if m:
            md.year = int(m.group(1))
    if md.year is None:
        md.year = _body_year(body)
    if md.agency is None:
        md.agency = _body_agency(lines, body)
    if md.agency is None:
        for text, _ in lines:
            m = _PUBLISHER.search(text)
            if m and _is_agency(m.group(1)):
                md.agency = m.group(1)
                break
    if md.agency is None and _is_agency(nfkc(doc.meta.get("contentsource", "")).strip()):
        md.agency = nfkc(doc.meta["contentsource"]).strip()
    title_at = next((i for i, (t, _) in enumerate(lines) if md.title and (md.title in t or t in md.title)), None)
    md.published = _published(doc, lines, md.year, title_at)
    if md.year is None and md.published:
        md.year = int(md.published[:4]) - 1
    for text, _ in lines:
        m = _INDEX_NO.search(text)
        if m:
            md.index_no = m.group(1)
            break
    return md
