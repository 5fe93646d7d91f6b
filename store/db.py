"""Engines and sessions. SQLite by default, PostgreSQL (or any SQLAlchemy URL) by ``--db``
or ``GOVMON_DB``. The schema is owned by Alembic: :func:`open_store` upgrades to head."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """The store cannot be opened or migrated (message is one line for the user)."""


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
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


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
    try:
        engine = make_engine(url)
        if upgrade:
            migrate(engine)
    except ModuleNotFoundError as exc:
        hint = (" (pip install 'psycopg[binary]')" if "psycopg" in str(exc) else "")
        raise StoreError(f"无法打开数据库 {shown}: 缺少数据库驱动 {exc.name}{hint}") from exc
    except Exception as exc:  # noqa: BLE001 - reported as one line
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        raise StoreError(f"无法打开数据库 {shown}: {lines[0]}") from exc
    return sessionmaker(engine, expire_on_commit=False)
