"""Reports published from files (`--reports DIR`): `DIR/<portal>/*.txt|.md|.html|.pdf|...`.

A text file becomes a page body (paragraphs; `a | b | c` rows become tables), an HTML fragment is
inserted as it is, a document (.pdf .doc .docx .xls .xlsx .wps) becomes a short report page that
links it as an attachment. Titles and dates are read when the portal is built; bodies and file bytes
are read at request time, so an edited file is served edited.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .site import stable_int

TEXT_EXTS = {".txt", ".md"}
HTML_EXTS = {".html", ".htm"}
DOC_EXTS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps"}
CHROME_LINES = {"×", "头部", "ico", "扫一扫在手机打开当前页", "【字体:", "分享到:", "相关新闻", "附件:", "相关附件"}
DATE = re.compile(r"(20\d\d|19\d\d)\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")
#: A field label before a title in a report's header block ("标题：…", "文件名称: …").
TITLE_LABEL = re.compile(r"^(?:标\s*题|题\s*名|名\s*称|文件名称|文件标题|信息名称|title)\s*[:：]\s*", re.I)
#: Words of a page's chrome that stand on a line of their own above a title, never in one.
NOT_TITLE = {"正文", "全文", "附件", "打印", "关闭", "页眉", "页脚"}
#: A title wraps over at most this many lines.
TITLE_LINES = 3


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def _is_title(line: str) -> bool:
    line = line.strip().lstrip("#").strip()
    return 6 <= len(line) <= 80 and ("年度报告" in line or "年报" in line) and "。" not in line and "|" not in line


def _title_text(line: str) -> str:
    """A header line as title text: no Markdown mark, no field label, no spaces."""
    return re.sub(r"\s+", "", TITLE_LABEL.sub("", line.strip().lstrip("#").strip()))


def _is_fragment(line: str) -> bool:
    """A line that may be part of a title wrapped over several: short, no sentence, no other label."""
    text = _title_text(line)
    return (0 < len(text) <= 60 and not re.search(r"[。；;，,|]", text) and not DATE.search(text)
            and not re.search(r"[:：]", text) and text not in CHROME_LINES | NOT_TITLE)


def find_title(lines: list[str]) -> tuple[str, int, int] | None:
    """The report's title in its first lines, joined over the lines it wraps on, without a field
    label; with the span of lines it took (`lines[start:end]`). None when there is none.

    The first line that completes a title ends it (the fewest lines that read as a title); lines
    before it are joined on while what is found so far lacks the year, is too short to be a whole
    title ("…2023年政府信息公开" + "工作年度报告"), or starts with the year, the agency's name on
    the line above ("洪泽区人民政府" + "2023年政府信息公开工作年度报告")."""
    for end in range(1, len(lines) + 1):
        for span in range(1, TITLE_LINES + 1):
            start = end - span
            if start < 0 or not all(_is_fragment(line) for line in lines[start:end]):
                break
            title = "".join(_title_text(line) for line in lines[start:end])
            if not _is_title(title):
                continue
            while (start > 0 and end - start < TITLE_LINES
                   and (not YEAR.search(title) or len(title) < 12 or TITLE_LABEL.match(lines[start - 1].strip())
                        or (YEAR.match(title) and not YEAR.search(_title_text(lines[start - 1]))))
                   and _is_fragment(lines[start - 1]) and not _is_title(_title_text(lines[start - 1]))
                   and len(_title_text(lines[start - 1]) + title) <= 80):
                start -= 1
                title = _title_text(lines[start]) + title
            return title, start, end
    return None


def _html_text(html: str) -> list[str]:
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|h\d|tr|li|title)>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("&nbsp;", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class ExtraReport:
    portal: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def ext(self) -> str:
        return self.path.suffix.lower()

    @property
    def attachment_ext(self) -> str | None:
        return self.ext[1:] if self.ext in DOC_EXTS else None

    def read(self) -> bytes:
        return self.path.read_bytes()

    def _lines(self) -> list[str]:
        if self.ext in DOC_EXTS:
            return self._pdf_lines() if self.ext == ".pdf" else []
        text = _decode(self.read())
        if self.ext in HTML_EXTS:
            return _html_text(text)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def _pdf_lines(self) -> list[str]:
        try:
            import pdfplumber

            with pdfplumber.open(self.path) as pdf:
                text = pdf.pages[0].extract_text() or "" if pdf.pages else ""
        except Exception:  # a damaged PDF still gets published, titled by its name
            return []
        return [line.strip() for line in text.splitlines() if line.strip()]

    def scan(self) -> None:
        """Read title, date and year from the file (called when the portal is built)."""
        lines = self._lines()[:40]
        found = find_title(lines)
        sidecar = self.sidecar_title()
        if sidecar:
            self.title = sidecar
        elif found:
            self.title = found[0]
        else:
            self.title = f"{self.path.stem}政府信息公开工作年度报告" if self.ext in TEXT_EXTS | HTML_EXTS else self.path.stem
        self.published = None
        for line in lines[:20]:
            m = DATE.search(line)
            if m:
                try:
                    self.published = dt.datetime(int(m[1]), int(m[2]), int(m[3]), 9, 0, 0)
                    break
                except ValueError:
                    continue
        m = YEAR.search(self.title) or next((YEAR.search(l) for l in lines if YEAR.search(l)), None)
        year = int(m[1]) if m else None
        if self.published is None:
            base = (year + 1) if year else 2025
            self.published = dt.datetime(base, 1, 10 + stable_int(self.name) % 18, 9, 30, 0)
        self.year = year or self.published.year - 1
        self.link_text = f"{self.title}{self.ext}" if self.attachment_ext else self.title

    @property
    def sidecar(self) -> Path:
        """`<file>.title` beside the file: its first line is the title the list shows."""
        return self.path.with_name(self.path.name + ".title")

    def sidecar_title(self) -> str | None:
        try:
            text = _decode(self.sidecar.read_bytes())
        except OSError:
            return None
        return next((line.strip() for line in text.splitlines() if line.strip()), None)

    def body_html(self) -> str:
        """The page body, read from the file now."""
        if self.attachment_ext:
            return (f"<p>{escape(self.title)}详见附件。</p>")
        text = _decode(self.read())
        if self.ext in HTML_EXTS:
            return text
        return text_to_html(text, self.title)


def text_to_html(text: str, title: str | None = None) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    stripped = [line.strip().lstrip("#").strip() for line in lines]
    start = 0
    if title:
        # The title's own lines (one, or the lines it wraps over) are the page's heading, not its text.
        header = [(i, line) for i, line in enumerate(lines[:20]) if line.strip()]
        found = find_title([line for _, line in header])
        if found and found[0] == title:
            start = header[found[2] - 1][0] + 1
    out: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if table:
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table)
            out.append(f'<table border="1" cellspacing="0">{rows}</table>')
            table.clear()

    for raw in lines[start:]:
        line = raw.strip()
        if not line or line in CHROME_LINES:
            flush()
            continue
        if "|" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
                continue
            table.append(cells)
            continue
        flush()
        out.append(f"<p>{escape(line.lstrip('#').strip())}</p>")
    flush()
    return "\n".join(out)


def load(reports_dir: str | Path | None, portal: str) -> list[ExtraReport]:
    if not reports_dir:
        return []
    folder = Path(reports_dir) / portal
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in TEXT_EXTS | HTML_EXTS | DOC_EXTS:
            extra = ExtraReport(portal, path)
            extra.scan()
            out.append(extra)
    return out


def signature(reports_dir: str | Path | None, portal: str) -> tuple:
    """What decides a portal's lists: file names, sizes and modification times."""
    if not reports_dir:
        return ()
    folder = Path(reports_dir) / portal
    try:
        return tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in folder.iterdir() if e.is_file()))
    except OSError:
        return ()
