"""Runs a crawl: crawl phase, link-verification phase, bookkeeping.

Each phase runs in worker processes (one Python process uses one core; a Scrapy crawler
process runs one crawl and cannot be restarted). Sites are split between workers by server
address, so per-address politeness holds across the whole crawl. Workers report progress through a
queue; the store is the only place results go.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import signal
import socket
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crawler.netguard import resolve
from crawler.outcomes import is_transient, status_verdict
from settings.config import Settings
from settings.registry import Registry
from store.bulk import insert_many
from store.db import open_store
from store.models import Link, LinkCheck, Page, Run, RunSite, Site, Snapshot
from store.ops import mark_stale_runs, prune_snapshots, sync_registry

ProgressFn = Callable[[str, dict[str, dict[str, int]]], None]
# Targets left to verify after the crawl, up to this many, are verified in the crawl
# command's own process (a worker process takes ~1.5 s to start; 2,000 HEADs take less)
VERIFY_HERE_MAX = 2000


@dataclass
class CrawlResult:
    run_id: int
    status: str
    sites: list[dict[str, Any]] = field(default_factory=list)
    # targets left to the verification phase after the crawl (the rest were verified
    # while it ran, or were crawled pages)
    verified_after: int = 0


def scrapy_settings(settings: Settings, db_url: str) -> dict[str, Any]:
    return {
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": settings.obey_robots,
        "CONCURRENT_REQUESTS": settings.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.per_ip_concurrency,
        # Scrapy 2.19's downloader ignores per-slot concurrency (see middlewares.py).
        "DOWNLOADER": "crawler.middlewares.PoliteDownloader",
        "DOWNLOAD_DELAY": settings.delay,
        "DOWNLOAD_TIMEOUT": settings.timeout,
        "RETRY_TIMES": settings.retries,
        "DOWNLOAD_MAXSIZE": settings.max_response_bytes,
        "GOVMON_DB": db_url,
        "GOVMON_MAX_RETRY_AFTER": settings.max_retry_after,
    }


def _run_spider(kind: str, scrapy_overrides: dict[str, Any], kwargs: dict[str, Any],
                progress: Any) -> None:
    """Worker-process entry point: one Scrapy crawler process, one spider (crawl), or
    the aiohttp link verifier (verify)."""
    if kind == "verify":
        from crawler.verifier import run_worker

        run_worker(scrapy_overrides, kwargs, progress)
        return
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.settings import Settings as ScrapySettings

    from crawler import settings as defaults
    from crawler.spiders.site import SiteSpider

    s = ScrapySettings()
    s.setmodule(defaults, priority="project")
    s.setdict(scrapy_overrides, priority="cmdline")
    process = AsyncCrawlerProcess(s)  # sets the asyncio loop it runs on as current
    # Scrapy leaves its loggers at NOTSET and filters in the handler: a "Crawled" and a
    # "Scraped" debug record were built for every page and then dropped (1.6 % of a crawl
    # worker's CPU). The logger level now matches the handler's.
    logging.getLogger("scrapy").setLevel(s.get("LOG_LEVEL"))
    errors: list[str] = []
    done = process.crawl(SiteSpider, progress=progress, **kwargs)

    def _failed(future: Any) -> None:
        if not future.cancelled() and future.exception() is not None:
            errors.append(f"{type(future.exception()).__name__}: {future.exception()}")

    done.add_done_callback(_failed)
    _watch_parent(process)
    process.start()
    if errors:
        print(f"govmon {kind} worker failed: {errors[0]}", file=sys.stderr)
        sys.exit(3)


def _watch_parent(process: Any) -> None:
    """Stop the worker gracefully (spider closed, store batches flushed) when the crawl
    command dies: after a kill -9 of the parent an orphaned worker would go on writing
    to a run that is about to be marked interrupted and resumed."""
    import threading

    parent = mp.parent_process()
    if parent is None:
        return
    import asyncio

    loop = asyncio.get_event_loop()  # AsyncCrawlerProcess's, set before the crawl starts

    def _watch() -> None:
        parent.join()  # returns when the parent process is gone
        loop.call_soon_threadsafe(lambda: asyncio.ensure_future(process.stop()))

    threading.Thread(target=_watch, name="govmon-parent-watch", daemon=True).start()


def _partition_by_address(items: list[tuple[str, str]], workers: int) -> list[list[str]]:
    """Split keys (item[0]) into ``workers`` groups; keys sharing a host address
    (item[1]) stay together so per-address politeness holds across processes."""
    groups: dict[str, list[str]] = {}
    for key, host in items:
        groups.setdefault(resolve(host) or host, []).append(key)
    bins: list[list[str]] = [[] for _ in range(max(1, workers))]
    for members in sorted(groups.values(), key=len, reverse=True):
        min(bins, key=len).extend(members)
    return [b for b in bins if b]


class Crawl:
    """One crawl run over a registry (or a resumed one)."""

    def __init__(self, registry: Registry, settings: Settings, db_url: str,
                 progress: ProgressFn | None = None, log_dir: Path | None = None):
        self.registry = registry
        self.settings = settings
        self.db_url = db_url
        self.sessions = open_store(db_url)
        self.on_progress = progress
        self.log_dir = log_dir  # worker logs go here (not to the terminal) when set
        self.ctx = mp.get_context("spawn")
        self.interrupted = False
        self.verified_after = 0

    # -- run bookkeeping --------------------------------------------------------------
    def _new_run(self, codes: list[str], options: dict[str, Any]) -> int:
        with self.sessions.begin() as s:
            mark_stale_runs(s)
            ids = sync_registry(s, self.registry)
            run = Run(started_at=datetime.now(), status="running", options=options,
                      pid=os.getpid(), host=socket.gethostname())
            s.add(run)
            s.flush()
            for spec in self.registry.sites:
                crawl = spec.code in codes
                s.add(RunSite(run_id=run.id, site_id=ids[spec.code],
                              status="pending" if crawl else "skipped",
                              note=None if crawl else ("已关停，不抓取" if not spec.running
                                                       else "本次未选择")))
            return run.id

    def run(self, codes: list[str] | None = None, max_pages: int | None = None) -> CrawlResult:
        running = [s.code for s in self.registry.running()]
        codes = [c for c in (codes or running) if c in running]
        options = {"sites": codes, **asdict(self.settings.merged(max_pages=max_pages)),
                   # pages' elapsed_ms is the server's answer time (download latency), not
                   # time since scheduling: the link rule may compare it with 15 s
                   "page_elapsed": "latency"}
        options.pop("db", None)
        run_id = self._new_run(codes, options)
        return self._execute(run_id, codes, resume=False)

    def resume(self, run_id: int | None = None) -> CrawlResult:
        with self.sessions.begin() as s:
            mark_stale_runs(s)
            sync_registry(s, self.registry)
            q = select(Run).where(Run.status.in_(("interrupted", "running")))
            run = s.get(Run, run_id) if run_id else s.scalars(q.order_by(Run.id.desc())).first()
            if run is None or run.status not in ("interrupted",):
                raise RuntimeError("没有可续爬的中断任务" if run is None
                                   else f"任务 {run.id} 状态为 {run.status}，不能续爬")
            run.status, run.pid, run.host = "running", os.getpid(), socket.gethostname()
            codes = list(run.options.get("sites", []))
            self.settings = self.settings.merged(max_pages=run.options.get("max_pages"))
            rid = run.id
        return self._execute(rid, codes, resume=True)

    # -- phases -----------------------------------------------------------------------
    def _execute(self, run_id: int, codes: list[str], resume: bool) -> CrawlResult:
        previous = signal.signal(signal.SIGTERM, self._on_term)
        try:
            self._set_sites(run_id, codes, status="crawling")
            self._crawl_phase(run_id, codes, resume)
            if not self.interrupted:
                self._verify_phase(run_id)
                # issue 17: HTTPS / certificate / headers / IPv6 probes, attachments
                from crawler import attachments, security
                security.collect(self.registry, self.settings, self.sessions, run_id, codes)
                attachments.collect(self.registry, self.settings, self.sessions, run_id,
                                    codes)
        except KeyboardInterrupt:
            self.interrupted = True
        except RuntimeError:
            # A worker died (killed, out of memory): leave the run resumable rather than
            # "running" for as long as this process lives, then report the failure.
            self.interrupted = True
            self._finish(run_id, codes)
            raise
        finally:
            signal.signal(signal.SIGTERM, previous)
        return self._finish(run_id, codes)

    def _on_term(self, signum: int, frame: Any) -> None:  # noqa: ARG002
        raise KeyboardInterrupt

    def _set_sites(self, run_id: int, codes: list[str], status: str) -> None:
        with self.sessions.begin() as s:
            ids = dict(s.execute(select(Site.code, Site.id)).all())
            for rs in s.scalars(select(RunSite).where(RunSite.run_id == run_id)):
                if rs.site_id in {ids[c] for c in codes}:
                    rs.status = status
                    rs.started_at = rs.started_at or datetime.now()

    def _resume_state(self, run_id: int, codes: list[str]) -> dict[str, Any]:
        """Seen URLs and the frontier per site: the unfetched in-scope pages that fetched
        pages link to, and the script-paging pages they announced (never stored as links:
        without them a resumed crawl would silently lose the rest of those lists).

        Frontier entries are (url, depth, referrer, hidden_paging) with the depths
        ``SiteSpider.parse`` gives: a list's other pages keep its depth (min 1)."""
        from crawler.spiders.site import FOLLOW_TAGS
        from crawler.urls import is_attachment, is_image, is_pager_sibling

        state: dict[str, Any] = {}
        with self.sessions() as s:
            ids = dict(s.execute(select(Site.code, Site.id)).all())
            for code in codes:
                seen = set(s.scalars(select(Page.url).where(
                    Page.run_id == run_id, Page.site_id == ids[code])))
                if not seen:
                    continue
                best: dict[str, tuple[int, str, bool]] = {}  # target -> depth, referrer, hidden
                for target, depth, src in self._resume_paging(s, run_id, ids[code], code, seen):
                    _keep_shallowest(best, target, depth, src, True)
                rows = s.execute(
                    select(Link.target, Page.depth, Page.url, Page.final_url, Link.tag)
                    .join(Page, Page.id == Link.page_id)
                    .where(Link.run_id == run_id, Link.site_id == ids[code],
                           Link.kind.in_(("internal", "frame"))))
                for target, depth, src, final, tag in rows:
                    if (target in seen or tag not in FOLLOW_TAGS
                            or is_attachment(target) or is_image(target)):
                        continue
                    site = self.registry.site_for(target)
                    if site is None or site.code != code:
                        continue
                    sibling = is_pager_sibling(final or src, target)
                    _keep_shallowest(best, target, max(depth, 1) if sibling else depth + 1,
                                     src, False)
                frontier = sorted(((t, d, src, h) for t, (d, src, h) in best.items()),
                                  key=lambda e: e[1])
                state[code] = {"seen": seen, "frontier": frontier,
                               "stats": self._resume_counters(s, run_id, ids[code])}
        return state

    def _resume_paging(self, s, run_id: int, site_id: int, code: str,  # noqa: ANN001
                       seen: set[str]) -> Iterator[tuple[str, int, str]]:
        """(url, depth, referrer) of the unfetched script-paging pages (crawler/paging.py)
        that the site's stored in-scope pages announce, found as ``SiteSpider.parse`` does.

        Snapshots are streamed; ``paging.discover`` gives up at once on a page without any
        of its markers, so only list pages cost a parse and a scope check (article pages,
        the bulk of a large run, cost a decompression and a substring search)."""
        from crawler import paging
        from parse import charset

        site_for = self.registry.site_for
        rows = s.execute(
            select(Page.url, Page.final_url, Page.depth, Page.encoding, Snapshot.body)
            .join(Snapshot, Snapshot.page_id == Page.id)
            .where(Page.run_id == run_id, Page.site_id == site_id,
                   Page.status > 0, Page.status < 400,
                   func.coalesce(Page.content_type, "").not_like("%javascript%"))
            .execution_options(yield_per=500))
        for url, final, depth, encoding, body in rows:
            text = charset.decode(snapshot_html(body), encoding)
            final = final or url
            found = [p.url for p in paging.discover(text, final).pages if p.url not in seen]
            if not found:
                continue
            owner = site_for(final)
            if owner is None or owner.code != code:
                continue  # the crawl reads paging on in-scope pages only
            for target in found:
                target_site = site_for(target)
                if target_site is None or target_site.code == code:
                    yield target, max(depth, 1), url

    @staticmethod
    def _resume_counters(s, run_id: int, site_id: int) -> dict[str, int]:  # noqa: ANN001
        """RunSite counters a resumed crawl continues from (the workers write absolute
        values). Pages and errors are counted from the store: after a kill the last
        written counters may include pages whose batch was lost."""
        where = (Page.run_id == run_id, Page.site_id == site_id,
                 func.coalesce(Page.content_type, "").not_like("%javascript%"))
        pages = s.scalar(select(func.count()).select_from(Page).where(*where)) or 0
        errors = s.scalar(select(func.count()).select_from(Page).where(
            *where, (Page.status == 0) | (Page.status >= 400))) or 0
        rs = s.scalars(select(RunSite).where(RunSite.run_id == run_id,
                                             RunSite.site_id == site_id)).one()
        return {"pages": pages, "errors": errors, "depth_limited": rs.depth_limited,
                "trap_pruned": rs.trap_pruned, "robots_disallowed": rs.robots_disallowed}

    def _pump(self, kind: str, progress_q: Any, procs: list[Any],
              deadline: float | None = None) -> None:
        """Relay worker reports until the workers end (or the deadline passes)."""
        while any(p.is_alive() for p in procs):
            if deadline is not None and time.monotonic() > deadline:
                return
            try:
                msg = progress_q.get(timeout=0.5)
            except queue.Empty:
                continue
            if self.on_progress:
                self.on_progress(kind, msg)

    def _spawn(self, kind: str, jobs: list[dict[str, Any]],
               meanwhile: Callable[[], None] | None = None) -> None:
        """Run one worker process per job until all end; ``meanwhile`` runs here once they
        are started (they import their modules in the meantime)."""
        progress_q = self.ctx.Queue()
        overrides = scrapy_settings(self.settings, self.db_url)
        procs = [self.ctx.Process(target=_run_spider,
                                  args=(kind, self._with_log(overrides, kind, job, i), job,
                                        progress_q), daemon=False)
                 for i, job in enumerate(jobs)]

        def started() -> list[Any]:  # pid is set as soon as the child process exists
            return [p for p in procs if p.pid is not None]

        try:
            for p in procs:  # inside the try: an interrupt while starting stops those started
                p.start()
            if meanwhile is not None:
                meanwhile()
            self._pump(kind, progress_q, procs)
        except KeyboardInterrupt:
            self.interrupted = True
            for p in started():  # ask each Scrapy process for a graceful stop (flushes batches)
                if p.is_alive():
                    os.kill(p.pid, signal.SIGINT)
            try:  # keep reading reports: a worker blocked on a full queue cannot exit
                self._pump(kind, progress_q, started(), deadline=time.monotonic() + 30)
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
            while True:  # drain the last reports
                try:
                    msg = progress_q.get_nowait()
                except (queue.Empty, OSError, ValueError):
                    break
                if self.on_progress:
                    self.on_progress(kind, msg)
        failed = [p.exitcode for p in started() if p.exitcode not in (0, None)]
        if failed and not self.interrupted:
            raise RuntimeError(f"抓取进程异常退出 (exit code {failed[0]})")

    def _with_log(self, overrides: dict[str, Any], kind: str, job: dict[str, Any],
                  index: int) -> dict[str, Any]:
        """Per-worker settings: Scrapy's log goes to a file of the workspace, so errors of
        hostile sites never scroll over the live display."""
        if self.log_dir is None:
            return overrides
        self.log_dir.mkdir(parents=True, exist_ok=True)
        name = f"run-{job['run_id']}-{kind}-{index + 1}.log"
        return {**overrides, "LOG_FILE": str(self.log_dir / name), "LOG_LEVEL": "WARNING"}

    def _crawl_phase(self, run_id: int, codes: list[str], resume: bool) -> None:
        if not codes:
            return
        state = self._resume_state(run_id, codes) if resume else {}
        hosts = [(c, self.registry.by_code(c).home_host) for c in codes]
        groups = _partition_by_address(hosts, self.settings.workers)
        # Links are verified during the crawl (crawler/crawltime.py) unless a download delay
        # asks for requests spaced out per server: borrowed places would not respect it.
        during = self.settings.verify_during_crawl and self.settings.delay == 0
        verified = self._checked_targets(run_id) if resume and during else None
        jobs = []
        for index, group in enumerate(groups):
            jobs.append({
                "verify_share": (index, len(groups)) if during else None,
                "verify_external": self.settings.verify_external, "verified": verified,
                "recheck_delay": self.settings.recheck_delay,
                "registry": self.registry, "codes": group, "run_id": run_id,
                "max_pages": self.settings.max_pages, "max_depth": self.settings.max_depth,
                "max_query_variants": self.settings.max_query_variants,
                "resume_state": {c: state[c] for c in group if c in state},
            })
        self._spawn("crawl", jobs)

    def _checked_targets(self, run_id: int) -> set[str]:
        with self.sessions() as s:
            return set(s.scalars(select(LinkCheck.target).where(LinkCheck.run_id == run_id)))

    def _verify_phase(self, run_id: int) -> None:
        if self._expect_few_targets(run_id):
            targets = self._targets_to_verify(run_id)
            if targets:
                self._verify_here(run_id, targets)
            return
        # Many targets: the worker processes start first and import their modules (~1 s)
        # while this process works out what they are to verify.
        feeds = [self.ctx.Queue() for _ in range(max(1, self.settings.workers))]
        jobs = [{"registry": self.registry, "run_id": run_id, "targets": None, "feed": q,
                 "recheck_delay": self.settings.recheck_delay} for q in feeds]

        def feed() -> None:
            targets = self._targets_to_verify(run_id)
            by_key = {t: site for t, site in targets}
            from urllib.parse import urlsplit

            items = [(t, urlsplit(t).hostname or "") for t, _ in targets]
            groups = _partition_by_address(items, len(feeds)) if items else []
            for i, q in enumerate(feeds):
                q.put([(t, by_key[t]) for t in groups[i]] if i < len(groups) else [])

        self._spawn("verify", jobs, meanwhile=feed)

    def _targets_to_verify(self, run_id: int) -> list[tuple[str, str]]:
        targets = self._derive_checks(run_id)
        if not self.settings.verify_external:
            targets = [(t, c) for t, c in targets if self.registry.site_for(t) is not None]
        self.verified_after = len(targets)
        return targets

    def _expect_few_targets(self, run_id: int) -> bool:
        """Whether the verification phase is small enough for this process: distinct link
        targets not yet checked, less the run's pages (most of which are link targets the
        crawl verified). A wrong guess costs time only: either path verifies everything."""
        with self.sessions() as s:
            targets = s.scalar(select(func.count(func.distinct(Link.target)))
                               .where(Link.run_id == run_id)) or 0
            checked = s.scalar(select(func.count()).select_from(LinkCheck)
                               .where(LinkCheck.run_id == run_id)) or 0
            pages = s.scalar(select(func.count()).select_from(Page)
                             .where(Page.run_id == run_id)) or 0
        return targets - checked - pages <= VERIFY_HERE_MAX

    def _verify_here(self, run_id: int, targets: list[tuple[str, str]]) -> None:
        """Verify a few leftover targets in this process: a worker process costs more to
        start than they take."""
        import asyncio

        from crawler.pipelines import StorePipeline
        from crawler.verifier import Verifier, VerifyOptions

        options = VerifyOptions.from_scrapy(scrapy_settings(self.settings, self.db_url),
                                            self.settings.recheck_delay)
        store = StorePipeline(self.db_url)
        store.open_spider()
        verifier = Verifier(self.registry, run_id, options, sink=store,
                            progress=_ProgressRelay(self.on_progress, "verify"))
        try:
            asyncio.run(verifier.run(targets))
        finally:  # also on Ctrl-C: what was verified is kept
            store.close_spider(verifier)

    def _derive_checks(self, run_id: int) -> list[tuple[str, str]]:
        """Store checks for targets the crawl already fetched; return the rest to verify.

        A crawled page is its own verification, except when it failed transiently: those
        go to the verifier to be tried again.
        """
        now = datetime.now()
        with self.sessions.begin() as s:
            codes = dict(s.execute(select(Site.id, Site.code)).all())
            done = set(s.scalars(select(LinkCheck.target).where(LinkCheck.run_id == run_id)))
            # Each distinct target with the site of its first link row, picked in SQL:
            # streaming every link row (25 a page) through Python took most of this step.
            first = (select(func.min(Link.id)).where(Link.run_id == run_id)
                     .group_by(Link.target).scalar_subquery())
            targets: dict[str, str] = {}
            for target, site_id in s.execute(select(Link.target, Link.site_id)
                                             .where(Link.id.in_(first))):
                if target not in done:
                    targets[target] = codes[site_id]
            pages = s.execute(select(Page.url, Page.status, Page.error, Page.soft404,
                                     Page.final_url, Page.content_type, Page.elapsed_ms)
                              .where(Page.run_id == run_id))
            rows = []
            for url, status, error, soft404, final, ctype, elapsed in pages:
                if url not in targets:
                    continue
                if status:
                    outcome, err = status_verdict(status)
                    if outcome == "ok" and soft404:
                        outcome, err = "broken", "soft404"
                elif error == "too_large":  # the page exists, it is only big (as in verify)
                    outcome, err = "ok", error
                else:
                    outcome, err = ("skipped" if error in ("private", "robots") else "broken",
                                    error)
                if is_transient(err):
                    continue  # re-verify later in the run
                del targets[url]
                rows.append({"run_id": run_id, "target": url, "outcome": outcome,
                             "status": status, "error_class": err, "method": "crawl",
                             "redirects": [], "final_url": final, "content_type": ctype,
                             "elapsed_ms": elapsed, "attempts": 1, "checked_at": now})
            # driver-level executemany (store/bulk.py): ~50,000 rows after a 50k-page crawl
            insert_many(s.connection(), LinkCheck.__table__, rows)
        return sorted(targets.items())

    def _finish(self, run_id: int, codes: list[str]) -> CrawlResult:
        with self.sessions.begin() as s:
            run = s.get(Run, run_id)
            ids = dict(s.execute(select(Site.code, Site.id)).all())
            crawl_ids = {ids[c] for c in codes}
            counts = _link_counts_by_site(s, run_id)
            summary = []
            for rs in s.scalars(select(RunSite).where(RunSite.run_id == run_id)):
                if rs.site_id not in crawl_ids:
                    continue
                site = s.get(Site, rs.site_id)
                home = s.scalars(select(Page).where(Page.run_id == run_id,
                                                    Page.site_id == rs.site_id,
                                                    Page.depth == 0)).first()
                rs.finished_at = datetime.now()
                notes = []
                if self.interrupted and home is None:  # stopped before it was fetched
                    rs.status, rs.complete = "incomplete", False
                    notes.append("抓取被中断")
                elif home is None or home.status == 0 or home.status >= 400:
                    rs.status, rs.complete = "unreachable", False
                    notes.append("首页无法访问" + (f" ({home.error or home.status})" if home else ""))
                elif self.interrupted:
                    rs.status, rs.complete = "incomplete", False
                    notes.append("抓取被中断")
                elif rs.budget_exhausted:
                    rs.status, rs.complete = "incomplete", False
                    notes.append(f"达到页面上限 {self.settings.max_pages}")
                else:
                    rs.status, rs.complete = "complete", True
                if rs.depth_limited:
                    notes.append(f"{rs.depth_limited} 个链接超出深度上限")
                rs.note = "；".join(notes) or None
                verified, broken = counts.get(rs.site_id, (0, 0))
                rs.links_verified = verified
                summary.append({"code": site.code, "name": site.name, "status": rs.status,
                                "pages": rs.pages, "errors": rs.errors,
                                "links_verified": verified, "broken": broken,
                                "note": rs.note})
            if self.interrupted:
                run.status = "interrupted"
            elif all(r["status"] == "complete" for r in summary):
                run.status = "complete"
            else:
                run.status = "partial"
            run.finished_at = datetime.now()
            prune_snapshots(s, self.settings.snapshot_runs)
            return CrawlResult(run_id=run_id, status=run.status, sites=summary,
                               verified_after=self.verified_after)


