"""Runs a crawl: crawl phase, link-verification phase, bookkeeping.

Each phase runs in worker processes (one Python process uses one core; Twisted's reactor
cannot restart inside one process). Sites are split between workers by server address, so
per-address politeness holds across the whole crawl. Workers report progress through a
queue; the store is the only place results go.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import socket
import sys
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from crawler.netguard import resolve
from crawler.outcomes import is_transient, status_verdict
from govmon.config import Settings
from govmon.registry import Registry
from store.db import open_store
from store.models import Link, LinkCheck, Page, Run, RunSite, Site
from store.ops import mark_stale_runs, prune_snapshots, sync_registry

ProgressFn = Callable[[str, dict[str, dict[str, int]]], None]


@dataclass
class CrawlResult:
    run_id: int
    status: str
    sites: list[dict[str, Any]] = field(default_factory=list)


def scrapy_settings(settings: Settings, db_url: str) -> dict[str, Any]:
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


def _run_spider(kind: str, scrapy_overrides: dict[str, Any], kwargs: dict[str, Any],
                progress: Any) -> None:
    """Worker-process entry point: one Scrapy crawler process, one spider."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings as ScrapySettings

    from crawler import settings as defaults
    from crawler.spiders.site import SiteSpider
    from crawler.spiders.verify import VerifySpider

    s = ScrapySettings()
    s.setmodule(defaults, priority="project")
    s.setdict(scrapy_overrides, priority="cmdline")
    process = CrawlerProcess(s)
    spider_cls = SiteSpider if kind == "crawl" else VerifySpider
    errors: list[str] = []
    d = process.crawl(spider_cls, progress=progress, **kwargs)
    d.addErrback(lambda f: errors.append(f"{type(f.value).__name__}: {f.value}"))
    process.start()
    if errors:
        print(f"govmon {kind} worker failed: {errors[0]}", file=sys.stderr)
        sys.exit(3)


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
                 progress: ProgressFn | None = None):
        self.registry = registry
        self.settings = settings
        self.db_url = db_url
        self.sessions = open_store(db_url)
        self.on_progress = progress
        self.ctx = mp.get_context("spawn")
        self.interrupted = False

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
        options = {"sites": codes, **asdict(self.settings.merged(max_pages=max_pages))}
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
        except KeyboardInterrupt:
            self.interrupted = True
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
        """Seen URLs and the frontier (linked, unfetched in-scope pages) per site."""
        from crawler.spiders.site import FOLLOW_TAGS
        from crawler.urls import is_attachment, is_image

        state: dict[str, Any] = {}
        with self.sessions() as s:
            ids = dict(s.execute(select(Site.code, Site.id)).all())
            for code in codes:
                seen = set(s.scalars(select(Page.url).where(
                    Page.run_id == run_id, Page.site_id == ids[code])))
                if not seen:
                    continue
                rows = s.execute(
                    select(Link.target, Page.depth, Page.url, Link.tag)
                    .join(Page, Page.id == Link.page_id)
                    .where(Link.run_id == run_id, Link.site_id == ids[code],
                           Link.kind.in_(("internal", "frame")))
                    .order_by(Page.depth))
                frontier, queued = [], set()
                for target, depth, src, tag in rows:
                    if (target in seen or target in queued or tag not in FOLLOW_TAGS
                            or is_attachment(target) or is_image(target)):
                        continue
                    site = self.registry.site_for(target)
                    if site is None or site.code != code:
                        continue
                    queued.add(target)
                    frontier.append((target, depth + 1, src))
                state[code] = {"seen": seen, "frontier": frontier}
        return state

    def _spawn(self, kind: str, jobs: list[dict[str, Any]]) -> None:
        progress_q = self.ctx.Queue()
        overrides = scrapy_settings(self.settings, self.db_url)
        procs = [self.ctx.Process(target=_run_spider, args=(kind, overrides, job, progress_q),
                                  daemon=False) for job in jobs]
        for p in procs:
            p.start()
        try:
            while any(p.is_alive() for p in procs):
                try:
                    msg = progress_q.get(timeout=0.5)
                except queue.Empty:
                    continue
                if self.on_progress:
                    self.on_progress(kind, msg)
        except KeyboardInterrupt:
            self.interrupted = True
            for p in procs:  # ask each Scrapy process for a graceful stop (flushes batches)
                if p.is_alive() and p.pid:
                    os.kill(p.pid, signal.SIGINT)
            for p in procs:
                p.join(timeout=30)
                if p.is_alive():
                    p.terminate()
        finally:
            for p in procs:
                p.join()
            while True:  # drain the last reports
                try:
                    msg = progress_q.get_nowait()
                except (queue.Empty, OSError, ValueError):
                    break
                if self.on_progress:
                    self.on_progress(kind, msg)
        failed = [p.exitcode for p in procs if p.exitcode not in (0, None)]
        if failed and not self.interrupted:
            raise RuntimeError(f"抓取进程异常退出 (exit code {failed[0]})")

    def _crawl_phase(self, run_id: int, codes: list[str], resume: bool) -> None:
        if not codes:
            return
        state = self._resume_state(run_id, codes) if resume else {}
        hosts = [(c, self.registry.by_code(c).home_host) for c in codes]
        jobs = []
        for group in _partition_by_address(hosts, self.settings.workers):
            jobs.append({
                "registry": self.registry, "codes": group, "run_id": run_id,
                "max_pages": self.settings.max_pages, "max_depth": self.settings.max_depth,
                "max_query_variants": self.settings.max_query_variants,
                "resume_state": {c: state[c] for c in group if c in state},
            })
        self._spawn("crawl", jobs)

    def _verify_phase(self, run_id: int) -> None:
        targets = self._derive_checks(run_id)
        if not self.settings.verify_external:
            targets = [(t, c) for t, c in targets if self.registry.site_for(t) is not None]
        if not targets:
            return
        by_key = {t: site for t, site in targets}
        from urllib.parse import urlsplit

        items = [(t, urlsplit(t).hostname or "") for t, _ in targets]
        jobs = []
        for group in _partition_by_address(items, self.settings.workers):
            jobs.append({"registry": self.registry, "run_id": run_id,
                         "targets": [(t, by_key[t]) for t in group],
                         "recheck_delay": self.settings.recheck_delay})
        self._spawn("verify", jobs)

    def _derive_checks(self, run_id: int) -> list[tuple[str, str]]:
        """Store checks for targets the crawl already fetched; return the rest to verify.

        A crawled page is its own verification, except when it failed transiently: those
        go to the verifier to be tried again.
        """
        now = datetime.now()
        with self.sessions.begin() as s:
            codes = dict(s.execute(select(Site.id, Site.code)).all())
            done = set(s.scalars(select(LinkCheck.target).where(LinkCheck.run_id == run_id)))
            targets: dict[str, str] = {}
            for target, site_id in s.execute(select(Link.target, Link.site_id)
                                             .where(Link.run_id == run_id)):
                if target not in done and target not in targets:
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
            if rows:
                from sqlalchemy import insert

                s.execute(insert(LinkCheck), rows)
        return sorted(targets.items())

    def _finish(self, run_id: int, codes: list[str]) -> CrawlResult:
        with self.sessions.begin() as s:
            run = s.get(Run, run_id)
            ids = dict(s.execute(select(Site.code, Site.id)).all())
            crawl_ids = {ids[c] for c in codes}
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
                if home is None or home.status == 0 or home.status >= 400:
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
                verified, broken = _link_counts(s, run_id, rs.site_id)
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
            return CrawlResult(run_id=run_id, status=run.status, sites=summary)


def _link_counts(s, run_id: int, site_id: int) -> tuple[int, int]:  # noqa: ANN001
    """(distinct targets verified, of which broken) among the links on a site's pages."""
    targets = (select(Link.target).where(Link.run_id == run_id, Link.site_id == site_id)
               .distinct().subquery())
    rows = s.execute(select(LinkCheck.outcome, func.count())
                     .join(targets, targets.c.target == LinkCheck.target)
                     .where(LinkCheck.run_id == run_id).group_by(LinkCheck.outcome)).all()
    counts = dict(rows)
    return sum(counts.values()), counts.get("broken", 0)


def snapshot_html(body: bytes) -> bytes:
    return zlib.decompress(body)
