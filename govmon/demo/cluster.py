"""The bundled sample cluster (minimal placeholder; see issue 2 for the full one)."""

from __future__ import annotations

from datetime import date

from govmon.demo.server import Route, SiteServer
from govmon.registry import Registry, SiteSpec


def _page(title: str, links: list[str]) -> str:
    items = "".join(f'<li><a href="{u}">{u}</a></li>' for u in links)
    return f"<html><head><title>{title}</title></head><body><ul>{items}</ul></body></html>"


class DemoCluster:
    def __init__(self, today: date):
        self.today = today
        self.portal = SiteServer("127.0.0.2", {
            "/": Route(_page("示例市人民政府", ["/a.html", "/missing.html"])),
            "/a.html": Route(_page("A", ["/"])),
        })
        self.servers = [self.portal]
        self.registry = Registry(sites=[
            SiteSpec(code="5101000001", name="示例市人民政府", url=self.portal.url("/"),
                     kind="portal"),
        ], trusted_networks=["127.0.0.0/8"])

    def start(self) -> None:
        for s in self.servers:
            s.start()

    def stop(self) -> None:
        for s in self.servers:
            s.stop()

    def wait(self) -> None:
        import time

        while True:
            time.sleep(3600)
