"""A crawl spread over `govmon worker`s (crawler/cluster.py), end to end on real servers: a
real Redis and a real PostgreSQL on loopback (tests/localservers.py), the sample cluster
on its loopback site servers, two workers as separate processes.

The findings of a distributed crawl equal those of a single-process crawl of the same
sites; politeness per server address holds across the workers; a worker killed with
SIGKILL mid-crawl (its whole process group, as a machine dies) has its job taken over by
the other, and the run still ends with each page once and the same findings.

Runs when Redis and PostgreSQL are installed; with ``GOVMON_REQUIRE_REDIS=1`` (CI) a
missing server or client fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from localservers import (
    ServerMissing,
    find_pg_bin,
    free_port,
    new_database,
    postgres_server,
    redis_server,
)
from sqlalchemy import func, select

from checks.runner import run_checks
from crawler import cluster
from crawler.runner import Crawl
from govmon.cli import main
from govmon.demo.cluster import DemoCluster
from settings.config import Settings
from store.db import open_store
from store.models import Finding, Page, Run

REQUIRED = os.environ.get("GOVMON_REQUIRE_REDIS") == "1"
if not REQUIRED and (find_pg_bin() is None or shutil.which("redis-server") is None):
    pytest.skip("PostgreSQL 或 Redis 未安装；设置 GOVMON_REQUIRE_REDIS=1 时此测试必须运行",
                allow_module_level=True)

SETTINGS = {"timeout": 5.0, "retries": 1, "recheck_delay": 0.3, "per_ip_concurrency": 2}
HISTORY_WORDED = {"content.recycled_post", "content.backdated_post"}
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    """(PostgreSQL base URL, Redis URL)."""
    try:
        with postgres_server() as pg, redis_server() as rd:
            yield pg, rd
    except ServerMissing as exc:
        pytest.fail(f"GOVMON_REQUIRE_REDIS=1 but {exc}")


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoCluster]:
    cluster_ = DemoCluster(today=date.today())
    cluster_.start()
    try:
        yield cluster_
    finally:
        cluster_.stop()


@pytest.fixture(scope="module")
def reference(servers: tuple[str, str], demo: DemoCluster) -> set[tuple]:
    """The findings of a single-process crawl of the sample cluster."""
    db = new_database(servers[0])
    result = Crawl(demo.registry, Settings(workers=1, **SETTINGS), db).run()
    return _checked(db, result.run_id, demo)


def _checked(db: str, run_id: int, demo: DemoCluster) -> set[tuple]:
    sessions = open_store(db)
    with sessions.begin() as s:
        run_checks(s, s.get(Run, run_id), registry=demo.registry)
    with sessions() as s:
        return {(f.site_id, f.rule, f.fingerprint, f.url, f.severity,
                 None if f.rule in HISTORY_WORDED else f.message)
                for f in s.scalars(select(Finding).where(Finding.run_id == run_id))}


def _assert_same(found: set[tuple], reference: set[tuple]) -> None:
    assert found == reference, {"only here": sorted(found - reference),
                                "only in the reference": sorted(reference - found)}


class Workers:
    """`govmon worker` processes, each the leader of its own process group."""

    def __init__(self, redis_url: str, db: str, tmp: Path, n: int, ttl: float = 2.0):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.procs = [subprocess.Popen(
            [sys.executable, "-m", "govmon.cli", "worker", "--redis", redis_url, "--db", db,
             "--ttl", str(ttl), "--name", f"w{i}", "--log-dir", str(tmp / "logs"),
             "-w", str(tmp)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            for i in range(n)]
        client = cluster.connect(redis_url)
        deadline = time.monotonic() + 60
        while len(cluster.workers(client)) < n:
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.1)

    def output(self) -> str:
        return "\n".join(f"w{i}: rc={p.poll()}" for i, p in enumerate(self.procs))

    def stop(self) -> list[tuple[int, str, str]]:
        out = []
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            o, e = p.communicate(timeout=60)
            out.append((p.returncode, o.decode(), e.decode()))
        return out


def test_two_workers_crawl_politely_to_the_findings_of_one_process(
        servers: tuple[str, str], demo: DemoCluster, reference: set[tuple],
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # every link target left after the crawl goes to the workers (not the few-targets
    # path, which verifies in the coordinator's process)
    monkeypatch.setattr("crawler.runner.VERIFY_HERE_MAX", -1)
    pg, rd = servers
    db = new_database(pg)
    open_store(db)  # migrated before the workers open it
    workers = Workers(rd, db, tmp_path, 2)
    try:
        for server in demo.servers:
            server.max_in_flight = 0
        crawl = Crawl(demo.registry, Settings(**SETTINGS), db, redis_url=rd)
        result = crawl.run()
        assert result.status in ("complete", "partial")
        # `govmon status` lists both workers, each having finished jobs
        code = main(["--db", db, "-w", str(tmp_path), "status", "--redis", rd])
        shown = capsys.readouterr().out
    finally:
        ended = workers.stop()
    assert code == 0
    assert "在线 worker (2 个" in shown and " w0 " in shown and " w1 " in shown, shown
    assert [rc for rc, _, _ in ended] == [0, 0], ended
    done = [int(out.rsplit("完成", 1)[1].split()[0]) for _, out, _ in ended]
    assert min(done) >= 1 and sum(done) == 4, ended  # 2 crawl jobs, 2 verify jobs
    assert max(s.max_in_flight for s in demo.servers) <= SETTINGS["per_ip_concurrency"]
    _assert_same(_checked(db, result.run_id, demo), reference)
    with open_store(db)() as s:
        assert s.get(Run, result.run_id).options["distributed"] is True


def test_a_worker_killed_mid_crawl_is_taken_over_with_nothing_lost(
        servers: tuple[str, str], demo: DemoCluster, reference: set[tuple],
        tmp_path: Path) -> None:
    pg, rd = servers
    db = new_database(pg)
    sessions = open_store(db)
    workers = Workers(rd, db, tmp_path, 2)
    client = cluster.connect(rd)
    killed: list[str] = []

    def kill_one_mid_crawl() -> None:
        """SIGKILL the process group of a worker holding a crawl job once pages of the
        run are stored (the worker and its crawl process die together, unflushed)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with sessions() as s:
                stored = s.scalar(select(func.count()).select_from(Page)) or 0
            if stored > 20:
                for i, proc in enumerate(workers.procs):
                    held = client.lrange(cluster.doing_key(f"w{i}"), 0, -1)
                    if any(cluster.Job.loads(raw).kind == "crawl" for raw in held):
                        os.killpg(proc.pid, signal.SIGKILL)
                        killed.append(f"w{i}")
                        return
            time.sleep(0.05)

    slowed = [r for server in demo.servers for r in server.routes.values()]
    for route in slowed:
        route.delay = 0.06  # a crawl of some seconds: the kill lands mid-crawl
    killer = threading.Thread(target=kill_one_mid_crawl)
    try:
        killer.start()
        crawl = Crawl(demo.registry, Settings(**SETTINGS), db, redis_url=rd)
        result = crawl.run()
    finally:
        for route in slowed:
            route.delay = 0.0
        killer.join()
        ended = workers.stop()
    assert killed, "no worker was killed mid-crawl"
    assert [j.kind for j in crawl.cluster.taken_over] == ["crawl"]
    survivor = [rc for i, (rc, _, _) in enumerate(ended) if f"w{i}" not in killed]
    assert survivor == [0], ended
    with sessions() as s:
        urls = list(s.scalars(select(Page.url).where(Page.run_id == result.run_id)))
    assert len(urls) == len(set(urls))  # each page once, none lost to the kill
    assert result.status in ("complete", "partial")
    _assert_same(_checked(db, result.run_id, demo), reference)


