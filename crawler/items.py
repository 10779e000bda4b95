"""What a spider hands to the archive: one fetched report page or report file, with its response."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


def _base64(body: bytes) -> str:
    return base64.b64encode(body).decode("ascii")


@dataclass
class ReportItem:
    """A report page or a report attachment, as listed and as fetched.

    The listing fields say where the report was found; the response fields are what the archive
    stores. `url` is the report's canonical address (the one the portal lists, with twins such as
    Changshou's `_wap.html` folded into it); `final_url` is where redirects ended.
    """

    portal: str
    #: The agency column the report was listed under (万顺镇, 暨阳街道, 政务服务管理局 ...).
    column: str
    url: str
    #: The title as the list page shows it (the report page's own title comes from parsing).
    title: str
    #: The list page's date for the entry, ISO `YYYY-MM-DD`, or None where the list shows none.
    listed_date: str | None
    #: "page" for an HTML report page, "attachment" for a PDF/DOC/DOCX/XLS/XLSX/WPS report file.
    kind: str
    #: The list page the report was found on (for attachments: the report page that links it).
    found_on: str
    status: int
    final_url: str
    #: Response headers as {name: [values]}, names as sent, values decoded as Latin-1.
    headers: dict[str, list[str]]
    body: bytes = field(metadata={"serializer": _base64})
    #: UTC ISO-8601 time the response arrived.
    fetched_at: str = ""
    #: True when the body is the DOM after a browser (scrapy-playwright) rendered it, not the
    #: bytes the server sent.
    rendered: bool = False

    @property
    def not_modified(self) -> bool:
        """A 304 answer to a conditional request: the archived copy is still current."""
        return self.status == 304
