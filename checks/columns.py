"""home.stale, column.stale, column.blank: one finding per stale or blank column (V3, V4, D4–D9).

Every limit comes from the indicator file (``home_stale``, ``column_stale.<class>``); a
column's update class comes from keyword data or the registry (``parse/classify.py``).
Each finding is about a page the crawl fetched, so the rules run on incomplete crawls too
(a column the crawl did not reach gives no finding: unknown, not fine). The counts and
the missing-column rule, which need a complete crawl, are in ``columns_counts.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from checks.base import CheckContext, FindingDraft, Rule
from derive.columns import ColumnRec, SiteColumns
from indicators.durations import Duration
from parse import classify

CLASS_NAMES = {"news": "动态要闻类", "notice": "通知公告/政策文件类", "personnel": "人事/规划计划类"}
LEVEL_NAMES = {1: "一级栏目", 2: "二级栏目", 3: "三级栏目"}


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, f"{level}级栏目")


def limit_for(ctx: CheckContext, update_class: str) -> Duration | None:
    """The update limit of a class, from the indicator file (None: no limit)."""
    key = classify.load().limit_keys.get(update_class)
    return ctx.duration(key) if key else None


def stale_state(ctx: CheckContext, col: ColumnRec) -> tuple[bool, int | None, int] | None:
    """(stale, days since newest, limit in days) of a list column with an update class;
    None when it has no limit or its dates cannot be known."""
    if col.kind != "list" or col.update_class == "none":
        return None
    limit = limit_for(ctx, col.update_class)
    if limit is None:
        return None
    limit_days = (ctx.as_of - limit.before(ctx.as_of)).days
    if col.newest is None:
        if not col.items or all(i.unknown for i in col.items):
            return None  # undated because unfetched: unknown, not stale
        return True, None, limit_days  # items without a publish date count as not updated
    days = (ctx.as_of - col.newest).days
    return limit.exceeded(col.newest, ctx.as_of), days, limit_days


def stale_columns(ctx: CheckContext, data: SiteColumns) -> list[tuple[ColumnRec, int | None, int]]:
    out = []
    for col in data.columns:
        state = stale_state(ctx, col)
        if state and state[0]:
            out.append((col, state[1], state[2]))
    return out


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    data = ctx.columns
    yield from _home(ctx, data)
    for col, days, limit_days in stale_columns(ctx, data):
        cls = CLASS_NAMES.get(col.update_class, col.update_class)
        if col.newest is None:
            what = f"{len(col.items)} 条信息均无发布日期，视为未更新"
        else:
            what = f"最新信息发布于 {col.newest:%Y-%m-%d}，已 {days} 天未更新"
        yield FindingDraft(
            rule="column.stale", url=col.url, subject=col.key, source=_source(ctx, col),
            message=(f"{level_name(col.level)}“{col.name}”{what}"
                     f"（{cls}栏目更新期限 {limit_days} 天）"),
            detail={"column": col.name, "class": col.update_class, "newest": _iso(col.newest),
                    "days": days, "limit_days": limit_days, "level": col.level,
                    "category": col.category, "newest_source": col.newest_source,
                    "items": len(col.items), "parent": col.parent_name},
        )
    for col in data.columns:
        if col.kind != "blank":
            continue
        yield FindingDraft(
            rule="column.blank", url=col.url, subject=col.key, source=_source(ctx, col),
            message=f"{level_name(col.level)}“{col.name}”为空白栏目（{col.note or '无内容'}）",
            detail={"column": col.name, "level": col.level, "category": col.category,
                    "evidence": col.note, "parent": col.parent_name},
        )


def _home(ctx: CheckContext, data: SiteColumns) -> Iterator[FindingDraft]:
    home = data.home
    if home is None:
        return
    limit = ctx.duration("home_stale")
    limit_days = (ctx.as_of - limit.before(ctx.as_of)).days
    if home.newest is None:
        if home.items and all(i.unknown for i in home.items):
            return
        yield FindingDraft(
            rule="home.stale", url=home.url, subject="homepage",
            message=(f"首页没有带发布日期的信息（{len(home.items)} 条信息均无日期），视为未更新"
                     if home.items else "首页没有任何带发布日期的信息，视为未更新"),
            detail={"newest": None, "days": None, "limit_days": limit_days,
                    "items": len(home.items), "note": home.note},
        )
        return
    if not limit.exceeded(home.newest, ctx.as_of):
        return
    days = (ctx.as_of - home.newest).days
    yield FindingDraft(
        rule="home.stale", url=home.url, subject="homepage",
        message=(f"首页最新信息发布于 {home.newest:%Y-%m-%d}，已 {days} 天未更新"
                 f"（期限 {limit_days} 天）"),
        detail={"newest": _iso(home.newest), "days": days, "limit_days": limit_days,
                "items": len(home.items), "dated": home.dated,
                "newest_source": home.newest_source, "note": home.note},
    )


def _source(ctx: CheckContext, col: ColumnRec) -> str | None:
    """Where the column is linked from: its parent column, else the homepage."""
    if col.parent is not None:
        return col.parent.url
    return ctx.site.url


RULE = Rule(name="columns", ids=("home.stale", "column.stale", "column.blank"), check=check,
            derived=("columns",), needs_complete=False)
