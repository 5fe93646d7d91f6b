"""The link cache on real servers: a working target verified by one site's run is not
asked again by another site's run within the time-to-live; failures are asked every run;
``link_cache=False`` (``--no-cache``) and an expired entry verify it again. The same
scenario runs on PostgreSQL in tests/test_postgres.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from conftest import FAST, html, spec
from sqlalchemy import select, update

from crawler.runner import Crawl
from govmon.demo.server import Route
from settings.config import Settings
from settings.registry import Registry
from store.db import open_store
from store.models import LinkCache, LinkCheck


def cache_scenario(serve: Any, db_url: str) -> None:  # noqa: ANN401
    ext = serve({"/ok.html": Route(body=html("正常")), "/gone.html": Route(status=404)})
    ok, gone = ext.url("/ok.html"), ext.url("/gone.html")
    a = serve({"/": Route(body=html("甲", [ok, gone]))})
    b = serve({"/": Route(body=html("乙", [ok]))})
    site_a, site_b = spec(a.url("/")), spec(b.url("/"))
    registry = Registry(sites=[site_a, site_b], trusted_networks=["127.0.0.0/8"])
    settings = Settings(**FAST)
    sessions = open_store(db_url)

    def run(code: str, **kw: Any) -> dict[str, LinkCheck]:
        result = Crawl(registry, settings, db_url).run([code], **kw)
        with sessions() as s:
            return {c.target: c for c in s.scalars(
                select(LinkCheck).where(LinkCheck.run_id == result.run_id))}

    first = run(site_a.code)
    assert first[ok].outcome == "ok" and first[ok].cached_from is None
    assert first[gone].outcome == "broken"
    asked_ok, asked_gone = ext.hits("/ok.html"), ext.hits("/gone.html")
    assert asked_ok >= 1 and asked_gone >= 1
    with sessions() as s:  # failures are never kept
        assert set(s.scalars(select(LinkCache.target))) == {ok}

    # another site's run the same night: the working target is not asked again
    second = run(site_b.code)
    assert ext.hits("/ok.html") == asked_ok
    assert second[ok].outcome == "ok" and second[ok].status == 200
    assert second[ok].cached_from == first[ok].run_id

    # the failing target is asked again on every run, the working one is not
    third = run(site_a.code)
    assert ext.hits("/gone.html") > asked_gone and third[gone].outcome == "broken"
    assert ext.hits("/ok.html") == asked_ok and third[ok].cached_from is not None

    # --no-cache verifies everything (and refreshes the cache)
    fourth = run(site_a.code, link_cache=False)
    assert ext.hits("/ok.html") > asked_ok and fourth[ok].cached_from is None
    asked_ok = ext.hits("/ok.html")
    with sessions() as s:
        assert s.scalar(select(LinkCache.run_id)) == fourth[ok].run_id

    # an entry older than the time-to-live (24 h) is verified again
    with sessions.begin() as s:
        s.execute(update(LinkCache).values(checked_at=datetime.now() - timedelta(hours=25)))
    fifth = run(site_b.code)
    assert ext.hits("/ok.html") > asked_ok and fifth[ok].cached_from is None


def test_link_cache(serve, tmp_path) -> None:  # noqa: ANN001
    cache_scenario(serve, f"sqlite:///{tmp_path / 'cache.db'}")
