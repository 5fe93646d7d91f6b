"""``govmon worker``: one machine's share of a distributed crawl (crawler/cluster.py).

It takes crawl and verification jobs from the cluster's Redis, one at a time, runs each in
a worker process as the local crawl does, and writes to the cluster's PostgreSQL store.
Ctrl-C or SIGTERM (``systemctl stop``) stop the job in hand gracefully and hand it back to
the queue, where another worker resumes it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from govmon.console import console, err_console
from govmon.context import EXIT_OK, CliError, Context, add_redis_option, cluster_error


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为秒数: '{text}'") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"应在 1 到 3600 秒之间: '{text}'")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    from crawler.cluster import DEFAULT_TTL

    p = sub.add_parser("worker", help="分布式抓取的工作进程: 从 Redis 领取抓取和校验任务")
    add_redis_option(p, "任务队列所在的 Redis (默认 $GOVMON_REDIS 或 govmon.yaml 的 redis)")
    p.add_argument("--ttl", type=_seconds, default=DEFAULT_TTL,
                   help=f"心跳超时秒数: 超过此时间无心跳即视为下线，任务交给其他 worker "
                        f"(默认 {DEFAULT_TTL:.0f})")
    p.add_argument("--name", help="worker 名称 (默认: 主机名-进程号)")
    p.add_argument("--log-dir", help="抓取日志目录 (默认: 工作目录下 logs/)")
    p.set_defaults(func=cmd_worker)


def cmd_worker(ctx: Context) -> int:
    from crawler.cluster import ClusterError, Worker

    if not ctx.redis_url:
        raise CliError("没有指定 Redis: 用 --redis URL、$GOVMON_REDIS 或 govmon.yaml 的 redis")
    ctx.store()  # reachable and migrated before any job is taken
    log_dir = Path(ctx.args.log_dir) if ctx.args.log_dir else ctx.workspace / "logs"
    try:
        worker = Worker(ctx.redis_url, ctx.db_url, log_dir=log_dir, ttl=ctx.args.ttl,
                        name=ctx.args.name,
                        say=lambda text: err_console.print(f"[yellow]{escape(text)}[/]",
                                                           highlight=False))
    except ClusterError as exc:
        raise cluster_error(exc) from None
    console.print(f"worker {worker.id} 已连接，等待任务 (Ctrl-C 停止)", highlight=False)
    try:
        done = worker.serve()
    except ClusterError as exc:
        raise cluster_error(exc) from None
    console.print(f"worker {worker.id} 已停止，完成 {done} 个任务", highlight=False)
    return EXIT_OK
