"""Scrapy settings for nianbao: polite by default, a browser only where a page needs one.

Environment:
- NIANBAO_REPLICA=http://127.0.0.1:N sends every request (and the browser) to the offline replica;
- NIANBAO_DB=path archives what is crawled into that SQLite file (`nianbao crawl` always sets it);
- NIANBAO_CONTACT names who runs the crawl, in the User-Agent (a URL or an e-mail address);
- NIANBAO_CHROMIUM overrides which Chromium binary scrapy-playwright starts.
"""

import os
import shutil

from nianbao import __version__

BOT_NAME = "nianbao"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

NIANBAO_CONTACT = os.environ.get("NIANBAO_CONTACT", "https://github.com/nianbao/nianbao")
# Chinese portals reset connections from agents that look like no browser at all; "compatible"
# keeps the agent honest about who we are while passing those filters.
USER_AGENT = f"Mozilla/5.0 (compatible; nianbao/{__version__}; +{NIANBAO_CONTACT})"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 408, 429, 522, 524]
# Pauses between retries grow exponentially (jittered, never blocking the reactor).
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
# The spider's errback logs the one line a failure gets.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("NIANBAO_LOG_LEVEL", "INFO")

NIANBAO_REPLICA = os.environ.get("NIANBAO_REPLICA", "")
# Seconds the browser gets to set a JavaScript challenge's cookie.
NIANBAO_CHALLENGE_WAIT = 10.0

# NIANBAO_STATS_FILE=path writes the run's stats there as JSON (tests, schedulers).
NIANBAO_STATS_FILE = os.environ.get("NIANBAO_STATS_FILE", "")
EXTENSIONS = {"crawler.extensions.StatsFile": 500}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.JavaScriptChallengeMiddleware": 560,
    # Before the cookies (700): validators of archived reports as If-None-Match / If-Modified-Since.
    "crawler.middlewares.ConditionalRequestMiddleware": 570,
    # After decompression (590), before anything reads the text.
    "crawler.middlewares.EncodingMiddleware": 585,
    # Next to the download handler, so that everything else sees the real https addresses.
    "crawler.middlewares.ReplicaProxyMiddleware": 990,
}
NIANBAO_DB = os.environ.get("NIANBAO_DB", "")

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}


def _chromium() -> str | None:
    """Debian's Chromium where installed; otherwise Playwright's own (`playwright install chromium`)."""
    explicit = os.environ.get("NIANBAO_CHROMIUM")
    if explicit:
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # No calls home (time, sign-in, safe browsing, translation): the browser fetches only pages.
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-default-browser-check",
        "--no-pings",
        "--dns-prefetch-disable",
        "--disable-breakpad",
        "--disable-field-trial-config",
        # Keep http:// navigations on http (the replica serves no TLS).
        "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,NetworkTimeServiceQuerying,"
        "OptimizationHints,Translate,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
        "InterestFeedContentSuggestions,PrivacySandboxSettings4,SafeBrowsing",
    ],
}
if _chromium():
    PLAYWRIGHT_LAUNCH_OPTIONS["executable_path"] = _chromium()
if NIANBAO_REPLICA:
    PLAYWRIGHT_LAUNCH_OPTIONS["proxy"] = {"server": NIANBAO_REPLICA}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.skip_resource"

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
