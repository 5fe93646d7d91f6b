"""``govmon demo``: serve the bundled sample cluster on loopback and run govmon on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Console


def run_demo(ctx: Any, console: Console) -> int:
    from govmon.cli import EXIT_OK
    from govmon.commands.nightly import cmd_nightly
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
        # One worker: the cluster is ~350 requests, so a second Scrapy process costs more
        # start-up than it saves (and halves the run on a busy 2-core machine).
        ctx.settings = ctx.settings.merged(recheck_delay=2.0, timeout=5.0, retries=1, workers=1)
        # The demo is the nightly job on the sample cluster: crawl → checks → scores under
        # both national systems → reports.
        ctx.args.system = ["national-2019", "census-2015"]
        ctx.args.force = True
        from govmon.demo.history import reserve  # a sample previous quarter for the reports

        with ctx.store().begin() as s:
            sample_run = reserve(s, date.today())
        code = cmd_nightly(ctx)
        if code != EXIT_OK:
            return code
        from govmon.commands.report import demo_reports

        demo_reports(ctx, console, sample_run)
        if ctx.args.keep_serving:
            console.print("示例网站继续运行，按 Ctrl-C 结束")
            cluster.wait()
        return EXIT_OK
    finally:
        cluster.stop()
