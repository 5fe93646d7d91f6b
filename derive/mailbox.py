"""A site's citizen messages and reply statistics, stored for reports and ``govmon mailbox``.

From the boards :mod:`derive.boards` found: every message of a consultation board (evidence
only: title, dates, status, URL, replying unit — no bodies, no names) with its reply time in
working days (``indicators.workdays``), and the site's statistics over the indicator
file's ``mailbox.window`` (answered, unanswered, reply rate, median and 90th percentile of
reply times, the oldest unanswered message, surveys within ``survey.window``). The mailbox
rules judge the same :class:`MailboxFacts`; they store nothing.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete

from derive.boards import Board, Interaction
from derive.source import SiteSource
from indicators.thresholds import ThresholdError, Thresholds
from indicators.workdays import WorkdayCount, working_days_between
from parse.messages import Record
from store.models import MailboxStats, Message


@dataclass
class MessageFacts:
    """One message of a consultation board as the rules judge it."""

    board: Board
    record: Record
    status: str  # answered | pending | unknown
    in_window: bool  # submitted within ``mailbox.window`` before the crawl
    working_days: WorkdayCount | None  # submitted → replied, when both are known


@dataclass
class MailboxFacts:
    interaction: Interaction
    window_start: date
    messages: list[MessageFacts] = field(default_factory=list)
    fallback_years: set[int] = field(default_factory=set)  # years counted Monday–Friday


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (the value at least ``share`` of the values do not exceed)."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def derive_mailbox(src: SiteSource, inter: Interaction, thresholds: Thresholds) -> MailboxFacts:
    """Judge-ready messages of the site; replaces the run's stored messages and statistics
    (derived data) for it."""
    as_of = src.as_of
    facts = MailboxFacts(interaction=inter,
                         window_start=thresholds.duration("mailbox.window").before(as_of))
    rows: list[Message] = []
    for board, rec in inter.messages():
        wd = None
        if rec.submitted and rec.replied and rec.replied >= rec.submitted:
            wd = working_days_between(rec.submitted, rec.replied)
        in_window = rec.submitted is not None and facts.window_start <= rec.submitted <= as_of
        status = rec.status
        facts.messages.append(MessageFacts(board, rec, status, in_window, wd))
        if in_window and wd is not None and status == "answered":
            facts.fallback_years.update(wd.fallback_years)
        rows.append(Message(
            run_id=src.run.id, site_id=src.site.id, board_url=board.url,
            board_kind=board.kind, title=rec.title[:200], url=rec.url,
            submitted=rec.submitted, replied=rec.replied,
            reply_unit=(rec.unit or rec.addressee or "")[:100] or None,
            status=status, raw_status=(rec.raw_status or "")[:40] or None,
            has_reply_text=rec.reply_text, detail_seen=rec.detail_seen,
            working_days=wd.days if wd else None))
    _store(src, facts, rows, thresholds)
    return facts


def _survey_count(src: SiteSource, inter: Interaction, thresholds: Thresholds) -> int | None:
    if not inter.surveys:
        return None
    try:
        since = thresholds.duration("survey.window").before(src.as_of)
    except ThresholdError:
        return None
    return sum(1 for b in inter.surveys for r in b.records
               if r.dates and since <= r.dates[0] <= src.as_of)


def _notes(src: SiteSource, inter: Interaction, boards: list[dict],
           fallback_years: set[int]) -> list[str]:
    notes = []
    consultation = inter.consultation
    if not consultation:
        notes.append("未发现政务咨询栏目")
    elif not any(b.fetched for b in consultation):
        notes.append("政务咨询栏目不在本站抓取范围内 (如站外统一平台)，未读取留言")
    if not src.run_site.complete:
        notes.append("抓取不完整，统计可能不全")
    if fallback_years:
        years = "、".join(str(y) for y in sorted(fallback_years))
        notes.append(f"{years}年的法定节假日安排未收录，工作日按周一至周五计算")
    unparsed = [b["url"] for b in boards if b["kind"] in inter.consultation_kinds
                and b["fetched"] and not b["messages"] and not b["empty"]]
    if unparsed:
        notes.append(f"{len(unparsed)} 个咨询栏目未能读出留言列表 (可能由脚本生成)，需人工核对")
    return notes


def _store(src: SiteSource, facts: MailboxFacts, rows: list[Message],
           thresholds: Thresholds) -> None:
    """Replace this run's messages and statistics for the site (they are derived data)."""
    s, as_of, inter = src.session, src.as_of, facts.interaction
    s.execute(delete(Message).where(Message.run_id == src.run.id,
                                    Message.site_id == src.site.id))
    s.execute(delete(MailboxStats).where(MailboxStats.run_id == src.run.id,
                                         MailboxStats.site_id == src.site.id))
    s.add_all(rows)
    window = [m for m in rows if m.submitted and facts.window_start <= m.submitted <= as_of]
    answered = [m for m in window if m.status == "answered"]
    pending = [m for m in window if m.status == "pending"]
    known = len(answered) + len(pending)
    days = [float(m.working_days) for m in answered if m.working_days is not None]
    oldest = min(pending, key=lambda m: m.submitted) if pending else None
    boards = [{"url": b.url, "kind": b.kind, "name": b.name, "pages": len(b.pages),
               "messages": len(b.records), "fetched": b.fetched, "working": b.working,
               "hinted": b.hinted, "empty": b.empty}
              for b in inter.boards if b.kind in ("consult", "complaint", "survey", "interview")]
    s.add(MailboxStats(
        run_id=src.run.id, site_id=src.site.id, as_of=as_of,
        boards=len(inter.consultation), messages=len(rows), in_window=len(window),
        answered=len(answered), unanswered=len(pending),
        reply_rate=round(len(answered) / known, 4) if known else None,
        median_working_days=float(statistics.median(days)) if days else None,
        p90_working_days=percentile(days, 0.9),
        oldest_unanswered=oldest.submitted if oldest else None,
        oldest_unanswered_url=(oldest.url or oldest.board_url) if oldest else None,
        surveys=_survey_count(src, inter, thresholds), calendar_fallback=bool(facts.fallback_years),
        detail={"boards": boards, "notes": _notes(src, inter, boards, facts.fallback_years),
                "unknown_status": sum(1 for m in window if m.status == "unknown"),
                "excluded": [{"url": b.url, "kind": b.kind, "name": b.name}
                             for b in inter.excluded],
                "window_start": facts.window_start.isoformat(),
                "oldest_unanswered_title": oldest.title if oldest else None},
        computed_at=datetime.now()))
    s.flush()
