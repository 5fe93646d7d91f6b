"""Derive a site's disclosure and cluster facts from the page scan and store them.

A derive step (``derive.steps``: ``governance``, built for a site when a rule that runs
on it names it in ``Rule.derived``), on the page scan every site gets (one parse per page:
``parse.governance`` is one of the scan's own extractors). Per site and run it stores:

* ``site_entries`` — the links the disclosure, media and cluster rules ask about (手机版 /
  微博 / 微信 / 客户端 entries of the homepage, the 依申请公开 channel, links to annual
  reports and 网站工作年度报表), one row per kind and target with how many pages show it;
* ``annual_reports`` — each report (and yearly statement) found, as a page (with the
  headings it shows — none for a statement — and its publish date: byline > URL > meta)
  or, when only a link was seen (an attachment, a page the crawl did not reach), as that
  link with the date of its list row (``sections`` None);
* ``disclosure_items`` — every 信息公开 catalogue item: 索引号, 发文字号, 成文日期, 发布日期,
  and which labels its header shows without a value.

Rows are replaced when a run is derived again (derived data; the crawl data stays). The
rules and reports read them back with :func:`site_entries`, :func:`annual_documents` and
:func:`catalogue_items`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from derive.facts import snapshots_gone
from parse.governance import MAX_LABEL, field_date
from store.models import AnnualReport, DisclosureItem, Run, Site, SiteEntry

FAMILY = "governance"  # the scan's extractor (derive/scan.py EXTRACTORS)
# An annual report whose page shows fewer headings than this, and links a file, is
# published as that attachment: its sections cannot be read from the page.
ATTACHED_BELOW = 2


@dataclass
class GovernanceCounts:
    """What :func:`derive_governance` stored (for tests and the bench)."""

    entries: int = 0
    reports: int = 0
    items: int = 0


def derive_governance(session: Session, run: Run, site: Site,
                      scan: Any) -> GovernanceCounts | None:
    """Store the governance facts of ``site`` in ``run`` from ``scan``
    (``derive.scan.SiteScan``); None when the run's snapshots of the site are gone
    (earlier facts stay as they were, as ``derive_site`` keeps its own)."""
    if FAMILY in scan.errors:
        raise RuntimeError(scan.errors[FAMILY])
    run_id, site_id = run.id, site.id
    if snapshots_gone(session, run_id, site_id, scan):
        return None
    for model in (SiteEntry, AnnualReport, DisclosureItem):
        session.execute(delete(model).where(model.run_id == run_id, model.site_id == site_id))
    records = [r for r in scan.pages if FAMILY in r.facts and not r.frame_only]
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    reports: dict[tuple[str, int, str], dict[str, Any]] = {}
    items = []
    for r in records:
        gov, info = r.facts[FAMILY], r.facts.get("page")
        for link in gov.links:
            row = entries.get((link.kind, link.target))
            if row is None:
                row = entries[(link.kind, link.target)] = {
                    "run_id": run_id, "site_id": site_id, "kind": link.kind,
                    "label": link.label[:MAX_LABEL], "target": link.target[:2048],
                    "page_url": r.url[:2048], "on_home": False, "pages": 0,
                    "year": link.year, "row_date": link.row_date,
                    "attachment": link.attachment}
            row["pages"] += 1
            if r.is_home and not row["on_home"]:
                row["on_home"], row["page_url"], row["label"] = True, r.url[:2048], \
                    link.label[:MAX_LABEL]
            row["row_date"] = row["row_date"] or link.row_date
        page_date = info.date if info is not None else None
        column = info.column if info is not None else None
        for kind, year in (("report", gov.report_year), ("statement", gov.statement_year)):
            if year is None or (kind, year, r.url) in reports:
                continue
            attached = bool(gov.attachments) and len(gov.sections) < ATTACHED_BELOW
            reports[(kind, year, r.url)] = {
                "run_id": run_id, "site_id": site_id, "kind": kind, "year": year,
                "title": gov.title or r.title or "", "url": r.url[:2048], "source_url": None,
                "published": page_date,
                "date_source": info.date_source if page_date is not None else None,
                "sections": gov.sections if kind == "report" else [],
                "attachment": attached, "column": column}
        if gov.catalogue:
            fields = gov.catalogue
            published = field_date(fields.get("published"))
            items.append({
                "run_id": run_id, "site_id": site_id, "page_id": r.page_id,
                "url": r.url[:2048], "title": gov.title or r.title or None,
                "index_no": fields.get("index_no") or None,
                "doc_no": (fields.get("doc_no") or "")[:200] or None,
                "written": field_date(fields.get("written")),
                "published": published or page_date,
                "published_source": "header" if published else (
                    info.date_source if page_date is not None else None),
                "labels": sorted(fields), "empty": sorted(k for k, v in fields.items()
                                                          if not v)})
    # links to reports and statements: the report itself when its page was not read
    # (an attachment, a page outside the crawl), else the date of the list row it sits in
    pages = {(k, y, u): rec for (k, y, u), rec in reports.items()}
    for (kind, target), e in entries.items():
        if kind not in ("report", "statement") or e["year"] is None:
            continue
        have = pages.get((kind, e["year"], target))
        if have is not None:
            if have["published"] is None and e["row_date"] is not None:
                have["published"], have["date_source"] = e["row_date"], "list"
            have["source_url"] = have["source_url"] or e["page_url"]
            continue
        reports[(kind, e["year"], target)] = {
            "run_id": run_id, "site_id": site_id, "kind": kind, "year": e["year"],
            "title": e["label"], "url": target, "source_url": e["page_url"],
            "published": e["row_date"], "date_source": "list" if e["row_date"] else None,
            "sections": None, "attachment": e["attachment"], "column": None}
    for model, rows in ((SiteEntry, list(entries.values())),
                        (AnnualReport, list(reports.values())), (DisclosureItem, items)):
        for i in range(0, len(rows), 1000):
            session.execute(insert(model), rows[i:i + 1000])
    session.flush()
    return GovernanceCounts(entries=len(entries), reports=len(reports), items=len(items))


# -- reading them back (rules, notices) -------------------------------------------------
def site_entries(session: Session, run_id: int, site_id: int, *kinds: str) -> list[SiteEntry]:
    """Links of ``kinds`` stored for the site in the run, in the order they were found."""
    return list(session.scalars(select(SiteEntry).where(
        SiteEntry.run_id == run_id, SiteEntry.site_id == site_id, SiteEntry.kind.in_(kinds))
        .order_by(SiteEntry.id)))


def annual_documents(session: Session, run_id: int, site_id: int, kind: str,
                     year: int | None = None) -> list[AnnualReport]:
    """The site's stored reports (``kind`` report) or statements (``statement``)."""
    q = select(AnnualReport).where(AnnualReport.run_id == run_id,
                                   AnnualReport.site_id == site_id, AnnualReport.kind == kind)
    if year is not None:
        q = q.where(AnnualReport.year == year)
    return list(session.scalars(q.order_by(AnnualReport.id)))


def catalogue_items(session: Session, run_id: int, site_id: int) -> list[DisclosureItem]:
    """The site's 信息公开 catalogue items, by URL."""
    return list(session.scalars(select(DisclosureItem).where(
        DisclosureItem.run_id == run_id, DisclosureItem.site_id == site_id)
        .order_by(DisclosureItem.url)))
