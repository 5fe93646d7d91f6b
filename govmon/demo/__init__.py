"""``govmon demo``: serve the bundled sample cluster on loopback and run govmon on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Console


def run_demo(ctx: Any, console: Console) -> int:
    from govmon.cli import EXIT_OK, _crawl
    from govmon.demo.cluster import DemoCluster

    workspace = ctx.workspace if ctx.args.workspace else ctx.workspace / "govmon-demo"
    workspace.mkdir(parents=True, exist_ok=True)
    cluster = DemoCluster(today=date.today())
    cluster.start()
    try:
        cluster.registry.save(workspace / "sites.yaml")
        console.print(f"[bold]示例网站群[/] 已在本机启动 ({len(cluster.registry.sites)} 个网站)，"
                      f"工作目录 {workspace}")
        ctx.workspace = workspace
        if not ctx.args.db:
            from store.db import default_url

            ctx.db_url = default_url(workspace)
        ctx.settings = ctx.settings.merged(recheck_delay=2.0, timeout=5.0, retries=1)
        ctx.args.resume = False
        code = _crawl(ctx, cluster.registry, None, resume=False)
        if code != EXIT_OK:
            return code
        if ctx.args.keep_serving:
            console.print("示例网站继续运行，按 Ctrl-C 结束")
            cluster.wait()
        return EXIT_OK
    finally:
        cluster.stop()
