"""What every command gets: the workspace, its settings and registry, the store; the
errors commands raise and the exit codes they end with (listed in ``govmon.cli``)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from indicators import workdays
from settings.config import ConfigError, load_settings, workspace_dir
from settings.registry import Registry, load
from store.db import check_integrity, default_url, open_store

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_STORE, EXIT_INTERRUPTED, EXIT_LOCKED = 0, 1, 2, 3, 4, 5
EXIT_CLUSTER = 6  # Redis unreachable, no `govmon worker` online, or a worker's job failed


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_INPUT):
        super().__init__(message)
        self.code = code


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
        # --redis, then $GOVMON_REDIS, then govmon.yaml's redis: a distributed crawl
        self.redis_url = (getattr(args, "redis", None) or os.environ.get("GOVMON_REDIS")
                          or self.settings.redis)

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


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数: '{text}'")
    return value


def add_mode_options(parser: argparse.ArgumentParser, full_default: str) -> None:
    """``--incremental`` / ``--full`` and ``--no-cache`` (crawler/incremental.py)."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--incremental", dest="mode", action="store_const", const="incremental",
                      help="增量抓取: 首页和栏目页全部重新抓取，其余文章页按条件请求复核或沿用上次结果")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help=f"全量抓取 ({full_default})")
    parser.add_argument("--no-cache", action="store_true",
                        help="不使用链接校验缓存，所有链接重新校验 (默认: 24 小时内校验正常的链接不再请求)")


def add_redis_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--redis URL`` (crawler/cluster.py); default $GOVMON_REDIS, then govmon.yaml."""
    parser.add_argument("--redis", metavar="URL", help=help_text)


def cluster_error(exc: Exception) -> CliError:
    """A ClusterError (crawler/cluster.py) as the CLI reports it."""
    return CliError(str(exc), EXIT_CLUSTER)


def warn_line(text: str) -> None:
    """One yellow line on stderr (e.g. Chromium missing: documents without PDF/pictures)."""
    Console(stderr=True).print(f"[yellow]提示[/]: {escape(text)}", highlight=False,
                               soft_wrap=True)
