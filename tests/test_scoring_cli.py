"""``govmon score`` and ``govmon export scorecards`` end to end: a real loopback site,
a real crawl, the real link check, then the CLI."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

import checks.availability
import checks.links
from checks.runner import run_checks
from govmon.cli import main
from govmon.demo.server import Route
from scoring.engine import normalize_quarter
from store.models import Finding, Probe, Run
from tests.conftest import html, run_crawl, spec


def _probes(sessions, site_id: int, day: date, total: int = 140) -> None:
    end = datetime.combine(day, time.max)
    with sessions.begin() as s:
        s.add_all(Probe(site_id=site_id, at=end - timedelta(minutes=70 * i + 1), ok=True,
                        status=200, elapsed_ms=120) for i in range(total))


def test_crawl_check_score_export(serve, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    server = serve({
        "/": Route(html("示例市人民政府", ["/a.html", "/missing.html"])),
        "/a.html": Route(html("机构职能", ["/"])),
    })
    portal = spec(server.url("/"), name="示例市人民政府")
    db_path = tmp_path / "govmon.db"
    crawled = run_crawl([portal], db_path, trusted=["127.0.0.0/8"])
    assert crawled.result.status == "complete"
    base = ["-w", str(tmp_path), "--db", crawled.db]

    # not checked yet: refused, not silently scored as fine
    assert main([*base, "score"]) == 2
    assert f"任务 {crawled.result.run_id} 尚未运行检查规则" in capsys.readouterr().err

    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        run_checks(s, run, rules=[checks.links.RULE, checks.availability.RULE])
        broken = s.scalars(select(Finding).where(Finding.rule == "link.broken")).one()
        assert broken.url == server.url("/missing.html") and broken.detail["on_homepage"]
        broken_id, run_day = broken.id, run.started_at.date()
    site_id = crawled.site_id(portal.code)
    _probes(crawled.sessions, site_id, run_day)

    assert main([*base, "score", "--system", "national-2019", "--system", "census-2015",
                 "--explain", portal.code]) == 0
    out = capsys.readouterr().out
    assert "示例市人民政府" in out and "待定" in out and "F3 可用性 −0.2" in out
    assert f"#{broken_id}" in out  # the explanation names the finding

    export = tmp_path / "cards.json"
    assert main([*base, "export", "scorecards", "--format", "json", "--output",
                 str(export)]) == 0
    records = {r["system"]: r for r in json.loads(export.read_text(encoding="utf-8"))}
    national = records["national-2019"]
    assert national["site"] == portal.code
    assert national["period"] == f"run:{crawled.result.run_id}"
    assert national["lost"] == {"F3": 0.2} and national["vetoes"] == []
    assert national["score"] == 99.8
    # only the link and availability rules ran: the rest is unknown, so no verdict yet
    assert national["verdict"] == "待定"
    assert {"V3", "V4", "D4", "F2"} <= set(national["data_gaps"])
    assert "V2" not in national["data_gaps"]  # 140 probes in the window, all fine
    assert records["census-2015"]["lost"] == {"PD2": 1.0}

    # the quarter of the crawl: same run, stored under the quarter's name
    quarter = normalize_quarter(f"{run_day.year}Q{(run_day.month + 2) // 3}")
    assert main([*base, "score", "--quarter", quarter, "--as-of", run_day.isoformat()]) == 0
    capsys.readouterr()
    csv_out = tmp_path / "q.csv"
    assert main([*base, "export", "scorecards", "--format", "csv", "--period", quarter,
                 "--output", str(csv_out)]) == 0
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("site,name,kind,period,system,verdict,score")
    assert len(lines) == 2 and f"{portal.code},示例市人民政府,portal,{quarter}," in lines[1]
    assert '"{""F3"": 0.2}"' in lines[1]


def test_cli_refuses_bad_input_with_one_line(tmp_path, capsys):
    base = ["-w", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'g.db'}"]
    bad = tmp_path / "province.yaml"
    bad.write_text((Path(__file__).parent.parent / "indicators" / "systems" / "national-2019.yaml")
                   .read_text(encoding="utf-8").replace("cap: 5\n", "cap: -5\n", 1),
                   encoding="utf-8")
    assert main([*base, "score", "--system", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    line = bad.read_text(encoding="utf-8").splitlines().index("      cap: -5") + 1
    assert err == f"错误: {bad}:{line}: deductions.发布解读.D4.cap: 不能为负数"

    assert main([*base, "score", "--as-of", "2026-13-01"]) == 2
    assert "--as-of: 日期格式错误 '2026-13-01'" in capsys.readouterr().err

    assert main([*base, "score"]) == 2
    assert "没有可评分的抓取任务" in capsys.readouterr().err

    assert main([*base, "score", "--quarter", "2026Q7"]) == 2
    assert "季度格式错误 '2026Q7'" in capsys.readouterr().err

    manual = tmp_path / "m.csv"
    manual.write_text("site,indicator,points\n5101000001,D7,1\n", encoding="utf-8")
    assert main([*base, "score", "--manual", str(manual)]) == 2
    assert f"{manual}:2: 网站标识码 '5101000001' 不在数据库中" in capsys.readouterr().err
