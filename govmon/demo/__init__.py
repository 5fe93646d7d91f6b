"""``govmon demo``: serve the bundled sample cluster on loopback and run govmon on it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

STATE = "demo.json"  # the ports of the last demo in this workspace (see cluster.py)


def _ports(workspace: Path) -> dict[str, int]:
    try:
        data = json.loads((workspace / STATE).read_text(encoding="utf-8"))
        return {k: int(v) for k, v in (data.get("ports") or {}).items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def run_demo(ctx: Any, console: Console) -> int:
    from govmon.commands.nightly import cmd_nightly
    from govmon.context import EXIT_OK
    from govmon.demo.cluster import DemoCluster

    workspace = ctx.workspace if ctx.args.workspace else ctx.workspace / "govmon-demo"
    workspace.mkdir(parents=True, exist_ok=True)
    cluster = DemoCluster(today=date.today(), ports=_ports(workspace))
    cluster.start()
    try:
        cluster.registry.save(workspace / "sites.yaml")
        (workspace / STATE).write_text(json.dumps({"ports": cluster.ports}), encoding="utf-8")
        console.print(f"[bold]示例网站群[/] 已在本机启动 ({len(cluster.registry.sites)} 个网站)，"
                      f"工作目录 {workspace}")
        ctx.workspace = workspace
        if not ctx.args.db:
            from store.db import default_url

            ctx.db_url = default_url(workspace)
        # One worker: the cluster is ~350 requests, so a second Scrapy process costs more
        # start-up than it saves (and halves the run on a busy 2-core machine).
        ctx.settings = ctx.settings.merged(recheck_delay=2.0, timeout=5.0, retries=1, workers=1)
        # issue 17: the sample CA of the demo's https twins (govmon/demo/posture.py)
        ca_file = cluster.posture.write_ca(workspace)
        ctx.settings = ctx.settings.merged(tls_ca_file=str(ca_file))
        # The demo is the nightly job on the sample cluster: crawl → checks → scores under
        # both national systems → reports.
        ctx.args.system = ["national-2019", "census-2015"]
        ctx.args.force = True
        from govmon.demo.history import reserve  # a sample previous quarter for the reports

        with ctx.store().begin() as s:
            sample_run = reserve(s, date.today())
        from govmon.demo.governance import PROBES, probe_demo

        # what cron's `govmon probe` would have collected: real probes of each homepage
        probed = probe_demo(ctx.store(), cluster.registry, ctx.settings)
        console.print(f"已探测各运行网站首页 {PROBES} 次 (共 {probed} 次请求；正式运行时由 cron "
                      "每 15 分钟运行 govmon probe)")

        def seed(sessions: Any, run_id: int, systems: list[Any]) -> None:
            """Fill the sample quarter before scoring, so the summary, the scorecard and
            the notices all see the same history."""
            if sample_run is None:
                return
            from govmon.demo import history

            with sessions.begin() as s:
                seeded = history.fill(s, sample_run, run_id, systems)
            console.print(f"已生成上一季度 ({seeded['quarter']}) 的[bold]样例数据[/] (任务 "
                          f"{seeded['run']}，报告中均有标注)")

        def history(sessions: Any, run_id: int) -> None:
            """The sample quarter's 通知公告 listing, before the checks compare with it."""
            if sample_run is None:
                return
            from govmon.demo.posture import seed_previous_listing
            from govmon.demo.sites import PORTAL_CODE

            with sessions.begin() as s:
                seed_previous_listing(s, sample_run, run_id, PORTAL_CODE,
                                      cluster.portal.url("/zwgk/tzgg/"),
                                      cluster.planted["portal.backdated_post"])

        code = cmd_nightly(ctx, after_check=seed, before_check=history)
        if code != EXIT_OK:
            return code
        _next_steps(console, workspace, ctx.args.workspace)
        if ctx.args.keep_serving:
            console.print("示例网站继续运行，按 Ctrl-C 结束")
            cluster.wait()
        return EXIT_OK
    finally:
        cluster.stop()


def _next_steps(console: Console, workspace: Path, given: str | None) -> None:
    ws = escape(given or str(workspace))
    latest = workspace / "reports" / "latest"
    console.print("[bold]下一步[/]:")
    for line in (
        f"用浏览器打开监测看板: {latest / 'dashboard' / 'index.html'}",
        f"整改通知 (HTML / PDF / DOCX / XLSX): {latest / 'notices'}",
        f"查看各网站结论: govmon -w {ws} status",
        f"某个网站逐项评分: govmon -w {ws} score --explain 5199000001",
        f"重新生成某网站的通知 (文号不变): govmon -w {ws} report notices --site 5199000001",
        f"再运行一次 govmon -w {ws} demo: 问题应为新增 0、已整改 0 (同一批问题持续存在)",
        "监测自己的网站: govmon init 我的工作目录，再 govmon -w 我的工作目录 sites import 网站列表.xlsx",
    ):
        console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
