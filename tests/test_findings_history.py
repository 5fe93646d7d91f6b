"""Findings keep their history across runs: new → persisting → fixed → regressed.

Real crawls of one loopback site whose broken link is repaired and broken again; a
rule skipped on an incomplete crawl must not mark its earlier problems as fixed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from conftest import html, run_crawl, spec
from sqlalchemy import select

from checks.runner import export_records, fixed_findings, run_checks
from govmon.demo.server import Route
from store.models import Finding, Run


def _check(done, started: datetime):
    with done.sessions.begin() as s:
        run = s.get(Run, done.result.run_id)
        run.started_at = started
        summary = run_checks(s, run, registry=done.registry)
        findings = {(f.rule, f.url): f for f in s.scalars(
            select(Finding).where(Finding.run_id == run.id))}
        return summary, findings


def test_broken_link_lifecycle(serve, tmp_path):
    site = serve({"/": Route(html("首页", ["/a.html", "/gone.html"])),
                  "/a.html": Route(html("页面A"))})
    target = site.url("/gone.html")
    sites = [spec(site.url("/"))]
    db = tmp_path / "h.db"
    t0 = datetime(2026, 10, 1, 2, 0)

    first, f1 = _check(run_crawl(sites, db), t0)
    assert f1[("link.broken", target)].state == "new"
    assert first.new >= 1

    second, f2 = _check(run_crawl(sites, db), t0 + timedelta(days=1))
    again = f2[("link.broken", target)]
    assert again.state == "persisting"
    assert again.first_seen == t0  # since when the problem exists

    site.routes["/gone.html"] = Route(html("修好了"))
    done3 = run_crawl(sites, db)
    third, f3 = _check(done3, t0 + timedelta(days=2))
    assert ("link.broken", target) not in f3
    assert third.fixed >= 1
    with done3.sessions() as s:
        fixed = fixed_findings(s, done3.result.run_id, done3.site_id(sites[0].code))
        assert [f.url for f in fixed if f.rule == "link.broken"] == [target]

    del site.routes["/gone.html"]
    fourth, f4 = _check(run_crawl(sites, db), t0 + timedelta(days=3))
    back = f4[("link.broken", target)]
    assert back.state == "regressed"
    assert back.first_seen == t0 + timedelta(days=3)
    with done3.sessions() as s:
        rec = [r for r in export_records(s, fourth.run_id) if r["rule"] == "link.broken"]
    assert rec == [{**rec[0], "site": sites[0].code, "url": target, "source": site.url("/"),
                    "first_seen": "2026-10-04", "last_seen": "2026-10-04"}]


def test_rule_skipped_on_incomplete_crawl_fixes_nothing(serve, tmp_path):
    pages = {f"/p{i}.html": Route(html(f"页面{i}")) for i in range(6)}
    site = serve({"/": Route(html("首页", list(pages))), **pages})
    sites = [spec(site.url("/"))]
    db = tmp_path / "i.db"
    t0 = datetime(2026, 10, 1, 2, 0)
    _, f1 = _check(run_crawl(sites, db), t0)
    assert ("search.missing", site.url("/")) in f1  # judged on a complete crawl

    partial = run_crawl(sites, db, max_pages=2)
    assert partial.run_site(sites[0].code).complete is False
    summary, f2 = _check(partial, t0 + timedelta(days=1))
    assert ("search.missing", site.url("/")) not in f2  # unknown this time, not fixed
    assert any(m == "search" for _, m, _ in summary.skipped)
    with partial.sessions() as s:
        fixed = fixed_findings(s, partial.result.run_id, partial.site_id(sites[0].code))
    assert [f.rule for f in fixed if f.rule == "search.missing"] == []
