"""store.bulk.insert_many: the crawl's fast path must store what SQLAlchemy's Core insert
would (column defaults, JSON, datetimes, booleans) and skip duplicate link checks.

``exercise`` is shared with tests/test_postgres.py, which runs it on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from store.bulk import insert_many
from store.db import open_store
from store.models import LinkCheck, Page, Run, Site

CHECKS = LinkCheck.__table__
PAGES = Page.__table__


def exercise(url: str) -> None:
    sessions = open_store(url)
    when = datetime(2026, 11, 22, 9, 30, 15, 123456)
    with sessions.begin() as s:
        site = Site(code="4401000001", name="市政府", url="http://127.0.0.1/", kind="portal",
                    status="运行", updated_at=when)
        run = Run(started_at=when, status="running", options={})
        s.add_all([site, run])
        s.flush()
        run_id, site_id = run.id, site.id
    check = {"run_id": run_id, "target": "http://127.0.0.1/a.pdf", "outcome": "ok",
             "status": 200, "method": "HEAD", "checked_at": when}
    with sessions.begin() as s:
        conn = s.connection()
        # rows leave out redirects/attempts: the models' Python-side defaults must apply
        insert_many(conn, CHECKS, [check, {**check, "target": "http://127.0.0.1/b.doc",
                                           "outcome": "broken", "status": 404}],
                    ignore_conflicts=True)
        # a second check of the same target (a worker killed between write and report)
        insert_many(conn, CHECKS, [{**check, "outcome": "broken"},
                                   {**check, "target": "http://127.0.0.1/c.xls",
                                    "redirects": [{"url": "http://127.0.0.1/d", "status": 301}]}],
                    ignore_conflicts=True)
        insert_many(conn, PAGES, [{"run_id": run_id, "site_id": site_id, "url": "http://x/",
                                   "status": 200, "fetched_at": when, "soft404": True}])
        conn.execute(insert(PAGES), [{"run_id": run_id, "site_id": site_id, "url": "http://y/",
                                      "status": 200, "fetched_at": when, "soft404": True}])
    with sessions() as s:
        got = {c.target.rsplit("/", 1)[1]: c for c in s.scalars(select(LinkCheck))}
        assert sorted(got) == ["a.pdf", "b.doc", "c.xls"]
        assert got["a.pdf"].outcome == "ok"  # the duplicate was skipped, not applied
        assert (got["a.pdf"].redirects, got["a.pdf"].attempts) == ([], 1)
        assert got["b.doc"].status == 404
        assert got["c.xls"].redirects == [{"url": "http://127.0.0.1/d", "status": 301}]
        assert got["a.pdf"].checked_at == when
        fast, core = (s.scalars(select(Page).where(Page.url == u)).one()
                      for u in ("http://x/", "http://y/"))
        # the same row as the Core insert stores, column by column (defaults included)
        for col in PAGES.columns:
            if col.name not in ("id", "url"):
                assert getattr(fast, col.name) == getattr(core, col.name), col.name
        assert fast.soft404 is True and fast.depth == 0 and fast.fetched_at == when


def test_insert_many_on_sqlite(tmp_path) -> None:  # noqa: ANN001
    exercise(f"sqlite:///{tmp_path / 'bulk.db'}")


# Text COPY escapes tabs, newlines and backslashes; the rest must pass as it is.
AWKWARD = ["普通\t制表符", "行1\n行2\r\n", "C:\\路径\\N", "\\N", "", None, "引号'\"",
           "𠮷 emoji 🎉", "x" * 500]


def exercise_many(url: str) -> None:
    """Many rows at once (PostgreSQL: store.bulk's COPY path): links with awkward anchors,
    snapshots with binary bodies, read back exactly as written."""
    from store.models import Link, Snapshot

    sessions = open_store(url)
    when = datetime(2026, 12, 7, 8, 0, 0, 654321)
    with sessions.begin() as s:
        site = Site(code="4401000002", name="区政府", url="http://127.0.0.1/", kind="portal",
                    status="运行", updated_at=when)
        run = Run(started_at=when, status="running", options={})
        s.add_all([site, run])
        s.flush()
        run_id, site_id = run.id, site.id
        conn = s.connection()
        insert_many(conn, PAGES, [{"run_id": run_id, "site_id": site_id, "url": f"http://z/{i}",
                                   "status": 200, "fetched_at": when} for i in range(120)])
        page_ids = list(s.scalars(select(Page.id).where(Page.run_id == run_id)
                                  .order_by(Page.id)))
        links = [{"run_id": run_id, "site_id": site_id, "page_id": page_ids[i % 120],
                  "target": f"http://z/t{i}", "tag": "a", "attr": "href",
                  "anchor": AWKWARD[i % len(AWKWARD)], "kind": "internal",
                  "hidden": "display:none" if i % 3 == 0 else None} for i in range(300)]
        insert_many(conn, Link.__table__, links)
        bodies = [bytes(range(256)) * (i + 1) + b"\x00\\N\t" for i in range(120)]
        insert_many(conn, Snapshot.__table__, [
            {"page_id": pid, "run_id": run_id, "body": body, "compression": "zlib"}
            for pid, body in zip(page_ids, bodies, strict=True)])
    with sessions() as s:
        got = [(lk.target, lk.anchor, lk.hidden, lk.page_id) for lk in s.scalars(
            select(Link).where(Link.run_id == run_id).order_by(Link.id))]
        assert got == [(r["target"], r["anchor"], r["hidden"], r["page_id"]) for r in links]
        stored = [sn.body for sn in s.scalars(select(Snapshot).where(Snapshot.run_id == run_id)
                                              .order_by(Snapshot.page_id))]
        assert stored == bodies


def test_insert_many_rows_on_sqlite(tmp_path) -> None:  # noqa: ANN001
    exercise_many(f"sqlite:///{tmp_path / 'many.db'}")


def test_a_page_stored_twice_costs_only_itself_not_its_batch(tmp_path) -> None:  # noqa: ANN001
    """A page asked for again after the run stored it (a resumed crawl, a job taken over
    from a dead worker) is skipped; the rest of its batch — pages, snapshots, links — is
    written. Before, the UNIQUE(run, url) violation rolled the whole batch back."""
    from crawler.pipelines import StorePipeline
    from store.models import Link, Snapshot

    url = f"sqlite:///{tmp_path / 'govmon.db'}"
    sessions = open_store(url)
    with sessions.begin() as s:
        s.add(Site(code="4401000001", name="市政府", url="http://127.0.0.1/", kind="portal",
                   status="运行", updated_at=datetime.now()))
        run = Run(started_at=datetime.now(), status="running", options={})
        s.add(run)
        s.flush()
        run_id = run.id

    def page(path: str, body: bytes) -> dict:
        return {"_type": "page", "run_id": run_id, "site": "4401000001",
                "url": f"http://127.0.0.1{path}", "final_url": f"http://127.0.0.1{path}",
                "status": 200, "content_type": "text/html", "encoding": "utf-8",
                "title": path, "size": len(body), "depth": 1, "referrer": None,
                "error": None, "soft404": False, "elapsed_ms": 3, "content_hash": "x",
                "body": body, "links": [(f"http://127.0.0.1{path}x", "a", "href", "下一页",
                                         "internal")]}

    store = StorePipeline(url)
    store.open_spider()
    store.process_item(page("/common.js", b"js"))
    store.flush()
    for item in (page("/a/", b"a"), page("/common.js", b"again"), page("/b/", b"b"),
                 page("/b/", b"b twice")):
        store.process_item(item)
    store.flush()
    with sessions() as s:
        pages = {p.url.removeprefix("http://127.0.0.1"): p.id for p in s.scalars(select(Page))}
        snaps = {s.get(Page, sn.page_id).url.removeprefix("http://127.0.0.1"): sn.page_id
                 for sn in s.scalars(select(Snapshot))}
        links = sorted(lk.target.removeprefix("http://127.0.0.1")
                       for lk in s.scalars(select(Link)))
    assert sorted(pages) == ["/a/", "/b/", "/common.js"]
    assert snaps == {k: pages[k] for k in ("/a/", "/b/", "/common.js")}
    assert links == ["/a/x", "/b/x", "/common.jsx"]
