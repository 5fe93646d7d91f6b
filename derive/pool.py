"""Scanning ahead: the page scans of the next sites in worker processes.

The page scan (``derive.scan``) is most of a check's CPU and sites are independent, so
``govmon check`` / ``nightly`` with ``workers`` > 1 scan the next sites in worker processes
(spawned: a fresh interpreter each, reading committed crawl data only) while the runner's
process derives and checks the current one.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import make_url
from sqlalchemy.orm import Session

from derive.scan import PageExtractor, SiteScan, pages_version, scan_pages
from derive.source import SiteSource
from store.db import make_engine
from store.models import Run, Site


class ScanPool:
    """Scans sites in worker processes ahead of the runner.

    The page scan is most of a check's CPU and sites are independent, so workers scan the
    next sites while the runner's process runs the other rules of the current one. At most
    ``workers + 1`` scans are pending or waiting (each holds a site's page facts in memory).
    Workers only read committed crawl data (pages, snapshots, links, sites), which a check
    never writes.
    """

    def __init__(self, url: str, run_id: int, site_ids: list[int], workers: int,
                 extractors: Mapping[str, PageExtractor]):
        self.run_id = run_id
        self._extractors = dict(extractors)
        self._queue = list(site_ids)
        self._ahead = workers + 1
        self._futures: dict[int, Future] = {}
        self._url = url
        self.used = 0  # scans taken from the workers
        self._executor = ProcessPoolExecutor(max_workers=workers,
                                             mp_context=mp.get_context("spawn"),
                                             initializer=_worker_init)
        self._fill()

    def _fill(self) -> None:
        while self._queue and len(self._futures) < self._ahead:
            site_id = self._queue.pop(0)
            try:
                self._futures[site_id] = self._executor.submit(
                    scan_in_worker, self._url, self.run_id, site_id, self._extractors)
            except Exception:  # noqa: BLE001 - a broken pool: the runner scans by itself
                self._queue.clear()

    def take(self, run_id: int, site_id: int, version: tuple[int, int | None]
             ) -> SiteScan | None:
        """A worker's scan of the site, if it saw exactly the pages ``version`` (count,
        newest id) describes; None when it was not scanned ahead, the worker failed or saw
        other pages (the caller then scans itself)."""
        future = self._futures.pop(site_id, None) if run_id == self.run_id else None
        self._fill()
        if future is None:
            return None
        try:
            seen, result = future.result()
        except Exception:  # noqa: BLE001 - a failed worker costs time, not results
            return None
        if seen != version:
            return None
        self.used += 1
        return result

    def release(self, site_id: int) -> None:
        """The runner is done with a site: drop a scan that was not used."""
        future = self._futures.pop(site_id, None)
        if future is not None:
            future.cancel()
        if site_id in self._queue:
            self._queue.remove(site_id)
        self._fill()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def scanning_ahead(url: str, run_id: int, site_ids: list[int], workers: int,
                   extractors: Mapping[str, PageExtractor]) -> Iterator[ScanPool | None]:
    """A pool scanning the sites' pages in ``workers`` processes while the block runs
    (None with fewer than two workers or an in-memory database)."""
    if workers < 2 or not site_ids or _in_memory(url):
        yield None
        return
    pool = ScanPool(url, run_id, site_ids, workers, extractors)
    try:
        yield pool
    finally:
        pool.close()


def _in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


_worker_engines: dict[str, Any] = {}


def _worker_init() -> None:
    """Ctrl-C is the runner's to handle (it stops the pool): no traceback per worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def scan_in_worker(url: str, run_id: int, site_id: int,
                   extractors: Mapping[str, PageExtractor]
                   ) -> tuple[tuple[int, int | None], SiteScan]:
    """One site's scan in a worker process, with the page version it saw."""
    engine = _worker_engines.get(url)
    if engine is None:
        engine = _worker_engines[url] = make_engine(url)
    with Session(engine) as session:
        src = SiteSource(session, session.get(Run, run_id), session.get(Site, site_id))
        return pages_version(src), scan_pages(src, extractors)


def scan(src: SiteSource, extractors: Mapping[str, PageExtractor],
         pool: ScanPool | None = None) -> SiteScan:
    """The site's page scan: a worker's, when ``pool`` scanned it ahead on the same pages,
    else made here."""
    ahead = pool.take(src.run.id, src.site.id, pages_version(src)) if pool is not None else None
    return ahead if ahead is not None else scan_pages(src, extractors)
