"""Workspace settings (``govmon.yaml``) with documented defaults.

A workspace is a directory holding ``sites.yaml`` (the registry), ``govmon.yaml`` (these
settings) and, by default, the SQLite store ``govmon.db``.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

USER_AGENT = "govmon/0.1 (+https://github.com/govmon/govmon; 政府网站监测)"


class ConfigError(Exception):
    pass


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
    workers: int = 2  # crawl processes (one Python process uses one core)
    snapshot_runs: int = 8  # keep page snapshots of this many most recent runs (0 = all)
    verify_external: bool = True
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
workers: 2               # crawl processes; one per core
snapshot_runs: 8         # keep HTML snapshots of the newest N runs (0 = keep all)
recheck_delay: 30.0      # wait before re-verifying links that failed transiently
probe_timeout: 15.0
"""


def load_settings(workspace: Path) -> Settings:
    path = workspace / "govmon.yaml"
    if not path.exists():
        return Settings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: YAML 格式错误") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: 应为键值映射")
    known = {f.name: f.type for f in fields(Settings)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{path}: 未知设置项 {', '.join(unknown)}")
    defaults = Settings()
    for key, value in data.items():
        expected = type(getattr(defaults, key))
        if getattr(defaults, key) is None or value is None:
            continue
        if expected is float and isinstance(value, int):
            data[key] = float(value)
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: {key} 应为 {expected.__name__}")
    return Settings(**data)


def workspace_dir(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("GOVMON_HOME") or ".").resolve()
