"""The whole chain for the report tests, for real: two loopback sites (SiteServer) crawled
twice — once in the previous quarter, once now — then ``govmon check``, ``govmon score``
(run and quarter cards) and ``govmon report``.

Between the crawls the portal repairs one broken link and breaks another; one anchor text
is ``<script>alert(1)</script>``, another ``=HYPERLINK(...)``, and a column page's
``<title>`` is ``<script>alert(1)</script>``. The first crawl is dated back into the
previous quarter (its ``Run.started_at``, the date the checks measure from) and the sites
serve content dated accordingly.

Built once per test session (crawling takes ~20 s) and shared by test_reports_chain.py and
test_dashboard_browser.py.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from govmon.cli import main
from govmon.demo.history import previous_quarter_of
from govmon.demo.server import Route
from settings.registry import Registry
from store.models import Probe, Run
from store.ops import sync_registry
from tests.conftest import Servers, run_crawl, spec

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://127.0.0.1/x","点我")'
SETTINGS = "workers: 1\ntimeout: 2.0\nretries: 1\nrecheck_delay: 0.3\nmax_pages: 60\n"


@dataclass
class Chain:
    ws: Path
    db: str
    sessions: sessionmaker[Session]
    portal: str  # site codes
    dept: str
    run1: int
    run2: int
    quarter: str
    previous: str
    day1: date
    day2: date
    out: Path  # reports written by `govmon report`
    portal_url: str
    dept_url: str
    printed: str  # what the report commands printed

    def base(self) -> list[str]:
        return ["-w", str(self.ws), "--db", self.db]


def _page(title: str, body: str, code: str) -> str:
    foot = (f"<div class='footer'>主办单位：示例市人民政府办公室 联系电话：0898-12345678 "
            f"地址：示例市人民路1号 网站标识码：{code} 琼ICP备12345678号 "
            f"琼公网安备 46010002000123号 <a href='/jiucuo/'>我为政府网站找错</a></div>")
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body>{body}{foot}</body></html>")


def _items(prefix: str, day: date, n: int = 5) -> str:
    return "".join(f"<li><a href='{prefix}t{i}.html'>工作动态第{i}期</a>"
                   f"<span>{(day - timedelta(days=i)).isoformat()}</span></li>"
                   for i in range(1, n + 1))


def portal_routes(code: str, day: date, *, repaired: bool) -> dict[str, Route]:
    """The portal as it is on ``day``; ``repaired``: /gone.html is back and a new link is
    broken (=HYPERLINK anchor)."""
    extra = f"<a href='/xss.html'>{XSS.replace('<', '&lt;').replace('>', '&gt;')}</a> "
    extra += "<a href='/gone.html'>旧版栏目</a> "
    if repaired:
        extra += f"<a href='/formula.html'>{FORMULA}</a>"
    nav = ("<div class='nav'><a href='/xwdt/'>要闻动态</a> <a href='/zxzx/'>政务咨询</a> "
           "<a href='/search/'>站内搜索</a></div><form action='/search/'><input name='q'>"
           "<button>搜索</button></form>")
    routes = {
        "/": Route(_page("示例市人民政府", f"{nav}<ul class='news'>{_items('/xwdt/', day)}</ul>"
                                       f"{extra}", code)),
        # the column page's <title> is markup: it reaches the evidence as text
        "/xwdt/": Route(_page(XSS, f"<ul>{_items('/xwdt/', day)}</ul>", code)),
        "/zxzx/": Route(_page("政务咨询", "<form method='post'><textarea name='c'></textarea>"
                                       "<button>提交</button></form>", code)),
        "/search/": Route(_page("搜索", "<form><input name='q'></form>", code)),
        "/jiucuo/": Route(_page("找错", "我为政府网站找错", code)),
    }
    for i in range(1, 6):
        routes[f"/xwdt/t{i}.html"] = Route(_page(
            f"工作动态第{i}期", f"<div class='article'>正文 发布时间："
                           f"{(day - timedelta(days=i)).isoformat()}</div>", code))
    if repaired:
        routes["/gone.html"] = Route(_page("旧版栏目", "已恢复", code))
    return routes


def dept_routes(code: str, day: date) -> dict[str, Route]:
    """A department without a consultation channel (V5: single veto)."""
    return {
        "/": Route(_page("示例市统计局", f"<a href='/tjsj/'>统计数据</a><ul>{_items('/tjsj/', day)}"
                                     "</ul>", code)),
        "/tjsj/": Route(_page("统计数据", f"<ul>{_items('/tjsj/', day)}</ul>", code)),
        **{f"/tjsj/t{i}.html": Route(_page(f"统计数据第{i}期", f"<div class='article'>正文 "
                                      f"{(day - timedelta(days=i)).isoformat()}</div>", code))
           for i in range(1, 6)},
    }


def _probes(sessions: sessionmaker[Session], ids: list[int], days: list[date]) -> None:
    """A healthy week of homepage probes (20+ a day) ending on each of ``days``."""
    with sessions.begin() as s:
        for site_id in ids:
            for day in days:
                end = datetime.combine(day, time.max)
                s.add_all(Probe(site_id=site_id, at=end - timedelta(minutes=70 * i + 1),
                                ok=True, status=200, elapsed_ms=150) for i in range(140))


def _run(argv: list[str], printed: list[str]) -> None:
    """``govmon argv`` in-process; what it printed is kept (rich prints to sys.stdout)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    printed.append(out.getvalue())
    assert code == 0, (argv, err.getvalue())


