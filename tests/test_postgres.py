"""The same store code on PostgreSQL: migrations, a real crawl, retention, probes, the CLI.

The test starts its own server (initdb into a temporary directory, pg_ctl on a free
loopback port) and stops it at the end. It runs when ``initdb`` is installed (on PATH or in
Debian's /usr/lib/postgresql/<version>/bin) or when ``GOVMON_REQUIRE_PG=1`` (CI): then
missing binaries or a missing driver fail the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import html, spec
from localservers import ServerMissing, find_pg_bin, new_database, postgres_server
from sqlalchemy import func, inspect, select

from crawler.runner import Crawl
from govmon.cli import main
from govmon.demo.server import Route
from settings.config import Settings
from settings.registry import Registry
from store.db import open_store
from store.models import Base, Link, LinkCheck, Page, Probe, Run, RunSite, Site, Snapshot
from store.ops import mark_stale_runs, prune_snapshots, sync_registry

REQUIRED = os.environ.get("GOVMON_REQUIRE_PG") == "1"


PG_BIN = find_pg_bin()
if PG_BIN is None and not REQUIRED:
    pytest.skip("PostgreSQL 未安装 (没有 initdb)；设置 GOVMON_REQUIRE_PG=1 时此测试必须运行",
                allow_module_level=True)


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL server (tests/localservers.py); yields the base URL."""
    try:
        with postgres_server() as url:
            yield url
    except ServerMissing as exc:
        pytest.fail(f"GOVMON_REQUIRE_PG=1 but {exc}")


@pytest.fixture
def pg_url(pg_server: str) -> str:
    return new_database(pg_server)


def test_migrations_produce_the_models_schema(pg_url: str) -> None:
    sessions = open_store(pg_url)
    engine = sessions.kw["bind"]
    assert engine.dialect.name == "postgresql"
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {
        "alembic_version"}
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True,
                                                    "compare_server_default": True})
        assert compare_metadata(mc, Base.metadata) == []
    open_store(pg_url)  # a second open is a no-op upgrade


def test_bulk_insert_on_postgres(pg_url: str) -> None:
    """store.bulk's driver-level inserts (placeholders, ON CONFLICT, processors) on psycopg."""
    from test_bulk import exercise, exercise_many

    exercise(pg_url)
    exercise_many(pg_url)  # many rows: links and snapshots go by COPY


