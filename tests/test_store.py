"""The store: Alembic owns the schema, runs are append-only, snapshots age out per site."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import html, run_crawl, spec
from sqlalchemy import func, inspect, select

from govmon.demo.server import Route
from store.db import StoreError, alembic_config, open_store, safe_url
from store.models import Base, Link, Page, Run, RunSite, Site, Snapshot
from store.ops import mark_stale_runs, prune_snapshots, sync_registry


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def test_migrations_have_one_head() -> None:
    """Parallel branches must be merged (``open_store`` upgrades to the single head)."""
    assert len(head_revisions()) == 1


def schema_diff(sessions) -> list:  # noqa: ANN001
    with sessions.kw["bind"].connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True,
                                                    "compare_server_default": True})
        return compare_metadata(mc, Base.metadata)


def test_fresh_store_migrates_to_exactly_the_models_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    sessions = open_store(url)
    engine = sessions.kw["bind"]
    tables = set(inspect(engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    with engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == head_revisions()
    assert schema_diff(sessions) == []
    # Opening again is a no-op upgrade that keeps the data.
    with sessions.begin() as s:
        s.add(Run(started_at=datetime.now(), status="complete", options={}))
    with open_store(url)() as s:
        assert s.scalar(select(func.count()).select_from(Run)) == 1


def test_migration_check_catches_a_model_change(tmp_path: Path) -> None:
    """The no-diff check above would notice a column added without a migration."""
    from sqlalchemy import Column, Integer

    sessions = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    col = Column("added_without_migration", Integer)
    Base.metadata.tables["sites"].append_column(col)
    try:
        diff = schema_diff(sessions)
    finally:
        Base.metadata.tables["sites"]._columns.remove(col)  # noqa: SLF001
    assert [d[0] for d in diff] == ["add_column"]
    assert diff[0][3].name == "added_without_migration"


def test_open_store_errors_are_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    cases = {
        "not a url": "数据库 URL 格式错误",
        f"sqlite:///{tmp_path}/missing/dir/x.db": "数据库目录不存在",
        f"sqlite:///{a_file}/x.db": "数据库目录不是目录",
        f"sqlite:///{tmp_path}": "数据库路径是一个目录",
        "nosuchdb://h/x": "不支持的数据库类型 'nosuchdb'",
    }
    for url, expected in cases.items():
        with pytest.raises(StoreError) as exc:
            open_store(url)
        assert expected in str(exc.value) and "\n" not in str(exc.value), url
    # A PostgreSQL server that is not there: the password never shows.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://govmon:s3cret@127.0.0.1:{port}/govmon"
    with pytest.raises(StoreError) as exc:
        open_store(url)
    assert "s3cret" not in str(exc.value) and "govmon:***@" in str(exc.value)
    assert safe_url(url) == f"postgresql+psycopg://govmon:***@127.0.0.1:{port}/govmon"


def test_runs_are_append_only_and_retention_drops_only_old_snapshots(
        serve, tmp_path: Path) -> None:  # noqa: ANN001
    server = serve({
        "/": Route(html("首页", ["/a.html", "/b.html", "/gone.html"])),
        "/a.html": Route(html("A", ["/"])),
        "/b.html": Route(html("B", ["/a.html"])),
    })
    site = spec(server.url("/"))
    db = tmp_path / "store.db"
    first = run_crawl([site], db)
    with first.sessions() as s:
        pages1 = {p.id: p.url for p in s.scalars(select(Page).where(Page.run_id == 1))}
        links1 = s.scalar(select(func.count()).select_from(Link).where(Link.run_id == 1))
        snaps1 = set(s.scalars(select(Page.url).join(Snapshot, Snapshot.page_id == Page.id)
                               .where(Snapshot.run_id == 1)))
    assert first.result.run_id == 1
    assert set(pages1.values()) == {server.url(p) for p in ("/", "/a.html", "/b.html",
                                                             "/gone.html")}
    assert links1 >= 5
    assert snaps1 == {server.url(p) for p in ("/", "/a.html", "/b.html")}

    server.routes["/c.html"] = Route(html("C"))
    server.routes["/"] = Route(html("首页", ["/a.html", "/b.html", "/c.html"]))
    second = run_crawl([site], db, snapshot_runs=1)
    assert second.result.run_id == 2
    with second.sessions() as s:
        assert s.scalars(select(Run.id).order_by(Run.id)).all() == [1, 2]
        # Run 1 is untouched: same pages, same links...
        assert {p.id: p.url for p in s.scalars(select(Page).where(Page.run_id == 1))} == pages1
        assert s.scalar(select(func.count()).select_from(Link).where(Link.run_id == 1)) == links1
        assert len(s.scalars(select(RunSite).where(RunSite.run_id == 1)).all()) == 1
        # ...only its HTML snapshots aged out; run 2 keeps its own.
        assert s.scalar(select(func.count()).select_from(Snapshot)
                        .where(Snapshot.run_id == 1)) == 0
        urls2 = set(s.scalars(select(Page.url).join(Snapshot, Snapshot.page_id == Page.id)
                              .where(Snapshot.run_id == 2)))
        assert server.url("/c.html") in urls2 and server.url("/gone.html") not in urls2
        assert s.scalar(select(func.count()).select_from(Site)) == 1


def _add_run(s, site_ids: list[int], pages_per_site: int = 2) -> int:  # noqa: ANN001
    run = Run(started_at=datetime.now(), status="complete", options={})
    s.add(run)
    s.flush()
    for site_id in site_ids:
        for i in range(pages_per_site):
            page = Page(run_id=run.id, site_id=site_id, url=f"http://s{site_id}/{run.id}/{i}",
                        status=200, fetched_at=datetime.now())
            s.add(page)
            s.flush()
            s.add(Snapshot(page_id=page.id, run_id=run.id, body=b"x"))
    return run.id


def test_retention_counts_each_sites_own_crawls(tmp_path: Path) -> None:
    """A site crawled once, then left out of later ``--site`` runs, keeps its snapshots."""
    sessions = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    with sessions.begin() as s:
        a, b = Site(code="5101000001", name="A", url="http://a/", kind="portal",
                    updated_at=datetime.now()), \
            Site(code="5101000002", name="B", url="http://b/", kind="department",
                 updated_at=datetime.now())
        s.add_all([a, b])
        s.flush()
        r1 = _add_run(s, [a.id, b.id])
        r2 = _add_run(s, [b.id])
        r3 = _add_run(s, [b.id])
        r4 = _add_run(s, [b.id])
    with sessions.begin() as s:
        assert prune_snapshots(s, 0) == 0  # 0 keeps everything
        assert prune_snapshots(s, 2) == 4  # B's runs 1 and 2
    with sessions() as s:
        kept = s.execute(select(Page.site_id, Snapshot.run_id)
                         .join(Page, Page.id == Snapshot.page_id).distinct()).all()
        assert sorted(kept) == sorted([(a.id, r1), (b.id, r3), (b.id, r4)])
        assert s.scalar(select(func.count()).select_from(Page)) == 10  # pages all stay
        assert r2 not in {run for _, run in kept}
    with sessions.begin() as s:
        assert prune_snapshots(s, 2) == 0  # idempotent


def test_mark_stale_runs(tmp_path: Path) -> None:
    sessions = open_store(f"sqlite:///{tmp_path / 's.db'}")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    other = subprocess.Popen(["sleep", "30"])  # not govmon, started after the run below
    host = socket.gethostname()
    now = datetime.now()
    long_ago = now - timedelta(days=400)
    with sessions.begin() as s:
        runs = {
            "dead": Run(started_at=now, status="running", pid=dead.pid, host=host, options={}),
            "alive": Run(started_at=now, status="running", pid=os.getpid(), host=host,
                         options={}),
            # An old run taken over by a newer python process (crawl --resume): alive.
            "resumed": Run(started_at=long_ago, status="running", pid=os.getpid(), host=host,
                           options={}),
            # Its pid now belongs to an unrelated process started after the run: reused.
            "reused": Run(started_at=long_ago, status="running", pid=other.pid, host=host,
                          options={}),
            "elsewhere": Run(started_at=now, status="running", pid=dead.pid,
                             host=host + "-other", options={}),
            "finished": Run(started_at=now, status="complete", pid=dead.pid, host=host,
                            options={}),
        }
        s.add_all(runs.values())
    try:
        with sessions.begin() as s:
            stale = mark_stale_runs(s)
    finally:
        other.kill()
        other.wait()
    assert sorted(stale) == sorted([runs["dead"].id, runs["reused"].id])
    with sessions() as s:
        status = {k: s.get(Run, r.id).status for k, r in runs.items()}
        assert status == {"dead": "interrupted", "alive": "running", "resumed": "running",
                          "reused": "interrupted", "elsewhere": "running",
                          "finished": "complete"}
        assert "--resume" in s.get(Run, runs["dead"].id).note


def test_sync_registry_keeps_removed_sites(tmp_path: Path) -> None:
    from settings.registry import Registry, SiteSpec

    sessions = open_store(f"sqlite:///{tmp_path / 'y.db'}")
    reg = Registry(sites=[SiteSpec("5101000001", "A", "http://a/", "portal",
                                   hints={"mailbox": "http://a/x/"}),
                          SiteSpec("5101000002", "B", "http://b/", "department")])
    with sessions.begin() as s:
        ids = sync_registry(s, reg)
    reg.sites = [SiteSpec("5101000001", "A2", "http://a/", "portal", status="关停")]
    with sessions.begin() as s:
        assert sync_registry(s, reg) == ids
    with sessions() as s:
        a, b = (s.get(Site, ids[c]) for c in ("5101000001", "5101000002"))
        assert (a.name, a.status, a.in_registry, a.hints) == ("A2", "关停", True, {})
        assert (b.name, b.in_registry) == ("B", False)
