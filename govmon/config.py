"""Workspace settings (``govmon.yaml``) with documented defaults.

A workspace is a directory holding ``sites.yaml`` (the registry), ``govmon.yaml`` (these
settings) and, by default, the SQLite store ``govmon.db``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass

from govmon.schema import (
    CleanText,
    InputError,
    YamlProblem,
    capped,
    load_yaml,
    os_reason,
    validation_problems,
)
from store.lockfile import LockBusy, hold

USER_AGENT = "govmon/0.1 (+https://github.com/govmon/govmon; 政府网站监测)"


class ConfigError(InputError):
    """Bad settings; one line per problem, naming the file, line and key."""


class LockedError(Exception):
    """Another govmon process holds the workspace lock."""


def _range(lo: float | None = None, hi: float | None = None, *, above: float | None = None
           ) -> Any:
    return Field(ge=lo, le=hi, gt=above)


# Ranges: what a crawl can run with. A 0 where a count must be positive hung the crawl
# (per_ip_concurrency: 0) or made it pointless (max_pages: 0 reported every site
# unreachable); upper bounds catch typos (delay: 30000) before they stall a night.
@dataclass(config=ConfigDict(strict=True, allow_inf_nan=False, extra="forbid"))
class Settings:
    db: CleanText | None = None  # SQLAlchemy URL; default sqlite file in the workspace
    user_agent: Annotated[CleanText, Field(min_length=1, max_length=512)] = USER_AGENT
    max_pages: Annotated[int, _range(1, 10_000_000)] = 5000  # per site and run
    max_depth: Annotated[int, _range(0, 1000)] = 8
    concurrency: Annotated[int, _range(1, 1024)] = 32  # total open requests per crawl process
    # politeness: per server address, not only per host name
    per_ip_concurrency: Annotated[int, _range(1, 256)] = 4
    delay: Annotated[float, _range(0, 3600)] = 0.0  # seconds between requests to one address
    timeout: Annotated[float, _range(None, 3600, above=0)] = 20.0  # crawl and link checks
    retries: Annotated[int, _range(0, 20)] = 2  # for timeouts, 5xx and 429
    # longer Retry-After values count as blocked
    max_retry_after: Annotated[float, _range(0, 86400)] = 120.0
    obey_robots: bool = True
    # larger responses are cut off (at least 1 KiB: 0 used to switch the cut-off off)
    max_response_bytes: Annotated[int, _range(1024, 2 ** 31)] = 10 * 1024 * 1024
    max_query_variants: Annotated[int, _range(1, 1_000_000)] = 100  # per path: query explosions
    # seconds before transiently failed links are re-verified
    recheck_delay: Annotated[float, _range(0, 3600)] = 30.0
    # crawl / page-scan processes (one Python process uses one core)
    workers: Annotated[int, _range(1, 256)] = 2
    # keep page snapshots of this many most recent runs (0 = all)
    snapshot_runs: Annotated[int, _range(0, 1_000_000)] = 8
    verify_external: bool = True
    # national indicator: homepage must open within 15 s
    probe_timeout: Annotated[float, _range(None, 600, above=0)] = 15.0
    rectify_working_days: Annotated[int, _range(1, 365)] = 15
    # nightly: a full crawl when the last one is this many days old (0: every night),
    # an incremental one otherwise (crawler/incremental.py)
    full_crawl_every_days: Annotated[int, _range(0, 365)] = 7
    # incremental runs carry an unchanged article over without a request for at most
    # this many days after its last real fetch; older ones are revalidated (0: always)
    carry_max_days: Annotated[float, _range(0, 365)] = 7.0
    # a link target verified as working is not asked again for this long (0: no cache;
    # failures are never cached; crawler/linkcache.py)
    link_cache_hours: Annotated[float, _range(0, 24 * 365)] = 24.0

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
full_crawl_every_days: 7 # nightly: full crawl weekly, incremental (conditional requests) otherwise
carry_max_days: 7        # incremental: unchanged articles carried over at most this long
link_cache_hours: 24     # working link targets not re-verified for this long (0: off)
"""


def load_settings(workspace: Path) -> Settings:
    """Read ``govmon.yaml`` (absent: defaults); ConfigError names file:line: key of every
    bad setting."""
    path = workspace / "govmon.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: 不是 UTF-8 编码") from None
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取 ({exc.strerror})") from None
    try:
        doc = load_yaml(text)
    except YamlProblem as exc:
        raise ConfigError(exc.render(str(path))) from None
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:{doc.line()}: 应为键值映射 (如 max_pages: 5000)")
    known = [f.name for f in fields(Settings)]
    problems = []
    for key in data:
        if key not in known:
            hint = difflib.get_close_matches(str(key), known, n=1)
            problems.append(f"{path}:{doc.line([key])}: {key}: 未知设置项"
                            + (f" (是否应为 {hint[0]}?)" if hint else ""))
    if problems:
        raise ConfigError("\n".join(capped(problems)))
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError("\n".join(capped(validation_problems(exc, str(path), doc.line)))
                          ) from None


@contextmanager
def workspace_lock(workspace: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold ``govmon.lock`` in the workspace for a job that must not run twice at once
    (a crawl, the nightly job, a migration of the store); raises LockedError when another
    process holds it (after ``wait`` seconds), ConfigError when it cannot be created."""
    path = workspace / "govmon.lock"
    held = ExitStack()
    try:  # only taking the lock is translated here, not what the job raises
        workspace.mkdir(parents=True, exist_ok=True)
        held.enter_context(hold(path, wait=wait))
    except LockBusy as exc:
        raise LockedError(f"另一个 govmon 任务正在运行 (进程 {exc.holder}，锁文件 {path})"
                          ) from None
    except OSError as exc:
        raise ConfigError(f"{exc.filename or path}: 无法打开工作目录锁文件 "
                          f"({os_reason(exc)}；工作目录和锁文件需要可写)") from None
    with held:
        yield


def workspace_dir(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("GOVMON_HOME") or ".").resolve()
