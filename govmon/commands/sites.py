"""``govmon init`` and ``govmon sites import / remove / list``: the workspace and its registry."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from govmon import ui
from govmon.console import console
from govmon.context import EXIT_OK, CliError, Context
from settings.config import SETTINGS_TEMPLATE
from settings.registry import load
from settings.sitelist import import_file
from store.db import safe_url


def register(sub: argparse._SubParsersAction) -> None:
    init = sub.add_parser("init", help="创建工作目录: sites.yaml、govmon.yaml 和数据库")
    init.add_argument("init_dir", nargs="?", metavar="DIR", help="工作目录 (默认: -w 或当前目录)")
    init.set_defaults(func=cmd_init)

    sites = sub.add_parser("sites", help="网站注册表").add_subparsers(dest="sites_cmd",
                                                                 required=True)
    imp = sites.add_parser("import", help="从 CSV/XLSX 导入网站列表")
    imp.add_argument("file")
    imp.add_argument("--replace", action="store_true",
                     help="以文件为准: 注册表中文件未列出的网站被移出 (历史数据保留)")
    imp.set_defaults(func=cmd_sites_import)
    rm = sites.add_parser("remove", help="从注册表删除网站 (历史数据保留)")
    rm.add_argument("codes", nargs="+", metavar="CODE", help="网站标识码")
    rm.set_defaults(func=cmd_sites_remove)
    sites.add_parser("list", help="列出注册的网站").set_defaults(func=cmd_sites_list)
    importlib.import_module("govmon.commands.sites_show").register(sites)


EXAMPLE_SITES = """\
# govmon 网站注册表 (site registry). `govmon sites import 网站列表.xlsx` fills it from the
# supervisors' spreadsheet (表头: 网站标识码,网站名称,首页网址,类型,上级网站标识码[,状态]).
# kind: portal | subsite | department;  status: 运行 | 关停 (关停 sites keep their history)
sites:
  - code: "5101000001"
    name: 示例市人民政府
    url: https://www.example.gov.cn/
    kind: portal
    status: 运行
  - code: "5101000002"
    name: 示例市教育局
    url: https://www.example.gov.cn/jyj/
    kind: subsite
    parent: "5101000001"
    status: 运行
    # hints: {mailbox: https://www.example.gov.cn/jyj/hdjl/}
  - code: "5101000010"
    name: 示例市发展和改革委员会
    url: https://fgw.example.gov.cn/
    kind: department
    status: 运行
    # ignore_robots: true      # only for sites you run yourself
"""


EXAMPLE_CODES = ("5101000001", "5101000002", "5101000010")


def cmd_init(ctx: Context) -> int:
    ws = ctx.workspace
    if ws.exists() and not ws.is_dir():
        raise CliError(f"{ws}: 已存在且不是目录")
    ws.mkdir(parents=True, exist_ok=True)
    ctx.store(create=True)  # first: a bad --db leaves no half-made workspace behind
    created = []
    for name, text in (("sites.yaml", EXAMPLE_SITES), ("govmon.yaml", SETTINGS_TEMPLATE)):
        path = ws / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            created.append(name)
    console.print(f"工作目录 [bold]{ws}[/]: " + (f"已创建 {', '.join(created)}" if created
                                                else "已存在") + f"；数据库 {safe_url(ctx.db_url)}")
    return EXIT_OK


def _is_example(site: object) -> bool:
    """A site ``govmon init`` wrote as an example (code and example.gov.cn address)."""
    host = getattr(site, "home_host", "")
    return getattr(site, "code", "") in EXAMPLE_CODES and (
        host == "example.gov.cn" or host.endswith(".example.gov.cn"))


def cmd_sites_import(ctx: Context) -> int:
    existing = load(ctx.registry_path) if ctx.registry_path.exists() else None
    examples = [s for s in existing.sites if _is_example(s)] if existing else []
    if existing and examples:  # the user's own list replaces govmon init's examples
        existing.sites = [s for s in existing.sites if not _is_example(s)]
    path = Path(ctx.args.file)
    registry, added, updated = import_file(path, existing)
    removed = []
    if ctx.args.replace and existing:
        listed = {s.code for s in import_file(path, None)[0].sites}
        removed = [s.code for s in registry.sites if s.code not in listed]
        registry.sites = [s for s in registry.sites if s.code in listed]
    ctx.workspace.mkdir(parents=True, exist_ok=True)
    from store.ops import sync_registry

    # The store first: if it cannot be opened, sites.yaml stays as it was.
    with ctx.store(create=True).begin() as s:
        sync_registry(s, registry)
        registry.save(ctx.registry_path)
    text = f"导入完成: 新增 {added} 个网站，更新 {updated} 个"
    if removed:
        text += f"，移出注册表 {len(removed)} 个 ({', '.join(removed)}；历史数据保留)"
    if examples:
        text += f"；已删除 govmon init 写入的 {len(examples)} 个示例网站"
    console.print(f"{text} → {ctx.registry_path}")
    return EXIT_OK


def cmd_sites_remove(ctx: Context) -> int:
    from store.ops import sync_registry

    registry = ctx.registry()
    codes = list(dict.fromkeys(ctx.args.codes))
    unknown = [c for c in codes if registry.by_code(c) is None]
    if unknown:
        raise CliError(f"注册表中没有网站标识码 {', '.join(unknown)}")
    children = [s for s in registry.sites if s.parent in codes and s.code not in codes]
    if children:
        raise CliError(f"{', '.join(sorted({s.parent for s in children}))} 是其他网站的上级网站 "
                       f"({', '.join(s.code for s in children)})：先删除这些子站或修改其上级网站")
    registry.sites = [s for s in registry.sites if s.code not in codes]
    with ctx.store(create=True).begin() as s:
        sync_registry(s, registry)
        registry.save(ctx.registry_path)
    console.print(f"已从注册表删除 {len(codes)} 个网站 ({', '.join(codes)})；"
                  "它们的历史数据保留在数据库中，不再抓取")
    return EXIT_OK


def cmd_sites_list(ctx: Context) -> int:
    console.print(ui.sites_table(ctx.registry()))
    return EXIT_OK
