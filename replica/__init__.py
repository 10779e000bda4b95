"""Offline replicas of every registry portal, served over real HTTP on 127.0.0.1.

`ReplicaServer` serves them (a context manager; `.url` is the proxy address to give the spiders);
`manifest()` lists every report they publish, under its real https URL.
"""

from __future__ import annotations

from .server import PORTALS, ReplicaServer, Site

__all__ = ["PORTALS", "ReplicaServer", "manifest", "catalog", "report_data"]


def manifest(reports_dir=None, scale: float = 1, faults: bool = False, break_portal: str | None = None) -> list[dict]:
    """One dict per report the replica publishes: {"portal", "url", "title", "kind"} (+ "file", "fault")."""
    return Site(reports_dir, break_portal, scale, faults).manifest()


def catalog(reports_dir=None, scale: float = 1, faults: bool = False, portal: str | None = None) -> list[dict]:
    """Every list entry with its role: report, attachment, twin, article (not a report), dead, fault."""
    site = Site(reports_dir, None, scale, faults)
    return [line for name in PORTALS if portal in (None, name) for line in site.portal(name).catalog()]


def report_data(scale: float = 1, portal: str | None = None) -> list[dict]:
    """The generated reports with the figures their tables print (for parser round trips)."""
    site = Site(None, None, scale, False)
    return [line for name in PORTALS if portal in (None, name) for line in site.portal(name).report_data()]
