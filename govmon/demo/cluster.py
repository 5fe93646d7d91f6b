"""The bundled sample cluster of the fictional 示例市, served on loopback.

Six registry entries on four real HTTP servers (one per 127.0.0.x address):

* 示例市人民政府 (portal, TRS WCM style) on 127.0.0.2, with the 示例市教育局 sub-site living
  under the same host and port at ``/jyj/`` (the registry's longest prefix makes it a site);
* 示例高新技术产业开发区管理委员会 (sub-site, Hanweb JCMS style) on 127.0.0.3;
* 示例市发展和改革委员会 (department, an old ASP-style site served in GBK) on 127.0.0.4;
* 示例市统计局 (department) whose address has nothing listening: it is down;
* 示例市粮食局 (department, 关停 after the institutional reform): in the registry, not crawled;
* issue 16 (``governance.py``): 示例市文化广电旅游局 and 示例市退役军人事务局 (departments
  under the portal's host at ``/wlj/`` and ``/tyjrj/``), and two more closed sites on the
  "external" server: 示例市旅游局 (still online) and 示例市物价局 (redirected to the portal);
* an "external" server on 127.0.0.50 standing in for every other host the pages link to.

Problems are planted on purpose (broken links, a soft 404, stale and blank columns, slow and
missing replies, …); ``DemoCluster.planted`` maps ``"<site>.<label>"`` to each one's URL.

Ports: the servers take the ports they had the last time (``ports``, kept by ``govmon
demo`` in the workspace's ``demo.json``) when those are free, so a second demo sees the
same URLs and reports its problems as persisting, not as fixed and new again.
"""

from __future__ import annotations

import socket
import threading
from datetime import date

from govmon.demo import content as c
from govmon.demo import governance, posture
from govmon.demo.server import SiteServer
from govmon.demo.sites import (
    DRC_CODE,
    EDU_CODE,
    GRAIN_CODE,
    PORTAL_CODE,
    STATS_CODE,
    ZONE_CODE,
    Hosts,
    RouteTable,
    build_drc,
    build_education,
    build_external,
    build_portal,
    build_zone,
)
from settings.registry import Registry, SiteSpec

FALLBACK_HOST = "127.0.0.1"  # systems (macOS) where only 127.0.0.1 is configured


def _bind(host: str, table: RouteTable, port: int = 0) -> SiteServer:
    """A server on ``host`` (or on 127.0.0.1 when that address cannot be bound), on
    ``port`` when it is free, else on any free port."""
    dynamic = table.dynamic if table.handlers else None
    for candidate in (host, FALLBACK_HOST):
        for p in dict.fromkeys((port, 0)):
            try:
                return SiteServer(candidate, table.routes, dynamic=dynamic, port=p)
            except OSError:
                continue
    raise OSError("no loopback address available")


def _dead_base(host: str, port: int = 0) -> str:
    """``http://host:port`` on which nothing listens: bind a free port (``port`` when it
    is free), note it, close it."""
    for candidate in (host, FALLBACK_HOST):
        for p in dict.fromkeys((port, 0)):
            try:
                with socket.socket() as s:
                    s.bind((candidate, p))
                    return f"http://{candidate}:{s.getsockname()[1]}"
            except OSError:
                continue
    raise OSError("no loopback address available")


