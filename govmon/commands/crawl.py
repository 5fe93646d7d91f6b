"""``govmon crawl``, ``govmon probe`` and ``govmon status``: the commands that fetch, and
what they did."""

from __future__ import annotations

import argparse

from govmon import ui
from govmon.console import console, err_console
from govmon.context import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    Context,
    add_mode_options,
    add_redis_option,
    cluster_error,
    positive_int,
)
from settings.config import workspace_lock
from settings.registry import Registry


def register(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser("crawl", help="抓取网站并校验链接")
    crawl.add_argument("--site", action="append", metavar="CODE", help="只抓取该网站 (可重复)")
    crawl.add_argument("--max-pages", type=positive_int, help="每个网站的页面上限")
    crawl.add_argument("--workers", type=positive_int, help="抓取进程数 (默认 2)")
    crawl.add_argument("--ignore-robots", action="store_true",
                       help="不遵守 robots.txt (仅限自己运维的网站)")
    crawl.add_argument("--resume", action="store_true", help="续爬最近一次中断的任务")
    crawl.add_argument("--resume-id", type=int, help="续爬指定任务")
    add_mode_options(crawl, "默认")
    add_redis_option(crawl, "分布式抓取: 任务经此 Redis 交给各机器上的 govmon worker "
                            "(默认 $GOVMON_REDIS 或 govmon.yaml 的 redis)")
    crawl.set_defaults(func=cmd_crawl)

    sub.add_parser("probe", help="首页可用性探测 (供 cron 每天多次运行)").set_defaults(
        func=cmd_probe)
    status = sub.add_parser("status", help="最近的抓取任务")
    status.add_argument("--limit", type=int, default=10)
    add_redis_option(status, "同时列出此 Redis 上的 worker (默认 $GOVMON_REDIS 或 govmon.yaml 的 redis)")
    status.set_defaults(func=cmd_status)


def _crawl(ctx: Context, registry: Registry, codes: list[str] | None, resume: bool) -> int:
    from crawler.runner import Crawl

    settings = ctx.settings.merged(max_pages=ctx.args.max_pages, workers=ctx.args.workers)
    if ctx.args.ignore_robots:
        settings = settings.merged(obey_robots=False)
    unknown = [c for c in codes or [] if registry.by_code(c) is None]
    if unknown:
        raise CliError(f"注册表中没有网站标识码 {', '.join(unknown)}")
    closed = [c for c in codes or [] if not registry.by_code(c).running]
    if closed:
        raise CliError(f"网站已关停，不抓取: {', '.join(closed)}")
    from crawler.cluster import ClusterError

    with workspace_lock(ctx.workspace), ui.CrawlDisplay(console, registry, codes) as display:
        try:
            crawl = Crawl(registry, settings, ctx.db_url, progress=display.update,
                          log_dir=ctx.workspace / "logs", redis_url=ctx.redis_url)
            result = (crawl.resume(ctx.args.resume_id) if resume
                      else crawl.run(codes, mode=ctx.args.mode or "full",
                                     link_cache=not ctx.args.no_cache))
        except ClusterError as exc:
            raise cluster_error(exc) from None
        except RuntimeError as exc:
            raise CliError(str(exc)) from None
    console.print(ui.summary_table(result))
    if result.status == "interrupted":
        err_console.print(f"[yellow]抓取已中断 (任务 {result.run_id})；"
                          "运行 govmon crawl --resume 继续[/]")
        return EXIT_INTERRUPTED
    return EXIT_OK


def cmd_crawl(ctx: Context) -> int:
    registry = ctx.registry()
    ctx.store()  # migrated and checked (quick_check) before anything is written
    return _crawl(ctx, registry, ctx.args.site or None, resume=ctx.args.resume)


def cmd_probe(ctx: Context) -> int:
    from crawler.netguard import Guard
    from crawler.probe import probe_all
    from store.models import Probe
    from store.ops import sync_registry

    registry = ctx.registry()
    sessions = ctx.store()  # fail before probing when the store cannot be opened
    results = probe_all(registry.running(), ctx.settings.probe_timeout, ctx.settings.user_agent,
                        Guard.from_registry(registry))
    with sessions.begin() as s:
        ids = sync_registry(s, registry)
        s.add_all(Probe(site_id=ids[r.code], at=r.at, ok=r.ok, status=r.status,
                        elapsed_ms=r.elapsed_ms, error=r.error) for r in results)
    console.print(ui.probe_table(registry, results))
    return EXIT_OK


def cmd_status(ctx: Context) -> int:
    from reports.terminal import verdicts_table
    from store.ops import mark_stale_runs

    with ctx.store().begin() as s:
        mark_stale_runs(s)
        console.print(ui.runs_table(s, limit=ctx.args.limit))
        if (verdicts := verdicts_table(s)) is not None:
            console.print(verdicts)
    if ctx.redis_url:
        from crawler import cluster

        try:
            client = cluster.connect(ctx.redis_url)
            alive, queued = cluster.workers(client), client.llen(cluster.QUEUE)
        except cluster.ClusterError as exc:
            raise cluster_error(exc) from None
        console.print(ui.workers_table(alive, queued))
    return EXIT_OK
