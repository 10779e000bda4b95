"""What the browser (scrapy-playwright) may skip: a page's list needs its scripts and data, not its
pictures, fonts or media."""

from __future__ import annotations

SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


def skip_resource(request) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: abort images, media and fonts (less load on the portal, faster pages)."""
    return request.resource_type in SKIPPED_RESOURCES
