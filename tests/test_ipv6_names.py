"""IPv6 by host name: AAAA answers from an injected resolver (never the network), the
homepage fetched over ::1 and over IPv4 and compared, deeper pages over IPv6."""

from __future__ import annotations

import asyncio

from checks.ipv6 import judge
from crawler.netguard import Guard
from crawler.security import Options, StaticResolver, probe_sites
from govmon.demo.server import Route, SiteServer
from tests.conftest import next_address, spec

PAGE = "<html><head><title>首页</title></head><body><p>示例网站首页</p><p>政务公开</p></body></html>"


def test_aaaa_by_name_homepage_parity_and_deeper_pages() -> None:
    routes = {"/": Route(PAGE), "/a.html": Route(PAGE.replace("首页", "信息公开"))}
    v4 = SiteServer(next_address(), routes).start()
    v6 = SiteServer("::1", {"/": Route(PAGE), "/a.html": routes["/a.html"]}, port=v4.port).start()
    try:
        named = spec(f"http://www.v6.test:{v4.port}/")
        v4only = spec(f"http://www.v4.test:{v4.port}/")
        resolver = StaticResolver({"www.v6.test": [v4.host, "::1"], "www.v4.test": [v4.host]})
        guard = Guard([named, v4only], ["127.0.0.0/8", "::1/128"])
        deeper = [f"http://www.v6.test:{v4.port}/a.html",
                  f"http://www.v6.test:{v4.port}/gone.html"]
        rows = asyncio.run(probe_sites(
            [named, v4only], guard, Options(user_agent="govmon-test", timeout=5),
            {named.code: (None, deeper), v4only.code: (None, [])}, resolver))
    finally:
        v4.stop()
        v6.stop()
    got = rows[named.code]["ipv6"]
    assert got["aaaa"] == {"www.v6.test": ["::1"]}
    assert (got["home_ok"], got["same_content"], got["similarity"]) == (True, True, 1.0)
    assert (got["links_checked"], got["links_ok"]) == (2, 1)  # /gone.html is a 404
    assert got["link_failures"] == [deeper[1]]
    assert judge(got, 0.9) == "links" and judge(got, 0.5) is None
    assert v6.hits("/", "GET") == 1 and v6.hits("/a.html", "GET") == 1  # asked over ::1
    assert judge(rows[v4only.code]["ipv6"], 0.9) == "no_aaaa"


class _Breaks(StaticResolver):
    """A resolver that fails unexpectedly for one name (a bug, a broken system resolver)."""

    async def addresses(self, host: str, family: int) -> list[str]:
        if host == "www.broken.test":
            raise UnicodeError("label too long")
        return await super().addresses(host, family)


def test_one_site_failing_its_probe_leaves_the_others_probed() -> None:
    v4 = SiteServer(next_address(), {"/": Route(PAGE)}).start()
    try:
        broken = spec(f"http://www.broken.test:{v4.port}/")
        fine = spec(f"http://www.fine.test:{v4.port}/")
        resolver = _Breaks({"www.fine.test": [v4.host], "www.broken.test": [v4.host]})
        guard = Guard([broken, fine], ["127.0.0.0/8", "::1/128"])
        rows = asyncio.run(probe_sites(
            [broken, fine], guard, Options(user_agent="govmon-test", timeout=5),
            {broken.code: (None, []), fine.code: (None, [])}, resolver))
    finally:
        v4.stop()
    assert broken.code not in rows  # no row: its rules say "not checked", never "passed"
    assert judge(rows[fine.code]["ipv6"], 0.9) == "no_aaaa"
