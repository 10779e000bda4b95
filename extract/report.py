"""The parse result: the issue-3 JSON object, plus the cleaned text the archive indexes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

FIELDS = ("source", "title", "agency", "year", "published", "index_no", "template", "values", "sources", "checks",
          "warnings")


@dataclass
class Report:
    source: str | None = None
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    index_no: str | None = None
    template: str | None = None
    values: dict[str, int | float] = field(default_factory=dict)
    #: Where each value came from, by key (`extract.cells.SOURCES`): a table cell, and how, or a sentence.
    sources: dict[str, str] = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The report's cleaned text (title and body, no portal chrome), for full-text search.
    text: str = ""
    #: False when the input could not be read at all (missing, unreadable format, broken file).
    readable: bool = True
    #: How each table was found (`extract.cells.TableNote`), for `nianbao parse --explain`.
    tables: list = field(default_factory=list)

    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)

    @property
    def failed_checks(self) -> list[dict]:
        return [c for c in self.checks if not c["ok"]]
