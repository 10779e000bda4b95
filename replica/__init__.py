"""Offline replicas of every registry portal, served over real HTTP on 127.0.0.1.

`ReplicaServer` serves them (a context manager; `.url` is the proxy address to give the spiders);
`manifest()` lists every report they publish, under its real https URL.
"""

from __future__ import annotations

from .server import PORTALS, ReplicaServer, Site

__all__ = ["PORTALS", "ReplicaServer", "manifest", "catalog", "report_data"]


def manifest(reports_dir=None, scale: float = 1, faults: bool = False, break_portal: str | None = None,
             portals=None) -> list[dict]:
    """One dict per report the replica publishes: {"portal", "url", "title", "kind", "date"} (+ "file",
    "fault"), for every registry portal or those named."""
    return Site(reports_dir, break_portal, scale, faults, portals).manifest()


def catalog(reports_dir=None, scale: float = 1, faults: bool = False, portal: str | None = None) -> list[dict]:
    """Every list entry with its role: report, attachment, twin, article (not a report), dead, fault."""
    site = Site(reports_dir, None, scale, faults, [portal] if portal else None)
    return [line for name in site.names for line in site.portal(name).catalog()]


def report_data(scale: float = 1, portal: str | None = None, portals=None) -> list[dict]:
    """The generated reports with the figures their tables print (for parser round trips)."""
    site = Site(None, None, scale, False, [portal] if portal else portals)
    return [line for name in site.names for line in site.portal(name).report_data()]
