"""The ``govmon`` command: a thin layer over the crawler, store, checks, scoring and reports.

Exit codes (documented in the README):
  0  done
  1  unexpected internal error (set GOVMON_DEBUG=1 for the traceback)
  2  bad input: registry, settings, indicator/manual files, arguments, unwritable paths
  3  the store cannot be opened, or is damaged
  4  interrupted (Ctrl-C / SIGTERM); the run can be resumed
  5  another govmon job holds the lock
  6  the cluster: Redis unreachable, no `govmon worker` online, or a worker's job failed
"""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import os
import sys
import traceback
from typing import NoReturn

from rich.markup import escape

from govmon.console import console, err_console
from govmon.context import (  # noqa: F401 - the exit codes, importable from the CLI
    EXIT_CLUSTER,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_STORE,
    CliError,
    Context,
)
from settings.config import LockedError
from settings.schema import InputError, os_reason
from store.db import StoreBusy, StoreError, damage_text, damaged


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


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="govmon", description="政府网站质量监测 (govmon)")
    p.add_argument("-w", "--workspace", help="工作目录 (默认: $GOVMON_HOME 或当前目录)")
    p.add_argument("--db", help="数据库 URL (默认: $GOVMON_DB 或工作目录下 govmon.db)")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES[:2]:
        importlib.import_module(module).register(sub)
    demo = sub.add_parser("demo", help="在本机启动示例网站群并完整运行一遍")
    demo.add_argument("--keep-serving", action="store_true", help="运行后继续提供示例网站")
    demo.set_defaults(func=cmd_demo)
    for module in COMMAND_MODULES[2:]:
        importlib.import_module(module).register(sub)
    return p


# Command groups living in their own modules: each has ``register(subparsers)`` and sets
# ``func`` to a callable taking the Context (listed in the order of ``govmon -h``).
COMMAND_MODULES: list[str] = [
    "govmon.commands.sites",
    "govmon.commands.crawl",
    "govmon.commands.check",
    "govmon.commands.export",
    "govmon.commands.mailbox",
    "govmon.commands.score",
    "govmon.commands.report",
    "govmon.commands.nightly",
    "govmon.commands.digest",
    "govmon.commands.worker",
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


def entry() -> NoReturn:
    """The ``govmon`` program (console script and ``python -m govmon.cli``): :func:`main`,
    then the exit without the last garbage collection, which walked every object the
    command left (~0.2 s of each command; nothing it would free outlives the process)."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    # `python -m govmon.cli` runs this file as __main__, a second copy of the module: run
    # the one the command modules and tests know (``govmon.cli``).
    from govmon.cli import entry as _entry

    _entry()