def test_coordinator_interrupted_then_resumed_through_the_cli(
        servers: tuple[str, str], demo: DemoCluster, reference: set[tuple],
        tmp_path: Path) -> None:
    """`govmon crawl --redis` stopped with SIGINT mid-crawl: the workers stop that run's
    jobs and stay up, the command exits 4 with the run resumable, and
    `govmon crawl --resume --redis` finishes it with the findings of one process."""
    pg, rd = servers
    db = new_database(pg)
    ws = tmp_path / "ws"
    ws.mkdir()
    demo.registry.save(ws / "sites.yaml")
    (ws / "govmon.yaml").write_text("".join(f"{k}: {v}\n" for k, v in SETTINGS.items()),
                                    encoding="utf-8")
    sessions = open_store(db)
    workers = Workers(rd, db, tmp_path, 2)
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    command = [sys.executable, "-m", "govmon.cli", "-w", str(ws), "--db", db, "crawl",
               "--redis", rd]
    slowed = [r for server in demo.servers for r in server.routes.values()]
    for route in slowed:
        route.delay = 0.06
    try:
        coordinator = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while True:
            with sessions() as s:
                if (s.scalar(select(func.count()).select_from(Page)) or 0) > 20:
                    break
            assert time.monotonic() < deadline and coordinator.poll() is None
            time.sleep(0.05)
        coordinator.send_signal(signal.SIGINT)
        out, err = coordinator.communicate(timeout=90)
        assert coordinator.returncode == 4, (out.decode()[-2000:], err.decode()[-2000:])
        with sessions() as s:
            run = s.scalars(select(Run)).one()
            stopped_at = s.scalar(select(func.count()).select_from(Page))
        assert run.status == "interrupted"
        assert all(p.poll() is None for p in workers.procs)  # the workers stay up
        for route in slowed:
            route.delay = 0.0
        resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True,
                                 timeout=300)
        assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    finally:
        for route in slowed:
            route.delay = 0.0
        ended = workers.stop()
    assert [rc for rc, _, _ in ended] == [0, 0], ended
    with sessions() as s:
        urls = list(s.scalars(select(Page.url).where(Page.run_id == run.id)))
        assert s.get(Run, run.id).status in ("complete", "partial")
    assert stopped_at < len(urls) == len(set(urls))
    _assert_same(_checked(db, run.id, demo), reference)