def test_crawl_probe_retention_and_cli_on_postgres(pg_url: str, serve) -> None:  # noqa: ANN001
    long_anchor = "很长的链接文字" * 120  # 840 characters: more than the column's 500
    server = serve({
        "/": Route(html("示例市人民政府", ["/news/1.html", "/missing.html", "/gbk.html"],
                        body=f'<a href="/news/1.html">{long_anchor}</a>')),
        "/news/1.html": Route(html("关于开展政府网站检查的通知", ["/"])),
        "/gbk.html": Route(html("GBK 编码页面", ["/"]).encode("gbk"),
                           content_type="text/html; charset=gbk"),
    })
    site = spec(server.url("/"), name="示" * 200, hints={"mailbox": server.url("/news/1.html"),
                                                         "columns": {"通知公告": "/news/"}})
    registry = Registry(sites=[site])
    result = Crawl(registry, Settings(workers=1, timeout=2.0, retries=1, recheck_delay=0.3),
                   pg_url).run()
    assert result.status == "complete", result
    sessions = open_store(pg_url)
    with sessions() as s:
        stored = s.scalars(select(Site)).one()
        assert stored.name == "示" * 200  # String(200) counts characters on PostgreSQL
        assert stored.hints["columns"] == {"通知公告": "/news/"}  # JSON round trip
        pages = {p.url: p for p in s.scalars(select(Page).where(Page.run_id == result.run_id))}
        assert set(pages) == {server.url(p) for p in ("/", "/news/1.html", "/missing.html",
                                                       "/gbk.html")}
        assert pages[server.url("/news/1.html")].title == "关于开展政府网站检查的通知"
        assert pages[server.url("/gbk.html")].title == "GBK 编码页面"
        assert pages[server.url("/missing.html")].status == 404
        # The batched insert ... RETURNING kept page ids in order: links hang off the
        # right pages.
        for link in s.scalars(select(Link).where(Link.run_id == result.run_id)):
            page_url = s.get(Page, link.page_id).url
            assert (page_url == server.url("/")) == (link.target != server.url("/")), (
                page_url, link.target)
        anchors = s.scalars(select(Link.anchor).where(Link.anchor.like("很长%"))).all()
        assert anchors and all(100 <= len(a) <= 500 for a in anchors)
        checks = {c.target: c for c in s.scalars(select(LinkCheck))}
        assert checks[server.url("/missing.html")].outcome == "broken"
        assert checks[server.url("/news/1.html")].outcome == "ok"
        run_site = s.scalars(select(RunSite)).one()
        assert (run_site.status, run_site.complete, run_site.pages) == ("complete", True, 4)

    # Retention and stale runs on PostgreSQL (window function, DELETE … IN subquery).
    with sessions.begin() as s:
        later = Run(started_at=datetime.now(), status="running", pid=2 ** 22 + 12345,
                    host=socket.gethostname(), options={})
        s.add(later)
        s.flush()
        page = Page(run_id=later.id, site_id=stored.id, url=server.url("/"), status=200,
                    fetched_at=datetime.now())
        s.add(page)
        s.flush()
        s.add(Snapshot(page_id=page.id, run_id=later.id, body=b"x"))
    with sessions.begin() as s:
        assert mark_stale_runs(s) == [later.id]
        dropped = prune_snapshots(s, 1)
    assert dropped == 3  # the first run's three HTML snapshots (the 404 has none)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 1
        assert s.scalar(select(func.count()).select_from(Page)
                        .where(Page.run_id == result.run_id)) == 4
        assert s.get(Run, later.id).status == "interrupted"

    # The CLI against PostgreSQL: probe writes Probe rows, status reads the runs.
    ws = Path(tempfile.mkdtemp(prefix="govmon-ws-"))
    try:
        registry.save(ws / "sites.yaml")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            assert main(["-w", str(ws), "--db", pg_url, "probe"]) == 0, err.getvalue()
            assert main(["-w", str(ws), "--db", pg_url, "status"]) == 0, err.getvalue()
        assert "已中断" in out.getvalue() and "完成" in out.getvalue()
        assert not (ws / "govmon.db").exists()
    finally:
        shutil.rmtree(ws, ignore_errors=True)
    with sessions() as s:
        probe = s.scalars(select(Probe)).one()
        assert (probe.ok, probe.status, probe.site_id) == (True, 200, stored.id)
        assert probe.at > datetime.now() - timedelta(minutes=5)
    with sessions.begin() as s:
        assert sync_registry(s, registry) == {site.code: stored.id}


def test_kill_9_mid_crawl_then_resume_equals_an_uninterrupted_crawl(pg_server: str,
                                                                    serve) -> None:  # noqa: ANN001
    """The crash-safety property of tests/test_crawl.py on PostgreSQL: the crawl command
    killed with SIGKILL mid-crawl leaves a consistent store (every stored page whole), the
    next command finds the run stale, and the resumed crawl ends with exactly the pages of
    an uninterrupted crawl of the same site, each once."""
    from test_crawl import (
        PAGES,
        SlowSite,
        _assert_consistent,
        _interrupt,
        _path,
        _start_driver,
        _wait_for_pages,
    )

    ref_db, db = new_database(pg_server), new_database(pg_server)
    ref_proc = _start_driver(spec(SlowSite(serve).server.url("/")), ref_db,
                             per_ip_concurrency=4, concurrency=8)
    site = SlowSite(serve)
    site.delay = 0.1
    sspec = spec(site.server.url("/"))
    sessions = open_store(db)

    proc = _start_driver(sspec, db)
    _wait_for_pages(db, proc, more_than=4)
    _interrupt(proc, signal.SIGKILL, whole_group=False)
    with sessions.begin() as s:
        run = s.scalars(select(Run)).one()
        assert run.status == "running"  # nothing marked it: the process was killed
        assert mark_stale_runs(s) == [run.id]
    after_kill = _assert_consistent(db, run.id)
    assert 4 < after_kill < PAGES

    site.delay = 0.0
    res = Crawl(Registry(sites=[sspec], trusted_networks=[]),
                Settings(workers=1, timeout=5.0, retries=1, recheck_delay=0.3), db).resume()
    assert (res.run_id, res.status) == (run.id, "complete")
    assert _assert_consistent(db, run.id) == PAGES
    with sessions() as s:
        urls = list(s.scalars(select(Page.url).where(Page.run_id == run.id)))
        rs = s.scalars(select(RunSite).where(RunSite.run_id == run.id)).one()
    assert (rs.status, rs.complete, rs.pages) == ("complete", True, PAGES)
    out, err = ref_proc.communicate(timeout=60)
    assert ref_proc.returncode == 0, err.decode()
    with open_store(ref_db, upgrade=False)() as s:
        reference = [_path(u) for u in s.scalars(select(Page.url))]
    assert len(reference) == len(set(reference)) == PAGES
    assert sorted(_path(u) for u in urls) == sorted(reference)


