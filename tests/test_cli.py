"""The ``govmon`` command as users run it: a subprocess, its exit code and its output.

Bad input must give ONE clear line (file, line or URL) and the documented exit code,
never a traceback.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import html, next_address
from sqlalchemy import select

import govmon.cli as cli
from govmon.demo.server import Route
from settings.config import workspace_lock
from store.db import open_store
from store.models import Page, Probe, Run, RunSite, Site

FAST_SETTINGS = "workers: 1\ntimeout: 2.0\nretries: 1\nrecheck_delay: 0.3\n"
HEADER = "网站标识码,网站名称,首页网址,类型,上级网站标识码,状态"


def govmon(*args: str, env: dict[str, str] | None = None, timeout: float = 90
           ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVMON_")}
    clean["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "govmon.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env={**clean, **(env or {})})


@pytest.fixture(autouse=True)
def _no_govmon_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("GOVMON_")]:
        monkeypatch.delenv(key)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """``govmon`` in this process (fast); output as a subprocess would show it."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse
            code = exc.code
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (and no traceback anywhere)."""
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def db_of(ws: Path) -> str:
    return f"sqlite:///{ws / 'govmon.db'}"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """An initialised workspace with fast crawl settings."""
    ws = tmp_path / "ws"
    proc = run("init", str(ws))
    assert proc.returncode == 0, proc.stderr
    (ws / "govmon.yaml").write_text(FAST_SETTINGS, encoding="utf-8")
    return ws


def test_exit_codes_are_documented() -> None:
    documented = {int(m.group(1)): m.group(2) for m in
                  re.finditer(r"^\s+(\d)\s+(\S.*)$", cli.__doc__ or "", re.M)}
    constants = {v: k for k, v in vars(cli).items() if k.startswith("EXIT_")}
    assert set(documented) == set(constants) == {0, 1, 2, 3, 4, 5, 6}
    assert "lock" in documented[cli.EXIT_LOCKED] and "interrupt" in documented[
        cli.EXIT_INTERRUPTED].lower() and "Redis" in documented[cli.EXIT_CLUSTER]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in readme.split("Exit codes:", 1)[1][:1200] for code in documented)


def test_init_creates_workspace_and_keeps_edits(tmp_path: Path) -> None:
    ws = tmp_path / "new" / "ws"
    proc = govmon("init", str(ws))
    assert proc.returncode == 0, proc.stderr
    assert "已创建 sites.yaml, govmon.yaml" in proc.stdout
    assert {p.name for p in ws.iterdir()} >= {"sites.yaml", "govmon.yaml", "govmon.db"}
    with open_store(db_of(ws))() as s:
        assert s.scalars(select(Run)).all() == []  # migrated, empty
    listed = run("-w", str(ws), "sites", "list")
    assert listed.returncode == 0 and "5101000001" in listed.stdout
    assert "示例市人民政府" in listed.stdout
    (ws / "sites.yaml").write_text("sites: []\n", encoding="utf-8")
    again = run("-w", str(ws), "init")
    assert again.returncode == 0 and "已存在" in again.stdout
    assert (ws / "sites.yaml").read_text(encoding="utf-8") == "sites: []\n"


def test_import_crawl_status_probe_end_to_end(ws: Path, serve) -> None:  # noqa: ANN001
    portal = serve({"/": Route(html("示例市人民政府", [f"/p{i}.html" for i in range(6)])),
                    **{f"/p{i}.html": Route(html(f"页面{i}", ["/"])) for i in range(6)}})
    dept = serve({"/": Route(html("示例市发改委", ["/a.html"])),
                  "/a.html": Route(html("A", ["/"]))})
    closed = serve({"/": Route(html("已关停"))})
    csv = ws / "网站列表.csv"
    csv.write_bytes("\r\n".join([
        HEADER,
        f"5101000001,示例市人民政府,{portal.url('/')},门户网站,,运行",
        f"5101000010,示例市发展和改革委员会,{dept.url('/')},部门网站,,运行",
        f"5101000011,已关停的网站,{closed.url('/')},部门网站,,关停",
    ]).encode("gbk"))
    (ws / "sites.yaml").unlink()
    imp = run("-w", str(ws), "sites", "import", str(csv))
    assert imp.returncode == 0, imp.stderr
    assert "新增 3 个网站" in imp.stdout

    crawl = govmon("-w", str(ws), "crawl", "--site", "5101000001", "--max-pages", "3")
    assert crawl.returncode == 0, crawl.stderr
    assert "Traceback" not in crawl.stderr
    with open_store(db_of(ws))() as s:
        ids = dict(s.execute(select(Site.code, Site.id)).all())
        run_sites = {rs.site_id: rs for rs in s.scalars(select(RunSite))}
        portal_rs = run_sites[ids["5101000001"]]
        assert (portal_rs.status, portal_rs.complete, portal_rs.budget_exhausted) == (
            "incomplete", False, True)
        assert portal_rs.pages == 3
        assert run_sites[ids["5101000010"]].status == "skipped"
        assert run_sites[ids["5101000011"]].note == "已关停，不抓取"
        assert s.scalars(select(Page.site_id).distinct()).all() == [ids["5101000001"]]
    assert dept.requests == [] and closed.requests == []

    status = run("-w", str(ws), "status")
    assert status.returncode == 0, status.stderr
    assert "部分完成" in status.stdout and "5101000001" in status.stdout

    probe = run("-w", str(ws), "probe")
    assert probe.returncode == 0, probe.stderr
    assert "首页可用性探测" in probe.stdout
    with open_store(db_of(ws))() as s:
        rows = s.execute(select(Site.code, Probe.ok, Probe.status)
                         .join(Probe, Probe.site_id == Site.id).order_by(Site.code)).all()
    assert rows == [("5101000001", True, 200), ("5101000010", True, 200)]
    assert closed.requests == []  # 关停: neither crawled nor probed


def test_import_with_errors_changes_nothing(ws: Path) -> None:
    good = ws / "good.csv"
    good.write_text(f"{HEADER}\n5101000001,市政府,https://www.a.gov.cn/,门户网站,,\n",
                    encoding="utf-8-sig")
    assert run("-w", str(ws), "sites", "import", str(good)).returncode == 0
    before_yaml = (ws / "sites.yaml").read_bytes()
    with open_store(db_of(ws))() as s:
        before_db = s.execute(select(Site.code, Site.name, Site.url)).all()
    assert ("5101000001", "市政府", "https://www.a.gov.cn/") in before_db

    bad = ws / "bad.csv"
    bad.write_text("\n".join([
        HEADER,
        "5101000001,市政府改名,https://www.a.gov.cn/,门户网站,,",   # fine on its own
        "5101000020,新网站,https://new.a.gov.cn/,部门网站,,",       # fine on its own
        "5101000021,坏网址,https//x,部门网站,,",
        "5101000022,上级不存在,https://c.a.gov.cn/,子站,5109999999,",
    ]) + "\n", encoding="utf-8")
    proc = govmon("-w", str(ws), "sites", "import", str(bad))
    assert proc.returncode == cli.EXIT_INPUT
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"错误: {bad}:4: 首页网址: 格式错误: 'https//x'",
        f"错误: {bad}:5: 上级网站标识码: '5109999999' 不存在",
    ]
    assert (ws / "sites.yaml").read_bytes() == before_yaml
    with open_store(db_of(ws))() as s:
        assert s.execute(select(Site.code, Site.name, Site.url)).all() == before_db


def test_bad_input_is_one_line_with_exit_code(tmp_path: Path) -> None:
    def workspace(name: str, sites: str | None = None, settings: str | None = None) -> str:
        ws = tmp_path / name
        ws.mkdir()
        if sites is not None:
            (ws / "sites.yaml").write_text(sites, encoding="utf-8")
        if settings is not None:
            (ws / "govmon.yaml").write_text(settings, encoding="utf-8")
        return str(ws)

    ok_sites = ("sites:\n  - {code: '5101000001', name: 市政府, url: 'http://127.0.0.1:9/', "
                "kind: portal}\n  - {code: '5101000002', name: 关停的, url: 'http://127.0.0.1:9/x/',"
                " kind: department, status: 关停}\n")
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = {
        "malformed sites.yaml": (
            ["-w", workspace("y1", "sites:\n  - code: '1'\n    name: [x\n"), "sites", "list"],
            {}, 2, r"sites\.yaml:4: YAML 格式错误"),
        "malformed govmon.yaml": (
            ["-w", workspace("y2", ok_sites, "max_pages: 10\ndelay: [\n"), "sites", "list"],
            {}, 2, r"govmon\.yaml:3: YAML 格式错误"),
        "unknown setting": (
            ["-w", workspace("y3", ok_sites, "max_pages: 10\nmax_page: 5\n"), "sites", "list"],
            {}, 2, r"govmon\.yaml:2: max_page: 未知设置项 \(是否应为 max_pages\?\)"),
        "wrong setting type": (
            ["-w", workspace("y4", ok_sites, "workers: two\n"), "sites", "list"],
            {}, 2, r"govmon\.yaml:1: workers: 应为整数，而不是 'two'"),
        "missing sites.yaml": (
            ["-w", workspace("y5", settings="workers: 1\n"), "crawl"], {}, 2,
            r"sites\.yaml: 文件不存在"),
        "not a workspace": (
            ["-w", workspace("y5b"), "crawl"], {}, 2, r"不是 govmon 工作目录.*govmon init"),
        "unknown --site": (
            ["-w", workspace("y6", ok_sites), "crawl", "--site", "5101009999"],
            {}, 2, r"注册表中没有网站标识码 5101009999"),
        "closed --site": (
            ["-w", workspace("y7", ok_sites), "crawl", "--site", "5101000002"],
            {}, 2, r"网站已关停，不抓取: 5101000002"),
        "invalid --db": (
            ["-w", workspace("y8", ok_sites), "--db", "not-a-url", "probe"],
            {}, 3, r"数据库 URL 格式错误: not-a-url"),
        "unwritable --db": (
            ["-w", workspace("y9", ok_sites), "--db", f"sqlite:///{a_file}/x.db", "status"],
            {}, 3, r"数据库目录不是目录"),
        "bad GOVMON_DB": (
            ["-w", workspace("y10", ok_sites), "status"],
            {"GOVMON_DB": f"sqlite:///{tmp_path}/no/such/dir/x.db"}, 3, r"数据库目录不存在"),
        "import missing file": (
            ["-w", workspace("y11"), "sites", "import", str(tmp_path / "nope.xlsx")],
            {}, 2, r"nope\.xlsx: 文件不存在"),
        "bad argument": (["crawl", "--max-pages", "many"], {}, 2,
                         r"--max-pages: 应为正整数: 'many'"),
        "zero pages": (["crawl", "--max-pages", "0"], {}, 2, r"--max-pages: 应为正整数: '0'"),
    }
    # Each case in this process (fast); a few also as real processes, where a traceback or
    # a wrapped line would show.
    as_process = ["malformed sites.yaml", "invalid --db", "bad argument"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        procs = dict(zip(as_process, pool.map(lambda n: govmon(*cases[n][0], env=cases[n][1]),
                                              as_process), strict=True))
    failures = []
    for name, (args, env, code, pattern) in cases.items():
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            results = [run(*args)] + ([procs[name]] if name in procs else [])
        for proc in results:
            try:
                line = one_error_line(proc)
                assert proc.returncode == code, f"exit {proc.returncode}, expected {code}"
                assert line.startswith("错误: ") and re.search(pattern, line), line
            except AssertionError as exc:
                failures.append(f"{name}: {exc}")
    assert failures == []


def test_missing_table_is_damage_and_a_bug_is_one_internal_line(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with sqlite3.connect(ws / "govmon.db") as conn:
        conn.execute("DROP TABLE runs")
    proc = govmon("-w", str(ws), "status")
    assert proc.returncode == cli.EXIT_STORE
    line = one_error_line(proc)
    assert "已损坏: 缺少表 runs" in line and "从备份恢复" in line

    def boom(ctx: cli.Context) -> int:
        raise RuntimeError("boom\nsecond line")

    from govmon.commands import crawl

    monkeypatch.setattr(crawl, "cmd_status", boom)
    proc = run("-w", str(ws), "status")
    assert proc.returncode == cli.EXIT_INTERNAL
    assert one_error_line(proc) == "内部错误: RuntimeError: boom (设置 GOVMON_DEBUG=1 查看详情)"
    monkeypatch.setenv("GOVMON_DEBUG", "1")
    debug = run("-w", str(ws), "status")
    assert debug.returncode == cli.EXIT_INTERNAL and "Traceback" in debug.stderr
    assert "second line" in debug.stderr


def test_interrupt_exits_4(ws: Path, serve) -> None:  # noqa: ANN001
    server = serve({"/": Route(html("慢"), delay=3.0)})
    (ws / "sites.yaml").write_text(
        f"sites:\n  - {{code: '5101000001', name: 慢, url: '{server.url('/')}', "
        "kind: portal}\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVMON_")}
    proc = subprocess.Popen([sys.executable, "-m", "govmon.cli", "-w", str(ws), "probe"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean)
    deadline = time.monotonic() + 30
    while not server.requests and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.requests, "probe never reached the server"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == cli.EXIT_INTERRUPTED, err
    assert "Traceback" not in err and err.strip().splitlines() == ["已中断"]


def test_locked_workspace_exits_5(ws: Path) -> None:
    (ws / "sites.yaml").write_text(
        f"sites:\n  - {{code: '5101000001', name: x, url: 'http://{next_address()}:9/', "
        "kind: portal}\n", encoding="utf-8")
    with workspace_lock(ws):
        proc = run("-w", str(ws), "crawl")
    assert proc.returncode == cli.EXIT_LOCKED
    line = one_error_line(proc)
    assert f"另一个 govmon 任务正在运行 (进程 {os.getpid()}" in line
    with open_store(db_of(ws))() as s:
        assert s.scalars(select(Run)).all() == []  # nothing started


def test_db_url_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--db, then $GOVMON_DB, then govmon.yaml's db, then the workspace's file."""
    (tmp_path / "govmon.yaml").write_text("db: sqlite:////from/settings.db\n", encoding="utf-8")
    parse = cli.build_parser().parse_args
    monkeypatch.delenv("GOVMON_DB", raising=False)
    assert cli.Context(parse(["-w", str(tmp_path), "status"])).db_url == \
        "sqlite:////from/settings.db"
    monkeypatch.setenv("GOVMON_DB", "sqlite:////from/env.db")
    assert cli.Context(parse(["-w", str(tmp_path), "status"])).db_url == "sqlite:////from/env.db"
    assert cli.Context(parse(["-w", str(tmp_path), "--db", "sqlite:////from/flag.db", "status"])
                       ).db_url == "sqlite:////from/flag.db"
    (tmp_path / "govmon.yaml").unlink()
    monkeypatch.delenv("GOVMON_DB")
    assert cli.Context(parse(["-w", str(tmp_path), "status"])).db_url == \
        f"sqlite:///{tmp_path.resolve() / 'govmon.db'}"
