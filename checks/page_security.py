"""security.mixed_content, security.vulnerable_library, security.private_address_leak:
what the site's pages load and write.

* mixed_content — an https page loading a resource (script, stylesheet, image, frame,
  media) over plain http: browsers block or flag it. Read from the stored links (tag and
  target); a link (``<a href>``) is navigation, not a resource, and an http page linking
  http resources of its own site is not mixed content.
* vulnerable_library — a JavaScript library the site loads in a version with known
  vulnerabilities: identified by the derive step (file name, banner, or the SHA-256 of
  the stored copy against the data file's hashes) and compared with
  ``checks/data/vulnerable_js.yaml`` (versions, advisories and their sources are data).
* private_address_leak — RFC 1918 or link-local addresses written in pages or scripts
  (intranet systems, internal API hosts).

Informational unless the indicator file maps them.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from checks.base import CheckContext, FindingDraft, Rule
from parse.datafile import load_yaml
from store.models import Link, Page, SitePosture, SiteSecurity

DATA = Path(__file__).resolve().parent / "data" / "vulnerable_js.yaml"
RESOURCE_TAGS = ("img", "script", "link", "iframe", "frame", "embed", "source")  # stored links
TAG_NAMES = {"img": "图片", "script": "脚本", "link": "样式表", "iframe": "内嵌框架",
             "frame": "框架", "embed": "嵌入对象", "source": "媒体"}


@lru_cache(maxsize=4)
def vulnerable_data(path: Path = DATA) -> dict[str, Any]:
    data = load_yaml(path) or {}
    hashes = {k: (v[0], str(v[1])) for k, v in (data.get("hashes") or {}).items()}
    return {"libraries": data.get("libraries") or {}, "hashes": hashes}


def version_key(version: str) -> tuple[int, ...]:
    out = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple((out + [0, 0, 0])[:4])


def vulnerabilities(name: str, version: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The advisories a version misses and the version that fixes the latest of them."""
    entry = data["libraries"].get(name)
    if not entry:
        return None
    missed = [v for v in entry.get("vulnerable") or []
              if version_key(version) < version_key(str(v["fixed"]))]
    if not missed:
        return None
    latest = max(missed, key=lambda v: version_key(str(v["fixed"])))
    return {"title": entry.get("title") or name, "fixed": str(latest["fixed"]),
            "advisories": [a for v in missed for a in v.get("advisories") or []],
            "notes": [v.get("note") for v in missed if v.get("note")]}


def posture(ctx: CheckContext) -> SitePosture | None:
    return ctx.session.scalars(select(SitePosture).where(
        SitePosture.run_id == ctx.run.id, SitePosture.site_id == ctx.site.id)).first()


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    ctx.facts.get("posture")  # the derive step's failure, if any: no rows would prove nothing
    yield from _mixed(ctx)
    row = posture(ctx)
    if row is None:
        return
    yield from _libraries(row, vulnerable_data())
    for entry in row.private or []:
        where = "脚本" if entry.get("where") == "script" else "页面"
        yield FindingDraft(
            rule="security.private_address_leak", url=entry["url"], source=entry["url"],
            subject=entry["address"],
            message=f"{where}中写有内网地址 {entry['address']}，暴露内部网络信息",
            detail={"address": entry["address"], "where": entry.get("where")})


def _mixed(ctx: CheckContext) -> Iterator[FindingDraft]:
    rows = ctx.session.execute(
        select(Link.target, Link.tag, Page.url)
        .join(Page, Page.id == Link.page_id)
        .where(Link.run_id == ctx.run.id, Link.site_id == ctx.site.id,
               Link.tag.in_(RESOURCE_TAGS), Link.target.like("http://%"),
               Page.url.like("https://%"))
        .order_by(Link.id))
    found: dict[str, dict[str, Any]] = {}
    for target, tag, page_url in rows:
        entry = found.setdefault(target, {"tag": tag, "source": page_url, "pages": set()})
        entry["pages"].add(page_url)
    # the https homepage the security probe read (a site registered over http may also
    # answer over https: its users get these)
    security = ctx.session.scalars(select(SiteSecurity).where(
        SiteSecurity.run_id == ctx.run.id, SiteSecurity.site_id == ctx.site.id)).first()
    for res in (security.mixed or []) if security is not None else []:
        entry = found.setdefault(res["target"], {"tag": res["tag"],
                                                 "source": security.headers_url, "pages": set()})
        entry["pages"].add(security.headers_url)
    for target, entry in found.items():
        what = TAG_NAMES.get(entry["tag"], "资源")
        n = len(entry["pages"])
        yield FindingDraft(
            rule="security.mixed_content", url=target, source=entry["source"], subject=target,
            message=(f"HTTPS 页面以不加密的 HTTP 方式加载{what}"
                     f"{f'（共 {n} 个页面）' if n > 1 else ''}，浏览器会拦截或提示不安全"),
            detail={"target": target, "resource": entry["tag"], "pages": n})


def _libraries(row: SitePosture, data: dict[str, Any]) -> Iterator[FindingDraft]:
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for script in row.scripts or []:
        name, version = script.get("name"), script.get("version")
        if not name and script.get("sha256") in data["hashes"]:
            name, version = data["hashes"][script["sha256"]]
        if name and version:
            found.setdefault((name, version), []).append(script)
    for (name, version), scripts in sorted(found.items()):
        vuln = vulnerabilities(name, version, data)
        if vuln is None:
            continue
        first = scripts[0]
        advisories = "、".join(vuln["advisories"][:4])
        yield FindingDraft(
            rule="security.vulnerable_library", url=first["url"],
            source=first.get("page") or first["url"], subject=f"{name}@{version}",
            message=(f"网站使用的 {vuln['title']} {version} 存在已公开的安全漏洞"
                     f"（{advisories}），应升级到 {vuln['fixed']} 或以上版本"),
            detail={"library": vuln["title"], "version": version, "fixed": vuln["fixed"],
                    "advisories": vuln["advisories"], "scripts": len(scripts)})


RULE = Rule(name="page_security",
            ids=("security.mixed_content", "security.vulnerable_library",
                 "security.private_address_leak"),
            check=check, needs_complete=False,  # what is seen is there, however far the crawl got
            derived=("posture",))
