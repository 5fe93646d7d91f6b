"""warn.<rule>: early warnings (预警) below the veto lines, sent before a site crosses one.

Each warning reads the same facts as the rule it announces and a warning line of the
indicator file (``thresholds.warn.*``); findings carry severity ``warn``, are shown first
in the nightly summary, the dashboard, notices and digests, and never change a score (the
indicator loader refuses a ``warn.*`` rule in any indicator). A warning is given while the
value is at or past its warning line and not yet at the veto line — once the veto fires,
the veto speaks. Every detail holds ``threshold`` (the warning line), ``veto_at`` and
``value``.

* ``warn.home.stale`` — the homepage's newest dated item is ``warn.home_stale`` (10 days)
  old, the veto being ``home_stale`` (2 weeks);
* ``warn.column.stale`` — a column will pass its class limit within ``warn.column_margin``
  (3 days);
* ``warn.column.stale_many`` / ``warn.column.blank_many`` — stale 动态要闻 + first-level
  通知公告 / 政策文件 columns, or blank columns, at ``warn.stale_many_news_notice`` (4) /
  ``warn.blank_many`` (3) and below their veto counts. On an incomplete crawl the counts
  are lower bounds: the warning is also given at the veto count (whose rule then skips);
* ``warn.mailbox.unanswered`` — a message of the window unanswered for
  ``warn.mailbox_unanswered`` (75 days, about 2.5 months), the veto being 3 months;
* ``warn.site.unreachable`` — at least ``warn.probe_share`` (3 %) of the window's homepage
  probes failed, below ``probe.veto_share`` (5 %).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy import select

from checks._governance import need, need_duration, quote
from checks.base import CheckContext, FindingDraft, Rule, Skip
from checks.columns import CLASS_NAMES, level_name, limit_for, stale_columns
from checks.columns_counts import FIRST_LEVEL_NOTICE
from derive.columns import ColumnsUnavailable
from store.models import Probe


def _detail(threshold: object, veto_at: object, value: object, **extra: object) -> dict:
    return {"threshold": threshold, "veto_at": veto_at, "value": value, **extra}


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    try:
        data = ctx.columns
    except ColumnsUnavailable as exc:
        raise Skip(str(exc)) from None
    drafts: list[FindingDraft] = []
    drafts += _home(ctx, data)
    drafts += _columns(ctx, data)
    drafts += _counts(ctx, data)
    drafts += _mailbox(ctx)
    drafts += _probes(ctx)
    yield from drafts


def _days(ctx: CheckContext, key: str) -> int:
    """A duration threshold in days before the check date."""
    d = need_duration(ctx, key) if key.startswith("warn.") else ctx.duration(key)
    return (ctx.as_of - d.before(ctx.as_of)).days


def _home(ctx: CheckContext, data) -> list[FindingDraft]:  # noqa: ANN001
    home = data.home
    warn, veto = need_duration(ctx, "warn.home_stale"), ctx.duration("home_stale")
    if home is None or home.newest is None:
        return []  # no dated item at all is the veto's business (home.stale)
    if not warn.exceeded(home.newest, ctx.as_of) or veto.exceeded(home.newest, ctx.as_of):
        return []
    days = (ctx.as_of - home.newest).days
    limit = _days(ctx, "home_stale")
    return [FindingDraft(
        rule="warn.home.stale", url=home.url, subject="homepage",
        message=(f"首页最新信息发布于 {home.newest:%Y-%m-%d}，已 {days} 天未更新；再过 "
                 f"{limit - days} 天未更新将触发“首页不更新”单项否决（{limit} 天）"),
        detail=_detail(f"{_days(ctx, 'warn.home_stale')}天", f"{limit}天", f"{days}天",
                       newest=home.newest.isoformat()))]


def _columns(ctx: CheckContext, data) -> list[FindingDraft]:  # noqa: ANN001
    margin = need_duration(ctx, "warn.column_margin")
    soon = ctx.as_of + (ctx.as_of - margin.before(ctx.as_of))
    out = []
    for col in data.columns:
        if col.kind != "list" or col.update_class == "none" or col.newest is None:
            continue
        limit = limit_for(ctx, col.update_class)
        if limit is None or limit.exceeded(col.newest, ctx.as_of) \
                or not limit.exceeded(col.newest, soon):
            continue
        days = (ctx.as_of - col.newest).days
        limit_days = (ctx.as_of - limit.before(ctx.as_of)).days
        cls = CLASS_NAMES.get(col.update_class, col.update_class)
        out.append(FindingDraft(
            rule="warn.column.stale", url=col.url, subject=col.key,
            source=col.parent.url if col.parent is not None else ctx.site.url,
            message=(f"{level_name(col.level)}{quote(col.name, 20)}最新信息发布于 "
                     f"{col.newest:%Y-%m-%d}，已 {days} 天未更新，{limit_days - days} 天后将超过"
                     f"{cls}栏目 {limit_days} 天的更新期限"),
            detail=_detail(f"距期限{_days(ctx, 'warn.column_margin')}天内", f"{limit_days}天",
                           f"{days}天", column=col.name, newest=col.newest.isoformat())))
    return out


def _counts(ctx: CheckContext, data) -> list[FindingDraft]:  # noqa: ANN001
    complete = bool(ctx.run_site.complete)
    stale = [c for c, _, _ in stale_columns(ctx, data) if c.update_class == "news"
             or (c.level == 1 and c.category in FIRST_LEVEL_NOTICE)]
    blank = data.by_kind("blank")
    out = []
    for rule, found, warn_key, veto_key, what, veto_name in (
            ("warn.column.stale_many", stale, "warn.stale_many_news_notice",
             "stale_many.news_notice", "动态要闻类及一级通知公告/政策文件类栏目不更新", "栏目不更新"),
            ("warn.column.blank_many", blank, "warn.blank_many", "blank_many", "空白栏目",
             "栏目不更新（空白栏目）")):
        warn, veto = int(need(ctx, warn_key)), int(ctx.threshold(veto_key))
        if len(found) < warn or (len(found) >= veto and complete):
            continue
        lower = "" if complete else "（抓取不完整，实际可能更多）"
        out.append(FindingDraft(
            rule=rule, url=ctx.site.url, subject=rule,
            message=(f"{what} {len(found)} 个{lower}，达到预警线 {warn} 个；达到 {veto} 个将触发"
                     f"“{veto_name}”单项否决"),
            detail=_detail(warn, veto, len(found), columns=[c.name for c in found][:20])))
    return out


def _mailbox(ctx: CheckContext) -> list[FindingDraft]:
    as_of = ctx.as_of
    window_start = ctx.duration("mailbox.window").before(as_of)
    veto = ctx.duration("mailbox.unanswered")
    warn = need_duration(ctx, "warn.mailbox_unanswered")
    out = []
    for board, rec in ctx.boards.messages():
        if rec.status != "pending" or rec.submitted is None:
            continue
        if not window_start <= rec.submitted <= as_of:
            continue
        if not warn.exceeded(rec.submitted, as_of) or veto.exceeded(rec.submitted, as_of):
            continue
        days = (as_of - rec.submitted).days
        veto_days = (as_of - veto.before(as_of)).days
        out.append(FindingDraft(
            rule="warn.mailbox.unanswered", url=rec.url or board.url, source=board.url,
            subject=rec.url or f"{board.url}#{rec.title}#{rec.submitted}",
            message=(f"{board.kind_name}栏目{quote(board.name, 20)}的留言{quote(rec.title)}于 "
                     f"{rec.submitted} 提交，已 {days} 天未答复；超过{veto.label}"
                     f"（约 {veto_days} 天）未答复将触发“互动回应差”单项否决"),
            detail=_detail(warn.label, veto.label, f"{days}天",
                           submitted=rec.submitted.isoformat())))
    return out


def _probes(ctx: CheckContext) -> list[FindingDraft]:
    """As ``checks/availability.py`` counts them: the window's probes that failed."""
    days = int(ctx.threshold("probe.window_days"))
    veto = float(ctx.threshold("probe.veto_share"))
    warn = float(need(ctx, "warn.probe_share"))
    end = datetime.combine(ctx.as_of, time.max)
    probes = list(ctx.session.scalars(select(Probe.ok).where(
        Probe.site_id == ctx.site.id, Probe.at > end - timedelta(days=days), Probe.at <= end)))
    if not probes:
        return []
    failures = sum(1 for ok in probes if not ok)
    share = failures / len(probes)
    if not warn <= share < veto:
        return []
    return [FindingDraft(
        rule="warn.site.unreachable", url=ctx.site.url, subject="homepage",
        message=(f"近 {days} 天首页探测 {len(probes)} 次，失败 {failures} 次（{share:.1%}），"
                 f"达到预警线 {warn:.0%}；失败比例达到 {veto:.0%} 将触发“站点无法访问”单项否决"),
        detail=_detail(f"{warn:.0%}", f"{veto:.0%}", f"{share:.1%}", failures=failures,
                       probes=len(probes)))]


RULE = Rule(name="warnings",
            ids=("warn.home.stale", "warn.column.stale", "warn.column.stale_many",
                 "warn.column.blank_many", "warn.mailbox.unanswered", "warn.site.unreachable"),
            check=check, needs_complete=False, derived=("columns", "boards"),
            severity="warn")  # early warnings: no indicator scores them
