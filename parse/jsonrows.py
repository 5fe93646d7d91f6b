"""Rows of JSON lists as column items and mailbox messages.

The crawl stores the answers of the JSON endpoints behind list pages as pages
(``crawler/jsonlists.py``). The derive step reads them back for the page that calls them
(``derive/jsonrows.py``) and turns each row into a column row (:func:`item_row`, a
``parse.lists.Row``) or a message (:func:`record`, a ``parse.messages.Record``), so
columns and boards see JSON rows exactly like HTML rows.

Field names are the ones real CMSs use (``cms-patterns.md`` "Mailboxes": ``stateInfo``,
``answerId``, ``dateline``; TRS ``DOCTITLE``/``DOCRELTIME``; pinyin initials such as
``fbsj`` 发布时间 or ``hfsj`` 回复时间), compared lower-cased without underscores.

Dates: epoch seconds ("epoch seconds in JSON", ``cms-patterns.md`` "Dates"), epoch
milliseconds, ISO timestamps with an offset, and the string forms ``parse/dates.py``
reads. Instants are dated in China time (UTC+8, no daylight saving since 1991), whatever
the time zone of the machine running the checks: 2026-11-04 00:30 CST is 11-04, although
it is still 11-03 in UTC.

Privacy as in ``parse/messages.py``: of a message only title (masked), dates, status,
replying unit and whether a reply text exists are kept — never bodies or names.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from parse import dates
from parse.jsonlists import lookup, norm_key, row_title, row_url
from parse.lists import Row
from parse.messages import Record, mask_private, norm, normalise_status

CHINA = timezone(timedelta(hours=8), "CST")
_MS_FROM = 10 ** 11  # larger epoch values are milliseconds (10**11 s is the year 5138)
_DOTNET = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
_ISO_ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$")

# Publish date of a column row, most specific first (create times only as a fallback).
PUBLISH_KEYS = ("pubdate", "publishdate", "publishtime", "pubtime", "releasetime",
                "releasedate", "docreltime", "fbsj", "fbrq", "showtime", "publishedat",
                "dateline", "createtime", "createdate", "crtime", "addtime", "inputtime",
                "posttime", "created", "createdat", "gmtcreate", "ctime", "date", "time")
# Mailboxes: when the letter was written (来信/留言/提交时间) ...
SUBMITTED_KEYS = ("dateline", "submittime", "submitdate", "asktime", "askdate", "writetime",
                  "writedate", "lettertime", "letterdate", "consulttime", "questiontime",
                  "lxsj", "lysj", "txsj", "tjsj", "zxsj", "createtime", "createdate",
                  "addtime", "posttime", "inputtime", "created", "createdat", "gmtcreate",
                  "ctime", "date", "time")
# ... and when it was answered (回复/答复/办结时间).
REPLIED_KEYS = ("replytime", "replydate", "answertime", "answerdate", "replydateline",
                "answerdateline", "hfsj", "dfsj", "hfrq", "dfrq", "bjsj", "bjrq", "dealtime",
                "handletime", "finishtime", "feedbacktime", "repliedat", "answeredat")
# A nested reply object ({"answer": {"answerId": 8, "dateline": …, "content": …}}).
REPLY_OBJECT_KEYS = ("answer", "reply", "replyinfo", "answerinfo", "replyvo", "answervo")
REPLY_OBJECT_DATES = ("dateline", "replytime", "answertime", "createtime", "createdate",
                      "addtime", "time", "date")
STATUS_KEYS = ("stateinfo", "statename", "statusname", "statustext", "statusinfo",
               "statusdesc", "statedesc", "dealstatename", "clzt", "blzt", "slzt", "xjzt",
               "status", "state", "dealstate", "dealstatus", "handlestate", "handlestatus")
ANSWER_ID_KEYS = ("answerid", "replyid")
ANSWERED_FLAGS = ("isreply", "isanswer", "hasreply", "hasanswer", "isreplied", "isanswered",
                  "replyflag", "answerflag", "replied", "answered", "sfhf", "sfdf")
UNIT_KEYS = ("answerdept", "answerunit", "answerorg", "replydept", "replyunit", "replyorg",
             "dealdept", "dealunit", "handledept", "handleunit", "hfdw", "dfdw", "bldw",
             "cldw")
# Where the letter went (jact 提交部门): the replying unit only inside a reply object.
ADDRESSEE_KEYS = ("deptname", "unitname", "orgname", "dept", "acceptdept", "acceptunit",
                  "tjbm", "sldw")
REPLY_TEXT_KEYS = ("replycontent", "answercontent", "replytext", "answertext", "hfnr", "dfnr",
                   "reply", "answer")
REPLY_OBJECT_TEXT = ("content", "replycontent", "answercontent", "text", "reply", "answer")
PINNED_KEYS = ("istop", "top", "settop", "ontop", "zhiding", "topflag", "sticky")
ID_KEYS = ("id", "docid", "articleid", "infoid", "mailid", "letterid", "uuid")
_TRUE = {"1", "true", "y", "yes", "是"}
_FALSE = {"0", "false", "n", "no", "否"}


# -- dates -------------------------------------------------------------------------------
def epoch_date(value: Any) -> date | None:
    """The China-time date of an epoch timestamp in seconds or milliseconds (numbers or
    digit strings); None for 0, negatives and years outside ``dates.MIN_YEAR..MAX_YEAR``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        v = value.strip()
        if not re.fullmatch(r"\d{9,14}(?:\.\d+)?", v):
            return None
        value = float(v)
    if not isinstance(value, (int, float)) or value <= 0:
        return None
    seconds = value / 1000 if value >= _MS_FROM else value
    try:
        day = datetime.fromtimestamp(seconds, tz=CHINA).date()
    except (OverflowError, OSError, ValueError):
        return None
    return day if dates.MIN_YEAR <= day.year <= dates.MAX_YEAR else None


