"""HTML pages: lxml reads the page, the report body is found by its own section headings.

Portal chrome (menus, breadcrumbs, footers, share bars) surrounds the body. The body is the lowest
common ancestor of the report's numbered section headings (一、总体情况 ... 六、其他需要报告的事项)
and statistics tables; lines outside it are kept for metadata (dates, 索引号 tables) but marked
`content=False`. Data tables are read cell by cell straight from the DOM, so merged cells are never
padded: a colspan'd cell counts once, a blank cell stays blank. Pages without such headings fall
back to trafilatura's main-content detection.
"""

from __future__ import annotations

import re

import lxml.etree as etree

from ..document import Document, Line

_BLOCK = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main menu nav ol p pre section summary table "
    "tbody thead tfoot tr td th ul caption".split()
)
_SKIP = frozenset(
    "script style noscript template head title select option button textarea iframe object embed "
    "svg canvas map input audio video".split()
)
_WS = re.compile(r"\s+")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
#: Headings every report generation prints, and the tables' own labels.
_MARKER = re.compile(
    r"^\s*[（(]?[一二三四五六七八九十]{1,2}\s*[）)、.．]?\s*"
    r"(?:总体情况|概述|主动公开|收到和处理|政府信息公开行政复议|因政府信息公开|政府信息公开工作存在|存在的主要问题"
    r"|其他需要报告|需要说明的其他|政府信息依申请公开|依申请公开|政府信息公开的收费|政府信息公开情况统计表)"
    r"|本年新收政府信息公开申请数量|第二十条第|历年累计"
)
_MAX_DATA_CELL = 300
#: A row of this many empty cells is a row of blank figures (table 四's fifteen), not spacing.
_BLANK_ROW = 15


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


#: huge_tree lifts libxml2's nesting limit from 256 to 2048 elements; deeper pages are flattened.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True, huge_tree=True)
#: Wrappers whose nesting carries no structure the report needs: dropped from a page nested too
#: deep for the parser (blocks leave a line break behind, inline wrappers nothing).
_BLOCK_WRAPPERS = re.compile(r"</?(?:div|section|article|center|blockquote|main|header|footer|aside|nav)\b[^>]*>", re.I)
_INLINE_WRAPPERS = re.compile(r"</?(?:span|font|b|strong|i|em|u|small|big|a|label|sup|sub|ins|del|s|strike)\b[^>]*>", re.I)


#: Deeper than this, libxml2 would have stopped reading without huge_tree; worth a warning.
_DEEP = 255


def _too_deep() -> bool:
    return any("Excessive depth" in e.message for e in _PARSER.error_log)


def _fromstring(text: str):
    try:
        return etree.fromstring(text, _PARSER)
    except ValueError:
        # "Unicode strings with encoding declaration are not supported": drop the declaration.
        try:
            return etree.fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", text), _PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            return None
    except (etree.ParserError, etree.XMLSyntaxError):
        return None


def _parse(text: str) -> tuple[object | None, str | None]:
    """The page's tree, and a warning when its nesting had to be flattened (or was cut) to read it."""
    if not text.strip():
        return None, None
    root = _fromstring(text)
    if root is None or not _too_deep():
        return root, None
    flat = _INLINE_WRAPPERS.sub("", _BLOCK_WRAPPERS.sub("<br>", text))
    flat_root = _fromstring(flat)
    if flat_root is not None and not _too_deep():
        return flat_root, "the page nests elements deeper than the HTML parser reads (2,048); read with its div/span wrappers removed"
    return (flat_root if flat_root is not None else root), ("the page nests elements deeper than the HTML parser reads "
                                                            "(2,048), even without its div/span wrappers; what lies deeper is not read")


def _text(el) -> str:
    return "".join(el.itertext())


def _meta(root) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        name = el.get("name") or el.get("property") or el.get("http-equiv") or el.get("itemprop")
        content = el.get("content")
        if name and content and name.lower() not in meta:
            meta[name.lower()] = content.strip()
    return meta


def _lca(elements: list):
    paths = []
    for el in elements:
        path = [el, *el.iterancestors()]
        paths.append(path[::-1])
    common = None
    for level in zip(*paths):
        if all(node is level[0] for node in level):
            common = level[0]
        else:
            break
    return common


#: Cheap filter (in libxml2) for text nodes that may be markers; the regex decides.
_MARKER_TEXTS = etree.XPath(
    "//text()[contains(., '、') or contains(., '情况') or contains(., '第二十条') or contains(., '历年累计')]"
)


def _content_root(root):
    markers = []
    for text in _MARKER_TEXTS(root):
        if len(text) < 400 and _MARKER.search(text):
            owner = text.getparent()
            if text.is_tail and owner is not None:
                owner = owner.getparent()
            if owner is not None and owner.tag not in _SKIP:
                markers.append(owner)
    if not markers:
        return None
    if len(markers) == 1:
        el = markers[0]
        for anc in [el, *el.iterancestors()]:
            if anc.tag in ("div", "td", "article", "section", "main", "body") and len(_text(anc)) >= 500:
                return anc
        return el
    return _lca(markers)


