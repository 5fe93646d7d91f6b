"""site.unreachable: the homepage failed in the crawl, or in too many probes (V2).

Probes are stored data (``govmon probe`` runs from cron); the window, the time limit and
the veto share come from the indicator file.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    home_url = ctx.site.url
    days = int(ctx.threshold("probe.window_days"))
    veto_share = float(ctx.threshold("probe.veto_share"))
    probes = ctx.probes(days)
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


# Runs on unreachable sites too: judging that failure is its job.
RULE = Rule(name="availability", ids=("site.unreachable",), check=check,
            needs_complete=False, needs_reachable=False)