def test_no_worker_online_is_one_line_and_exit_6(servers: tuple[str, str], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A coordinator with nobody to take its jobs says so (after ``wait`` seconds), and an
    unreachable Redis is named in one line; both end with the cluster's exit code."""
    pg, rd = servers
    db = new_database(pg)
    (tmp_path / "sites.yaml").write_text(
        "sites:\n- code: '1100000001'\n  name: 测试\n  url: http://127.0.0.1:9/\n"
        "  kind: portal\n", encoding="utf-8")
    coordinator = cluster.Coordinator(rd, wait=0.5, poll=0.1)
    with pytest.raises(cluster.ClusterError, match="没有在线的 worker"):
        coordinator.split_count()
    code = main(["--db", db, "-w", str(tmp_path), "crawl", "--redis", "redis://127.0.0.1:9/0"])
    err = capsys.readouterr().err
    assert code == 6
    assert "无法连接 Redis redis://127.0.0.1:9/0" in err and "Traceback" not in err


def test_a_restarted_worker_hands_back_what_its_dead_self_held(servers: tuple[str, str]) -> None:
    """A worker restarted under its fixed name (systemd's govmon-worker@N after a crash)
    first puts the jobs its previous life held back in the queue, to be resumed; a second
    live worker may not take a name in use."""
    _, rd = servers
    client = cluster.connect(rd)
    client.flushdb()
    job = cluster.Job(run_id=7, kind="crawl", payload={"codes": ["a"]}, settings={},
                      run_started="2026-12-07T00:00:00")
    client.rpush(cluster.doing_key("node-1"), job.dumps())  # held when it died
    live = cluster.Worker(rd, "sqlite://", name="node-1", ttl=5)
    assert live.serve(max_jobs=0) == 0  # registers, hands back, takes nothing
    queued = [cluster.Job.loads(raw) for raw in client.lrange(cluster.QUEUE, 0, -1)]
    assert [(j.id, j.resume) for j in queued] == [(job.id, True)]
    assert client.llen(cluster.doing_key("node-1")) == 0

    client.set(cluster.worker_key("node-1"), "{}", ex=5)  # a live worker of that name
    with pytest.raises(cluster.ClusterError, match="node-1 正被另一个在线的 worker 使用"):
        cluster.Worker(rd, "sqlite://", name="node-1", ttl=5).serve()
    client.flushdb()


def test_a_worker_rejoins_a_redis_that_restarted(servers: tuple[str, str],
                                                 tmp_path: Path) -> None:
    """Redis restarted (empty: no persistence) under a waiting worker: the worker says so
    in one line, registers again and stops cleanly — it does not die with a traceback."""
    pg, _ = servers
    db = new_database(pg)
    open_store(db)
    port = free_port()
    with redis_server(port) as url:
        workers = Workers(url, db, tmp_path, 1)
    with redis_server(port) as url:
        client = cluster.connect(url)
        deadline = time.monotonic() + 30
        while not cluster.workers(client):
            assert time.monotonic() < deadline, "the worker did not rejoin"
            time.sleep(0.2)
        ended = workers.stop()
    (rc, out, err), = ended
    assert rc == 0 and "Redis 连接中断" in err and "Traceback" not in err, ended
