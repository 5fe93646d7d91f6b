"""The ``govmon`` command: a thin layer over the crawler, store, checks, scoring and reports.

Exit codes (documented in the README):
  0  done
  1  unexpected internal error (set GOVMON_DEBUG=1 for the traceback)
  2  bad input: registry, settings, indicator/manual files, arguments, unwritable paths
  3  the store cannot be opened, or is damaged
  4  interrupted (Ctrl-C / SIGTERM); the run can be resumed
  5  another govmon job holds the lock
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

from rich.markup import escape

from checks import workdays
from govmon import ui
from govmon.config import (
    SETTINGS_TEMPLATE,
    ConfigError,
    LockedError,
    load_settings,
    workspace_dir,
    workspace_lock,
)
from govmon.console import console, err_console  # noqa: E402
from govmon.registry import Registry, import_file, load
from govmon.schema import InputError, os_reason
from store.db import (
    StoreBusy,
    StoreError,
    check_integrity,
    damage_text,
    damaged,
    default_url,
    open_store,
    safe_url,
)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_STORE, EXIT_INTERRUPTED, EXIT_LOCKED = 0, 1, 2, 3, 4, 5


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_INPUT):
        super().__init__(message)
        self.code = code


# -- helpers ---------------------------------------------------------------------------
class Context:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.workspace = workspace_dir(getattr(args, "init_dir", None) or args.workspace)
        self.settings = load_settings(self.workspace)
        try:  # the operator's holidays/<year>.yaml (years chinese-calendar lacks)
            workdays.use_workspace(self.workspace)
        except workdays.CalendarFileError as exc:
            raise ConfigError(str(exc)) from None
        # --db, then $GOVMON_DB, then govmon.yaml's db, then the workspace's sqlite file
        self.db_url = (args.db or os.environ.get("GOVMON_DB") or self.settings.db
                       or default_url(self.workspace))

    @property
    def registry_path(self) -> Path:
        return self.workspace / "sites.yaml"

    def registry(self) -> Registry:
        """The registry; for commands that fetch, one without a running site is an error
        (a crawl of nothing would be recorded as a complete run)."""
        if not self.registry_path.exists() and not is_workspace(self.workspace):
            raise not_a_workspace(self.workspace)
        return load(self.registry_path, require_sites=self.args.command in FETCHING)

    def store(self, *, create: bool = False):  # noqa: ANN201
        """The store, migrated; outside a workspace only when a database was named (--db,
        $GOVMON_DB, govmon.yaml) or ``create`` (init, sites import): a command run in the
        wrong directory must not leave a stray govmon.db behind. Checked page by page
        first (PRAGMA quick_check on SQLite) for the commands in INTEGRITY_CHECKED."""
        default = self.db_url == default_url(self.workspace) and not os.environ.get("GOVMON_DB")
        if default and not create and not is_workspace(self.workspace):
            raise not_a_workspace(self.workspace)
        sessions = open_store(self.db_url)
        if self.args.command in INTEGRITY_CHECKED:
            check_integrity(sessions.kw["bind"])
        return sessions


FETCHING = {"crawl", "nightly", "probe"}
# Commands that write a night's data, or report on it: a damaged page must stop them
# (quick_check: 1.1 s on the 575 MB store of the 50,000-page bench; its crawl, minutes).
INTEGRITY_CHECKED = {"crawl", "nightly", "status", "report"}


WORKSPACE_FILES = ("sites.yaml", "govmon.yaml", "govmon.db")


def is_workspace(path: Path) -> bool:
    return any((path / name).exists() for name in WORKSPACE_FILES)


def not_a_workspace(path: Path) -> CliError:
    return CliError(f"{path} 不是 govmon 工作目录 (没有 sites.yaml、govmon.yaml 或 govmon.db)："
                    f"先运行 govmon init {path} 创建，或用 -w 指定工作目录 "
                    "(试用可运行 govmon demo)")


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


# -- commands --------------------------------------------------------------------------
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
    with workspace_lock(ctx.workspace), ui.CrawlDisplay(console, registry, codes) as display:
        crawl = Crawl(registry, settings, ctx.db_url, progress=display.update,
                      log_dir=ctx.workspace / "logs")
        try:
            result = (crawl.resume(ctx.args.resume_id) if resume
                      else crawl.run(codes, mode=ctx.args.mode or "full",
                                     link_cache=not ctx.args.no_cache))
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
    return EXIT_OK


def cmd_demo(ctx: Context) -> int:
    from govmon.demo import run_demo

    return run_demo(ctx, console)


# -- parser ----------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """Argument errors as one line (not usage + message), exit code 2."""

    def error(self, message: str) -> NoReturn:
        _error(f"{self.prog}: {chinese_error(message)} (运行 {self.prog} -h 查看用法)")
        sys.exit(EXIT_INPUT)


def chinese_error(message: str) -> str:
    """argparse's English error in Chinese, with the closest command or option named."""
    import difflib
    import re

    m = re.match(r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)$", message)
    if m:
        where, value, options = m.groups()
        choices = re.findall(r"'([^']*)'", options) or [o.strip() for o in options.split(",")]
        best = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
        what = "命令" if where.startswith("{") or where in ("command", "sites_cmd",
                                                             "report_cmd") else f"{where} 的值"
        hint = f"，是否应为 {best[0]}？" if best else ""
        return f"未知{what} '{value}'{hint} (可选: {', '.join(choices)})"
    m = re.match(r"unrecognized arguments: (.*)$", message)
    if m:
        return f"无法识别的参数: {m.group(1)}"
    m = re.match(r"the following arguments are required: (.*)$", message)
    if m:
        return f"缺少参数: {m.group(1)}"
    m = re.match(r"argument (\S+): expected (one|at least one) argument", message)
    if m:
        return f"参数 {m.group(1)} 需要一个值"
    m = re.match(r"argument (\S+): invalid \S+ value: '([^']*)'", message)
    if m:
        return f"参数 {m.group(1)} 的值 '{m.group(2)}' 无效"
    m = re.match(r"argument (\S+): (.*)$", message)
    if m:
        return f"{m.group(1)}: {m.group(2)}"
    return message


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数: '{text}'")
    return value


