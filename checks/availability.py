"""site.unreachable: the homepage failed in the crawl, or in too many probes (V2).

Probes are stored data (``govmon probe`` runs from cron); the window, the time limit and
the veto share come from the indicator file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy import select

from checks.base import CheckContext, FindingDraft
from store.models import Probe

RULES = ("site.unreachable",)
NEEDS_COMPLETE = False
RUNS_ON_UNREACHABLE = True


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    home_url = ctx.site.url
    days = int(ctx.threshold("probe.window_days"))
    veto_share = float(ctx.threshold("probe.veto_share"))
    end = datetime.combine(ctx.as_of, time.max)
    start = end - timedelta(days=days)
    probes = list(ctx.session.scalars(select(Probe).where(
        Probe.site_id == ctx.site.id, Probe.at > start, Probe.at <= end)))
    failures = sum(1 for p in probes if not p.ok)
    ratio = failures / len(probes) if probes else 0.0
    crawl_failed = ctx.run_site.status == "unreachable"
    if not crawl_failed and (not probes or ratio < veto_share):
        return
    home = ctx.homepage
    parts = []
    if crawl_failed:
        why = (home.error or f"HTTP {home.status}") if home is not None else "未响应"
        parts.append(f"本次抓取时首页无法访问 ({why})")
    if probes and ratio >= veto_share:
        parts.append(f"近 {days} 天 {len(probes)} 次探测中 {failures} 次失败 ({ratio:.1%})")
    yield FindingDraft(
        rule="site.unreachable", url=home_url, subject="homepage", message="；".join(parts),
        detail={"failures": failures, "probes": len(probes), "ratio": round(ratio, 4),
                "crawl_failed": crawl_failed,
                "crawl_error": (home.error or home.status) if home is not None else None},
    )
