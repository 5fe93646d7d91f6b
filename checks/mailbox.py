"""Consultation boards (政务咨询 / 领导信箱 / 12345): late, slow and incomplete replies (V5, I3, I4).

Works on whatever boards the crawl reached, so it also runs on incomplete crawls: a message
seen unanswered is unanswered however far the crawl got. (Whether a site has a channel at
all needs a complete crawl: that is ``checks/mailbox_channel.py``.)

The messages it judges, with their reply times in working days, are the derive step's
(``derive.mailbox``), which also stores them (``Message``: evidence only, no bodies) and the
site's reply statistics (``MailboxStats``) for reports and ``govmon mailbox``.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from derive.boards import Board
from parse.messages import Record

STATUS_NAMES = {"answered": "已答复", "pending": "未答复", "unknown": "未知"}


def _subject(board: Board, rec: Record) -> str:
    return rec.url or f"{board.url}#{rec.title}#{rec.submitted}"


def _quote(text: str, limit: int = 40) -> str:
    return "“" + (text if len(text) <= limit else text[:limit] + "…") + "”"


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    facts = ctx.mailbox
    as_of = ctx.as_of
    overdue = ctx.duration("mailbox.unanswered")
    overdue_before = overdue.before(as_of)
    limit = int(ctx.threshold("mailbox.reply_working_days"))
    for m in facts.messages:
        board, rec, wd = m.board, m.record, m.working_days
        knowable = rec.detail_seen or rec.url is None  # fields of unread details are unknown
        if not m.in_window:
            if rec.submitted is None and knowable:
                yield _fields_missing(board, rec, rec.missing_fields())
            continue
        if m.status == "pending" and rec.submitted < overdue_before:
            days = (as_of - rec.submitted).days
            yield FindingDraft(
                rule="mailbox.unanswered", url=rec.url or board.url, source=board.url,
                subject=_subject(board, rec),
                message=(f"{board.kind_name}栏目{_quote(board.name, 20)}的留言{_quote(rec.title)}"
                         f"于 {rec.submitted} 提交，至 {as_of} 已 {days} 天未答复"
                         f" (状态: {rec.raw_status or '无答复'})，超过 {overdue.label}"),
                detail={"submitted": rec.submitted.isoformat(),
                        "status": rec.raw_status or STATUS_NAMES[m.status], "days": days})
        if wd is not None and m.status == "answered" and wd.days > limit:
            note = f"；{wd.note}" if wd.note else ""
            yield FindingDraft(
                rule="mailbox.slow_reply", url=rec.url or board.url, source=board.url,
                subject=_subject(board, rec),
                message=(f"留言{_quote(rec.title)}于 {rec.submitted} 提交、{rec.replied} 答复，"
                         f"用时 {wd.days} 个工作日，超过 {limit} 个工作日的时限{note}"),
                detail={"submitted": rec.submitted.isoformat(),
                        "replied": rec.replied.isoformat(), "working_days": wd.days,
                        "limit": limit})
        if knowable:
            missing = rec.missing_fields()
            if missing:
                yield _fields_missing(board, rec, missing)
    yield from _stale_boards(ctx, facts.interaction.consultation)


def _stale_boards(ctx: CheckContext, boards: list[Board]) -> Iterator[FindingDraft]:
    as_of, stale = ctx.as_of, ctx.duration("mailbox.board_stale")
    for board in boards:
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
        yield FindingDraft(
            rule="mailbox.board_stale", url=board.url, source=board.source, subject=board.url,
            message=msg, detail={"newest": newest.isoformat() if newest else None})


def _fields_missing(board: Board, rec: Record, missing: list[str]) -> FindingDraft:
    return FindingDraft(
        rule="mailbox.fields_missing", url=rec.url or board.url, source=board.url,
        subject=_subject(board, rec),
        message=f"已公开的留言{_quote(rec.title)}缺少{'、'.join(missing)}",
        detail={"missing": missing})


RULE = Rule(name="mailbox", ids=("mailbox.unanswered", "mailbox.slow_reply",
                                 "mailbox.fields_missing", "mailbox.board_stale"),
            check=check, derived=("mailbox",), needs_complete=False)
