"""content.backdated_post: an item that first appears in a column tonight although it is
dated further back than the column's update limit — filled in later with an old date, as
if to hide a gap (伪造发稿日期, named in national spot-check 通报).

Tonight's columns come from the column step (``checks/columndata.py``, shared with the
column rules); the previous check of the site is read from the store (its ``site_columns``
and ``column_items``, and the pages it crawled). An item counts only when

* its column (same path) was listed in the previous check, and that listing reached back
  to the item's date — so an old item the previous crawl simply did not get to (a later
  list page, a budget) is not "new" (a correctly dated late-crawled item is no finding);
* it is nowhere in the previous check (no column listed it, no page was its URL);
* its date is more than the column's limit (``column_stale.<class>``) before the previous
  check: it did not exist then, yet claims to be older than that, so it was published at
  least that much later than its date says.

A column whose listing changed wholesale (more than half of tonight's covered items new: a
redesign, another list template) is left alone. First checks of a site have no history:
the module is recorded as skipped, "no history yet".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from checks.base import CheckContext, FindingDraft
from checks.columndata import site_columns
from checks.columns import CLASS_NAMES, limit_for
from parse.page import path_and_query
from store.models import Column, Item, PageFact, Run

RULES = ("content.backdated_post",)
NEEDS_COMPLETE = False
TRUSTED_SOURCES = ("list", "byline", "url", "meta")  # not list_year: a guessed year
WHOLESALE = 0.5


@dataclass
class Previous:
    run_id: int
    day: date
    oldest: dict[str, date]  # column path -> oldest dated item it listed
    items: set[str]  # every item and page path the check saw


def previous_check(ctx: CheckContext) -> Previous | None:
    """The site's latest earlier run with stored columns, or None."""
    row = ctx.session.execute(
        select(Run.id, Run.started_at).join(Column, Column.run_id == Run.id)
        .where(Column.site_id == ctx.site.id, Run.started_at < ctx.run.started_at,
               Run.id != ctx.run.id)
        .order_by(Run.started_at.desc(), Run.id.desc()).limit(1)).first()
    if row is None:
        return None
    run_id, started = row
    oldest: dict[str, date] = {}
    items: set[str] = set()
    q = (select(Column.url, Item.url, Item.date).join(Item, Item.column_id == Column.id)
         .where(Column.run_id == run_id, Column.site_id == ctx.site.id))
    for col_url, item_url, day in ctx.session.execute(q):
        items.add(path_and_query(item_url))
        if day is not None:
            key = path_and_query(col_url)
            oldest[key] = min(day, oldest.get(key, day))
    items.update(path_and_query(u) for u in ctx.session.scalars(select(PageFact.url).where(
        PageFact.run_id == run_id, PageFact.site_id == ctx.site.id)))
    return Previous(run_id, started.date(), oldest, items)


def skip_reason(ctx: CheckContext) -> str | None:
    if previous_check(ctx) is None:
        return "尚无历史数据（首次检查本网站），无法判断补发的信息"
    return None


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    prev = previous_check(ctx)
    if prev is None:
        return
    for col in site_columns(ctx).columns:
        if col.kind != "list" or col.update_class == "none":
            continue
        oldest = prev.oldest.get(path_and_query(col.url))
        limit = limit_for(ctx, col.update_class)
        if oldest is None or limit is None:
            continue
        covered = [i for i in col.items if i.date is not None and i.date >= oldest
                   and not i.pinned and i.source in TRUSTED_SOURCES]
        new = [i for i in covered if path_and_query(i.url) not in prev.items]
        if not new or len(new) > max(3, WHOLESALE * len(covered)):
            continue
        cutoff = limit.before(prev.day)
        for item in new:
            if item.date >= cutoff:
                continue
            yield FindingDraft(
                rule="content.backdated_post", url=item.url, source=col.url, subject=item.url,
                message=(f"栏目“{col.name}”中本次新出现的信息“{item.title}”标注日期为 "
                         f"{item.date.isoformat()}，但上次检查（{prev.day.isoformat()}）时该栏目"
                         f"已列出到 {oldest.isoformat()} 的信息而没有这一条：它在标注日期"
                         f"{limit.label}以后才发布，疑似补发信息并倒填发稿日期，请核实"),
                detail={"date": item.date.isoformat(), "first_seen": ctx.as_of.isoformat(),
                        "previous_check": prev.day.isoformat(), "column": col.name,
                        "class": col.update_class,
                        "limit_days": (prev.day - cutoff).days, "title": item.title},
            )


__all__ = ["CLASS_NAMES", "Previous", "check", "previous_check", "skip_reason"]
