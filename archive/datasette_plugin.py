"""Datasette for an archive: the documented metadata and a `nianbao_match()` SQL function.

`nianbao_match(query)` turns a query as a person types it (年报, 信息公开 行政复议) into the FTS5
expression the archive's character-pair index needs (see `archive.fts`).
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm

from .fts import match_expression


@hookimpl
def prepare_connection(conn) -> None:
    conn.create_function("nianbao_match", 1, match_expression, deterministic=True)


def datasette_app(path: str, metadata: dict[str, Any]) -> Datasette:
    import sys

    plugin = sys.modules[__name__]
    if not pm.is_registered(plugin):
        pm.register(plugin, name="nianbao")
    return Datasette([str(path)], metadata=metadata, settings={"truncate_cells_html": 400})