def test_first_opens_racing_on_a_new_database_all_succeed(pg_server: str) -> None:
    """Three processes open a new PostgreSQL store at the same moment: the migration runs
    once under an advisory lock, the others wait and find the schema current (without the
    lock a loser fails on a duplicate pg_type row or 'relation already exists')."""
    url = new_database(pg_server)
    go = Path(tempfile.mkdtemp(prefix="govmon-pg-race-")) / "go"
    # Each imports store.db (and the driver), says so, then waits for the signal: all
    # three open the store within milliseconds of each other.
    opener = ("import os, sys, time\n"
              "import psycopg\n"
              "from store.db import open_store\n"
              "open(sys.argv[1], 'w').close()\n"
              f"while not os.path.exists({str(go)!r}): time.sleep(0.002)\n"
              f"open_store({url!r})\n")
    root = Path(__file__).parent.parent
    ready = [go.parent / f"ready{i}" for i in range(3)]
    procs = [subprocess.Popen([sys.executable, "-c", opener, str(flag)], cwd=root,
                              stderr=subprocess.PIPE, text=True) for flag in ready]
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [
            (p.poll(), p.stderr.read() if p.poll() is not None else "") for p in procs]
        time.sleep(0.01)
    go.touch()
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    shutil.rmtree(go.parent, ignore_errors=True)
    assert [code for code, _ in results] == [0, 0, 0], results
    engine = open_store(url).kw["bind"]
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {
        "alembic_version"}


def test_link_cache_on_postgres(serve, pg_url: str) -> None:  # noqa: ANN001
    """The link cache (crawler/linkcache.py) on PostgreSQL: the scenario of
    tests/test_linkcache.py."""
    from test_linkcache import cache_scenario

    cache_scenario(serve, pg_url)


def test_incremental_run_on_postgres(serve, pg_url: str) -> None:  # noqa: ANN001
    """An incremental run's copies of stored pages (rows, links, snapshots: SQL INSERT …
    SELECT in crawler/pipelines.py) on PostgreSQL, and the findings they give."""
    from checks.runner import run_checks
    from store.models import Finding

    article = ("<html><head><title>文章{n}</title></head><body><a href='/'>首页</a>"
               "<a href='/list/'>列表</a><div id='zoom'><p>发布时间：2026-11-0{n}</p>"
               "<p>正文{n}</p><a href='/a{m}.html'>相关</a></div></body></html>")
    rows = "".join(f"<li><a href='/a{n}.html'>文章{n}</a><span>2026-11-0{n}</span></li>"
                   for n in range(1, 7))
    srv = serve({"/": Route(body=html("首页", ["/list/"])),
                 "/list/": Route(body=f"<html><head><title>列表</title></head><body>"
                                      f"<a href='/'>首页</a><ul>{rows}</ul></body></html>"),
                 **{f"/a{n}.html": Route(body=article.format(n=n, m=n % 6 + 1))
                    for n in range(1, 7)}})
    site = spec(srv.url("/"))
    registry = Registry(sites=[site], trusted_networks=["127.0.0.0/8"])
    settings = Settings(workers=1, timeout=5.0, retries=1, recheck_delay=0.3)
    sessions = open_store(pg_url)
    runs = []
    for mode in ("full", "incremental"):
        result = Crawl(registry, settings, pg_url).run(mode=mode)
        with sessions.begin() as s:
            run_checks(s, s.get(Run, result.run_id), registry=registry)
        runs.append(result)
    assert runs[1].reused.get("carried", 0) == 6  # the list did not change
    with sessions() as s:
        def crawled(run_id: int) -> list[tuple]:
            return sorted(s.execute(select(Page.url, Page.content_hash, Page.title,
                                           func.count(Link.id), func.count(Snapshot.page_id))
                                    .outerjoin(Link, Link.page_id == Page.id)
                                    .outerjoin(Snapshot, Snapshot.page_id == Page.id)
                                    .where(Page.run_id == run_id).group_by(Page.id)).all())

        def found(run_id: int) -> set[tuple]:
            return {(f.rule, f.fingerprint, f.message) for f in s.scalars(
                select(Finding).where(Finding.run_id == run_id))}
        assert crawled(runs[1].run_id) == crawled(runs[0].run_id)
        assert found(runs[1].run_id) == found(runs[0].run_id)
