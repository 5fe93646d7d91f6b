"""Hostile servers must not stop a crawl: a gzip bomb, a body that never ends and a page
with 100,000 links are each recorded on their own page, and the rest of the site is
crawled (test_crawl.py covers redirect loops, lying lengths, broken encodings, hanging
and refused servers; kill -9 and resume are in test_crawl.py and test_postgres.py)."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from conftest import html, run_crawl, spec
from rawserver import serve_raw
from sqlalchemy import func, select

from govmon.demo.server import Route
from store.models import Link, Page

MAX_BYTES = 8 * 1024 * 1024  # the crawl's max_response_bytes here (the links page: 6 MB)
BOMB = 64 * 1024 * 1024  # decompressed size of the gzip bomb (8x the limit)
LINKS = 100_000


@pytest.fixture
def endless() -> Iterator[str]:
    """A server whose HTML body never ends (chunked, as fast as the client reads)."""
    def talk(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"<p>" + b"x" * 8192 + b"</p>"
        piece = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        while not stop.is_set():
            conn.sendall(piece)

    with serve_raw(talk) as url:
        yield url


def test_gzip_bomb_endless_body_and_100000_links(serve, endless, tmp_path) -> None:  # noqa: ANN001
    bomb = gzip.compress(b"\0" * BOMB, compresslevel=9)
    assert len(bomb) < 1024 * 1024
    many = "".join(f'<a href="http://ext{i % 97}.example.invalid/p{i}.html">{i}</a>'
                   for i in range(LINKS))
    srv = serve({
        "/": Route(html("首页", ["/bomb.html", "/links.html", "/ok.html"])),
        "/bomb.html": Route(bomb, headers={"Content-Encoding": "gzip"}),
        "/links.html": Route(html("十万个链接", body=many)),
        "/ok.html": Route(html("正常页面")),
    })
    site = spec(srv.url("/"))
    endless_site = spec(endless, kind="department")  # its homepage never ends
    t0 = time.monotonic()
    done = run_crawl([site, endless_site], tmp_path / "hostile.db",
                     max_response_bytes=MAX_BYTES, verify_external=False)
    took = time.monotonic() - t0
    pages = done.pages()
    assert pages[srv.url("/ok.html")].status == 200
    bomb_page = pages[srv.url("/bomb.html")]
    assert (bomb_page.status, bomb_page.error) == (0, "too_large"), (bomb_page.status,
                                                                     bomb_page.error)
    assert (pages[srv.url("/links.html")].status, pages[srv.url("/links.html")].title) == (
        200, "十万个链接")
    with done.sessions() as s:
        links_page = s.scalar(select(Page.id).where(Page.url == srv.url("/links.html")))
        assert s.scalar(select(func.count()).select_from(Link)
                        .where(Link.page_id == links_page)) == LINKS
    assert (pages[endless].status, pages[endless].error) == (0, "too_large")
    assert done.run_site(site.code).status == "complete"
    assert took < 120, f"hostile pages held the crawl for {took:.0f} s"
