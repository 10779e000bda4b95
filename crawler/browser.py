"""One Playwright driver and one Chromium for the whole process, started on first need.

scrapy-playwright's own provider starts a Playwright driver (a node process) for every download
handler when its crawler starts, whether or not a page of that portal ever needs the browser: a run
of 16 portals at a time held 32 drivers. With `PLAYWRIGHT_BROWSER_PROVIDER` set to
`SharedBrowserProvider`, a handler gets the process's one browser the first time one of its requests
asks for it (a context of its own, as scrapy-playwright makes for each handler), and the browser and
its driver are closed when the last handler that used it closes. A portal that never renders a page
starts nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from playwright.async_api import PlaywrightContextManager

logger = logging.getLogger(__name__)


class _Shared:
    """The process's driver and browser, and how many handlers hold the browser."""

    manager: PlaywrightContextManager | None = None
    playwright: Any = None
    browser: Any = None
    holders = 0
    #: Bumped whenever a new browser starts: a handle of a browser that died gives back nothing.
    generation = 0
    lock: asyncio.Lock | None = None

    @classmethod
    def get_lock(cls) -> asyncio.Lock:
        if cls.lock is None:
            cls.lock = asyncio.Lock()
        return cls.lock


class SharedBrowser:
    """The shared browser as one handler sees it: `close()` gives it back instead of closing it."""

    def __init__(self, browser: Any, generation: int) -> None:
        self._browser = browser
        self._generation = generation
        self._released = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    async def close(self, **kwargs: Any) -> None:
        if self._released:
            return
        self._released = True
        await _release(self._generation)


async def _release(generation: int) -> None:
    async with _Shared.get_lock():
        if generation != _Shared.generation:
            return
        _Shared.holders -= 1
        if _Shared.holders > 0:
            return
        browser, manager = _Shared.browser, _Shared.manager
        _Shared.browser = _Shared.manager = _Shared.playwright = None
        _Shared.holders = 0
        if browser is not None:
            logger.info("no portal needs the browser: closing it and its driver")
            try:
                await browser.close()
            except Exception as error:  # a browser that died already is closed
                logger.debug("closing the shared browser: %r", error)
        if manager is not None:
            try:
                await manager.__aexit__()
            except Exception as error:
                logger.debug("stopping the Playwright driver: %r", error)


class SharedBrowserProvider:
    """A scrapy-playwright browser provider (`PLAYWRIGHT_BROWSER_PROVIDER`) sharing one browser."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self._handles: list[SharedBrowser] = []

    async def start(self) -> None:
        """Nothing yet: the driver starts when a page first needs the browser."""

    async def launch_browser(self) -> SharedBrowser:
        async with _Shared.get_lock():
            if _Shared.browser is not None and not _Shared.browser.is_connected():
                _Shared.browser, _Shared.holders = None, 0
            if _Shared.playwright is None:
                _Shared.manager = PlaywrightContextManager()
                _Shared.playwright = await _Shared.manager.start()
            if _Shared.browser is None:
                browser_type = getattr(_Shared.playwright, self.config.browser_type_name)
                logger.info("starting the run's browser (%s)", browser_type.name)
                _Shared.browser = await browser_type.launch(**self.config.launch_options)
                _Shared.generation += 1
            _Shared.holders += 1
            handle = SharedBrowser(_Shared.browser, _Shared.generation)
        self._handles.append(handle)
        return handle

    async def launch_persistent_context(self, context_kwargs: dict) -> Any:
        from scrapy.exceptions import NotSupported

        raise NotSupported("a shared browser has no persistent contexts")

    async def close(self) -> None:
        for handle in self._handles:
            await handle.close()
        self._handles.clear()


def shared_browser_state() -> dict:
    """What the process holds now (for tests and benchmarks): a browser?, how many handlers hold it."""
    return {"browser": _Shared.browser is not None, "driver": _Shared.playwright is not None,
            "holders": _Shared.holders}
