"""Reading the stored facts back: per-site identity records and per-page dates.

Used by ``govmon export identity`` / ``export pages`` and ``govmon sites show``; the
identity rule reads the same tables. Nothing here parses a page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parse.identity import ITEMS
from store.models import Column, IdentityValue, Item, PageFact, Site, SiteFact

ITEM_NAMES = {"site_code": "网站标识码", "icp": "ICP备案编号", "psb": "公安机关备案号",
              "conac": "党政机关网站标识", "sponsor": "主办单位", "contact": "联系方式",
              "jiucuo": "找错入口"}
CARRIER_NAMES = {"html": "页面", "script": "页内脚本", "script_file": "页脚脚本文件",
                 "iframe": "内嵌框架", "meta": "SiteIDCode 元标签", "jiucuo": "找错组件 sitecode"}


def identity_values(session: Session, run_id: int, site_id: int) -> list[IdentityValue]:
    return list(session.scalars(select(IdentityValue).where(
        IdentityValue.run_id == run_id, IdentityValue.site_id == site_id)
        .order_by(IdentityValue.item, IdentityValue.pages.desc(), IdentityValue.value)))


def site_facts(session: Session, run_id: int, site_id: int) -> SiteFact | None:
    return session.scalars(select(SiteFact).where(SiteFact.run_id == run_id,
                                                  SiteFact.site_id == site_id)).first()


def identity_records(session: Session, run_id: int, detail: bool = True) -> list[dict[str, Any]]:
    """One record per site derived in the run: CMS family, page counts and, per item, its
    values, the carriers they came in and the share of content pages showing it
    (``detail``: also every value with its carrier, pages, first page and source)."""
    out = []
    rows = session.execute(select(SiteFact, Site).join(Site, Site.id == SiteFact.site_id)
                           .where(SiteFact.run_id == run_id).order_by(Site.code)).all()
    for facts, site in rows:
        values = identity_values(session, run_id, site.id)
        rec: dict[str, Any] = {"site": site.code, "name": site.name, "run": run_id,
                               "cms": facts.cms, "pages": facts.pages,
                               "content_pages": facts.content_pages,
                               "dated_pages": facts.dated_pages}
        for item in ITEMS:
            mine = [v for v in values if v.item == item]
            rec[item] = "；".join(dict.fromkeys(v.value for v in mine if v.value))
            rec[f"{item}_carriers"] = ",".join(dict.fromkeys(v.carrier for v in mine))
            shown = (facts.shown or {}).get(item, 0)
            rec[f"{item}_share"] = (round(shown / facts.content_pages, 4)
                                    if facts.content_pages else None)
        if detail:
            rec["values"] = [{"item": v.item, "value": v.value, "carrier": v.carrier,
                              "pages": v.pages, "page": v.page_url, "source": v.source_url}
                             for v in values]
        out.append(rec)
    return out


def page_records(session: Session, run_id: int, site_id: int | None = None
                 ) -> list[dict[str, Any]]:
    """One record per page the derive step read: url, title, date, date source, column
    (its ColumnName meta or breadcrumb, else the column whose list shows it)."""
    listed: dict[str, str] = {}
    q = (select(Item.url, Column.name).join(Column, Column.id == Item.column_id)
         .where(Item.run_id == run_id, Column.kind != "home"))
    for url, name in session.execute(q):
        listed.setdefault(url, name)
    codes = dict(session.execute(select(Site.id, Site.code)).all())
    q = select(PageFact).where(PageFact.run_id == run_id)
    if site_id is not None:
        q = q.where(PageFact.site_id == site_id)
    out = []
    for p in session.scalars(q.order_by(PageFact.site_id, PageFact.page_id)):
        out.append({"site": codes[p.site_id], "url": p.url, "title": p.title,
                    "date": p.date.isoformat() if p.date else None,
                    "date_source": p.date_source, "column": p.column or listed.get(p.url),
                    "kind": p.kind, "content": p.content, "excluded": p.excluded})
    return out
