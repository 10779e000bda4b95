"""Datasette for an archive: the documented metadata, the archived copies, and `nianbao_match()`.

- `/-/archived/<report id or SHA-256>` serves an archived copy from the archive, byte for byte,
  with the content type it was fetched with. An HTML copy is sandboxed (Content-Security-Policy
  `sandbox`, no `allow-scripts`): the browser runs none of its scripts, sends none of its forms
  and loads nothing from the live portal.
- Every `sha256` cell links to its archived copy, next to the `url` that links to the live page.
- `nianbao_match(query)` turns a query as a person types it (年报, 信息公开 行政复议) into the FTS5
  expression the character-pair index needs (see `archive.fts`).
- The column descriptions of a table's page fold into one line, so the rows come first.
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from .fts import match_expression

#: Scripts, plugins, forms and every load from elsewhere off; inline styles and images kept (data:).
ARCHIVED_HTML_POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@hookimpl
def prepare_connection(conn) -> None:
    conn.create_function("nianbao_match", 1, match_expression, deterministic=True)


def _archive_path(datasette: Datasette) -> str:
    return next(db.path for name, db in datasette.databases.items() if db.path and name != "_internal")


async def archived_copy(request, datasette) -> Response:
    from . import Archive

    ref = request.url_vars["ref"]
    try:
        with Archive(_archive_path(datasette)) as archive:
            copy = archive.copy(ref)
            body = archive.body(copy["sha256"])
    except KeyError:
        return Response.text(f"the archive holds no copy of {ref}", status=404)
    content_type = copy["content_type"] or "application/octet-stream"
    headers = {"X-Content-Type-Options": "nosniff", "X-Nianbao-Sha256": copy["sha256"],
               "X-Nianbao-Url": copy["url"].encode("ascii", "backslashreplace").decode("ascii")}
    if "html" in content_type or "xml" in content_type:
        headers["Content-Security-Policy"] = ARCHIVED_HTML_POLICY
    return Response(body, status=200, headers=headers, content_type=content_type)


@hookimpl
def register_routes(datasette):
    return [(r"^/-/archived/(?P<ref>[0-9A-Za-z]+)$", archived_copy)]


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column == "sha256" and isinstance(value, str) and _SHA256.fullmatch(value):
        return Markup(f'<a href="/-/archived/{value}" title="the archived copy">{escape(value[:12])}…</a>'
                      f' <a href="/-/archived/{value}">archived copy</a>')
    if column == "archived_copy" and isinstance(value, str) and value.startswith("/-/archived/"):
        return Markup(f'<a href="{escape(value)}">archived copy</a>')
    return None


@hookimpl
def extra_body_script(template, database, table, view_name, columns, request, datasette):
    if view_name != "table":
        return None
    # Fold the column descriptions (dozens on the wide views) under one summary line.
    return (
        "document.querySelectorAll('dl.column-descriptions').forEach(function (dl) {"
        "var d = document.createElement('details'); var s = document.createElement('summary');"
        "s.textContent = 'What each column means (' + dl.querySelectorAll('dt').length + ' columns)';"
        "dl.parentNode.insertBefore(d, dl); d.appendChild(s); d.appendChild(dl); });"
    )


def datasette_app(path: str, metadata: dict[str, Any]) -> Datasette:
    import sys

    plugin = sys.modules[__name__]
    if not pm.is_registered(plugin):
        pm.register(plugin, name="nianbao")
    return Datasette([str(path)], metadata=metadata, settings={"truncate_cells_html": 400})
