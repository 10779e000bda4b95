"""The one shape every input is read into: lines of cells.

A reader (HTML, text, PDF, DOCX, XLSX) turns its input into `Line`s. A line from a real table
(`row=True`) keeps its cells, so blank cells stay blank and cell boundaries are known; a line of
running text has one cell. `content=False` marks page chrome (menus, footers) that metadata may look
at but the report text and values never use.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    cells: list[str]
    row: bool = False
    content: bool = True

    @property
    def text(self) -> str:
        return " | ".join(self.cells) if self.row else (self.cells[0] if self.cells else "")


@dataclass
class Document:
    lines: list[Line] = field(default_factory=list)
    #: <meta name=...> values and similar facts a format carries outside its text (lower-case keys).
    meta: dict[str, str] = field(default_factory=dict)
    #: A title the format states (HTML <title>, ArticleTitle, PDF/DOCX properties).
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: False when the input could not be read at all (the warnings say why).
    readable: bool = True

    def content_lines(self) -> list[Line]:
        return [line for line in self.lines if line.content]
