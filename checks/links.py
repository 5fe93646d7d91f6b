"""link.broken: link targets on crawled pages that do not work (F3).

One finding per distinct broken target of the site, however many pages carry it; the
source is the homepage when the homepage carries it (F3 weighs homepage links double),
else the first page it was seen on. A target that answered, but only after the
indicator's limit (``link.timeout_seconds``, 15 s), is broken too (``kind`` timeout): the
crawl may wait longer than a checker does, and the user would not.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from indicators.thresholds import ThresholdError

KIND_NAMES = {"internal": "站内链接", "external": "外部链接", "image": "图片", "attachment": "附件",
              "script": "脚本", "stylesheet": "样式表", "frame": "内嵌框架", "soft404": "软404页面",
              "dns": "域名无法解析", "refused": "连接被拒绝", "timeout": "访问超时",
              "tls": "证书/加密连接错误", "redirect_loop": "重定向循环", "reset": "连接中断",
              "too_large": "文件过大"}
ERROR_KINDS = {"soft404", "dns", "refused", "timeout", "tls", "redirect_loop"}


def limit_ms(ctx: CheckContext) -> int:
    """The answer-time limit of the indicator file (``link.timeout_seconds``; files without
    it use the homepage's ``probe.timeout_seconds``)."""
    try:
        seconds = ctx.threshold("link.timeout_seconds")
    except ThresholdError:
        seconds = ctx.threshold("probe.timeout_seconds")
    return int(float(seconds) * 1000)


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    # Only broken (or too slow) targets become findings: reading just their rows gives the
    # same entries as reading them all.
    limit = limit_ms(ctx)
    carriers = ctx.link_carriers(outcome="broken")
    # Crawls before answer times were kept timed pages from when they were scheduled:
    # their crawl-method times say nothing about the server (verifier times do).
    latency = (ctx.run.options or {}).get("page_elapsed") == "latency"
    slow = ctx.link_carriers(outcome="ok", slower_than_ms=limit,
                             methods=None if latency else ("HEAD", "GET"))
    checks = ctx.link_checks(set(carriers) | set(slow))
    for target, entry in sorted({**slow, **carriers}.items()):
        lc = checks[target]  # carriers are targets whose check is broken or slow
        kind = lc.error_class if lc.error_class in ERROR_KINDS else entry["kind"]
        reason = f"HTTP {lc.status}" if lc.status else KIND_NAMES.get(lc.error_class or "",
                                                                       lc.error_class or "错误")
        if lc.error_class == "soft404":
            reason = "页面显示“页面不存在”"
        if lc.outcome == "ok":  # answered, but after the limit
            kind = "timeout"
            reason = (f"响应用时 {lc.elapsed_ms / 1000:.1f} 秒，超过 {limit / 1000:g} 秒"
                      f"{f'，HTTP {lc.status}' if lc.status else ''}")
        anchor = entry["anchor"] or ""
        where = "首页" if entry["on_homepage"] else "页面"
        yield FindingDraft(
            rule="link.broken", url=target, source=entry["source"], subject=target,
            message=(f"{where}上的{KIND_NAMES.get(entry['kind'], '链接')}"
                     f"{'“' + anchor + '”' if anchor else ''}无法访问 ({reason})"),
            detail={"kind": kind, "status": lc.status, "on_homepage": entry["on_homepage"],
                    "anchor": anchor, "error": lc.error_class or (
                        "timeout" if lc.outcome == "ok" else None),
                    "pages": len(entry["pages"]), "redirects": lc.redirects,
                    "elapsed_ms": lc.elapsed_ms},
        )


RULE = Rule(name="links", ids=("link.broken",), check=check,
            needs_complete=False)  # a broken link seen is broken, however far the crawl got
