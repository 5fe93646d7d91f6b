"""A store that notices damage: what is not govmon's database is refused, never re-created
or written into; a damaged page stops the commands that write a night's data; two first
commands on a new workspace do not race in the migration.

All through the real ``govmon`` command (a subprocess: exit code and the one stderr line).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from settings.registry import load
from store.db import open_store
from store.models import Page, Run
from store.ops import sync_registry

SITES = ("sites:\n  - {code: '5101000001', name: 市政府, url: 'http://127.0.0.1:9/', "
         "kind: portal}\n")


def govmon(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVMON_")}
    return subprocess.run([sys.executable, "-m", "govmon.cli", *args], capture_output=True,
                          text=True, timeout=120, env={**env, "COLUMNS": "200"}, cwd=cwd)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "sites.yaml").write_text(SITES, encoding="utf-8")
    return ws


def test_zero_byte_store_is_refused_not_recreated(ws: Path) -> None:
    (ws / "govmon.db").write_bytes(b"")
    for command in (["status"], ["crawl"], ["sites", "list"], ["probe"]):
        proc = govmon("-w", str(ws), *command)
        if command == ["sites", "list"]:  # does not open the store
            assert proc.returncode == 0, proc.stderr
            continue
        assert proc.returncode == 3, (command, proc.stderr)
        line = one_line(proc)
        assert "文件为空 (0 字节)" in line and "从备份恢复" in line and "README" in line
    assert (ws / "govmon.db").stat().st_size == 0  # still the file the user has


def test_foreign_files_are_refused(ws: Path) -> None:
    db = ws / "govmon.db"
    db.write_text("这不是数据库\n" * 100, encoding="utf-8")
    proc = govmon("-w", str(ws), "status")
    assert proc.returncode == 3 and "不是 SQLite 数据库文件" in one_line(proc)

    db.unlink()
    with sqlite3.connect(db) as conn:  # another program's SQLite database
        conn.execute("CREATE TABLE contacts (name TEXT)")
    proc = govmon("-w", str(ws), "crawl")
    assert proc.returncode == 3
    assert "不是 govmon 的数据库 (有 1 个表，但没有 alembic_version" in one_line(proc)
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["contacts"]


def test_unknown_schema_revision_is_refused(ws: Path) -> None:
    assert govmon("-w", str(ws), "init").returncode == 0
    with sqlite3.connect(ws / "govmon.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    proc = govmon("-w", str(ws), "status")
    assert proc.returncode == 3
    line = one_line(proc)
    assert "数据库版本 9999_from_the_future 不是本版本 govmon 所知的" in line


def damaged_store(ws: Path) -> Path:
    """Fill the store of ``ws`` (its registry's sites, a run of 300 pages), then overwrite
    the header and cell pointers of the pages table's root b-tree page (the file closed
    and checkpointed: no WAL left). Returns the database file."""
    db = ws / "govmon.db"
    sessions = open_store(f"sqlite:///{db}")
    with sessions.begin() as s:
        site_id = next(iter(sync_registry(s, load(ws / "sites.yaml")).values()))
        run = Run(started_at=datetime.now(), status="complete", options={})
        s.add(run)
        s.flush()
        s.add_all(Page(run_id=run.id, site_id=site_id, url=f"http://127.0.0.1:9/{i}.html",
                       status=200, fetched_at=run.started_at, title="页" * 50)
                  for i in range(300))
    sessions.kw["bind"].dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'pages'"
                            ).fetchone()[0]
    with open(db, "r+b") as f:
        f.seek((root - 1) * page_size + 8)
        f.write(b"\xff" * 64)
    return db


def test_damaged_page_stops_crawl_and_nightly(ws: Path) -> None:
    assert govmon("-w", str(ws), "init").returncode == 0
    db = damaged_store(ws)
    for command in ("crawl", "nightly"):
        proc = govmon("-w", str(ws), command)
        assert proc.returncode == 3, (command, proc.stdout, proc.stderr)
        line = one_line(proc)
        assert "已损坏 (quick_check:" in line and "从备份恢复" in line, line
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1  # nothing started
    # A read that lands on the damaged page is a store error too, not an internal one.
    proc = govmon("-w", str(ws), "export", "findings", "--format", "json")
    assert proc.returncode in (0, 3), proc.stderr
    assert "内部错误" not in proc.stderr


def test_two_first_commands_do_not_race_in_the_migration(tmp_path: Path) -> None:
    """Started together on a workspace without a store, every command either migrates or
    waits for the one that does: all succeed (the old code lost with "table runs already
    exists", exit 3)."""
    for attempt in range(3):  # a race needs luck to show: try a few fresh workspaces
        ws = tmp_path / f"ws{attempt}"
        ws.mkdir()
        (ws / "sites.yaml").write_text(SITES, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVMON_")}
        go = ws / "go"
        # Each imports govmon and builds its parser, says so, then waits for the signal:
        # all four reach the store within milliseconds of each other.
        starter = ("import os, sys, time\n"
                   "from govmon.cli import build_parser, main\n"
                   "build_parser()\n"
                   "open(sys.argv.pop(1), 'w').close()\n"
                   f"while not os.path.exists({str(go)!r}): time.sleep(0.002)\n"
                   "sys.exit(main(sys.argv[1:]))\n")
        commands = ("status", "status", "status", "init")
        ready = [ws / f"ready{i}" for i in range(len(commands))]
        procs = [subprocess.Popen([sys.executable, "-c", starter, str(flag), "-w", str(ws),
                                   cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)
                 for flag, cmd in zip(ready, commands, strict=True)]
        deadline = time.monotonic() + 60
        while not all(flag.exists() for flag in ready):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [
                (p.poll(), p.stderr.read() if p.poll() is not None else "") for p in procs]
            time.sleep(0.01)
        go.touch()
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        assert [code for code, _ in results] == [0, 0, 0, 0], results
        with open_store(f"sqlite:///{ws / 'govmon.db'}")() as s:
            assert s.scalar(select(func.count()).select_from(Run)) == 0