def _cell_text(cell) -> str:
    # <br> tails were prefixed with a space when the page was read, so wrapped lines stay apart.
    return _clean("".join(cell.itertext())) if len(cell) else (_clean(cell.text) if cell.text else "")


def table_rows(table) -> list[list[str]] | None:
    """The rows of a data table, or None for a layout table (nested tables, paragraphs in cells)."""
    if table.find(".//table") is not None:
        return None
    rows = []
    for tr in table.iter("tr"):
        cells = []
        for td in tr:
            if td.tag == "td" or td.tag == "th":
                text = _cell_text(td)
                if len(text) > _MAX_DATA_CELL:
                    return None
                cells.append(text)
        if any(cells) or len(cells) >= _BLANK_ROW:
            rows.append(cells)
    return rows


_COUNT_LINKS = etree.XPath("count(.//a)")
_COUNT_ITEMS = etree.XPath("count(.//li|.//dd|.//dt)")
_LISTS = frozenset(("ul", "ol", "nav", "menu", "dl"))


class _Walker:
    def __init__(self, content_root):
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.deepest = 0
        self.content_root = content_root
        self.depth_in_content = 0 if content_root is not None else 1
        self.holds_content = set(content_root.iterancestors()) if content_root is not None else set()

    def _link_list(self, el) -> bool:
        """Menus and link lists outside the report: nothing in them is the report or its metadata."""
        if (self.depth_in_content and self.content_root is not None) or el in self.holds_content:
            return False
        links = _COUNT_LINKS(el)
        return links >= 3 and links >= 0.8 * _COUNT_ITEMS(el)

    @property
    def in_content(self) -> bool:
        return self.depth_in_content > 0

    def flush(self) -> None:
        if self.buf:
            text = _clean("".join(self.buf))
            self.buf = []
            if text:
                self.lines.append(Line([text], content=self.in_content))

    def walk(self, root) -> list[Line]:
        walker = etree.iterwalk(root, events=("start", "end"))
        skipped = set()
        depth = 0
        for event, el in walker:
            tag = el.tag if isinstance(el.tag, str) else None
            depth += 1 if event == "start" else -1
            if event == "start":
                self.deepest = max(self.deepest, depth)
                if el is self.content_root:
                    self.flush()
                    self.depth_in_content += 1
                if (tag is None or tag in _SKIP or _HIDDEN.search(el.get("style") or "")
                        or (tag in _LISTS and self._link_list(el))):
                    skipped.add(el)
                    walker.skip_subtree()
                    continue
                if tag in _BLOCK or tag == "br":
                    self.flush()
                if tag == "table":
                    rows = table_rows(el)
                    if rows is not None:
                        for cells in rows:
                            self.lines.append(Line(cells, row=True, content=self.in_content))
                        skipped.add(el)
                        walker.skip_subtree()
                        continue
                if el.text:
                    self.buf.append(el.text)
            else:
                if el not in skipped and tag is not None and tag in _BLOCK:
                    self.flush()
                elif el in skipped and tag == "table":
                    self.flush()
                if el is self.content_root:
                    self.flush()
                    self.depth_in_content -= 1
                if el.tail:
                    self.buf.append(el.tail)
        self.flush()
        return self.lines


def _trafilatura_lines(html_text: str) -> list[Line] | None:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover
        return None
    try:
        text = trafilatura.extract(html_text, include_tables=True, include_comments=False, favor_recall=True)
    except Exception:  # noqa: BLE001 - a fallback must not break parsing
        return None
    if not text:
        return None
    from .text import text_lines

    return text_lines(text)


def read_html(text: str) -> Document:
    doc = Document()
    root, nesting = _parse(text)
    if root is None:
        doc.warnings.append("empty or unparsable HTML")
        return doc
    if nesting:
        doc.warnings.append(nesting)
    doc.meta = _meta(root)
    title_el = root.find(".//title")
    if title_el is not None and _text(title_el).strip():
        doc.title = _clean(_text(title_el))
    body = root.find(".//body")
    if body is None:
        body = root
    for br in body.iter("br"):
        br.tail = " " + br.tail if br.tail else " "
    content = _content_root(body)
    walker = _Walker(content)
    lines = walker.walk(body)
    if walker.deepest > _DEEP and not nesting:
        doc.warnings.append(f"the page nests elements {walker.deepest} deep (real pages stay under {_DEEP}); read in full")
    if content is None:
        fallback = _trafilatura_lines(text)
        if fallback:
            for line in lines:
                line.content = False
            lines = lines + fallback
    doc.lines = lines
    return doc
