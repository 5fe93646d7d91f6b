"""Engines and sessions. SQLite by default, PostgreSQL (or any SQLAlchemy URL) by ``--db``
or ``GOVMON_DB``. The schema is owned by Alembic: :func:`open_store` upgrades to head."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

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
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(url: str, *, upgrade: bool = True) -> sessionmaker[Session]:
    """Open (and migrate) the store at ``url``; returns a session factory."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:") and not path.parent.exists():
            raise StoreError(f"数据库目录不存在: {path.parent}")
    try:
        engine = make_engine(url)
        if upgrade:
            migrate(engine)
    except Exception as exc:  # noqa: BLE001 - reported as one line
        raise StoreError(f"无法打开数据库 {url}: {str(exc).splitlines()[0]}") from exc
    return sessionmaker(engine, expire_on_commit=False)