def value_date(value: Any) -> date | None:
    """A JSON field's date: an epoch (s or ms), ``/Date(ms)/``, an ISO timestamp with an
    offset (converted to China time), or a date string as pages write it."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return epoch_date(value)
    if not isinstance(value, str):
        return None
    v = value.strip()
    if not v:
        return None
    m = _DOTNET.match(v)
    if m:
        return epoch_date(int(m.group(1)))
    if v.isdigit():
        return epoch_date(v)
    if _ISO_ZONED.match(v):
        try:
            return datetime.fromisoformat(v.replace(" ", "T", 1)).astimezone(CHINA).date()
        except ValueError:
            pass
    return dates.parse_date(v)


def _date(row: dict[str, Any], keys: tuple[str, ...]) -> date | None:
    have = {norm_key(k): v for k, v in row.items() if isinstance(k, str)}
    for k in keys:
        if k in have:
            d = value_date(have[k])
            if d is not None:
                return d
    return None


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _TRUE:
            return True
        if v in _FALSE or not v:
            return False
    return None


def _has(row: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` that ``row`` has (filled or not)."""
    have = {norm_key(k) for k in row if isinstance(k, str)}
    return next((k for k in keys if k in have), None)


def _get(row: dict[str, Any], key: str) -> Any:
    return next((v for k, v in row.items() if isinstance(k, str) and norm_key(k) == key), None)


# -- column rows -------------------------------------------------------------------------
def item_row(row: dict[str, Any], list_url: str, position: int) -> Row | None:
    """A column list row: title, link (else the list page, marked by the row's id), publish
    date, pinned flag."""
    title = row_title(row)
    if not title:
        return None
    url = row_url(row, list_url)
    if url is None:
        ident = lookup(row, ID_KEYS)
        url = f"{list_url}#{ident if ident is not None else position + 1}"
    day = _date(row, PUBLISH_KEYS)
    found = dates.Found(day.year, day.month, day.day, 0, 0) if day else None
    pinned = any(_flag(_get(row, k)) for k in PINNED_KEYS if _has(row, (k,)))
    return Row(title=title[:500], url=url, found=found, pinned=pinned)


# -- mailbox messages --------------------------------------------------------------------
def record(row: dict[str, Any], list_url: str, vocab: Any) -> Record | None:
    """A mailbox message (``parse.messages.Record``) from a JSON row: status from
    ``stateInfo`` and the like, else ``answerId`` / an answered flag / a reply object."""
    title = row_title(row)
    if not title:
        return None
    rec = Record(title=mask_private(norm(title))[:200], url=row_url(row, list_url),
                 evidence=True)
    reply = next((v for k in REPLY_OBJECT_KEYS
                  if isinstance(v := _get(row, k), dict)), None)
    rec.submitted = _date(row, SUBMITTED_KEYS)
    rec.replied = _date(row, REPLIED_KEYS) or (_date(reply, REPLY_OBJECT_DATES) if reply else None)
    for k in STATUS_KEYS:
        v = _get(row, k)
        if isinstance(v, str) and (word := normalise_status(v, vocab)):
            rec.status_word, rec.raw_status = word, v.strip()[:20]
            break
    if rec.status_word is None:
        if (k := _has(row, ANSWER_ID_KEYS)) is not None:
            v = _get(row, k)
            rec.status_word = "answered" if v not in (None, "", 0, "0") else "pending"
        elif (k := _has(row, ANSWERED_FLAGS)) is not None and _flag(_get(row, k)) is not None:
            rec.status_word = "answered" if _flag(_get(row, k)) else "pending"
        elif reply:
            rec.status_word = "answered"
    unit = lookup(row, UNIT_KEYS) or (lookup(reply, UNIT_KEYS + ADDRESSEE_KEYS) if reply
                                      else None)
    for name, value in (("unit", unit), ("addressee", lookup(row, ADDRESSEE_KEYS))):
        if isinstance(value, str) and norm(value) and norm(value) not in vocab.placeholders:
            setattr(rec, name, mask_private(norm(value))[:60])
    text_key = _has(row, REPLY_TEXT_KEYS)
    text = _get(row, text_key) if text_key else None
    if reply is not None and not isinstance(text, str):
        text_key = _has(reply, REPLY_OBJECT_TEXT)
        text = _get(reply, text_key) if text_key else None
    if text_key is not None and not isinstance(text, dict):
        value = norm(dates.strip_html(text)) if isinstance(text, str) else ""
        rec.reply_text = bool(value) and value not in vocab.placeholders
    rec.dates = [d for d in (rec.submitted, rec.replied) if d]
    if not rec.dates:  # a survey or news row: its publish date
        published = _date(row, PUBLISH_KEYS)
        rec.dates = [published] if published else []
    return rec


def message_like(row: dict[str, Any], vocab: Any) -> bool:
    """A row only a mailbox has: a status word, an ``answerId`` or answered flag, a reply
    date or reply object (a numeric ``status`` of a news row is no evidence)."""
    if any(isinstance(v := _get(row, k), str) and normalise_status(v, vocab)
           for k in STATUS_KEYS):
        return True
    return bool(_has(row, ANSWER_ID_KEYS + ANSWERED_FLAGS) or _date(row, REPLIED_KEYS)
                or any(isinstance(_get(row, k), dict) for k in REPLY_OBJECT_KEYS))
