"""`nianbao replica serve|manifest`: the offline portals from the command line."""

from __future__ import annotations

import json
import sys

import click

from .server import PORTALS


@click.group(name="replica")
def replica_group() -> None:
    """Offline replicas of every registry portal, served as an HTTP proxy on 127.0.0.1."""


@replica_group.command("serve")
@click.option("--port", type=int, default=0, show_default=True, help="Port to listen on (0 picks a free one).")
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), default=None,
              help="Also publish every file in DIR/<portal>/ as a report on that portal (read at request time).")
@click.option("--break", "break_portal", type=click.Choice(PORTALS), default=None,
              help="Change that portal's list layout so nothing matches (for health checks).")
@click.option("--break-files", "break_files", type=click.Choice(PORTALS), default=None, metavar="PORTAL",
              help="Make most of that portal's report pages and files fail: 5xx, hang, or reset (for health checks).")
@click.option("--scale", type=float, default=1, show_default=True, help="Multiply the number of reports.")
@click.option("--faults", is_flag=True, help="Add report links that answer 500, hang, or send truncated bodies, "
                                              "and a column whose list layout changed.")
@click.option("--layout-unchanged", is_flag=True,
              help="With --faults: that column keeps its old list layout (the night before it changed).")
@click.option("--verbose", is_flag=True, help="Log every request to stderr.")
def serve_command(port: int, reports_dir: str | None, break_portal: str | None, break_files: str | None,
                  scale: float, faults: bool, layout_unchanged: bool, verbose: bool) -> None:
    """Serve every registry portal; point spiders at it with NIANBAO_REPLICA=<printed URL>."""
    from .server import ReplicaServer

    server = ReplicaServer(reports_dir=reports_dir, break_portal=break_portal, scale=scale, faults=faults,
                           port=port, verbose=verbose, break_files=break_files, layout_unchanged=layout_unchanged)
    click.echo(f"serving {server.url}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@replica_group.command("manifest")
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), default=None)
@click.option("--port", type=int, default=0, help="Ignored: URLs are the portals' real https URLs.")
@click.option("--scale", type=float, default=1, show_default=True)
@click.option("--faults", is_flag=True, help="Include the --faults entries (with a \"fault\" key).")
@click.option("--portal", type=click.Choice(PORTALS), default=None, help="Only this portal.")
def manifest_command(reports_dir: str | None, port: int, scale: float, faults: bool, portal: str | None) -> None:
    """Print one JSON line per report the replica publishes."""
    from . import manifest

    for line in manifest(reports_dir=reports_dir, scale=scale, faults=faults):
        if portal in (None, line["portal"]):
            click.echo(json.dumps(line, ensure_ascii=False))
