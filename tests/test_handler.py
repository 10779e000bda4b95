"""The download handler's closing (crawler/handler.py): the connections closing and Scrapy's
hung-connection timer coming due in one turn of the event loop print no AlreadyCalledError."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from twisted.internet.defer import Deferred

from crawler.handler import FirstResultDeferred, first_result_only

ROOT = Path(__file__).resolve().parents[1]

# Run in a child: it needs the asyncio reactor installed before anything imports the default one.
RACE = r"""
import json, sys
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from twisted.internet import reactor
import asyncio
from twisted.internet.defer import Deferred
from twisted.python import log
from scrapy.utils.test import get_crawler
from scrapy.utils.misc import load_object
from scrapy.core.downloader.handlers.http11 import HTTPConnectionPool

def closing_with_the_timer():
    # The connections close in the same turn as the timer Scrapy sets when the handler closes.
    d = Deferred()
    reactor.callLater(0, d.callback, None)
    return d

HTTPConnectionPool.closeCachedConnections = lambda self: closing_with_the_timer()
errors = {}

def observe(event):
    if event.get("isError"):
        errors[current] = errors.get(current, 0) + 1

log.addObserver(observe)

async def close_each():
    global current
    for path in sys.argv[1:]:
        current = path
        errors[path] = 0
        crawler = get_crawler(settings_dict={"TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor"})
        handler = load_object(path)(crawler)
        handler._disconnect_timeout = 0
        await handler.close()
        # Let the timer's turn of the loop pass.
        await asyncio.sleep(0.2)

def done(outcome):
    if outcome is not None:
        print(outcome, file=sys.stderr)
        errors["failed"] = str(outcome)
    print(json.dumps(errors))
    reactor.stop()

Deferred.fromFuture(asyncio.ensure_future(close_each())).addBoth(done)
reactor.run()
"""


def test_closing_in_the_timers_turn_prints_no_already_called_error():
    plain, ours = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler", "crawler.handler.DownloadHandler"
    done = subprocess.run([sys.executable, "-c", RACE, plain, ours], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    errors = json.loads(done.stdout.strip().splitlines()[-1])
    assert "failed" not in errors, done.stderr[-3000:]
    # The race is staged: scrapy-playwright's own handler logs the error in it.
    assert errors[plain] >= 1, done.stderr[-3000:]
    assert errors[ours] == 0, done.stderr[-3000:]


def test_a_first_result_deferred_keeps_the_first_result():
    seen = []
    d = FirstResultDeferred()
    d.addBoth(seen.append)
    d.callback("closed")
    d.callback(())
    d.errback(RuntimeError("late"))
    assert seen == ["closed"]


def test_first_result_only_passes_a_failure_on():
    source = Deferred()
    started = first_result_only(lambda: source)()
    failures = []
    started.addErrback(failures.append)
    source.errback(RuntimeError("connection hung"))
    started.callback(())
    assert [f.getErrorMessage() for f in failures] == ["connection hung"]


def test_the_project_downloads_through_it():
    from scrapy.utils.project import get_project_settings

    handlers = get_project_settings().getdict("DOWNLOAD_HANDLERS")
    assert handlers["http"] == handlers["https"] == "crawler.handler.DownloadHandler"
