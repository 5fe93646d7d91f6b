"""Shared fixtures: real loopback site servers and real crawls into a temporary store.

Every server gets its own 127.0.0.x address (allocated once per test session), so
per-address behaviour — politeness slots, the private-address guard — is exercised as it
is on a real cluster, and no two tests ever share an address.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.runner import Crawl, CrawlResult
from govmon.demo.server import Handler, Route, SiteServer
from settings.config import Settings
from settings.registry import Registry, SiteSpec
from store.db import open_store
from store.models import Link, LinkCheck, Page, RunSite, Site

FAST = {"workers": 1, "timeout": 5.0, "retries": 1, "recheck_delay": 0.3}

# pytest started in the background of a non-interactive shell (`cmd &`, as a CI script may)
# inherits SIGINT ignored, and so would every govmon the tests start: the tests that stop a
# crawl or a probe with SIGINT saw it ignored (exit 0, run complete). Children get the
# default disposition again.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# The last address handed out lives in the environment: this module is imported both as
# ``conftest`` and as ``tests.conftest``, and a module-level counter would exist twice.
_LAST_ADDRESS = "GOVMON_TEST_LAST_ADDRESS"


def next_address() -> str:
    """A loopback address no other server of this test session uses: 127.0.0.10-254
    (127.0.0.1 is left to tests that need "localhost", .2-.9 to tests that name their
    addresses), then 127.0.1.x, 127.0.2.x... (all of 127.0.0.0/8 is loopback)."""
    n = int(os.environ.get(_LAST_ADDRESS, "9")) + 1
    if n % 256 in (0, 255):
        n += 2 if n % 256 == 255 else 1
    os.environ[_LAST_ADDRESS] = str(n)
    return f"127.0.{n // 256}.{n % 256}"


def dead_url(host: str | None = None) -> str:
    """An http URL on which nothing listens (connection refused)."""
    host = host or next_address()
    with socket.socket() as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    return f"http://{host}:{port}/"


class Servers:
    """Starts SiteServers and stops all of them at teardown."""

    def __init__(self) -> None:
        self.started: list[SiteServer] = []

    def __call__(self, routes: dict[str, Route] | None = None, *, host: str | None = None,
                 dynamic: Handler | None = None) -> SiteServer:
        server = SiteServer(host or next_address(), routes or {}, dynamic=dynamic).start()
        self.started.append(server)
        return server

    def stop(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def serve() -> Iterator[Servers]:
    servers = Servers()
    yield servers
    servers.stop()


@pytest.fixture(scope="module")
def serve_module() -> Iterator[Servers]:
    servers = Servers()
    yield servers
    servers.stop()


def html(title: str, links: Sequence[str] = (), body: str = "", head: str = "") -> str:
    """A small page with a title and one <a> per link."""
    anchors = "".join(f'<a href="{u}">链接{i}</a> ' for i, u in enumerate(links))
    return (f"<html><head>{head}<title>{title}</title></head>"
            f"<body><h1>{title}</h1>{body}{anchors}</body></html>")


_codes = itertools.count(1)


def spec(url: str, kind: str = "portal", **kw: Any) -> SiteSpec:
    """A registry entry with a fresh, valid 10-digit site code."""
    code = kw.pop("code", None) or f"51{next(_codes):08d}"
    return SiteSpec(code=code, name=kw.pop("name", f"测试网站{code[-3:]}"), url=url, kind=kind,
                    **kw)


@dataclass
class Crawled:
    """A finished crawl: the result, the store it wrote and handy queries."""

    result: CrawlResult
    db: str
    sessions: sessionmaker[Session]
    registry: Registry
    seconds: float
    srv: dict[str, SiteServer] = field(default_factory=dict)  # servers a fixture names
    info: dict[str, Any] = field(default_factory=dict)  # anything else a fixture keeps

    def session(self) -> Session:
        return self.sessions()

    def site_id(self, code: str) -> int:
        with self.sessions() as s:
            return s.scalar(select(Site.id).where(Site.code == code))

    def pages(self, code: str | None = None) -> dict[str, Page]:
        with self.sessions() as s:
            q = select(Page).where(Page.run_id == self.result.run_id)
            if code:
                q = q.where(Page.site_id == self.site_id(code))
            return {p.url: p for p in s.scalars(q)}

    def checks(self) -> dict[str, LinkCheck]:
        with self.sessions() as s:
            q = select(LinkCheck).where(LinkCheck.run_id == self.result.run_id)
            return {c.target: c for c in s.scalars(q)}

    def links(self, code: str | None = None) -> list[Link]:
        with self.sessions() as s:
            q = select(Link).where(Link.run_id == self.result.run_id)
            if code:
                q = q.where(Link.site_id == self.site_id(code))
            return list(s.scalars(q))

    def run_site(self, code: str) -> RunSite:
        with self.sessions() as s:
            return s.scalars(select(RunSite).where(RunSite.run_id == self.result.run_id,
                                                   RunSite.site_id == self.site_id(code))).one()


def run_crawl(sites: list[SiteSpec], db_path: Path, *, trusted: list[str] | None = None,
              resume: bool = False, **settings: Any) -> Crawled:
    """Crawl ``sites`` with real worker processes into the sqlite store at ``db_path``."""
    import time

    registry = Registry(sites=sites, trusted_networks=list(trusted or []))
    db = f"sqlite:///{db_path}"
    crawl = Crawl(registry, Settings(**{**FAST, **settings}), db)
    t0 = time.monotonic()
    result = crawl.resume() if resume else crawl.run()
    return Crawled(result=result, db=db, sessions=open_store(db, upgrade=False),
                   registry=registry, seconds=time.monotonic() - t0)


@pytest.fixture
def crawl(tmp_path: Path) -> Callable[..., Crawled]:
    """``crawl(sites, **settings)``: one real crawl into a fresh store of this test."""
    n = itertools.count()

    def _crawl(sites: list[SiteSpec], **kw: Any) -> Crawled:
        return run_crawl(sites, kw.pop("db_path", None) or tmp_path / f"crawl{next(n)}.db", **kw)

    return _crawl


@dataclass
class DemoProcess:
    """One ``govmon demo`` run as a user starts it: its workspace, output and duration."""

    workspace: Path
    proc: subprocess.CompletedProcess
    elapsed: float


def run_demo(ws: Path, timeout: float = 300) -> DemoProcess:
    """``govmon -w WS demo`` in a subprocess, without the tests' GOVMON_* variables (but
    GOVMON_REQUIRE_BROWSER: without Chromium the demo must fail, not skip its pictures)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GOVMON_") or k == "GOVMON_REQUIRE_BROWSER"}
    env["COLUMNS"] = "200"  # rich wraps tables at 80 columns when not on a terminal
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "govmon.cli", "-w", str(ws), "demo"],
                          capture_output=True, text=True, timeout=timeout, env=env)
    return DemoProcess(ws, proc, time.monotonic() - t0)


@pytest.fixture(scope="session")
def demo_first_run(tmp_path_factory: pytest.TempPathFactory) -> DemoProcess:
    """The first ``govmon demo`` in a fresh workspace, shared by tests/test_demo.py and
    tests/test_demo_documents.py (a demo takes ~45 s; tests copy the workspace before
    changing it)."""
    run = run_demo(tmp_path_factory.mktemp("demo") / "ws")
    assert run.proc.returncode == 0, run.proc.stdout[-3000:] + run.proc.stderr[-3000:]
    return run
