"""``scrapy crawl site`` from the repository root (scrapy.cfg) on a workspace: the spider and
download stack of ``govmon crawl`` in one Scrapy process, pages to Scrapy's feed exports,
nothing to the store (crawler/workspace.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import html

from govmon.demo.server import Route

ROOT = Path(__file__).parent.parent


def _scrapy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "site", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_scrapy_crawl_site_exports_the_workspace_crawl(serve, tmp_path: Path) -> None:
    site = serve({
        "/": Route(html("首页", ["/a.html", "/moved", "/private/x.html", "/gone.html"])),
        "/a.html": Route(html("文章")),
        "/moved": Route(status=301, headers={"Location": "/b.html"}),
        "/b.html": Route(html("新址")),
        "/private/x.html": Route(html("不许抓")),
        "/robots.txt": Route("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
    })
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "sites.yaml").write_text(
        f'sites:\n  - code: "5101000001"\n    name: 测试网站\n    url: {site.url("/")}\n'
        f"    kind: portal\n", encoding="utf-8")
    (ws / "govmon.yaml").write_text("per_ip_concurrency: 2\n", encoding="utf-8")
    out = tmp_path / "pages.jsonl"

    proc = _scrapy("-a", f"workspace={ws}", "-O", str(out), "-s", "LOG_LEVEL=WARNING")
    assert proc.returncode == 0, proc.stderr
    pages = {p["url"]: p for p in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(pages) == {site.url(p) for p in ("/", "/a.html", "/moved", "/gone.html")}
    assert (pages[site.url("/")]["title"], pages[site.url("/")]["status"]) == ("首页", 200)
    assert pages[site.url("/moved")]["final_url"] == site.url("/b.html")
    assert pages[site.url("/gone.html")]["status"] == 404
    assert "body" not in pages[site.url("/")]  # FEED_EXPORT_FIELDS
    assert site.hits("/private/x.html") == 0  # robots.txt obeyed
    assert not (ws / "govmon.db").exists()  # nothing stored
    # Scrapy's redirect middlewares warn when RefererMiddleware is off, although ours keep
    # the spider's Referer themselves (crawler/scrapy_private.py)
    assert "RefererMiddleware" not in proc.stderr


def test_scrapy_crawl_site_bad_workspace_is_one_line(tmp_path: Path) -> None:
    proc = _scrapy("-a", f"workspace={tmp_path}")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"govmon: {tmp_path} 不是 govmon 工作目录 (没有 sites.yaml)"
