"""Workspace settings (``govmon.yaml``) with documented defaults.

A workspace is a directory holding ``sites.yaml`` (the registry), ``govmon.yaml`` (these
settings) and, by default, the SQLite store ``govmon.db``.
"""

from __future__ import annotations

import difflib
import os
import re
import ssl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, fields
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from settings.schema import (
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


_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_QUIET = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def _address(value: str) -> str:
    """An e-mail address, bare or as ``显示名 <user@host>``."""
    m = re.fullmatch(r"\s*(?:[^<>]*<\s*([^<>\s]+)\s*>|([^<>\s]+))\s*", value)
    addr = (m.group(1) or m.group(2)) if m else ""
    if not _EMAIL.match(addr):
        raise ValueError(f"'{value[:60]}' 不是合法的电子邮箱地址")
    return value.strip()


class MailSettings(BaseModel):
    """``mail:`` in govmon.yaml — where the digests after ``govmon nightly`` go (SMTP).

    The password is never written in the file: ``password_env`` names the environment
    variable holding it. ``quiet_hours`` ("22:00-07:00"): digests made then wait in the
    workspace's ``mail/outbox/`` until ``govmon digest --flush`` (or the next nightly)
    after the window."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)

    host: Annotated[CleanText, Field(min_length=1, max_length=255)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None  # default: by security
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: CleanText | None = None
    password_env: CleanText = "GOVMON_SMTP_PASSWORD"
    sender: CleanText
    supervisors: list[CleanText] = []  # receive the cluster summary every night
    quiet_hours: CleanText | None = None
    timeout: Annotated[float, Field(gt=0, le=600)] = 30.0
    ca_file: CleanText | None = None  # a private CA for the mail server's certificate
    attach: bool = True  # attach each site's notice (PDF, else HTML) to its contacts' mail
    link_base: CleanText | None = None  # URL where reports/latest/ is published, for links

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _address(value)

    @field_validator("supervisors")
    @classmethod
    def _supervisors(cls, value: list[str]) -> list[str]:
        return [_address(v) for v in value]

    @field_validator("password_env")
    @classmethod
    def _env(cls, value: str) -> str:
        if not _ENV_NAME.match(value):
            raise ValueError(f"'{value[:60]}' 不是环境变量名")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None and not _QUIET.match(value):
            raise ValueError(f"'{value[:60]}' 应如 22:00-07:00")
        return value

    @property
    def smtp_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    def quiet(self, now: datetime) -> bool:
        """Whether ``now`` falls in the quiet hours (a window may cross midnight)."""
        if not self.quiet_hours:
            return False
        h1, m1, h2, m2 = map(int, _QUIET.match(self.quiet_hours).groups())
        start, end, t = dtime(h1, m1), dtime(h2, m2), now.time()
        return (start <= t < end) if start <= end else (t >= start or t < end)


# Ranges: what a crawl can run with. A 0 where a count must be positive hung the crawl
# (per_ip_concurrency: 0) or made it pointless (max_pages: 0 reported every site
# unreachable); upper bounds catch typos (delay: 30000) before they stall a night.
@dataclass(config=ConfigDict(strict=True, allow_inf_nan=False, extra="forbid"))
class Settings:
    db: CleanText | None = None  # SQLAlchemy URL; default sqlite file in the workspace
    # redis://host:6379/0: crawl and nightly hand their work to `govmon worker`s on any
    # number of machines, all writing to one PostgreSQL store (crawler/cluster.py)
    redis: CleanText | None = None
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
    mail: MailSettings | None = None  # e-mail digests after nightly (absent: none are sent)
    # attachments fetched per site and run after the crawl, for the privacy rule to read
    # (crawler/attachments.py: the site's own hosts only, lists first; 0 fetches none)
    attachment_budget: Annotated[int, _range(0, 100_000)] = 50
    attachment_max_bytes: Annotated[int, _range(1024, 2 ** 31)] = 10 * 1024 * 1024
    # extra trust anchors (PEM) for the HTTPS check, e.g. a test CA; the system's trust
    # store is always used
    tls_ca_file: CleanText | None = None
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
# redis: redis://127.0.0.1:6379/0   # crawl over `govmon worker`s (README: 多台机器)
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
# E-mail digests after `govmon nightly` (contacts per site in sites.yaml; see README):
# mail:
#   host: smtp.example.gov.cn
#   port: 465
#   security: ssl            # ssl | starttls | none
#   user: govmon@example.gov.cn
#   password_env: GOVMON_SMTP_PASSWORD   # the password is read from this variable
#   sender: 政府网站监测 <govmon@example.gov.cn>
#   supervisors: [zwgk@example.gov.cn]   # receive the cluster summary
#   quiet_hours: "22:00-07:00"           # mail waits in mail/outbox/ until then
attachment_budget: 50    # attachments fetched per site for the personal-data check (0 = none)
attachment_max_bytes: 10485760   # larger attachments are not fetched
# tls_ca_file: ca.pem    # extra CA certificates the HTTPS check trusts (normally unset)
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
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError("\n".join(capped(validation_problems(exc, str(path), doc.line)))
                          ) from None
    if settings.tls_ca_file:
        where = f"{path}:{doc.line(['tls_ca_file'])}: tls_ca_file"
        settings = settings.merged(tls_ca_file=_ca_file(workspace, settings.tls_ca_file, where))
    return settings


def _ca_file(workspace: Path, name: str, where: str) -> str:
    """``tls_ca_file`` as an absolute path (relative to the workspace) holding at least one
    PEM certificate: checked before a crawl, not found wanting after it."""
    ca = (workspace / name).resolve()
    try:
        ssl.create_default_context(cafile=str(ca))
    except FileNotFoundError:
        raise ConfigError(f"{where}: 找不到证书文件 {ca}") from None
    except (ssl.SSLError, ValueError):  # SSLError is an OSError: first
        raise ConfigError(f"{where}: {ca} 中没有可用的 PEM 格式 CA 证书") from None
    except OSError as exc:
        raise ConfigError(f"{where}: 无法读取证书文件 {ca} ({os_reason(exc)})") from None
    return str(ca)


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
