"""The worker processes of a crawl run, and how work is split between them.

One Python process uses one core, and a Scrapy crawler process runs one crawl and cannot be
restarted: each phase of a run (crawl, then link verification) runs one worker process per
group of sites or targets. Groups are split by server address, so per-address politeness
holds across processes. Workers report progress through a queue and write results to the
store only; Ctrl-C or SIGTERM asks each for a graceful stop (its batches are flushed), and a
worker whose parent dies stops the same way.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from crawler.netguard import resolve

ProgressFn = Callable[[str, dict[str, dict[str, int]]], None]


def partition_by_address(items: list[tuple[Any, str]], workers: int) -> list[list[Any]]:
    """Split keys (item[0]) into ``workers`` groups; keys sharing a host address
    (item[1]) stay together so per-address politeness holds across processes."""
    groups: dict[str, list[Any]] = {}
    for key, host in items:
        groups.setdefault(resolve(host) or host, []).append(key)
    bins: list[list[Any]] = [[] for _ in range(max(1, workers))]
    for members in sorted(groups.values(), key=len, reverse=True):
        min(bins, key=len).extend(members)
    return [b for b in bins if b]


def run_workers(ctx: Any, kind: str, jobs: list[dict[str, Any]], settings: dict[str, Any],
                on_progress: ProgressFn | None, log_dir: Path | None,
                meanwhile: Callable[[], None] | None = None) -> bool:
    """Run one worker process per job until all end; ``meanwhile`` runs here once they
    are started (they import their modules in the meantime). True when interrupted
    (Ctrl-C, SIGTERM); RuntimeError when a worker died otherwise."""
    progress_q = ctx.Queue()
    procs = [ctx.Process(target=worker_main,
                         args=(kind, _with_log(settings, log_dir, kind, job, i), job, progress_q),
                         daemon=False)
             for i, job in enumerate(jobs)]
    interrupted = False

    def started() -> list[Any]:  # pid is set as soon as the child process exists
        return [p for p in procs if p.pid is not None]

    try:
        for p in procs:  # inside the try: an interrupt while starting stops those started
            p.start()
        if meanwhile is not None:
            meanwhile()
        _pump(kind, progress_q, procs, on_progress)
    except KeyboardInterrupt:
        interrupted = True
        for p in started():  # ask each Scrapy process for a graceful stop (flushes batches)
            if p.is_alive():
                os.kill(p.pid, signal.SIGINT)
        try:  # keep reading reports: a worker blocked on a full queue cannot exit
            _pump(kind, progress_q, started(), on_progress, deadline=time.monotonic() + 30)
        except KeyboardInterrupt:
            pass  # asked again: stop waiting
        for p in started():
            if p.is_alive():
                p.terminate()
    except BaseException:  # e.g. the store failed in ``meanwhile``: workers must not wait
        for p in started():
            if p.is_alive():
                p.terminate()
        raise
    finally:
        for p in started():
            p.join()
        _drain(kind, progress_q, on_progress)
    failed = [p.exitcode for p in started() if p.exitcode not in (0, None)]
    if failed and not interrupted:
        raise RuntimeError(f"抓取进程异常退出 (exit code {failed[0]})")
    return interrupted


def _pump(kind: str, progress_q: Any, procs: list[Any], on_progress: ProgressFn | None,
          deadline: float | None = None) -> None:
    """Relay worker reports until the workers end (or the deadline passes).

    Waits on the queue and on the workers' sentinels together (as the standard library's
    ProcessPoolExecutor does), so a phase ends when its last worker exits: waiting on the
    queue alone noticed the exit only at the next 0.5 s timeout, ~0.5 s lost per phase."""
    reader = progress_q._reader  # the queue's receiving end, for connection.wait()
    while True:
        alive = [p for p in procs if p.is_alive()]
        if not alive or (deadline is not None and time.monotonic() > deadline):
            return
        if reader not in wait([reader, *(p.sentinel for p in alive)], timeout=0.5):
            continue
        try:
            msg = progress_q.get_nowait()
        except queue.Empty:  # another reader took it, or a partial message: wait again
            continue
        if on_progress:
            on_progress(kind, msg)


def _drain(kind: str, progress_q: Any, on_progress: ProgressFn | None) -> None:
    """Relay the last reports of workers that have ended."""
    while True:
        try:
            msg = progress_q.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        if on_progress:
            on_progress(kind, msg)


def _with_log(settings: dict[str, Any], log_dir: Path | None, kind: str,
              job: dict[str, Any], index: int) -> dict[str, Any]:
    """Per-worker settings: Scrapy's log goes to a file of the workspace, so errors of
    hostile sites never scroll over the live display."""
    if log_dir is None:
        return settings
    log_dir.mkdir(parents=True, exist_ok=True)
    name = f"run-{job['run_id']}-{kind}-{index + 1}.log"
    return {**settings, "LOG_FILE": str(log_dir / name), "LOG_LEVEL": "WARNING"}


# -- in the worker processes ------------------------------------------------------------
def worker_main(kind: str, settings: dict[str, Any], job: dict[str, Any],
                progress: Any) -> None:
    """Worker-process entry point: one Scrapy crawler process with one spider (crawl), or
    the aiohttp link verifier (verify)."""
    try:
        if kind == "verify":
            _verify(settings, job, progress)
        else:
            _crawl(settings, job, progress)
    finally:
        # The process ends now. Its last garbage collection, at interpreter shutdown, walked
        # every object Scrapy, aiohttp and SQLAlchemy left (~0.27 s of each phase, waited
        # for by the crawl command); frozen objects are left to the exit. Results are in
        # the store already and the progress queue is flushed after this, as before.
        gc.freeze()


def _crawl(settings: dict[str, Any], job: dict[str, Any], progress: Any) -> None:
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.settings import Settings as ScrapySettings

    from crawler import settings as defaults
    from crawler.spiders.site import SiteSpider

    s = ScrapySettings()
    s.setmodule(defaults, priority="project")
    s.setdict(settings, priority="cmdline")
    process = AsyncCrawlerProcess(s)  # sets the asyncio loop it runs on as current
    # Scrapy leaves its loggers at NOTSET and filters in the handler: a "Crawled" and a
    # "Scraped" debug record were built for every page and then dropped (1.6 % of a crawl
    # worker's CPU). The logger level now matches the handler's.
    logging.getLogger("scrapy").setLevel(s.get("LOG_LEVEL"))
    errors: list[str] = []
    done = process.crawl(SiteSpider, progress=progress, **job)

    def _failed(future: Any) -> None:
        if not future.cancelled() and future.exception() is not None:
            errors.append(f"{type(future.exception()).__name__}: {future.exception()}")

    done.add_done_callback(_failed)
    loop = asyncio.get_event_loop()  # AsyncCrawlerProcess's, set before the crawl starts
    _on_parent_death(loop, lambda: asyncio.ensure_future(process.stop()))
    process.start()
    if errors:
        print(f"govmon crawl worker failed: {errors[0]}", file=sys.stderr)
        sys.exit(3)


def _verify(settings: dict[str, Any], job: dict[str, Any], progress: Any) -> None:
    """Results go to the store in batches; SIGINT/SIGTERM or the parent's death stop the
    verifier after a flush."""
    from crawler.pipelines import StorePipeline
    from crawler.verifier import Verifier
    from crawler.verifynet import VerifyOptions

    if settings.get("LOG_FILE"):
        logging.basicConfig(filename=settings["LOG_FILE"], level=logging.WARNING,
                            format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    store = StorePipeline(settings["GOVMON_DB"])
    store.open_spider()
    verifier = Verifier(job["registry"], job["run_id"],
                        VerifyOptions.from_scrapy(settings, job["recheck_delay"]),
                        sink=store, progress=progress)
    targets = job["targets"]
    if targets is None:  # started before its targets were known (crawler.runner)
        targets = _wait_for_targets(job["feed"])
        if targets is None:
            return

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(verifier.run(targets))
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        _on_parent_death(loop, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass
        finally:
            store.close_spider(verifier)

    asyncio.run(main())


def _wait_for_targets(feed: Any) -> list[tuple[str, str]] | None:
    """The targets the crawl command sends once it knows them; None when it is gone or
    this worker is interrupted first (SIGINT raises KeyboardInterrupt here)."""
    parent = mp.parent_process()
    try:
        while True:
            try:
                return feed.get(timeout=1.0)
            except queue.Empty:
                if parent is not None and not parent.is_alive():
                    return None
    except KeyboardInterrupt:
        return None


def _on_parent_death(loop: asyncio.AbstractEventLoop, stop: Callable[[], Any]) -> None:
    """Call ``stop`` on the worker's loop (a graceful stop: batches flushed) when the crawl
    command dies: after a kill -9 of the parent an orphaned worker would go on writing to
    a run that is about to be marked interrupted and resumed."""
    parent = mp.parent_process()
    if parent is None:
        return

    def _watch() -> None:
        parent.join()  # returns when the parent process is gone
        loop.call_soon_threadsafe(stop)

    threading.Thread(target=_watch, name="govmon-parent-watch", daemon=True).start()
