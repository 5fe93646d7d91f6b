"""A CLI that guides (issue 13, item 8): outside a workspace it says so and creates
nothing, argparse errors come in Chinese with the closest command, sites can be removed
and a list can replace the registry, and govmon init's examples never reach a crawl."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from test_cli import HEADER, one_error_line, run

from store.db import open_store
from store.models import Site


def test_outside_a_workspace_says_so_and_creates_no_database(tmp_path: Path) -> None:
    for args in (["status"], ["report", "dashboard"], ["export", "findings"], ["check"],
                 ["score"], ["sites", "list"], ["nightly"]):
        proc = run("-w", str(tmp_path), *args)
        line = one_error_line(proc)
        assert proc.returncode == 2, (args, line)
        assert "不是 govmon 工作目录" in line and f"govmon init {tmp_path}" in line, line
    assert list(tmp_path.iterdir()) == []  # no stray govmon.db, no reports/


def test_argument_errors_are_chinese_with_the_closest_command() -> None:
    cases = {("stauts",): "未知命令 'stauts'，是否应为 status？",
             ("report", "notice"): "未知命令 'notice'，是否应为 notices？",
             ("sites", "remvoe"): "未知命令 'remvoe'，是否应为 remove？",
             ("crawl", "--max-pages"): "参数 --max-pages 需要一个值",
             ("sites", "remove"): "缺少参数: CODE",
             ("status", "--bogus"): "无法识别的参数: --bogus"}
    for args, expected in cases.items():
        proc = run(*args)
        line = one_error_line(proc)
        assert proc.returncode == 2 and expected in line, (args, line)
        assert "invalid choice" not in line and "usage" not in line.lower()


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _registry(ws: Path) -> dict[str, dict]:
    data = yaml.safe_load((ws / "sites.yaml").read_text(encoding="utf-8"))
    return {s["code"]: s for s in data["sites"]}


def _in_registry(ws: Path) -> dict[str, bool]:
    with open_store(f"sqlite:///{ws / 'govmon.db'}")() as s:
        return {site.code: site.in_registry for site in s.scalars(select(Site))}


def test_init_examples_give_way_remove_and_replace(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert run("init", str(ws)).returncode == 0
    assert set(_registry(ws)) == {"5101000001", "5101000002", "5101000010"}  # examples
    mine = _csv(tmp_path / "list.csv", [
        "4601000001,海口市人民政府,http://127.0.0.1:9/,门户网站,,运行",
        "4601000002,海口市教育局,http://127.0.0.1:9/jyj/,子站,4601000001,运行",
        "4601000010,海口市统计局,http://127.0.0.2:9/,部门网站,,运行"])
    proc = run("-w", str(ws), "sites", "import", str(mine))
    assert proc.returncode == 0, proc.stderr
    assert "已删除 govmon init 写入的 3 个示例网站" in proc.stdout
    # the examples are gone: never crawled, not even listed as running
    assert set(_registry(ws)) == {"4601000001", "4601000002", "4601000010"}
    assert not any(code.startswith("5101") for code in _in_registry(ws))

    # a parent cannot be removed before its sub-site; the sub-site can
    proc = run("-w", str(ws), "sites", "remove", "4601000001")
    assert proc.returncode == 2 and "4601000002" in one_error_line(proc)
    proc = run("-w", str(ws), "sites", "remove", "4601000002")
    assert proc.returncode == 0 and "历史数据保留" in proc.stdout
    assert set(_registry(ws)) == {"4601000001", "4601000010"}
    assert _in_registry(ws)["4601000002"] is False  # the row (and its history) stays
    assert one_error_line(run("-w", str(ws), "sites", "remove", "9999999999")).endswith(
        "注册表中没有网站标识码 9999999999")

    # --replace: the file is the registry; sites it does not list leave the registry
    short = _csv(tmp_path / "short.csv", ["4601000001,海口市人民政府,http://127.0.0.1:9/,门户网站,,运行"])
    proc = run("-w", str(ws), "sites", "import", "--replace", str(short))
    assert proc.returncode == 0 and "移出注册表 1 个 (4601000010" in proc.stdout
    assert set(_registry(ws)) == {"4601000001"}
    assert _in_registry(ws) == {"4601000001": True, "4601000002": False,
                                "4601000010": False}
    # without --replace an import only adds and updates
    assert run("-w", str(ws), "sites", "import", str(mine)).returncode == 0
    assert set(_registry(ws)) == {"4601000001", "4601000002", "4601000010"}
