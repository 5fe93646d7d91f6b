"""content.backdated_post: an item that first appeared in a column long after the date it
carries — filled in later with an old date, as if to hide a gap (伪造发稿日期, named in
national spot-check 通报).

Tonight's columns come from the derive step (``derive/columns``, shared with the column
rules, which stores them); earlier checks are read from the store (their
``site_columns`` / ``column_items`` and the pages they crawled). For each item tonight,
the first check that listed it is found; it counts only when

* the check before that one listed the item's column (same path) back to the item's
  date, and did not see the item anywhere — so an old item an earlier crawl simply did not
  reach (a later list page, a budget) is no finding (a correctly dated, late-crawled item);
* its date is more than the column's limit (``column_stale.<class>``) before that earlier
  check: it did not exist then, yet claims to be older than that, so it was published at
  least that much later than its date says.

The finding stays while the item is listed (a faked date does not fix itself overnight);
``first_seen`` is the check it first appeared in. A column whose listing changed
wholesale between the two checks (more than half of its covered items new: a redesign)
is not judged. A site without an earlier check is recorded as skipped: "no history yet".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from checks.base import CheckContext, FindingDraft, Rule
from checks.columns import CLASS_NAMES, limit_for
from parse.page import path_and_query
from parse.privacy import redact
from parse.urls import column_key
from store.models import Column, Item, PageFact, Run

TRUSTED_SOURCES = ("list", "byline", "url", "meta")  # not list_year: a guessed year
WHOLESALE = 0.5


@dataclass
class Listing:
    """What one earlier check of the site listed: column path -> oldest dated item, and
    every item and page path it saw."""

    run_id: int
    day: date
    oldest: dict[str, date]
    items: dict[str, set[str]]  # column path -> item paths
    seen: set[str]


def checked_runs(ctx: CheckContext) -> list[tuple[int, date]]:
    """(run id, day) of the site's runs with stored columns up to this one, oldest first."""
    rows = ctx.session.execute(
        select(Run.id, Run.started_at).join(Column, Column.run_id == Run.id)
        .where(Column.site_id == ctx.site.id, Run.started_at <= ctx.run.started_at)
        .distinct().order_by(Run.started_at, Run.id)).all()
    return [(run_id, started.date()) for run_id, started in rows]


def listing(ctx: CheckContext, run_id: int, day: date) -> Listing:
    out = Listing(run_id, day, {}, {}, set())
    q = (select(Column.url, Item.url, Item.date).join(Item, Item.column_id == Column.id)
         .where(Column.run_id == run_id, Column.site_id == ctx.site.id))
    for col_url, item_url, when in ctx.session.execute(q):
        key = _column(col_url)
        out.items.setdefault(key, set()).add(path_and_query(item_url))
        if when is not None:
            out.oldest[key] = min(when, out.oldest.get(key, when))
    out.seen = set().union(*out.items.values()) if out.items else set()
    out.seen.update(path_and_query(u) for u in ctx.session.scalars(select(PageFact.url).where(
        PageFact.run_id == run_id, PageFact.site_id == ctx.site.id)))
    return out


def _column(url: str) -> str:
    """A column's path as one spelling (``/a/``, ``/a/index.html``), without its host."""
    return path_and_query(column_key(url))


def skip_reason(ctx: CheckContext) -> str | None:
    earlier = ctx.session.scalar(
        select(Run.id).join(Column, Column.run_id == Run.id)
        .where(Column.site_id == ctx.site.id, Run.started_at < ctx.run.started_at,
               Run.id != ctx.run.id).limit(1))
    if earlier is None:
        return "尚无历史数据（首次检查本网站），无法判断补发的信息"
    return None


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    columns = ctx.columns.columns  # the column step stored tonight's columns and items
    runs = checked_runs(ctx)
    if len(runs) < 2:
        return
    order = {run_id: i for i, (run_id, _) in enumerate(runs)}
    candidates = []  # (column, item, limit): old enough to be backdated at all
    for col in columns:
        if col.kind != "list" or col.update_class == "none":
            continue
        limit = limit_for(ctx, col.update_class)
        if limit is None:
            continue
        for item in col.items:
            if (item.date is not None and not item.pinned and item.source in TRUSTED_SOURCES
                    and item.date < limit.before(ctx.as_of)):
                candidates.append((col, item, limit))
    first: dict[str, int] = {}  # item URL -> index of the first run that listed it
    urls = sorted({item.url for _, item, _ in candidates})
    for i in range(0, len(urls), 500):
        for url, run_id in ctx.session.execute(select(Item.url, Item.run_id).where(
                Item.site_id == ctx.site.id, Item.url.in_(urls[i:i + 500]))):
            if run_id in order:
                first[url] = min(first.get(url, order[run_id]), order[run_id])
    listings: dict[int, Listing] = {}

    def at(index: int) -> Listing:
        if index not in listings:
            listings[index] = listing(ctx, *runs[index])
        return listings[index]

    for col, item, limit in candidates:
        index = first.get(item.url, len(runs) - 1)
        if index == 0:
            continue  # listed since the first check: nothing to compare with
        prior, then = at(index - 1), at(index)
        key = _column(col.url)
        oldest = prior.oldest.get(key)
        if oldest is None or item.date < oldest or path_and_query(item.url) in prior.seen:
            continue  # the earlier check did not list that far back (or saw it)
        covered = {u for u in then.items.get(key, set())}
        new = covered - prior.seen
        if len(new) > max(3, WHOLESALE * len(covered)):
            continue  # the listing changed wholesale (a redesign): not judged
        cutoff = limit.before(prior.day)
        if item.date >= cutoff:
            continue
        yield _finding(ctx, col, item, prior, then, oldest, cutoff, limit)


def _finding(ctx: CheckContext, col: Any, item: Any, prior: Listing, then: Listing,
             oldest: date, cutoff: date, limit: Any) -> FindingDraft:
    return FindingDraft(
        rule="content.backdated_post", url=item.url, source=col.url, subject=item.url,
        message=(f"栏目“{col.name}”中的信息“{redact(item.title)}”标注日期为 {item.date.isoformat()}，"
                 f"但 {then.day.isoformat()} 检查时才首次出现；此前 {prior.day.isoformat()} 的检查已"
                 f"列出该栏目 {oldest.isoformat()} 以来的信息而没有这一条。它在标注日期{limit.label}"
                 f"以后才发布，疑似补发信息并倒填发稿日期，请核实"),
        detail={"date": item.date.isoformat(), "first_seen": then.day.isoformat(),
                "previous_check": prior.day.isoformat(), "column": col.name,
                "class": col.update_class, "limit_days": (prior.day - cutoff).days,
                "title": redact(item.title)},
    )


RULE = Rule(name="backdated", ids=("content.backdated_post",), check=check,
            unknown=skip_reason, derived=("columns",),
            needs_complete=False)  # an item seen tonight is judged wherever the crawl stopped

__all__ = ["CLASS_NAMES", "Listing", "check", "checked_runs", "skip_reason"]
