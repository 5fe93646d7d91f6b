"""Consultation boards (政务咨询 / 领导信箱 / 12345): late, slow and incomplete replies (V5, I3, I4).

Works on whatever boards the crawl reached, so it also runs on incomplete crawls: a message
seen unanswered is unanswered however far the crawl got. (Whether a site has a channel at
all needs a complete crawl: that is ``checks/mailbox_channel.py``.)

Besides findings, each check stores the messages it read (``Message``: evidence only, no
bodies) and the site's reply statistics (``MailboxStats``) for reports and ``govmon mailbox``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from checks.base import CheckContext, FindingDraft, ThresholdError
from checks.messages import Board, Record, discover
from indicators.workdays import WorkdayCount, working_days_between
from store.models import MailboxStats, Message, Site

RULES = ("mailbox.unanswered", "mailbox.slow_reply", "mailbox.fields_missing",
         "mailbox.board_stale")
NEEDS_COMPLETE = False
STATUS_NAMES = {"answered": "已答复", "pending": "未答复", "unknown": "未知"}


def _subject(board: Board, rec: Record) -> str:
    return rec.url or f"{board.url}#{rec.title}#{rec.submitted}"


def _quote(text: str, limit: int = 40) -> str:
    return "“" + (text if len(text) <= limit else text[:limit] + "…") + "”"


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (the value at least ``share`` of the values do not exceed)."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    inter = discover(ctx)
    as_of = ctx.as_of
    window_start = ctx.duration("mailbox.window").before(as_of)
    overdue = ctx.duration("mailbox.unanswered")
    overdue_before = overdue.before(as_of)
    limit = int(ctx.threshold("mailbox.reply_working_days"))
    stale = ctx.duration("mailbox.board_stale")

    drafts: list[FindingDraft] = []
    rows: list[Message] = []
    fallback_years: set[int] = set()
    for board, rec in inter.messages():
        status = rec.status
        wd: WorkdayCount | None = None
        if rec.submitted and rec.replied and rec.replied >= rec.submitted:
            wd = working_days_between(rec.submitted, rec.replied)
        in_window = rec.submitted is not None and window_start <= rec.submitted <= as_of
        rows.append(Message(
            run_id=ctx.run.id, site_id=ctx.site.id, board_url=board.url,
            board_kind=board.kind, title=rec.title[:200], url=rec.url,
            submitted=rec.submitted, replied=rec.replied,
            reply_unit=(rec.unit or rec.addressee or "")[:100] or None,
            status=status, raw_status=(rec.raw_status or "")[:40] or None,
            has_reply_text=rec.reply_text, detail_seen=rec.detail_seen,
            working_days=wd.days if wd else None))
        knowable = rec.detail_seen or rec.url is None  # fields of unread details are unknown
        if not in_window:
            if rec.submitted is None and knowable:
                drafts.append(_fields_missing(board, rec, rec.missing_fields()))
            continue
        if status == "pending" and rec.submitted < overdue_before:
            days = (as_of - rec.submitted).days
            drafts.append(FindingDraft(
                rule="mailbox.unanswered", url=rec.url or board.url, source=board.url,
                subject=_subject(board, rec),
                message=(f"{board.kind_name}栏目{_quote(board.name, 20)}的留言{_quote(rec.title)}"
                         f"于 {rec.submitted} 提交，至 {as_of} 已 {days} 天未答复"
                         f" (状态: {rec.raw_status or '无答复'})，超过 {overdue.label}"),
                detail={"submitted": rec.submitted.isoformat(),
                        "status": rec.raw_status or STATUS_NAMES[status], "days": days}))
        if wd is not None and status == "answered":
            fallback_years.update(wd.fallback_years)
            if wd.days > limit:
                note = f"；{wd.note}" if wd.note else ""
                drafts.append(FindingDraft(
                    rule="mailbox.slow_reply", url=rec.url or board.url, source=board.url,
                    subject=_subject(board, rec),
                    message=(f"留言{_quote(rec.title)}于 {rec.submitted} 提交、{rec.replied} 答复，"
                             f"用时 {wd.days} 个工作日，超过 {limit} 个工作日的时限{note}"),
                    detail={"submitted": rec.submitted.isoformat(),
                            "replied": rec.replied.isoformat(), "working_days": wd.days,
                            "limit": limit}))
        if knowable:
            missing = rec.missing_fields()
            if missing:
                drafts.append(_fields_missing(board, rec, missing))

    for board in inter.consultation:
        if not board.fetched:
            continue
        dates = [d for r in board.records if (d := r.published) and d <= as_of]
        newest = max(dates) if dates else None
        if newest is not None and stale.exceeded(newest, as_of):
            msg = (f"{board.kind_name}栏目{_quote(board.name, 20)}最新留言为 {newest}，"
                   f"超过 {stale.label}未公开新的留言")
        elif newest is None and board.empty:
            msg = f"{board.kind_name}栏目{_quote(board.name, 20)}未公开任何留言"
        else:
            continue
        drafts.append(FindingDraft(
            rule="mailbox.board_stale", url=board.url, source=board.source, subject=board.url,
            message=msg, detail={"newest": newest.isoformat() if newest else None}))

    _store(ctx, inter, rows, window_start, fallback_years)
    yield from drafts


def _fields_missing(board: Board, rec: Record, missing: list[str]) -> FindingDraft:
    return FindingDraft(
        rule="mailbox.fields_missing", url=rec.url or board.url, source=board.url,
        subject=_subject(board, rec),
        message=f"已公开的留言{_quote(rec.title)}缺少{'、'.join(missing)}",
        detail={"missing": missing})


def _survey_count(ctx: CheckContext, inter: Any) -> int | None:
    if not inter.surveys:
        return None
    try:
        since = ctx.duration("survey.window").before(ctx.as_of)
    except ThresholdError:
        return None
    return sum(1 for b in inter.surveys for r in b.records
               if r.dates and since <= r.dates[0] <= ctx.as_of)


def _store(ctx: CheckContext, inter: Any, rows: list[Message], window_start: date,
           fallback_years: set[int]) -> None:
    """Replace this run's messages and statistics for the site (they are derived data)."""
    s = ctx.session
    s.execute(delete(Message).where(Message.run_id == ctx.run.id,
                                    Message.site_id == ctx.site.id))
    s.execute(delete(MailboxStats).where(MailboxStats.run_id == ctx.run.id,
                                         MailboxStats.site_id == ctx.site.id))
    s.add_all(rows)
    window = [m for m in rows if m.submitted and window_start <= m.submitted <= ctx.as_of]
    answered = [m for m in window if m.status == "answered"]
    pending = [m for m in window if m.status == "pending"]
    known = len(answered) + len(pending)
    days = [float(m.working_days) for m in answered if m.working_days is not None]
    oldest = min(pending, key=lambda m: m.submitted) if pending else None
    boards = [{"url": b.url, "kind": b.kind, "name": b.name, "pages": len(b.pages),
               "messages": len(b.records), "fetched": b.fetched, "working": b.working,
               "hinted": b.hinted, "empty": b.empty}
              for b in inter.boards if b.kind in ("consult", "complaint", "survey", "interview")]
    notes = []
    consultation = inter.consultation
    if not consultation:
        notes.append("未发现政务咨询栏目")
    elif not any(b.fetched for b in consultation):
        notes.append("政务咨询栏目不在本站抓取范围内 (如站外统一平台)，未读取留言")
    if not ctx.run_site.complete:
        notes.append("抓取不完整，统计可能不全")
    if fallback_years:
        years = "、".join(str(y) for y in sorted(fallback_years))
        notes.append(f"{years}年的法定节假日安排未收录，工作日按周一至周五计算")
    unparsed = [b["url"] for b in boards if b["kind"] in inter.consultation_kinds
                and b["fetched"] and not b["messages"] and not b["empty"]]
    if unparsed:
        notes.append(f"{len(unparsed)} 个咨询栏目未能读出留言列表 (可能由脚本生成)，需人工核对")
    s.add(MailboxStats(
        run_id=ctx.run.id, site_id=ctx.site.id, as_of=ctx.as_of,
        boards=len(inter.consultation), messages=len(rows), in_window=len(window),
        answered=len(answered), unanswered=len(pending),
        reply_rate=round(len(answered) / known, 4) if known else None,
        median_working_days=float(statistics.median(days)) if days else None,
        p90_working_days=percentile(days, 0.9),
        oldest_unanswered=oldest.submitted if oldest else None,
        oldest_unanswered_url=(oldest.url or oldest.board_url) if oldest else None,
        surveys=_survey_count(ctx, inter), calendar_fallback=bool(fallback_years),
        detail={"boards": boards, "notes": notes,
                "unknown_status": sum(1 for m in window if m.status == "unknown"),
                "excluded": [{"url": b.url, "kind": b.kind, "name": b.name}
                             for b in inter.excluded],
                "window_start": window_start.isoformat(),
                "oldest_unanswered_title": oldest.title if oldest else None},
        computed_at=datetime.now()))
    s.flush()


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