def build(tmp: Path) -> Chain:
    """Serve, crawl, check, score and report; see the module docstring."""
    today = date.today()
    q_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous, p_start, p_end = previous_quarter_of(today)
    day1 = min(p_end, p_start + (today - q_start))
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    ws = tmp / "ws"
    ws.mkdir(parents=True, exist_ok=True)
    (ws / "govmon.yaml").write_text(SETTINGS, encoding="utf-8")
    servers = Servers()
    printed: list[str] = []
    try:
        portal_srv, dept_srv = servers(), servers()
        portal = spec(portal_srv.url("/"), name="示例市人民政府")
        dept = spec(dept_srv.url("/"), kind="department", name="示例市统计局",
                    has_services=False)
        registry = Registry(sites=[portal, dept], trusted_networks=["127.0.0.0/8"])
        registry.save(ws / "sites.yaml")
        db_path = ws / "govmon.db"
        db = f"sqlite:///{db_path}"

        portal_srv.routes = portal_routes(portal.code, day1, repaired=False)
        dept_srv.routes = dept_routes(dept.code, day1)
        first = run_crawl([portal, dept], db_path, trusted=["127.0.0.0/8"], max_pages=60)
        assert first.result.status == "complete", first.result
        sessions = first.sessions
        at1 = datetime.combine(day1, time(2, 0))
        with sessions.begin() as s:  # the first crawl happened last quarter
            s.execute(update(Run).where(Run.id == first.result.run_id)
                      .values(started_at=at1, finished_at=at1 + timedelta(minutes=5)))
            ids = list(sync_registry(s, registry).values())
        _probes(sessions, ids, [day1, p_end, today])
        base = ["-w", str(ws), "--db", db]
        _run([*base, "check", "--run", str(first.result.run_id)], printed)

        portal_srv.routes = portal_routes(portal.code, today, repaired=True)
        dept_srv.routes = dept_routes(dept.code, today)
        second = run_crawl([portal, dept], db_path, trusted=["127.0.0.0/8"], max_pages=60)
        assert second.result.status == "complete", second.result
    finally:
        servers.stop()
    _run([*base, "check", "--run", str(second.result.run_id)], printed)
    _run([*base, "score", "--run", str(first.result.run_id)], printed)
    _run([*base, "score", "--run", str(second.result.run_id)], printed)
    _run([*base, "score", "--quarter", previous, "--as-of", p_end.isoformat()], printed)
    _run([*base, "score", "--quarter", quarter], printed)
    out = ws / "reports"
    _run([*base, "report", "notices"], printed)
    _run([*base, "report", "scorecard", "--quarter", quarter, "--compare", previous],
         printed)
    _run([*base, "report", "dashboard"], printed)
    return Chain(ws=ws, db=db, sessions=sessions, portal=portal.code, dept=dept.code,
                 run1=first.result.run_id, run2=second.result.run_id, quarter=quarter,
                 previous=previous, day1=day1, day2=today, out=out,
                 portal_url=portal_srv.url("/"), dept_url=dept_srv.url("/"),
                 printed="".join(printed))


_BUILT: dict[str, Chain] = {}


def chain(tmp_path_factory) -> Chain:  # noqa: ANN001
    """The chain of this test session (built on first use)."""
    if "chain" not in _BUILT:
        _BUILT["chain"] = build(tmp_path_factory.mktemp("chain"))
    return _BUILT["chain"]
