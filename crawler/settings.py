"""Scrapy settings for nianbao: polite by default, a browser only where a page needs one.

Environment:
- NIANBAO_REPLICA=http://127.0.0.1:N sends every request (and the browser) to the offline replica;
- NIANBAO_DB=path archives what is crawled into that SQLite file (`nianbao crawl` always sets it);
- NIANBAO_CONTACT names who runs the crawl, in the User-Agent (a URL or an e-mail address);
- NIANBAO_CHROMIUM overrides which Chromium binary scrapy-playwright starts;
- NIANBAO_RECHECK=all re-checks every archived report instead of following the schedule
  (`crawler/recheck.py`).
"""

import os
import shutil

from nianbao import __version__

BOT_NAME = "nianbao"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy shell` fetching plainly unless given --browser (crawler/commands/shell.py).
COMMANDS_MODULE = "crawler.commands"
# `scrapy check`: each platform base's callbacks checked on every portal's own start page.
SPIDER_CONTRACTS = {"crawler.contracts.StartPage": 10, "crawler.contracts.HomePage": 10}

#: The User-Agent's contact when NIANBAO_CONTACT is not set (`nianbao crawl` and spiders warn then).
NIANBAO_DEFAULT_CONTACT = "https://github.com/nianbao/nianbao"
NIANBAO_CONTACT = os.environ.get("NIANBAO_CONTACT", NIANBAO_DEFAULT_CONTACT)
# Chinese portals reset connections from agents that look like no browser at all; "compatible"
# keeps the agent honest about who we are while passing those filters.
USER_AGENT = f"Mozilla/5.0 (compatible; nianbao/{__version__}; +{NIANBAO_CONTACT})"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# A callback's output (a list page's requests, a report's item and attachments) is handled by this
# many tasks at once: Scrapy starts them all for every response, and its default of 100 made task
# start-up the crawl process's largest cost.
CONCURRENT_ITEMS = 16
# Scrapy's check reads each callback's source, once per spider instance: 529 portals a run. The
# same check runs once per callback in tests/test_spiders_callbacks.py.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 408, 429, 522, 524]
# A browser page that times out is retried as any other timeout (Scrapy's list, plus Playwright's).
from scrapy.settings.default_settings import RETRY_EXCEPTIONS as _SCRAPY_RETRY_EXCEPTIONS  # noqa: E402

RETRY_EXCEPTIONS = [*_SCRAPY_RETRY_EXCEPTIONS, "playwright.async_api.TimeoutError"]
# A host is given up on for the run after this many attempts in a row that it did not answer (timeouts,
# resets, refusals, failed lookups): its later requests fail at once as `host_given_up`, and the portal
# is unhealthy (crawler/hosts.py). A hanging host otherwise costs four download timeouts per request.
NIANBAO_HOST_GIVE_UP_AFTER = 8
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
# `nianbao crawl` crawls this many portals at a time, the next as soon as one finishes: memory stays
# bounded however many portals the registry holds (each portal is polite to its own hosts).
NIANBAO_PORTALS_AT_ONCE = 16
# Of those, how many whose lists a browser renders: each starts its own Chromium, and a dozen at once
# on two cores leave their pages unanswered past the download timeout.
NIANBAO_BROWSER_PORTALS_AT_ONCE = 2
# Seconds the browser gets to set a JavaScript challenge's cookie.
NIANBAO_CHALLENGE_WAIT = 10.0

# NIANBAO_STATS_FILE=path writes the run's stats there as JSON (tests, schedulers).
NIANBAO_STATS_FILE = os.environ.get("NIANBAO_STATS_FILE", "")
EXTENSIONS = {
    # Health checks when a portal's spider closes (see crawler/monitors.py).
    "spidermon.contrib.scrapy.extensions.Spidermon": 400,
    "crawler.monitors.ParsesSettled": 450,
    "crawler.extensions.StatsFile": 500,
    # After Spidermon: its per-portal line carries the health verdict.
    "crawler.monitors.RunProgress": 900,
    # RunProgress says, per portal, what Scrapy's LogStats says without naming the spider.
    "scrapy.extensions.logstats.LogStats": None,
}
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.monitors.PortalHealth"]
NIANBAO_PROGRESS_INTERVAL = 60
# A portal fails when its lists yield fewer reports than this share of its last healthy run's ...
NIANBAO_HEALTH_MIN_RATIO = 0.5
# ... or when more than this share of (at least MIN_PAGES) new report page versions read as no report.
NIANBAO_HEALTH_MAX_UNREADABLE = 0.5
NIANBAO_HEALTH_MIN_PAGES = 5
# ... or when more than this share of the reports it knew of (or of the new ones) could not be
# fetched, at least MIN_FAILED of them; or when at least MIN_STUCK of the same reports failed in
# each of its last FAILED_RUNS runs.
NIANBAO_HEALTH_MAX_FAILED = 0.5
NIANBAO_HEALTH_MIN_FAILED = 3
NIANBAO_HEALTH_MIN_STUCK = 5
NIANBAO_HEALTH_FAILED_RUNS = 3
# Spidermon actions run when a portal fails its health checks (crawler/alerts.py); a webhook
# is added whenever NIANBAO_ALERT_WEBHOOK_URL is set.
NIANBAO_ALERT_ACTIONS = []
NIANBAO_ALERT_WEBHOOK_URL = os.environ.get("NIANBAO_ALERT_WEBHOOK_URL", "")
NIANBAO_HEALTH_PARSE_WAIT = 600

# Archived reports are asked for again on a schedule by age (crawler/recheck.py); list pages every run.
NIANBAO_RECHECK = os.environ.get("NIANBAO_RECHECK", "schedule")
NIANBAO_RECHECK_TIERS = os.environ.get("NIANBAO_RECHECK_TIERS", "365:1,1095:7,*:30")
NIANBAO_RECHECK_DATE = os.environ.get("NIANBAO_RECHECK_DATE", "")

# Bounded bodies (crawler/bodies.py). The largest body of each kind the crawl accepts: HTML report
# pages run to a few hundred KB (a page with inlined images to a few MB); report PDFs to tens of MB
# when scanned; DOCX/XLSX/DOC/WPS to a few MB. A body that announces or reaches more is dropped as
# `too_large`. `office_inflated` bounds what a DOCX/XLSX's ZIP members may declare inflated, and
# `pdf_inflated` what a PDF's compressed streams may inflate to in all.
NIANBAO_MAXSIZE = {
    "page": 16 * 1024 * 1024,
    "pdf": 100 * 1024 * 1024,
    "office": 32 * 1024 * 1024,
    "office_inflated": 128 * 1024 * 1024,
    "pdf_inflated": 512 * 1024 * 1024,
}
# A body of any other kind (and Scrapy's own requests: robots.txt) stops at the largest of them.
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
# A warning is logged when a body passes this share of its kind's limit.
NIANBAO_WARNSIZE_SHARE = 0.25
DOWNLOAD_WARNSIZE = 25 * 1024 * 1024
# A compressed body (gzip/deflate/br/zstd on the wire, a DOCX/XLSX member) may inflate to this many
# times its compressed size (real report pages inflate 3 to 15 times), and to FLOOR bytes whatever its
# size; past that it is a `decompression_bomb`, stopped before it is inflated further.
NIANBAO_MAX_INFLATE_RATIO = 100
NIANBAO_INFLATE_FLOOR = 1024 * 1024

DOWNLOADER_MIDDLEWARES = {
    # Per-kind size limits and a count of the bytes each body received (for `truncated`).
    "crawler.bodies.BodyLimitsMiddleware": 595,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.bodies.BoundedDecompressionMiddleware": 590,
    # After decompression: a DOCX/XLSX whose ZIP members would inflate too far never reaches the parser.
    "crawler.bodies.OfficeArchiveGuardMiddleware": 582,
    "crawler.bodies.PdfStreamGuardMiddleware": 581,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.JavaScriptChallengeMiddleware": 560,
    # Before the cookies (700): validators of archived reports as If-None-Match / If-Modified-Since.
    "crawler.middlewares.ConditionalRequestMiddleware": 570,
    # After decompression (590), before anything reads the text.
    "crawler.middlewares.EncodingMiddleware": 585,
    # With an archive: list pages revalidated every run (304 when unchanged), where Scrapy's own
    # HTTP cache would sit.
    "crawler.middlewares.ListPageCacheMiddleware": 900,
    # With an archive: a list page drawn by scripts is rendered again only when its inputs changed.
    "crawler.middlewares.RenderedListCacheMiddleware": 880,
    # Next to the network: counts each attempt a host left unanswered, and stops asking one that stopped.
    "crawler.hosts.UnresponsiveHostMiddleware": 960,
    # Outside the cache, so that the bytes counted are the bytes that crossed the network.
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "crawler.middlewares.NetworkStats": 950,
    # Next to the download handler, so that everything else sees the real https addresses.
    "crawler.middlewares.ReplicaProxyMiddleware": 990,
}
NIANBAO_DB = os.environ.get("NIANBAO_DB", "")
#: With an archive, keep list pages in `<db>.httpcache/` to revalidate them next run (304s).
NIANBAO_LIST_CACHE = True
#: With an archive, keep browser-rendered list pages in `<db>.rendered/` with digests of what they
#: were drawn from, and render them again only when that changed.
NIANBAO_RENDER_CACHE = True
#: Where those two caches live when not beside the archive (a cluster job's shard is new each
#: run, its portal's caches are not): `nianbao cluster crawl` keeps them in the shard directory.
NIANBAO_LIST_CACHE_DIR = ""
NIANBAO_RENDER_CACHE_DIR = ""

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "crawler.handler.DownloadHandler",
    "https": "crawler.handler.DownloadHandler",
}


def _chromium() -> str | None:
    """Debian's Chromium where installed; otherwise Playwright's own (`playwright install chromium`).

    Debian's `/usr/bin/chromium` is a shell script that sources /etc/chromium.d: Google API keys,
    `--enable-remote-extensions` and system extensions. The binary it wraps starts without them.
    """
    explicit = os.environ.get("NIANBAO_CHROMIUM")
    if explicit:
        return explicit
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        real = os.path.join("/usr/lib", os.path.basename(found), os.path.basename(found))
        if _is_script(found) and os.access(real, os.X_OK):
            return real
    return found


def _is_script(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


# Chromium keeps only the last `--disable-features` it is given, and Playwright passes its own
# list first: ours must repeat Playwright's (1.5x-1.6x: AimEnabled and PreconnectToSearch stop its
# calls to www.google.com) or they are lost.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "OptimizationHints",
    "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch",
)
NIANBAO_DISABLED_FEATURES = (
    "Translate", "AutofillServerCommunication", "CertificateTransparencyComponentUpdater",
    "InterestFeedContentSuggestions", "PrivacySandboxSettings4", "SafeBrowsing",
)
# What no switch of Debian's Chromium 150 turns off (the account list on accounts.google.com that
# Playwright's SkipListAccountsWithoutGaiaCookies stops only in later Chromiums; the GCM check-in on
# android.clients.google.com): those hosts bypass the replica proxy and resolve to nothing, so the
# request dies inside the browser. No portal page needs Google.
GOOGLE_SERVICE_HOSTS = ("google.com", "*.google.com", "*.googleapis.com", "*.gvt1.com", "*.gvt2.com")

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
        "--metrics-recording-only",
        "--host-resolver-rules=" + ", ".join(f"MAP {host} ~NOTFOUND" for host in GOOGLE_SERVICE_HOSTS),
        # Keep http:// navigations on http (the replica serves no TLS).
        "--disable-features=" + ",".join(PLAYWRIGHT_DISABLED_FEATURES + NIANBAO_DISABLED_FEATURES),
    ],
}
_CHROMIUM = _chromium()
if _CHROMIUM:
    PLAYWRIGHT_LAUNCH_OPTIONS["executable_path"] = _CHROMIUM
if NIANBAO_REPLICA:
    PLAYWRIGHT_LAUNCH_OPTIONS["proxy"] = {"server": NIANBAO_REPLICA, "bypass": ",".join(GOOGLE_SERVICE_HOSTS)}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
# One driver and one Chromium for the process, started when a page first needs them (crawler/browser.py).
PLAYWRIGHT_BROWSER_PROVIDER = "crawler.browser.SharedBrowserProvider"
# Pages open at once per portal: each is a renderer process of its own (~100 MB).
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_ABORT_REQUEST = "crawler.hygiene.abort_request"

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