def _keep_shallowest(best: dict[str, tuple[int, str, bool]], target: str, depth: int,
                     referrer: str, hidden: bool) -> None:
    """Keep the shallowest way into ``target`` for a resumed frontier; on a tie script
    paging, which parse exempts from the trap guard."""
    have = best.get(target)
    if have is None or (depth, not hidden) < (have[0], not have[2]):
        best[target] = (depth, referrer, hidden)


class _ProgressRelay:
    """The ``put`` of a worker's progress queue, for work done in this process."""

    def __init__(self, on_progress: ProgressFn | None, kind: str):
        self.on_progress = on_progress
        self.kind = kind

    def put(self, msg: dict[str, dict[str, int]]) -> None:
        if self.on_progress is not None:
            self.on_progress(self.kind, msg)


def _link_counts_by_site(s, run_id: int) -> dict[int, tuple[int, int]]:  # noqa: ANN001
    """site id -> (distinct targets verified, of which broken) among the links on the
    site's pages. One grouped query: one per site scanned all of the run's links each time
    (half a minute for 50,000 pages)."""
    targets = (select(Link.site_id, Link.target).where(Link.run_id == run_id)
               .distinct().subquery())
    rows = s.execute(select(targets.c.site_id, LinkCheck.outcome, func.count())
                     .join(targets, targets.c.target == LinkCheck.target)
                     .where(LinkCheck.run_id == run_id)
                     .group_by(targets.c.site_id, LinkCheck.outcome))
    out: dict[int, tuple[int, int]] = {}
    for site_id, outcome, n in rows:
        verified, broken = out.get(site_id, (0, 0))
        out[site_id] = (verified + n, broken + (n if outcome == "broken" else 0))
    return out


def snapshot_html(body: bytes) -> bytes:
    return zlib.decompress(body)
