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
        title_line = next((l for l in lines if _is_title(l)), None)
        if title_line:
            self.title = re.sub(r"\s+", "", title_line.lstrip("#").strip())
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
        for i, line in enumerate(stripped[:20]):
            if re.sub(r"\s+", "", line) == title:
                start = i + 1
                break
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
