"""Engines and sessions. SQLite by default, PostgreSQL (or any SQLAlchemy URL) by ``--db``
or ``GOVMON_DB``. The schema is owned by Alembic: :func:`open_store` upgrades to head.

Opening a store checks that it is the one govmon made, and refuses anything else instead
of quietly starting over: a 0-byte or non-SQLite file, a database with tables but no
Alembic revision, a revision this version does not know, or tables missing at head. A
migration holds a lock (``govmon.lock`` next to the SQLite file, which is the workspace
lock for the default store; an advisory lock on PostgreSQL), so two first commands on a
new workspace never race in it: the second waits for the first, then finds the schema
current. :func:`check_integrity` runs SQLite's ``PRAGMA quick_check`` for the commands
that write a lot (crawl, nightly).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from store.lockfile import LockBusy, hold

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_WAIT = 120.0  # seconds a command waits for another one's migration
PG_MIGRATION_LOCK = 0x676F766D6F6E  # "govmon": advisory lock key on PostgreSQL


class StoreError(Exception):
    """The store cannot be opened or migrated (message is one line for the user)."""


class StoreBusy(StoreError):
    """The store needs a migration while another govmon job holds its lock."""


def default_url(workspace: Path) -> str:
    return os.environ.get("GOVMON_DB") or f"sqlite:///{(workspace / 'govmon.db').resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            # WAL lets crawl workers write while reports read; NORMAL sync is crash-safe in WAL.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            # 32 MiB page cache (SQLite's default is 2 MiB): the crawl's link indexes are
            # hundreds of MB; with the default every batch re-read most of the pages it
            # touched (insert CPU -20 % with one writer, more with two).
            cur.execute("PRAGMA cache_size=-32768")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # imported on use: alembic costs ~0.3 s at startup

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade to head (on PostgreSQL under an advisory lock held until commit)."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _revisions() -> tuple[set[str], set[str]]:
    """(every revision id of our migrations, the heads)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {r.revision for r in script.walk_revisions()}, set(script.get_heads())


def schema_state(engine: Engine, shown: str) -> str:
    """'new' (no tables), 'old' (a known revision behind head) or 'current'; StoreError
    for a database govmon did not make or cannot use."""
    # Read in this order — version table, versions, then the tables — because another
    # process may be migrating meanwhile (each read sees a later state): Alembic creates
    # its version table first and records a revision after that revision's tables, so a
    # head read here means every table of it is there by the time the tables are read.
    with engine.connect() as conn:
        versioned = inspect(conn).has_table("alembic_version")
        found = (set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
                 if versioned else set())
        tables = set(inspect(conn).get_table_names())
    if not versioned and not tables:
        return "new"
    if "alembic_version" not in tables:
        raise StoreError(f"{shown} 不是 govmon 的数据库 (有 {len(tables)} 个表，但没有 "
                         "alembic_version 版本表)；请检查 --db / GOVMON_DB 是否指错了"
                         + _restore_hint(engine))
    if not found:  # another process is in the middle of the first migration
        return "old"
    known, heads = _revisions()
    if found - known:
        raise StoreError(f"{shown} 的数据库版本 {', '.join(sorted(found))} 不是本版本 "
                         "govmon 所知的 (由更新版本的 govmon 创建，或版本表已损坏)；请升级 "
                         "govmon" + _restore_hint(engine, "，或"))
    if found != heads:
        return "old"
    from store.models import Base

    missing = sorted(set(Base.metadata.tables) - tables)
    if missing:
        raise StoreError(f"{shown} 已损坏: 缺少表 {', '.join(missing[:5])}"
                         + _restore_hint(engine))
    return "current"


