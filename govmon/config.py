"""Workspace settings (``govmon.yaml``) with documented defaults.

A workspace is a directory holding ``sites.yaml`` (the registry), ``govmon.yaml`` (these
settings) and, by default, the SQLite store ``govmon.db``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

USER_AGENT = "govmon/0.1 (+https://github.com/govmon/govmon; 政府网站监测)"


class ConfigError(Exception):
    """Bad settings; the message is one line naming the file (and line)."""


class LockedError(Exception):
    """Another govmon process holds the workspace lock."""


@dataclass
class Settings:
    db: str | None = None  # SQLAlchemy URL; default sqlite file in the workspace
    user_agent: str = USER_AGENT
    max_pages: int = 5000  # per site and run
    max_depth: int = 8
    concurrency: int = 32  # total open requests per crawl process
    per_ip_concurrency: int = 4  # politeness: per server address, not only per host name
    delay: float = 0.0  # seconds between requests to one server address
    timeout: float = 20.0  # download timeout for crawl and link checks
    retries: int = 2  # for timeouts, 5xx and 429
    max_retry_after: float = 120.0  # longer Retry-After values count as blocked
    obey_robots: bool = True
    max_response_bytes: int = 10 * 1024 * 1024  # larger responses are cut off
    max_query_variants: int = 100  # per path: bounds query-string explosions
    recheck_delay: float = 30.0  # seconds before transiently failed links are re-verified
    workers: int = 2  # crawl / page-scan processes (one Python process uses one core)
    snapshot_runs: int = 8  # keep page snapshots of this many most recent runs (0 = all)
    verify_external: bool = True
    # verify images/attachments inside the crawl workers while they crawl (crawler/crawltime.py);
    # off by default: on the 2-core 50k bench it cost more CPU than a phase after the crawl
    verify_during_crawl: bool = False
    probe_timeout: float = 15.0  # national indicator: homepage must open within 15 s
    rectify_working_days: int = 15

    def merged(self, **overrides: object) -> Settings:
        data = asdict(self)
        data.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**data)


SETTINGS_TEMPLATE = """\
# govmon 设置 (settings). Every key is optional; shown values are the defaults.
# db: postgresql+psycopg://user:pass@host/govmon   # default: sqlite file govmon.db here
max_pages: 5000          # pages per site and run
max_depth: 8
per_ip_concurrency: 4    # requests in flight per server address (many sites share one)
delay: 0.0               # seconds between requests to one server address
timeout: 20.0
obey_robots: true        # set false (or --ignore-robots) only for your own sites
workers: 2               # crawl and check processes; one per core
snapshot_runs: 8         # keep HTML snapshots of the newest N runs (0 = keep all)
recheck_delay: 30.0      # wait before re-verifying links that failed transiently
probe_timeout: 15.0
"""


def _key_lines(text: str) -> dict[str, int]:
    """1-based line of each top-level key, for messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in root.value}


def load_settings(workspace: Path) -> Settings:
    """Read ``govmon.yaml`` (absent: defaults); ConfigError names file:line of a bad key."""
    path = workspace / "govmon.yaml"
    if not path.exists():
        return Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: 不是 UTF-8 编码") from None
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取 ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        raise ConfigError(f"{path}{line}: YAML 格式错误" + (f" ({problem})" if problem else "")
                          ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: 应为键值映射 (如 max_pages: 5000)")
    lines = _key_lines(text)
    known = [f.name for f in fields(Settings)]
    for key in data:
        if key not in known:
            hint = difflib.get_close_matches(str(key), known, n=1)
            raise ConfigError(f"{path}:{lines.get(str(key), 1)}: 未知设置项 '{key}'"
                              + (f" (是否应为 {hint[0]}?)" if hint else ""))
    defaults = Settings()
    for key, value in data.items():
        where = f"{path}:{lines.get(key, 1)}"
        if key == "db":
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"{where}: db 应为数据库 URL 字符串")
            continue
        expected = type(getattr(defaults, key))
        if value is None:
            raise ConfigError(f"{where}: {key} 不能为空")
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            data[key] = float(value)
        elif not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(f"{where}: {key} 应为{TYPE_NAMES.get(expected, expected.__name__)}"
                              f"，而不是 '{value}'")
        elif expected in (int, float) and value < 0:
            raise ConfigError(f"{where}: {key} 不能为负数")
    return Settings(**data)


TYPE_NAMES = {int: "整数", float: "数字", bool: " true 或 false", str: "字符串"}


@contextmanager
def workspace_lock(workspace: Path) -> Iterator[None]:
    """Hold ``govmon.lock`` in the workspace for a job that must not run twice at once
    (a crawl); raises LockedError when another process holds it."""
    import fcntl

    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / "govmon.lock"
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or "?"
            raise LockedError(f"另一个 govmon 任务正在运行 (进程 {holder}，锁文件 {path})"
                              ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def workspace_dir(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("GOVMON_HOME") or ".").resolve()