def add_mode_options(parser: argparse.ArgumentParser, full_default: str) -> None:
    """``--incremental`` / ``--full`` (crawler/incremental.py)."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--incremental", dest="mode", action="store_const", const="incremental",
                      help="增量抓取: 首页和栏目页全部重新抓取，其余文章页按条件请求复核或沿用上次结果")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help=f"全量抓取 ({full_default})")
    parser.add_argument("--no-cache", action="store_true",
                        help="不使用链接校验缓存，所有链接重新校验 (默认: 24 小时内校验正常的链接不再请求)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="govmon", description="政府网站质量监测 (govmon)")
    p.add_argument("-w", "--workspace", help="工作目录 (默认: $GOVMON_HOME 或当前目录)")
    p.add_argument("--db", help="数据库 URL (默认: $GOVMON_DB 或工作目录下 govmon.db)")
    sub = p.add_subparsers(dest="command", required=True)

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

    crawl = sub.add_parser("crawl", help="抓取网站并校验链接")
    crawl.add_argument("--site", action="append", metavar="CODE", help="只抓取该网站 (可重复)")
    crawl.add_argument("--max-pages", type=positive_int, help="每个网站的页面上限")
    crawl.add_argument("--workers", type=positive_int, help="抓取进程数 (默认 2)")
    crawl.add_argument("--ignore-robots", action="store_true",
                       help="不遵守 robots.txt (仅限自己运维的网站)")
    crawl.add_argument("--resume", action="store_true", help="续爬最近一次中断的任务")
    crawl.add_argument("--resume-id", type=int, help="续爬指定任务")
    add_mode_options(crawl, "默认")
    crawl.set_defaults(func=cmd_crawl)

    sub.add_parser("probe", help="首页可用性探测 (供 cron 每天多次运行)").set_defaults(
        func=cmd_probe)
    status = sub.add_parser("status", help="最近的抓取任务")
    status.add_argument("--limit", type=int, default=10)
    status.set_defaults(func=cmd_status)

    demo = sub.add_parser("demo", help="在本机启动示例网站群并完整运行一遍")
    demo.add_argument("--keep-serving", action="store_true", help="运行后继续提供示例网站")
    demo.set_defaults(func=cmd_demo)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return p


# Command groups living in their own modules: each has ``register(subparsers)`` and sets
# ``func`` to a callable taking the Context.
COMMAND_MODULES: list[str] = [
    "govmon.commands.check",
    "govmon.commands.export",
    "govmon.commands.mailbox",
    "govmon.commands.score",
    "govmon.commands.report",
    "govmon.commands.nightly",
]


def _error(text: str, label: str = "错误") -> None:
    """One line on stderr: no markup interpretation, no wrapping at the terminal width."""
    err_console.print(f"[red]{label}[/]: {escape(text)}", highlight=False, soft_wrap=True)


GLOBAL_OPTIONS = ("-w", "--workspace", "--db")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Let ``-w DIR`` / ``--db URL`` stand anywhere (``govmon demo -w DIR`` as well as
    ``govmon -w DIR demo``) by moving them in front of the subcommand."""
    front, rest, i = [], [], 0
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            if "=" in arg or i + 1 >= len(argv):
                front.append(arg)
                i += 1
            else:
                front += [arg, argv[i + 1]]
                i += 2
            continue
        rest.append(arg)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(hoist_global_options(list(sys.argv[1:] if argv is None else argv)))
    for opt in ("max_pages", "workers", "ignore_robots", "resume", "resume_id", "site"):
        if not hasattr(args, opt):
            setattr(args, opt, None)
    if args.resume_id:
        args.resume = True
    try:
        ctx = Context(args)
        code = args.func(ctx)
    except (InputError, CliError) as exc:
        for line in str(exc).splitlines() or ["错误"]:
            _error(line)
        code = getattr(exc, "code", EXIT_INPUT)
    except (LockedError, StoreBusy) as exc:
        _error(str(exc))
        code = EXIT_LOCKED
    except StoreError as exc:
        _error(str(exc))
        code = EXIT_STORE
    except KeyboardInterrupt:
        err_console.print("[yellow]已中断[/]")
        code = EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        code = _user_caused(exc)
        if code is None:
            if os.environ.get("GOVMON_DEBUG"):
                traceback.print_exc()
            msg = str(exc).splitlines()[0] if str(exc) else ""
            _error(f"{type(exc).__name__}: {msg} (设置 GOVMON_DEBUG=1 查看详情)", "内部错误")
            code = EXIT_INTERNAL
    return code


# What the operating system says about a path the user controls: the workspace, an
# output directory, a file to read. Anything else is a bug, reported as internal.
PATH_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR,
               errno.EISDIR, errno.ENOSPC, errno.EDQUOT, errno.ENAMETOOLONG, errno.EEXIST}


def _user_caused(exc: Exception) -> int | None:
    """The exit code of an error the user's environment caused (reported as one line),
    or None for a bug."""
    if isinstance(exc, OSError) and exc.errno in PATH_ERRNOS:
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"{where}{os_reason(exc)}")
        return EXIT_INPUT
    if damaged(exc):  # a query hit a damaged database file
        first = (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0]
        _error(f"数据库出错: {damage_text(first)}；先停止 govmon 任务，从备份恢复数据库 "
               "(见 README「备份与恢复」)")
        return EXIT_STORE
    return None


if __name__ == "__main__":
    # `python -m govmon.cli` runs this file as __main__, a second copy of the module: the
    # command modules raise govmon.cli.CliError, which __main__.CliError would not catch.
    from govmon.cli import main as _main

    sys.exit(_main())
