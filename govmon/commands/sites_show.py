"""``govmon sites show CODE``: a site's registry entry and what the latest run read on it."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape
from rich.table import Table


def register(sites: argparse._SubParsersAction) -> None:
    p = sites.add_parser("show", help="显示一个网站及最近一次抓取读到的网站标识")
    p.add_argument("code", help="网站标识码")
    p.add_argument("--run", type=int, help="抓取任务 (默认: 最近一次)")
    p.set_defaults(func=cmd_sites_show)


def cmd_sites_show(ctx: Any) -> int:
    from sqlalchemy import select

    from checks.findings import latest_run
    from derive.read import CARRIER_NAMES, ITEM_NAMES, identity_values, site_facts
    from govmon.console import console
    from govmon.context import CliError
    from parse.identity import ITEMS
    from store.models import Run, Site

    code = ctx.args.code.strip().lower()
    with ctx.store()() as s:
        site = s.scalars(select(Site).where(Site.code.ilike(code))).first()
        if site is None:
            raise CliError(f"网站 {ctx.args.code} 不在数据库中 (先运行 govmon crawl)")
        run = s.get(Run, ctx.args.run) if ctx.args.run else latest_run(s)
        console.print(f"[bold]{escape(site.name)}[/] {site.code}  {escape(site.url)}  "
                      f"{site.kind}{'' if site.in_registry else '（已不在注册表）'}")
        facts = site_facts(s, run.id, site.id) if run is not None else None
        if facts is None:
            console.print("最近一次抓取没有这个网站的页面事实 (先运行 govmon check)")
            return 0
        console.print(f"抓取任务 {run.id}（{run.started_at:%Y-%m-%d %H:%M}）：CMS {facts.cms or '未识别'}，"
                      f"读取 {facts.pages} 个页面，内容页面 {facts.content_pages} 个，"
                      f"有发布日期 {facts.dated_pages} 个")
        table = Table(title="网站标识", show_lines=False)
        for col in ("标识", "值", "载体", "页面数", "首次见于", "来源"):
            table.add_column(col)
        values = identity_values(s, run.id, site.id)
        for item in ITEMS:
            mine = [v for v in values if v.item == item]
            shown = (facts.shown or {}).get(item, 0)
            share = f"{shown}/{facts.content_pages}" if facts.content_pages else "-"
            if not mine:
                table.add_row(f"{ITEM_NAMES[item]} ({share})", "[red]未发现[/]", "", "", "", "")
            for i, v in enumerate(mine):
                table.add_row(f"{ITEM_NAMES[item]} ({share})" if i == 0 else "",
                              escape(v.value or "（无标识码）"),
                              CARRIER_NAMES.get(v.carrier, v.carrier), str(v.pages),
                              escape(v.page_url), escape(v.source_url or ""))
        console.print(table)
    return 0
