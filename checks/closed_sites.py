"""site.closed_still_online: a site registered 关停 still serves its pages (关停整合).

Closed sites are probed during the crawl, never crawled (``crawler/probe.py``
``probe_closed``: the homepage fetched hop by hop behind the address guard, the answer
stored as ``closed_probes``). A closed site is fine when its homepage fails (no answer,
HTTP ≥ 400), redirects into the portal, another running site of the cluster or the
registry's ``successor``, or shows a closure notice (网站已关停 / 已迁移 …, a short page).
Anything else — the old pages, or a redirect to an address outside the cluster — is the
finding, with the status, the final address and the title it showed.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from sqlalchemy import select

from checks._governance import quote
from checks.base import CheckContext, FindingDraft, Rule, Skip
from derive.source import site_scopes
from parse.urls import in_scopes
from store.models import ClosedProbe, Site


def _cluster_scopes(ctx: CheckContext) -> list[tuple[str, str]]:
    """Where a closed site may send its visitors: running sites and the successor."""
    scopes = [pair for site in ctx.session.scalars(select(Site).where(Site.status == "运行"))
              for pair in site_scopes(site)]
    successor = getattr(ctx.spec, "successor", None)
    if successor:
        parts = urlsplit(successor)
        path = parts.path or "/"
        scopes.append((parts.netloc.lower(), path if path.endswith("/")
                       else path.rsplit("/", 1)[0] + "/"))
    return scopes


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    probe = ctx.session.scalars(select(ClosedProbe).where(
        ClosedProbe.run_id == ctx.run.id, ClosedProbe.site_id == ctx.site.id)
        .order_by(ClosedProbe.id.desc())).first()
    if probe is None:
        raise Skip("本次抓取未探测该关停网站")
    if probe.error or probe.status >= 400 or probe.status == 0:
        return  # offline, as it should be
    final = probe.final_url or probe.url
    moved = final != probe.url
    if moved and in_scopes(final, _cluster_scopes(ctx)):
        return  # redirected to the portal, a running site or the successor
    if probe.notice:
        return  # a closure notice
    where = (f"跳转至本网站群以外的地址 {final}" if moved else "首页仍返回原网站内容")
    title = f"，页面标题{quote(probe.title)}" if probe.title else ""
    code = f"，页面显示网站标识码 {probe.code}" if probe.code else ""
    yield FindingDraft(
        rule="site.closed_still_online", url=probe.url, subject="closed", source=None,
        message=(f"网站已登记为关停，但仍可访问：{where}（HTTP {probe.status}）{title}{code}"),
        detail={"status": probe.status, "final_url": final, "title": probe.title,
                "found": probe.code, "redirects": probe.redirects})


RULE = Rule(name="closed_sites", ids=("site.closed_still_online",), check=check,
            needs_complete=False, closed_sites=True)  # on the sites registered 关停 only
