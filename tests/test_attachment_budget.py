"""Attachments fetched for the personal-data rule: within ``attachment_budget`` (lists
first, the site's own hosts only, readable formats only) and ``attachment_max_bytes``
(larger files recorded as too_large, never stored), on a real loopback server."""

from __future__ import annotations

import asyncio

from crawler.attachments import candidates, fetch_all, own_hosts
from crawler.netguard import Guard
from govmon.demo.server import Route, SiteServer
from tests.conftest import next_address, spec


def test_budget_ranks_lists_first_and_keeps_to_own_hosts() -> None:
    site = spec("http://www.example.gov.cn/", hosts=["old.example.gov.cn"])
    rows = [  # (target, anchor, page url, page title) in crawl order
        ("http://www.example.gov.cn/f/report.pdf", "年度报告", "http://www.example.gov.cn/", "首页"),
        ("http://cdn.other.cn/f/名单.xlsx", "外站名单", "http://www.example.gov.cn/", "首页"),
        ("http://www.example.gov.cn/f/old.doc", "补贴发放名单", "http://www.example.gov.cn/", "首页"),
        ("http://old.example.gov.cn/f/a.xlsx", "低保人员名单", "http://www.example.gov.cn/gs/", "公示"),
        ("http://www.example.gov.cn/f/report.pdf", "年度报告", "http://www.example.gov.cn/x", "x"),
        ("http://www.example.gov.cn/f/b.docx", "附件", "http://www.example.gov.cn/gs/",
         "拟录取人员公示"),
    ]
    hosts = own_hosts(site)
    assert hosts == {"www.example.gov.cn", "old.example.gov.cn"}
    got = [url.rsplit("/", 1)[-1] for url, _, _ in candidates(rows, hosts, budget=2)]
    assert got == ["a.xlsx", "b.docx"]  # the two lists; the annual report waits
    got = [url.rsplit("/", 1)[-1] for url, _, _ in candidates(rows, hosts, budget=10)]
    assert got == ["a.xlsx", "b.docx", "report.pdf"]  # no other host, no unreadable .doc
    assert candidates(rows, hosts, budget=0) == []


def test_size_cap_and_error_pages_are_not_stored() -> None:
    big = b"%PDF-1.4\n" + b"0" * 5000
    server = SiteServer(next_address(), {
        "/small.pdf": Route(b"%PDF-1.4\nsmall", content_type="application/pdf"),
        "/big.pdf": Route(big, content_type="application/pdf"),
        "/login.xlsx": Route("<html><body>请登录</body></html>"),
        "/gone.docx": Route("not here", status=404),
    }).start()
    try:
        site = spec(server.url("/"))
        items = [(1, server.url(p), server.url("/"), None)
                 for p in ("/small.pdf", "/big.pdf", "/login.xlsx", "/gone.docx")]
        out = asyncio.run(fetch_all(items, Guard([site], []), "govmon-test", 5,
                                    max_bytes=2048, per_ip=2, obey_robots=False))
    finally:
        server.stop()
    by_name = {r["url"].rsplit("/", 1)[-1]: r for r in out}
    assert by_name["small.pdf"]["body"] == b"%PDF-1.4\nsmall" and by_name["small.pdf"]["sha1"]
    assert (by_name["big.pdf"]["error"], by_name["big.pdf"]["body"]) == ("too_large", None)
    assert server.hits("/big.pdf", "GET") == 1
    assert (by_name["login.xlsx"]["error"], by_name["login.xlsx"]["body"]) == ("html", None)
    assert (by_name["gone.docx"]["error"], by_name["gone.docx"]["status"]) == ("http", 404)
    assert by_name["gone.docx"]["body"] is None