class DemoCluster:
    """Sample sites for ``govmon demo`` and for tests; deterministic for a given ``today``."""

    def __init__(self, today: date, ports: dict[str, int] | None = None):
        self.today = today
        self._started: list[SiteServer] = []
        self._stop = threading.Event()
        want = {k: int(v) for k, v in (ports or {}).items() if str(v).isdigit()}
        # Servers bind first: pages carry absolute URLs of the other servers.
        self.portal = _bind("127.0.0.2", RouteTable(), want.get("portal", 0))
        self.zone = _bind("127.0.0.3", RouteTable(), want.get("zone", 0))
        self.drc = _bind("127.0.0.4", RouteTable(), want.get("drc", 0))
        self.external = _bind("127.0.0.50", RouteTable(), want.get("external", 0))
        self.servers = [self.portal, self.zone, self.drc, self.external]
        stats = _dead_base("127.0.0.5", want.get("stats", 0))
        grain = _dead_base("127.0.0.6", want.get("grain", 0))
        self.hosts = Hosts(today=today, portal=self.portal.base, zone=self.zone.base,
                           drc=self.drc.base, stats=stats, ext=self.external.base)
        portal = build_portal(self.hosts)
        education = build_education(self.hosts)
        portal.merge(education)
        extra = {"culture": governance.build_culture(self.hosts),  # issue 16
                 "veterans": governance.build_veterans(self.hosts)}
        for table in extra.values():
            portal.merge(table)
        tables = {"portal": (self.portal, portal), "zone": (self.zone, build_zone(self.hosts)),
                  "drc": (self.drc, build_drc(self.hosts)),
                  "external": (self.external, build_external(self.hosts))}
        self.planted: dict[str, str] = {}
        for key, (server, table) in tables.items():
            server.routes = table.routes
            server.dynamic = table.dynamic if table.handlers else None
            for label, path in table.planted.items():
                self.planted[f"{key}.{label}"] = server.base + path
        for label, path in education.planted.items():
            self.planted[f"education.{label}"] = self.portal.base + path
        for key, table in extra.items():
            for label, path in table.planted.items():
                self.planted[f"{key}.{label}"] = self.portal.base + path
        self.planted["stats.unreachable"] = stats + "/"

        self.registry = Registry(sites=[
            SiteSpec(code=PORTAL_CODE, name=c.PORTAL_NAME, url=self.portal.url("/"),
                     kind="portal"),
            SiteSpec(code=EDU_CODE, name="示例市教育局", url=self.portal.url("/jyj/"),
                     kind="subsite", parent=PORTAL_CODE),
            SiteSpec(code=ZONE_CODE, name="示例高新技术产业开发区管理委员会",
                     url=self.zone.url("/"), kind="subsite", parent=PORTAL_CODE),
            SiteSpec(code=DRC_CODE, name="示例市发展和改革委员会", url=self.drc.url("/"),
                     kind="department"),
            SiteSpec(code=STATS_CODE, name="示例市统计局", url=stats + "/", kind="department"),
            SiteSpec(code=GRAIN_CODE, name="示例市粮食局", url=grain + "/", kind="department",
                     status="关停"),
            *governance.registry_entries(self.hosts, self.portal.url("/wlj/"),
                                         self.portal.url("/tyjrj/"), self.external.base),
        ], trusted_networks=["127.0.0.0/8"])
        # issue 17 (govmon/demo/posture.py): https twins with sample certificates (zone:
        # expiring, department: expired) and the department's IPv6 twin on ::1
        self.posture = posture.Extras(self)
        self.posture.apply(self.registry, ZONE_CODE, DRC_CODE)
        self.servers += self.posture.servers

    @property
    def ports(self) -> dict[str, int]:
        """The ports in use, to ask for again next time (see the module docstring)."""
        from urllib.parse import urlsplit

        out = {"portal": self.portal.port, "zone": self.zone.port, "drc": self.drc.port,
               "external": self.external.port}
        for key, code in (("stats", STATS_CODE), ("grain", GRAIN_CODE)):
            out[key] = urlsplit(self.registry.by_code(code).url).port or 0
        return out

    def start(self) -> None:
        for s in self.servers:
            if s not in self._started:
                s.start()
                self._started.append(s)

    def stop(self) -> None:
        self._stop.set()
        for s in self.servers:
            if s in self._started:
                s.stop()
            else:  # never served: shutdown() would wait for a loop that never ran
                s.httpd.server_close()
        self._started.clear()

    def wait(self) -> None:
        """Serve until interrupted (Ctrl-C) or stopped."""
        while not self._stop.wait(3600):
            pass

    def __enter__(self) -> DemoCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
