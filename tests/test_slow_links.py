"""link.broken for targets that answer only after the indicator's limit (kind timeout).

A real loopback site serves a page and an image that answer after 1.6 s; the crawl waits
up to 5 s (so both are "ok" to the crawler), and the indicator file in force says 1 s.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from checks import links
from checks.runner import run_checks
from govmon.demo.server import Route
from indicators.thresholds import DEFAULT_SYSTEM_PATH as DEFAULT_SYSTEM
from store.models import Finding, Run
from tests.conftest import html, spec


def test_link_answering_after_the_limit_is_broken(serve, crawl, tmp_path: Path) -> None:
    srv = serve({
        "/": Route(html("首页", ["/slow.html", "/fast.html"],
                        body='<img src="/slow.png" alt="慢图">')),
        "/slow.html": Route(html("慢页面"), delay=1.6),
        "/fast.html": Route(html("快页面")),
        "/slow.png": Route(b"\x89PNG", content_type="image/png", delay=1.6),
    })
    site = spec(srv.url("/"))
    done = crawl([site], timeout=5.0)
    system = tmp_path / "strict.yaml"
    text = DEFAULT_SYSTEM.read_text(encoding="utf-8")
    if "link:\n    timeout_seconds: 15" in text:
        text = text.replace("link:\n    timeout_seconds: 15", "link:\n    timeout_seconds: 1")
    else:  # an indicator file from before the link limit: the probe limit stands in
        text = text.replace("timeout_seconds: 15", "timeout_seconds: 1")
    system.write_text(text, encoding="utf-8")
    with done.sessions.begin() as s:
        run_checks(s, s.get(Run, done.result.run_id), registry=done.registry,
                   system_path=system, rules=[links.RULE])
    with done.sessions() as s:
        found = {f.url: f for f in s.scalars(select(Finding).where(
            Finding.rule == "link.broken", Finding.run_id == done.result.run_id))}
    slow_page, slow_image = srv.url("/slow.html"), srv.url("/slow.png")
    assert set(found) == {slow_page, slow_image}
    for f in found.values():
        assert f.detail["kind"] == "timeout" and f.detail["elapsed_ms"] >= 1500
        assert "超过 1 秒" in f.message
    # with the indicator's own 15 s both are fine
    with done.sessions.begin() as s:
        run_checks(s, s.get(Run, done.result.run_id), registry=done.registry,
                   system_path=DEFAULT_SYSTEM, rules=[links.RULE])
        assert not s.scalars(select(Finding).where(
            Finding.rule == "link.broken", Finding.run_id == done.result.run_id)).all()


def test_crawls_without_answer_times_judge_only_verified_links(serve, crawl, tmp_path) -> None:  # noqa: ANN001
    """A store crawled before pages kept their answer time (elapsed from scheduling): its
    crawl-method times are not server times, so only verifier times are judged."""
    srv = serve({"/": Route(html("首页", ["/slow.html"], body='<img src="/slow.png">')),
                 "/slow.html": Route(html("慢页面"), delay=1.6),
                 "/slow.png": Route(b"\x89PNG", content_type="image/png", delay=1.6)})
    done = crawl([spec(srv.url("/"))], timeout=5.0)
    system = tmp_path / "strict.yaml"
    system.write_text(DEFAULT_SYSTEM.read_text(encoding="utf-8").replace(
        "link:\n    timeout_seconds: 15", "link:\n    timeout_seconds: 1"), encoding="utf-8")
    with done.sessions.begin() as s:
        run = s.get(Run, done.result.run_id)
        run.options = {k: v for k, v in run.options.items() if k != "page_elapsed"}
        run_checks(s, run, registry=done.registry, system_path=system, rules=[links.RULE])
        urls = {f.url for f in s.scalars(select(Finding).where(Finding.rule == "link.broken"))}
    assert urls == {srv.url("/slow.png")}
