"""Every use the crawler makes of a Scrapy internal, in one place.

Checked against Scrapy 2.19.0 (``SCRAPY_CHECKED``); tests/test_scrapy_private.py fails when
Scrapy changes what is relied on here. Everything else in crawler/ goes through Scrapy's
public interfaces: settings, signals, spider and downloader middlewares, the methods the
scheduler calls on its priority queue (``SCHEDULER_PRIORITY_QUEUE``) and the
download-handler interface (``DOWNLOAD_HANDLERS``).

Replaced by public interfaces in issue 14: ``Downloader._get_slot`` / ``Slot.queue`` /
``_process_queue`` (now per-address places in crawler/handler.py), the private
``handlers._aiohttp`` handler and its helpers (crawler/handler.py),
``DownloaderAwarePriorityQueue._next_slot`` / ``_downloader_interface`` /
``_last_selected_slot`` (crawler/scheduling.py), ``RobotsTxtMiddleware._parsers``
(crawler/robots.py); crawl-time verification, which borrowed downloader slots, was removed.

Undocumented but not private by name: ``scrapy.responsetypes.responsetypes``, which picks
the response class (``HtmlResponse`` for HTML, plain ``Response`` for a PDF) in
crawler/handler.py as in every Scrapy handler; the spider reads only ``TextResponse``
pages. Tested with the rest.
"""

from __future__ import annotations

SCRAPY_CHECKED = "2.19.0"


class QuietRefererWarning:
    """Mixin for Scrapy's redirect middlewares whose ``handle_referer`` (the public hook,
    which Scrapy's docstring says to override) keeps the Referer the spider set.

    Private: ``BaseRedirectMiddleware._engine_started``. ``from_crawler`` connects it to
    ``engine_started``; it looks for Scrapy's RefererMiddleware (off in govmon: every spider
    middleware costs CPU on every page) and, finding none, logs a warning that Referer
    headers will be removed on redirects, also for subclasses that override
    ``handle_referer``. That warning is wrong for govmon and would sit in every worker's
    log; if Scrapy renames the method it comes back (and the test fails).
    """

    def _engine_started(self) -> None:
        return None
