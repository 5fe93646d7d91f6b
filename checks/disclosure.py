"""disclosure.late, disclosure.fields_missing: items of the 信息公开 catalogue (条例 Art. 26
and the catalogue's own fields).

Catalogue items are pages whose header shows at least two catalogue labels (索 引 号,
发文字号, 成文日期, 发布日期 …; ``parse.governance``), stored by the derive step. Items
published within ``thresholds.disclosure.window`` (1 year) before the check are judged
(older ones are history a notice cannot ask to fix); items without a publish date too.

* ``disclosure.late`` — 发布日期 more than ``thresholds.disclosure.timely_working_days``
  (20) working days after 成文日期, counted under the official holiday calendar
  (``indicators.workdays``; a year it does not know is counted Monday to Friday, and said).
* ``disclosure.fields_missing`` — 索引号 or 成文日期 shown without a value, or absent while
  most of the site's catalogue items show it; 发文字号 the same, on items with a 成文日期
  (a document: a news item in the catalogue has no number to show).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks._governance import need, need_duration, quote
from checks.base import CheckContext, FindingDraft, Rule
from derive.governance import catalogue_items
from indicators.workdays import working_days_between
from store.models import DisclosureItem

FIELD_NAMES = {"index_no": "索引号", "doc_no": "发文字号", "written": "成文日期"}
USUAL_SHARE = 0.5  # a label most items show is one the catalogue shows
USUAL_MIN = 3  # … once there are this many items to tell


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    limit = int(need(ctx, "disclosure.timely_working_days"))
    since = need_duration(ctx, "disclosure.window").before(ctx.as_of)
    items = catalogue_items(ctx.session, ctx.run.id, ctx.site.id)
    usual = {f for f in FIELD_NAMES
             if len(items) >= USUAL_MIN
             and sum(f in (i.labels or []) for i in items) >= USUAL_SHARE * len(items)}
    for item in items:
        if item.published is not None and not since <= item.published <= ctx.as_of:
            continue
        yield from _late(item, limit)
        missing = [f for f in FIELD_NAMES
                   if (f in (item.empty or []) or (f in usual and f not in (item.labels or [])))
                   and (f != "doc_no" or item.written is not None)]
        if missing:
            names = [FIELD_NAMES[f] for f in missing]
            yield FindingDraft(
                rule="disclosure.fields_missing", url=item.url, subject=item.url,
                message=f"信息公开目录条目{quote(item.title)}缺少{'、'.join(names)}",
                detail={"missing": names, "title": item.title})


def _late(item: DisclosureItem, limit: int) -> Iterator[FindingDraft]:
    if item.written is None or item.published is None or item.published <= item.written:
        return
    count = working_days_between(item.written, item.published)
    if count.days <= limit:
        return
    note = f"；{count.note}" if count.note else ""
    number = f"（{item.doc_no}）" if item.doc_no else ""
    yield FindingDraft(
        rule="disclosure.late", url=item.url, subject=item.url,
        message=(f"{quote(item.title)}{number}成文日期 {item.written:%Y-%m-%d}，发布日期 "
                 f"{item.published:%Y-%m-%d}，相隔 {count.days} 个工作日，超过 {limit} 个工作日的"
                 f"公开时限{note}"),
        detail={"written": item.written.isoformat(), "published": item.published.isoformat(),
                "working_days": count.days, "limit": limit, "title": item.title})


RULE = Rule(name="disclosure", ids=("disclosure.late", "disclosure.fields_missing"),
            check=check, needs_complete=False, derived=("governance",))
