"""content.backdated_post across two real crawls of one site: an item that appears in a
news column dated well before the previous check is backdated; items on a list page the
previous crawl could not reach (correctly dated, only crawled late) are not."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from checks import backdated
from checks.runner import run_checks
from govmon.demo.server import Route
from indicators.thresholds import DEFAULT_SYSTEM_PATH
from store.models import CheckRun, Finding, Run
from tests.columns_sites import trs_doc
from tests.conftest import run_crawl, spec

TODAY = date.today()
NEWS = "/xwdt/gzdt/"


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def item(n: int, day: date) -> tuple[str, str, date]:
    return f"{NEWS}{day:%Y%m}/t{day:%Y%m%d}_{n}.html", f"工作动态：示例市召开第{n}次专题会议", day


def column(items: list[tuple[str, str, date]], page: int, pages: int) -> Route:
    rows = "".join(f'<li><a href="{p}">{t}</a><span class="date">{d:%Y-%m-%d}</span></li>'
                   for p, t, d in items)
    pager = ('<a href="index_1.html">下一页</a>' if page == 0 and pages > 1 else "")
    return Route(trs_doc("工作动态", f'<div class="column-box"><h2>工作动态</h2>'
                                     f'<ul class="list">{rows}</ul>{pager}</div>',
                         [("工作动态", NEWS)], column="工作动态"))


def site_routes(first: list, second: list, second_page_up: bool) -> dict[str, Route]:
    routes = {"/": Route(trs_doc("首页", f'<a href="{NEWS}">工作动态</a>'))}
    routes[NEWS] = routes[NEWS + "index.html"] = column(first, 0, 2)
    if second_page_up:
        routes[NEWS + "index_1.html"] = column(second, 1, 2)
    for path, title, day in first + (second if second_page_up else []):
        routes[path] = Route(trs_doc(title, f"<h1>{title}</h1><div class=\"info\">发布时间："
                                            f"{day:%Y-%m-%d} 10:00</div><div id=\"zoom\">"
                                            f"<p>{title}。</p></div>",
                                     [("工作动态", NEWS), ("正文", None)], column="工作动态"))
    return routes


def check(crawled) -> list[Finding]:  # noqa: ANN001
    with crawled.sessions.begin() as s:
        run = s.get(Run, crawled.result.run_id)
        run_checks(s, run, registry=crawled.registry, system_path=DEFAULT_SYSTEM_PATH,
                   rules=[backdated.RULE])
    with crawled.sessions() as s:
        skipped = s.scalars(select(CheckRun.reason).where(
            CheckRun.run_id == run.id, CheckRun.module == "backdated",
            CheckRun.status == "skipped")).all()
        found = list(s.scalars(select(Finding).where(Finding.run_id == run.id,
                                                     Finding.rule == "content.backdated_post")))
        return skipped, found


def test_backdated_item_found_and_late_crawled_items_left_alone(serve, tmp_path) -> None:  # noqa: ANN001
    page1 = [item(n, ago(2 + 5 * n)) for n in range(8)]  # 2 … 37 days old
    page2 = [item(20 + n, ago(45 + 5 * n)) for n in range(6)]  # 45 … 70 days old
    server = serve(site_routes(page1, page2, second_page_up=False))
    site = spec(server.url("/"))
    db = tmp_path / "history.db"
    skipped, found = check(run_crawl([site], db))
    assert skipped and "尚无历史数据" in skipped[0] and not found
    # Tonight: one new item dated 30 days back (filled in later), and the list's second
    # page answers at last — its items are old but were simply never crawled before.
    filled = item(99, ago(30))
    page1 = sorted([*page1, filled], key=lambda i: i[2], reverse=True)
    server.routes.clear()
    server.routes.update(site_routes(page1, page2, second_page_up=True))
    skipped, found = check(run_crawl([site], db))
    assert not skipped
    assert [f.url.rsplit("/", 1)[-1] for f in found] == [filled[0].rsplit("/", 1)[-1]]
    assert found[0].detail["date"] == ago(30).isoformat()
    assert found[0].detail["column"] == "工作动态" and found[0].detail["class"] == "news"
    # the next night nothing changed: the faked date is still there, and so is the finding
    skipped, again = check(run_crawl([site], db))
    assert [f.fingerprint for f in again] == [found[0].fingerprint]
    assert again[0].state == "persisting" and again[0].detail["first_seen"] == TODAY.isoformat()


def test_a_failed_posture_step_fails_its_rules_instead_of_passing_them(serve, tmp_path,
                                                                      monkeypatch) -> None:  # noqa: ANN001
    """The rules reading the posture facts must not read empty tables as "no problem" when
    the derive step that fills them failed: they are recorded as errors."""
    from checks import care_mode, page_security, privacy, recycled
    from derive import posture

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("posture step broke")

    monkeypatch.setattr(posture, "derive_posture", broken)
    server = serve({"/": Route(trs_doc("首页", "<p>联系电话：13912345678</p>"))})
    crawled = run_crawl([spec(server.url("/"))], tmp_path / "p.db")
    rules = [privacy.RULE, recycled.RULE, page_security.RULE, care_mode.RULE]
    with crawled.sessions.begin() as s:
        run_checks(s, s.get(Run, crawled.result.run_id), registry=crawled.registry,
                   system_path=DEFAULT_SYSTEM_PATH, rules=rules)
    with crawled.sessions() as s:
        got = {r.module: (r.status, r.reason) for r in s.scalars(select(CheckRun))}
    assert got == {r.name: ("error", "RuntimeError: posture step broke") for r in rules}
