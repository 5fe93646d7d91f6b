"""Runs a crawl: a run in the store, the crawl phase, the link-verification phase, and the
run's summary.

Each phase runs in worker processes (crawler/workers.py), sites and targets split between
them by server address. A resumed run starts from what the store holds (crawler/resume.py);
after the crawl, crawled pages are the checks of their own URLs (crawler/crawlchecks.py)
and the rest is verified (crawler/verifier.py). The store is the only place results go.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from crawler import linkcache
from crawler.crawlchecks import checks_from_pages, link_counts_by_site
from crawler.incremental import MODES, base_runs, spider_options
from crawler.workers import ProgressFn, partition_by_address, run_workers
from crawler.workspace import scrapy_settings
from settings.config import Settings
from settings.registry import Registry
from store.db import open_store
from store.models import ClosedProbe, Link, LinkCheck, Page, Run, RunSite, Site
from store.ops import mark_stale_runs, prune_snapshots, sync_registry

# Targets left to verify after the crawl, up to this many, are verified in the crawl
# command's own process (a worker process takes ~1.5 s to start; 2,000 HEADs take less)
VERIFY_HERE_MAX = 2000


@dataclass
class CrawlResult:
    run_id: int
    status: str
    sites: list[dict[str, Any]] = field(default_factory=list)
    # targets verified after the crawl (the other link targets were crawled pages)
    verified_after: int = 0
    mode: str = "full"  # or "incremental" (crawler/incremental.py)
    # pages of an incremental run not read anew: "304", "same", "carried" -> count
    reused: dict[str, int] = field(default_factory=dict)


class Crawl:
    """One crawl run over a registry (or a resumed one)."""

    def __init__(self, registry: Registry, settings: Settings, db_url: str,
                 progress: ProgressFn | None = None, log_dir: Path | None = None,
                 redis_url: str | None = None):
        self.registry = registry
        self.settings = settings
        self.db_url = db_url
        self.sessions = open_store(db_url)
        self.on_progress = progress
        self.log_dir = log_dir  # worker logs go here (not to the terminal) when set
        self.ctx = mp.get_context("spawn")
        self.interrupted = False
        self.verified_after = 0
        self.options: dict[str, Any] = {}  # the run's, as stored
        # distributed: the phases' jobs go to `govmon worker`s through Redis (crawler/cluster.py)
        self.cluster = None
        if redis_url:
            from crawler.cluster import Coordinator

            self.cluster = Coordinator(redis_url)

    # -- run bookkeeping --------------------------------------------------------------
    def _new_run(self, codes: list[str], options: dict[str, Any]) -> int:
        with self.sessions.begin() as s:
            mark_stale_runs(s)
            ids = sync_registry(s, self.registry)
            run = Run(started_at=datetime.now(), status="running", options=options,
                      pid=os.getpid(), host=socket.gethostname())
            s.add(run)
            s.flush()
            self.options = options
            for spec in self.registry.sites:
                crawl = spec.code in codes
                s.add(RunSite(run_id=run.id, site_id=ids[spec.code],
                              status="pending" if crawl else "skipped",
                              note=None if crawl else ("已关停，不抓取" if not spec.running
                                                       else "本次未选择")))
            return run.id

    def run(self, codes: list[str] | None = None, max_pages: int | None = None,
            mode: str = "full", link_cache: bool = True) -> CrawlResult:
        """A new run; ``mode`` "incremental" revalidates or carries over what the last
        checked crawl of each site stored (crawler/incremental.py); ``link_cache`` False
        verifies every link target anew (crawler/linkcache.py)."""
        if mode not in MODES:
            raise ValueError(f"unknown crawl mode {mode!r}")
        running = [s.code for s in self.registry.running()]
        codes = [c for c in (codes or running) if c in running]
        options = {"sites": codes, **asdict(self.settings.merged(max_pages=max_pages)),
                   # pages' elapsed_ms is the server's answer time (download latency), not
                   # time since scheduling: the link rule may compare it with 15 s
                   "page_elapsed": "latency", "mode": mode, "link_cache": link_cache}
        options.pop("db", None)
        options.pop("mail", None)  # where digests go is no option of a crawl
        options.pop("redis", None)  # nor where its workers are (it may hold a password)
        options["distributed"] = self.cluster is not None
        if mode == "incremental":
            with self.sessions() as s:
                options["base_runs"] = base_runs(s, codes)
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
            self.options = dict(run.options)
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
            if not self.interrupted and set(codes) >= {s.code for s in self.registry.running()}:
                self._probe_closed(run_id)  # a crawl of the whole registry, not of --site X
            if not self.interrupted:
                linkcache.refresh(self.sessions, run_id, self.settings.link_cache_hours)
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

    def _crawl_phase(self, run_id: int, codes: list[str], resume: bool) -> None:
        if not codes:
            return
        state: dict[str, Any] = {}
        if resume:
            from crawler.resume import resume_state

            state = resume_state(self.sessions, self.registry, run_id, codes)
        hosts = [(c, self.registry.by_code(c).home_host) for c in codes]
        mode = self.options.get("mode", "full")
        base = self.options.get("base_runs") or {}
        jobs = [{"registry": self.registry, "codes": group, "run_id": run_id,
                 "max_pages": self.settings.max_pages, "max_depth": self.settings.max_depth,
                 "max_query_variants": self.settings.max_query_variants,
                 # each group's sites, and what is run-wide (resume.STORED) for all
                 "resume_state": {k: v for k, v in state.items()
                                  if k in group or k not in codes},
                 "incremental": spider_options(mode, base, group,
                                               self.settings.carry_max_days)}
                for group in partition_by_address(hosts, self._split_count())]
        self._spawn("crawl", jobs, run_id)

    def _probe_closed(self, run_id: int) -> None:
        """Sites registered 关停 are probed, never crawled: their homepages fetched as a
        visitor would (``crawler/probe.py``, behind the address guard), the answers stored
        for the ``site.closed_still_online`` rule."""
        closed = [site for site in self.registry.sites if not site.running]
        if not closed:
            return
        from crawler.netguard import Guard
        from crawler.probe import probe_closed

        results = probe_closed(closed, self.settings.probe_timeout, self.settings.user_agent,
                               Guard.from_registry(self.registry))
        with self.sessions.begin() as s:
            ids = dict(s.execute(select(Site.code, Site.id)).all())
            s.execute(delete(ClosedProbe).where(ClosedProbe.run_id == run_id))
            s.add_all(ClosedProbe(run_id=run_id, site_id=ids[r.code], at=r.at, url=r.url,
                                  status=r.status, error=r.error, final_url=r.final_url,
                                  redirects=r.redirects, title=r.title,
                                  text_chars=r.text_chars, notice=r.notice, code=r.page_code,
                                  elapsed_ms=r.elapsed_ms) for r in results)

    def _verify_phase(self, run_id: int) -> None:
        if self._expect_few_targets(run_id):
            targets = self._targets_to_verify(run_id)
            if targets:
                self._verify_here(run_id, targets)
            return
        if self.cluster is not None:
            targets = self._targets_to_verify(run_id)
            jobs = [{"registry": self.registry, "run_id": run_id, "targets": group,
                     "recheck_delay": self.settings.recheck_delay}
                    for group in _by_address(targets, self._split_count())]
            del targets
            self._spawn("verify", jobs, run_id)
            return
        # Many targets: the worker processes start first and import their modules (~1 s)
        # while this process works out what they are to verify.
        feeds = [self.ctx.Queue() for _ in range(max(1, self.settings.workers))]
        jobs = [{"registry": self.registry, "run_id": run_id, "targets": None, "feed": q,
                 "recheck_delay": self.settings.recheck_delay} for q in feeds]

        def feed() -> None:
            groups = _by_address(self._targets_to_verify(run_id), len(feeds))
            for i, q in enumerate(feeds):
                q.put(groups[i] if i < len(groups) else [])
                if i < len(groups):
                    groups[i] = []  # pickled into the queue: let it go

        self._spawn("verify", jobs, run_id, meanwhile=feed)

    def _split_count(self) -> int:
        """Groups a phase's work is split into: one per worker process, or per live
        `govmon worker` when distributed."""
        return self.cluster.split_count() if self.cluster is not None else self.settings.workers

    def _spawn(self, kind: str, jobs: list[dict[str, Any]], run_id: int,
               meanwhile: Any = None) -> None:
        settings = scrapy_settings(self.settings, self.db_url)
        if self.cluster is not None:
            with self.sessions() as s:
                started = s.get(Run, run_id).started_at.isoformat()
            interrupted = self.cluster.run(run_id, started, kind, jobs, settings,
                                           self.on_progress)
        else:
            interrupted = run_workers(self.ctx, kind, jobs, settings, self.on_progress,
                                      self.log_dir, meanwhile)
        if interrupted:
            self.interrupted = True

    def _targets_to_verify(self, run_id: int) -> list[tuple[str, str]]:
        targets = checks_from_pages(self.sessions, run_id)
        if not self.settings.verify_external:
            targets = [(t, c) for t, c in targets if self.registry.site_for(t) is not None]
        targets = linkcache.use_cached(self.sessions, run_id, targets, self._cache_hours())
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
            cached = linkcache.cached_targets(s, run_id, self._cache_hours())
        return targets - checked - pages - cached <= VERIFY_HERE_MAX

    def _cache_hours(self) -> float:
        """The link cache's time-to-live for lookups in this run (0: not used)."""
        return self.settings.link_cache_hours if self.options.get("link_cache", True) else 0.0

    def _verify_here(self, run_id: int, targets: list[tuple[str, str]]) -> None:
        """Verify a few leftover targets in this process: a worker process costs more to
        start than they take."""
        import asyncio

        from crawler.pipelines import StorePipeline
        from crawler.verifier import Verifier
        from crawler.verifynet import VerifyOptions

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

    def _finish(self, run_id: int, codes: list[str]) -> CrawlResult:
        with self.sessions.begin() as s:
            run = s.get(Run, run_id)
            ids = dict(s.execute(select(Site.code, Site.id)).all())
            crawl_ids = {ids[c] for c in codes}
            counts = link_counts_by_site(s, run_id)
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
            reused = dict(s.execute(select(Page.reused, func.count()).where(
                Page.run_id == run_id, Page.reused.is_not(None)).group_by(Page.reused)).all())
            return CrawlResult(run_id=run_id, status=run.status, sites=summary,
                               verified_after=self.verified_after,
                               mode=(run.options or {}).get("mode", "full"), reused=reused)


def _by_address(targets: list[tuple[str, str]], n: int) -> list[list[tuple[str, str]]]:
    """(target, site) pairs in ``n`` groups split by server address (as the crawl's
    sites are), without a second copy of the pairs: a 200k-page run has ~340k of them."""
    if not targets:
        return []
    groups = partition_by_address(
        [(i, urlsplit(t).hostname or "") for i, (t, _) in enumerate(targets)], n)
    return [[targets[i] for i in group] for group in groups]


class _ProgressRelay:
    """The ``put`` of a worker's progress queue, for work done in this process."""

    def __init__(self, on_progress: ProgressFn | None, kind: str):
        self.on_progress = on_progress
        self.kind = kind

    def put(self, msg: dict[str, dict[str, int]]) -> None:
        if self.on_progress is not None:
            self.on_progress(self.kind, msg)
