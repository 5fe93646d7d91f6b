"""Scrapy settings shared by govmon's spiders. ``crawler.runner`` overlays the workspace
settings (budgets, politeness, robots) on top of these per run."""

BOT_NAME = "govmon"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "govmon/0.1 (+https://github.com/govmon/govmon; 政府网站监测)"
ROBOTSTXT_OBEY = True

# Breadth-first: first pages of every column before deep pages.
DEPTH_PRIORITY = 1
DEPTH_LIMIT = 0  # the spider applies per-site depth budgets itself
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# Sites advance in proportion to their backlog, not all at one rate (crawler/scheduling.py)
SCHEDULER_PRIORITY_QUEUE = "crawler.scheduling.BacklogPriorityQueue"
# The spider drops already-seen URLs before building requests (cheaper than fingerprints).
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"

CONCURRENT_REQUESTS = 32
# What one callback yields is handled item after item: Scrapy (2.13+) otherwise starts
# CONCURRENT_ITEMS (100) asyncio tasks per response to work through it, which cost more
# CPU than parsing the page, and the store pipeline is synchronous anyway.
CONCURRENT_ITEMS = 1
# Scrapy's check for generator callbacks that return a value re-parses the callback's source
# (inspect + ast) for every response: its cache is keyed by short-lived bound methods.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy's own statistics are never read (progress and results go to the store), but
# collecting them ran on every request, response and item.
STATS_CLASS = "scrapy.statscollectors.DummyStatsCollector"
DOWNLOADER_STATS = False
EXTENSIONS = {
    "scrapy.extensions.corestats.CoreStats": None,
    "scrapy.extensions.logstats.LogStats": None,
    "scrapy.extensions.memusage.MemoryUsage": None,
}
CONCURRENT_REQUESTS_PER_DOMAIN = 4  # applies per server address: slots are keyed by IP
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
DNS_TIMEOUT = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
METAREFRESH_ENABLED = True
HTTPERROR_ALLOW_ALL = True  # error pages are data, not exceptions
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control (on by default) opens, in every crawl worker, a localhost
# HTTP server that runs the Python code posted to it, and announces it in a job file that a
# killed worker leaves behind: any local user could run code as govmon. Off, as telnet is.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "ERROR"  # progress goes to the live display, data to the store
AUTOTHROTTLE_ENABLED = False
# No Twisted reactor: Scrapy runs on asyncio and downloads with aiohttp (already a Scrapy
# requirement, and what crawler/verifier.py uses). Measured as two concurrent 10k-page
# runs: crawl-worker CPU 5.62 -> 5.41 and 6.09 -> 5.42 ms/page against Twisted's client.
TWISTED_REACTOR_ENABLED = False
# aiohttp with the address guard in its resolver and per-address transfer places
# (crawler/handler.py): Scrapy's own downloader does not hold CONCURRENT_REQUESTS_PER_DOMAIN
# without a reactor.
DOWNLOAD_HANDLERS = {
    "http": "crawler.handler.GuardedDownloadHandler",
    "https": "crawler.handler.GuardedDownloadHandler",
}

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AddressGuardMiddleware": 50,
    # Responses pass middlewares from high to low order: 560 sees a 429 before
    # RetryMiddleware (550) would spend a retry on it without waiting.
    "crawler.middlewares.RetryAfterMiddleware": 560,
    # Scrapy's own lets concurrent waiters through unchecked (see crawler/robots.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsTxtMiddleware": 100,
    # No allowed_domains (scope is the registry's, checked before a request exists) and no
    # HTTP auth: two middleware calls less per request.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
}
# Every spider middleware wraps each callback's output in another async generator: that
# chain was a fifth of the crawl workers' CPU. None of Scrapy's is needed: depth budgets,
# the Referer header and the URL length limit are the spider's own (site.py), error pages
# are data (HTTPERROR_ALLOW_ALL), and start requests are marked by the spider itself.
SPIDER_MIDDLEWARES_BASE: dict[str, int] = {}
SPIDER_MIDDLEWARES: dict[str, int] = {}
URLLENGTH_LIMIT = 2083  # enforced by SiteSpider._request (Scrapy's middleware is off)
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}  # off without GOVMON_DB
# What `scrapy crawl site -O pages.jsonl` writes of a page (crawler/workspace.py): no body
FEED_EXPORT_FIELDS = ["site", "url", "final_url", "status", "error", "content_type",
                      "encoding", "title", "depth", "referrer", "links"]
