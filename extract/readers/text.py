"""Plain text and markdown: pipe-table lines become table rows, everything else running text.

Two pipe dialects occur: markdown (`| a | b |`, with `|---|` separator lines) and trafilatura's
(`a | b | ||`, padding merged cells with empty trailing cells). Both become rows; trailing empty
cells are kept, and the table parser decides from the template which of them are padding.
"""

from __future__ import annotations

import re

from ..document import Document, Line

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
#: Page furniture of PDF-to-text output: "- 3 -", "第 3 页 共 5 页", "3 / 5".
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}|page\s*\d{1,3}(?:\s*of\s*\d{1,3})?)\s*$",
    re.I,
)


def split_pipe_row(line: str) -> list[str] | None:
    if line.count("|") < 2:
        return None
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
        if s.endswith("|"):
            s = s[:-1]
    return [cell.strip() for cell in s.split("|")]


def text_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    for raw in text.splitlines():
        if not raw.strip() or _SEPARATOR.match(raw) or PAGE_NUMBER.match(raw):
            continue
        cells = split_pipe_row(raw)
        if cells is not None:
            lines.append(Line(cells, row=True))
        else:
            lines.append(Line([raw.strip()]))
    return lines


def read_text(text: str) -> Document:
    return Document(lines=text_lines(text))
