"""A govmon workspace's settings as Scrapy settings, and ``scrapy crawl site`` on a workspace.

``govmon crawl`` is how govmon crawls: it records a run in the store, splits the sites
between worker processes by server address and verifies every link after the crawl.
``scrapy crawl site`` (scrapy.cfg at the repository root) runs the same spider, download
stack and workspace settings in one process, without the store; the pages go to Scrapy's
feed exports. It is for trying a site or a setting with Scrapy's own tools::

    scrapy crawl site -a workspace=DIR [-a sites=CODE,CODE] [-a max_pages=N] -O pages.jsonl

``-s NAME=VALUE`` overrides a workspace setting (command-line settings rank above the
spider's).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from settings.config import Settings


def scrapy_settings(settings: Settings, db_url: str | None) -> dict[str, Any]:
    """The Scrapy settings a govmon workspace sets; ``db_url`` None: no store (the store
    pipeline is off and pages go to feed exports)."""
    return {
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": settings.obey_robots,
        "CONCURRENT_REQUESTS": settings.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.per_ip_concurrency,
        "DOWNLOAD_DELAY": settings.delay,
        "DOWNLOAD_TIMEOUT": settings.timeout,
        "RETRY_TIMES": settings.retries,
        "DOWNLOAD_MAXSIZE": settings.max_response_bytes,
        "GOVMON_DB": db_url,
        "GOVMON_MAX_RETRY_AFTER": settings.max_retry_after,
    }


def spider_arguments(crawler_settings: BaseSettings, workspace: str = ".",
                     sites: str = "", max_pages: str | None = None) -> dict[str, Any]:
    """``SiteSpider`` arguments for ``scrapy crawl site -a workspace=DIR ...``: the
    workspace's registry and settings (applied to ``crawler_settings`` at spider priority).
    The sites are the registry's running ones, or those named by ``sites``. Bad input
    ends the command with one line on stderr and exit code 2, as govmon's own do."""
    from settings.config import load_settings
    from settings.registry import load
    from settings.schema import InputError

    path = Path(workspace)
    if not (path / "sites.yaml").is_file():
        _bad_input(f"{path} 不是 govmon 工作目录 (没有 sites.yaml)")
    try:
        settings = load_settings(path)
        registry = load(path / "sites.yaml", require_sites=True)
    except InputError as exc:
        _bad_input(str(exc))
    running = [s.code for s in registry.running()]
    codes = [c.strip() for c in sites.split(",") if c.strip()] or running
    unknown = [c for c in codes if c not in running]
    if unknown:
        _bad_input(f"{path / 'sites.yaml'}: 没有正在运行的网站 {', '.join(unknown)}")
    crawler_settings.setdict(scrapy_settings(settings, None), priority="spider")
    return {"registry": registry, "codes": codes, "run_id": 0,
            "max_pages": int(max_pages) if max_pages else settings.max_pages,
            "max_depth": settings.max_depth,
            "max_query_variants": settings.max_query_variants}


def _bad_input(message: str) -> NoReturn:
    """One line and exit code 2. Spiders are made inside Scrapy's event loop: an exception
    would be logged with its traceback (exit code 1); SystemExit leaves the loop at once,
    and asyncio's report of the task it ended is not wanted either."""
    print(f"govmon: {message}", file=sys.stderr)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    raise SystemExit(2)
