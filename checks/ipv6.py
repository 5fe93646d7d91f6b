"""network.ipv6_missing: the site is not reachable over IPv6 as the national plan asks
(F10 IPv6; 深入推进IPv6规模部署: AAAA record, homepage over IPv6 with the same content as
over IPv4, and the share of second- and third-level pages reachable over IPv6).

Reads the ``ipv6`` facts ``crawler/security.py`` stored after the crawl. One finding per
site, with the first reason that applies:

* no_name — the site is registered by IPv4 address only: there is no name that could
  carry an AAAA record (and no IPv6 address among its hosts);
* no_aaaa — its names have no AAAA record;
* home_failed — the homepage does not answer over IPv6;
* content_differs — it answers with other content than over IPv4 (a placeholder page);
* links — fewer than ``ipv6.min_link_share`` (90 % by default) of the sampled second-
  and third-level pages answer over IPv6.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from checks.https import _error_text, facts

REASONS = {"no_name": "网站仅以 IPv4 地址登记，没有可解析 IPv6 地址的域名",
           "no_aaaa": "网站域名没有 IPv6 地址解析记录",
           "home_failed": "网站首页无法通过 IPv6 访问",
           "content_differs": "通过 IPv6 访问的首页内容与 IPv4 不一致",
           "links": "二、三级页面通过 IPv6 可访问的比例不足"}


def skip_reason(ctx: CheckContext) -> str | None:
    row = facts(ctx)
    if row is None or row.ipv6 is None:
        return "本次抓取未检测 IPv6 支持情况"
    return None


def judge(v6: dict, least: float) -> str | None:
    """The reason the site is not IPv6-ready, or None when it is."""
    if v6.get("home_error") == "no_aaaa":
        return "no_aaaa" if v6.get("names") else "no_name"
    if not v6.get("home_ok"):
        return "home_failed"
    if v6.get("same_content") is False:
        return "content_differs"
    checked = v6.get("links_checked") or 0
    if checked and (v6.get("links_ok") or 0) / checked < least:
        return "links"
    return None


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    row = facts(ctx)
    if row is None or row.ipv6 is None:
        return
    v6 = row.ipv6
    reason = judge(v6, float(ctx.threshold("ipv6.min_link_share")))  # 0.9 by default
    if reason is None:
        return
    checked = v6.get("links_checked") or 0
    share = round((v6.get("links_ok") or 0) / checked, 4) if checked else None
    text = REASONS[reason]
    if reason == "home_failed" and v6.get("home_error"):
        text += f"（{_error_text(v6['home_error'], v6.get('home_status'))}）"
    if reason == "content_differs" and v6.get("similarity") is not None:
        text += f"（相同内容约占 {v6['similarity'] * 100:.0f}%）"
    if reason == "links" and share is not None:
        text += f"（{v6.get('links_ok')}/{checked}，{share * 100:.0f}%）"
    yield FindingDraft(
        rule="network.ipv6_missing", url=ctx.site.url, source=ctx.site.url, subject="ipv6",
        message=f"网站不支持 IPv6 访问：{text}",
        detail={"share": share, "ipv6_reason": reason, "links_checked": checked,
                "names": v6.get("names") or [], "sample": v6.get("link_failures") or []})


RULE = Rule(name="ipv6", ids=("network.ipv6_missing",), check=check, unknown=skip_reason,
            needs_complete=False)  # probed after the crawl, whatever its reach
