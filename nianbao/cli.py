"""The `nianbao` command: a thin layer over the library's packages.

Each subcommand lives beside the code it drives (`extract/cli.py`, `archive/cli.py`, ...) and is
imported only when called, so `nianbao parse` does not pay for Scrapy's start-up.
"""

from __future__ import annotations

import importlib

import click

from . import __version__

SUBCOMMANDS = {
    "crawl": "crawler.run:crawl_command",
    "runs": "crawler.run:runs_command",
    "portals": "crawler.registry:portals_command",
    "discover": "crawler.discovery:discover_command",
    "demo": "crawler.run:demo_command",
    "parse": "extract.cli:parse_command",
    "replica": "replica.cli:replica_group",
    "export": "archive.cli:export_command",
    "reparse": "archive.cli:reparse_command",
    "verify": "archive.cli:verify_command",
    "serve": "archive.cli:serve_command",
    "show": "archive.cli:show_command",
    "merge": "archive.cli:merge_command",
    "cluster": "crawler.cluster:cluster_group",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """Crawl, archive and parse government information-disclosure annual reports (年报)."""
