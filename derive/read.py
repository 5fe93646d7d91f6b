"""Reading the stored facts back: identity records, per-page dates, mailbox statistics.

Used by ``govmon export identity`` / ``export pages``, ``govmon sites show``, ``govmon
mailbox`` and the reports; the identity rule reads the same tables. Nothing here parses a
page or writes a table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parse.identity import ITEMS
from store.models import (
    Column,
    IdentityValue,
    Item,
    MailboxStats,
    Message,
    PageFact,
    Site,
    SiteFact,
)

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


def content_pages(session: Session, run_id: int, site_id: int) -> list[Any]:
    """(url, kind, items, codes) of the site's content pages in the run, the homepage
    first, then by URL (not by page id, which follows answer order): what the identity
    rule judges, its examples the same from run to run."""
    return session.execute(
        select(PageFact.url, PageFact.kind, PageFact.items, PageFact.codes)
        .where(PageFact.run_id == run_id, PageFact.site_id == site_id,
               PageFact.content.is_(True))
        .order_by(PageFact.kind != "home", PageFact.url)).all()


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


def site_stats(session: Session, run_id: int, site_code: str | None = None) -> list[dict]:
    """Mailbox statistics of a run, one dict per site (for reports and ``govmon mailbox``)."""
    q = (select(MailboxStats, Site).join(Site, Site.id == MailboxStats.site_id)
         .where(MailboxStats.run_id == run_id).order_by(Site.code))
    if site_code:
        q = q.where(Site.code == site_code)
    out = []
    for st, site in session.execute(q):
        out.append({
            "site": site.code, "name": site.name, "as_of": st.as_of, "boards": st.boards,
            "messages": st.messages, "in_window": st.in_window, "answered": st.answered,
            "unanswered": st.unanswered, "reply_rate": st.reply_rate,
            "median_working_days": st.median_working_days,
            "p90_working_days": st.p90_working_days,
            "oldest_unanswered": st.oldest_unanswered,
            "oldest_unanswered_url": st.oldest_unanswered_url,
            "oldest_unanswered_title": (st.detail or {}).get("oldest_unanswered_title"),
            "surveys": st.surveys, "calendar_fallback": st.calendar_fallback,
            "notes": (st.detail or {}).get("notes", []),
            "board_list": (st.detail or {}).get("boards", []),
        })
    return out


def site_messages(session: Session, run_id: int, site_code: str) -> list[Message]:
    """Messages stored for a site in a run, oldest first."""
    return list(session.scalars(
        select(Message).join(Site, Site.id == Message.site_id)
        .where(Message.run_id == run_id, Site.code == site_code)
        .order_by(Message.submitted, Message.id)))
