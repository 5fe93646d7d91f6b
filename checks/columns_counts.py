"""column.stale_many, column.blank_many, column.missing: the site-wide column counts (V4, D1–D6).

These need the whole site: on an incomplete crawl a count is only a lower bound and a
column may exist where the crawl did not go, so the module runs on complete crawls only.
Thresholds (``stale_many.news_notice``, ``stale_many.should_update``, ``blank_many``) come
from the indicator file; required categories from ``parse/data/column_classes.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from checks.columns import stale_columns
from derive.columns import SiteColumns
from parse import classify

FIRST_LEVEL_NOTICE = ("notice", "policy")  # V4 (1): first-level 通知公告 / 政策文件 columns
MAX_LISTED = 20


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    data = ctx.columns
    home = ctx.site.url
    stale = stale_columns(ctx, data)
    news_notice = [c for c, _, _ in stale if c.update_class == "news"
                   or (c.level == 1 and c.category in FIRST_LEVEL_NOTICE)]
    should = [c for c, _, _ in stale]
    need_nn = int(ctx.threshold("stale_many.news_notice"))
    need_su = int(ctx.threshold("stale_many.should_update"))
    if len(news_notice) >= need_nn or len(should) >= need_su:
        parts = []
        if len(news_notice) >= need_nn:
            parts.append(f"动态要闻类及一级通知公告/政策文件类栏目不更新 {len(news_notice)} 个"
                         f"（≥{need_nn}）")
        if len(should) >= need_su:
            parts.append(f"应更新而未更新的栏目 {len(should)} 个（≥{need_su}）")
        yield FindingDraft(
            rule="column.stale_many", url=home, subject="column.stale_many",
            message="；".join(parts),
            detail={"news_notice_count": len(news_notice), "should_update_count": len(should),
                    "news_notice_limit": need_nn, "should_update_limit": need_su,
                    "columns": [c.name for c in should][:MAX_LISTED]},
        )
    blank = data.by_kind("blank")
    need_blank = int(ctx.threshold("blank_many"))
    if len(blank) >= need_blank:
        yield FindingDraft(
            rule="column.blank_many", url=home, subject="column.blank_many",
            message=f"空白栏目 {len(blank)} 个（≥{need_blank}）",
            detail={"count": len(blank), "limit": need_blank,
                    "columns": [c.name for c in blank][:MAX_LISTED]},
        )
    yield from _missing(ctx, data)


def _missing(ctx: CheckContext, data: SiteColumns) -> Iterator[FindingDraft]:
    vocab = classify.load()
    present = {c.category for c in data.columns if c.category}
    present |= data.nav_categories
    uncrawlable = [c.name for c in data.by_kind("spa")]
    for cid in vocab.required:
        if cid in present:
            continue
        cat = vocab.by_id(cid)
        name = cat.name if cat else cid
        yield FindingDraft(
            rule="column.missing", url=ctx.site.url, subject=f"missing:{cid}",
            message=f"未找到“{name}”栏目",
            detail={"class": name, "category": cid,
                    "keywords": list(cat.keywords[:6]) if cat else [],
                    "uncrawlable_columns": uncrawlable[:MAX_LISTED]},
        )


RULE = Rule(name="columns_counts", ids=("column.stale_many", "column.blank_many",
                                        "column.missing"),
            check=check, derived=("columns",), needs_complete=True)