def _sqlite_file(engine_or_url: Engine | str) -> Path | None:
    url = make_url(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _restore_hint(engine_or_url: Engine | str, lead: str = "。") -> str:
    path = _sqlite_file(engine_or_url)
    if path is None:
        return f"{lead}从备份恢复数据库后重试"
    return (f"{lead}从备份恢复: 先停止 govmon 任务，再把备份复制为 {path} "
            f"(没有备份时可试 sqlite3 {path.name} .recover | sqlite3 恢复.db 抢救)；"
            "见 README「备份与恢复」")


def _sqlite_file_problem(path: Path) -> str | None:
    """A file that is there but cannot be a govmon store; None when fine or absent.

    Only ``stat``: opening and closing the database file would drop this process's POSIX
    locks on it (SQLite's known pitfall) under any connection already open. A file that is
    not SQLite is recognised by SQLite itself (``file is not a database``)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"无法读取 ({exc.strerror})"
    if size == 0:
        return "文件为空 (0 字节)，不是 govmon 创建的数据库 (govmon 不会覆盖它)"
    return None


def _upgrade(engine: Engine, shown: str) -> None:
    """Bring the schema to head, one process at a time; others wait until it is current.

    A SQLite file that does not exist yet is created under the lock as well: the first
    connection creates it empty and only then writes its header, and another process must
    never take that moment's 0-byte file for a damaged store."""
    path = _sqlite_file(engine)
    if path is None:  # PostgreSQL: the advisory lock in migrate() orders the processes
        if schema_state(engine, shown) != "current":
            migrate(engine)
        return
    if path.exists() and schema_state(engine, shown) == "current":
        return

    def current() -> bool:
        return (path.exists() and path.stat().st_size > 0
                and schema_state(engine, shown) == "current")

    try:
        with hold(path.parent / "govmon.lock", wait=MIGRATION_WAIT, reentrant=True,
                  done=current) as got:
            if got and schema_state(engine, shown) != "current":
                migrate(engine)
    except LockBusy as exc:
        raise StoreBusy(f"数据库 {shown} 需要升级，但另一个 govmon 任务正在运行 (进程 "
                        f"{exc.holder})；等它结束后再试") from None


# What SQLite says about a file that is damaged or not a database at all.
_DAMAGE = {"file is not a database": "不是 SQLite 数据库文件",
           "database disk image is malformed": "数据库文件已损坏",
           "disk i/o error": "读写数据库文件出错 (磁盘 I/O 错误)"}


def damaged(exc: BaseException) -> bool:
    """Whether ``exc`` (a SQLAlchemy or sqlite3 error) says the database file is damaged
    or is not a database."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(k in text for k in _DAMAGE)


def damage_text(message: str) -> str:
    low = message.lower()
    return next((v for k, v in _DAMAGE.items() if k in low), message)


def check_integrity(engine: Engine) -> None:
    """SQLite's ``PRAGMA quick_check`` (every page and index entry readable, in order;
    cheaper than integrity_check, which also matches indexes against their tables).
    StoreError with a restore hint when the file is damaged; nothing on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    shown = safe_url(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("PRAGMA quick_check").scalars().all()
    except Exception as exc:  # noqa: BLE001 - sqlite3.DatabaseError: malformed, not a db …
        first = (str(getattr(exc, "orig", exc)).splitlines() or [type(exc).__name__])[0]
        raise StoreError(f"数据库 {shown} 已损坏 (quick_check: {first})" + _restore_hint(engine)
                         ) from None
    if rows != ["ok"]:
        raise StoreError(f"数据库 {shown} 已损坏 (quick_check: {rows[0]}"
                         + (f"，共 {len(rows)} 处问题" if len(rows) > 1 else "") + ")"
                         + _restore_hint(engine))


def _sqlite_path_problem(url: str) -> str | None:
    """Check a SQLite file URL up front: SQLite's own error ("unable to open database
    file") does not say what is wrong."""
    raw = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
    if raw in ("", ":memory:"):
        return None
    path = Path(raw)
    if path.is_dir():
        return f"数据库路径是一个目录: {path}"
    if not path.parent.exists():
        return f"数据库目录不存在: {path.parent}"
    if not path.parent.is_dir():
        return f"数据库目录不是目录: {path.parent}"
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"没有写入权限: {path if path.exists() else path.parent}"
    return None


def _being_created(path: Path) -> bool:
    """Whether an empty database file is another govmon process creating it right now
    (creation happens under the migration lock, see _upgrade): waits for that."""
    try:
        with hold(path.parent / "govmon.lock", wait=MIGRATION_WAIT, reentrant=True,
                  done=lambda: path.stat().st_size > 0) as got:
            return not got or path.stat().st_size > 0
    except (LockBusy, OSError):
        return False


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: show it as given
        return url


def open_store(url: str, *, upgrade: bool = True) -> sessionmaker[Session]:
    """Open (and migrate) the store at ``url``; returns a session factory.

    Raises StoreError with one line (password masked) when it cannot be opened.
    """
    shown = safe_url(url)
    try:
        dialect = make_url(url).get_backend_name()
    except Exception:  # noqa: BLE001 - ArgumentError or a bad port
        raise StoreError(f"数据库 URL 格式错误: {shown} (例如 sqlite:////path/govmon.db 或 "
                         "postgresql+psycopg://user@host/govmon)") from None
    if dialect not in ("sqlite", "postgresql"):
        try:
            make_url(url).get_dialect()
        except Exception:  # noqa: BLE001 - NoSuchModuleError
            raise StoreError(f"无法打开数据库 {shown}: 不支持的数据库类型 '{dialect}'") from None
    if dialect == "sqlite" and (problem := _sqlite_path_problem(url)):
        raise StoreError(f"无法打开数据库 {shown}: {problem}")
    path = _sqlite_file(url) if dialect == "sqlite" else None
    if path is not None and (problem := _sqlite_file_problem(path)):
        if not problem.startswith("文件为空") or not _being_created(path):
            raise StoreError(f"无法打开数据库 {shown}: {problem}" + _restore_hint(url))
    try:
        engine = make_engine(url)
        if upgrade:
            _upgrade(engine, shown)
    except StoreError:
        raise
    except ModuleNotFoundError as exc:
        hint = (" (pip install 'psycopg[binary]')" if "psycopg" in str(exc) else "")
        raise StoreError(f"无法打开数据库 {shown}: 缺少数据库驱动 {exc.name}{hint}") from exc
    except Exception as exc:  # noqa: BLE001 - reported as one line
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [
            type(exc).__name__]
        if damaged(exc):
            raise StoreError(f"无法打开数据库 {shown}: {damage_text(lines[0])}"
                             + _restore_hint(url)) from exc
        raise StoreError(f"无法打开数据库 {shown}: {lines[0]}") from exc
    return sessionmaker(engine, expire_on_commit=False)
