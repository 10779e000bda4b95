"""Timestamps as the archive stores them: UTC, ISO 8601, microseconds, `+00:00`."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def utc_iso(value: str | None) -> str:
    """`value` (any ISO 8601 time; naive means UTC) in the archive's form; now if empty."""
    if not value:
        return utc_now()
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
