"""What crawler/scrapy_private.py relies on in Scrapy's internals still holds: if one of
these fails after a Scrapy upgrade, read that module (and re-check it against the new
version)."""

from __future__ import annotations

import logging

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as ScrapyRedirect
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.middlewares import MetaRefreshMiddleware, RedirectMiddleware
from crawler.spiders.site import SiteSpider


@pytest.fixture
def crawler() -> Crawler:
    s = Settings()
    s.setmodule(project_settings, priority="project")
    crawler = Crawler(SiteSpider, s)
    crawler.get_spider_middleware = lambda cls: None  # RefererMiddleware is off (settings.py)
    return crawler


def test_redirect_middlewares_warn_from_engine_started_unless_quieted(
        crawler: Crawler, caplog: pytest.LogCaptureFixture) -> None:
    """Scrapy's redirect middlewares connect ``_engine_started`` to ``engine_started`` and
    warn there when RefererMiddleware is off, even though ``handle_referer`` is overridden;
    ours (QuietRefererWarning) do not."""
    built = [cls.from_crawler(crawler) for cls in (ScrapyRedirect, ScrapyMetaRefresh,
                                                   RedirectMiddleware, MetaRefreshMiddleware)]
    with caplog.at_level(logging.WARNING):
        crawler.signals.send_catch_log(signal=signals.engine_started)
    warned = [r.getMessage().split()[0] for r in caplog.records
              if "RefererMiddleware" in r.getMessage()]
    assert warned == ["scrapy.downloadermiddlewares.redirect.RedirectMiddleware",
                      "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"]
    assert len(built) == 4


def test_handle_referer_is_where_the_referer_is_decided(crawler: Crawler) -> None:
    """The public hook: Scrapy's drops the header (no RefererMiddleware), ours keeps it."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    response = HtmlResponse("http://127.0.0.1/a", status=301,
                            headers={"Location": "/b"}, body=b"")
    for cls, kept in ((ScrapyRedirect, False), (RedirectMiddleware, True)):
        request = Request("http://127.0.0.1/a", headers={"Referer": "http://127.0.0.1/"})
        moved = cls.from_crawler(crawler).process_response(request, response)
        assert (moved.headers.get("Referer") is not None) is kept, cls


def test_responsetypes_picks_the_class_the_spider_reads() -> None:
    """crawler/handler.py builds its responses with ``scrapy.responsetypes`` (undocumented):
    HTML must come back as a TextResponse (the spider parses only those), a PDF must not."""
    from scrapy.http import Headers, HtmlResponse, TextResponse
    from scrapy.responsetypes import responsetypes

    def cls(ctype: bytes, url: str, body: bytes) -> type:
        return responsetypes.from_args(headers=Headers({b"Content-Type": ctype}), url=url,
                                       body=body)

    assert cls(b"text/html; charset=gb2312", "http://127.0.0.1/a.html",
               b"<html></html>") is HtmlResponse
    assert cls(b"text/html", "http://127.0.0.1/col/", b"<html>") is HtmlResponse
    pdf = cls(b"application/pdf", "http://127.0.0.1/f.pdf", b"%PDF-1.4\n\x00\x01\x02stream")
    assert not issubclass(pdf, TextResponse)




def test_crawl_workers_open_no_remote_control_server() -> None:
    """Scrapy's remote control (on by default in 2.19: a localhost server in every crawl
    process that runs the Python code posted to it) is off in the settings a crawl worker
    builds (crawler/workers.py: the project module, then the workspace's overlay)."""
    from scrapy.settings import Settings as ScrapySettings

    from crawler import settings as defaults
    from crawler.workspace import scrapy_settings
    from settings.config import Settings

    built = ScrapySettings()
    assert built.getbool("REMOTE_CONTROL_ENABLED")  # Scrapy's own default: on
    built.setmodule(defaults, priority="project")
    built.setdict(scrapy_settings(Settings(), "sqlite://"), priority="cmdline")
    assert built.getbool("REMOTE_CONTROL_ENABLED") is False
    assert built.getbool("TELNETCONSOLE_ENABLED") is False
