"""Sending the e-mail digests (``reports/digest.py``) over SMTP, the stdlib's ``smtplib``.

* ``deliver`` — a run's digests: sent (one connection for all), held in
  ``<workspace>/mail/outbox/`` as ``.eml`` files during the quiet hours, or written to
  ``mail/dry-run/run<N>/`` with ``dry_run`` (nothing is sent). Every message is recorded
  in ``mail_log``; a recipient already sent (or held) the run's digest is skipped, so a
  re-run of ``govmon nightly`` mails nobody twice.
* ``flush`` — the held and failed messages of the outbox, once the quiet hours are over
  (``govmon digest --flush`` from cron; ``nightly`` flushes first too).

The server is the operator's own (``govmon.yaml`` ``mail:``), like the database: its
address comes from the settings, never from a crawled page, so it is not an address the
crawl guard judges. STARTTLS and SSL verify the server's certificate (``ca_file`` for a
private CA); the password is read from the environment variable ``password_env`` names.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import select

from store.models import MailLog

OUTBOX = Path("mail") / "outbox"
DRY_RUN = Path("mail") / "dry-run"
DONE = ("sent", "held")  # a recipient with one of these for the run is not mailed again


class MailError(RuntimeError):
    """The mail server cannot be used (one line for the user)."""


@dataclass
class MailResult:
    sent: int = 0
    held: int = 0
    written: int = 0  # dry run
    failed: int = 0
    skipped: int = 0  # already sent or held for this run
    paths: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def text(self) -> str:
        parts = [f"{label} {n} 封" for label, n in (("已发送", self.sent), ("暂存", self.held),
                                                   ("已写出", self.written),
                                                   ("发送失败", self.failed),
                                                   ("此前已发送", self.skipped)) if n]
        return "，".join(parts) or "没有需要发送的邮件"


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._@-]+", "_", text)[:80]


def _file(folder: Path, run_id: int, n: int, kind: str, recipient: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run{run_id}-{n:03d}-{kind}-{_safe(recipient)}.eml"


def connect(mail: Any) -> smtplib.SMTP:
    """A logged-in SMTP connection as ``mail`` (``MailSettings``) says."""
    password = None
    if mail.user:
        password = os.environ.get(mail.password_env)
        if password is None:
            raise MailError(f"环境变量 {mail.password_env} 未设置 (govmon.yaml mail.password_env)："
                            f"无法以 {mail.user} 登录邮件服务器")
    context = ssl.create_default_context(cafile=mail.ca_file) if mail.security != "none" \
        else None
    try:
        if mail.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(mail.host, mail.smtp_port,
                                                  timeout=mail.timeout, context=context)
        else:
            smtp = smtplib.SMTP(mail.host, mail.smtp_port, timeout=mail.timeout)
            if mail.security == "starttls":
                smtp.starttls(context=context)
        if mail.user:
            smtp.login(mail.user, password)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"无法连接邮件服务器 {mail.host}:{mail.smtp_port} ({_reason(exc)})") from None
    return smtp


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "用户名或密码错误"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "证书校验失败"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(exc, TimeoutError):
        return "连接超时"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "服务器未提供登录认证 (AUTH)" if "AUTH" in str(exc) else "服务器不支持 STARTTLS"
    return type(exc).__name__


def deliver(sessions: Any, run_id: int, digests: list[Any], mail: Any, workspace: Path, *,
            dry_run: bool = False, now: datetime | None = None) -> MailResult:
    """Send (or hold, or write) the digests of ``run_id``; see the module docstring."""
    now = now or datetime.now()
    result = MailResult()
    with sessions() as s:
        done = {(r.kind, r.recipient.lower()) for r in s.scalars(select(MailLog).where(
            MailLog.run_id == run_id, MailLog.status.in_(DONE)))}
    todo = []
    for d in digests:
        if not dry_run and (d.kind, d.recipient.lower()) in done:
            result.skipped += 1
        else:
            todo.append(d)
    logs: list[MailLog] = []
    if dry_run or mail.quiet(now):
        folder = workspace / (DRY_RUN / f"run{run_id}" if dry_run else OUTBOX)
        for n, d in enumerate(todo, start=1):
            path = _file(folder, run_id, n, d.kind, d.recipient)
            path.write_bytes(d.message.as_bytes())
            result.paths.append(path)
            logs.append(_log(run_id, d, "dry_run" if dry_run else "held", now, path=path))
        if dry_run:
            result.written = len(todo)
        else:
            result.held = len(todo)
    elif todo:
        try:
            smtp = connect(mail)
        except MailError as exc:
            smtp, error = None, str(exc)
        else:
            error = None
        for n, d in enumerate(todo, start=1):
            if smtp is not None:
                try:
                    smtp.send_message(d.message)
                    result.sent += 1
                    logs.append(_log(run_id, d, "sent", now, sent=datetime.now()))
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    error = f"发送给 {d.recipient} 失败 ({_reason(exc)})"
            path = _file(workspace / OUTBOX, run_id, n, d.kind, d.recipient)
            path.write_bytes(d.message.as_bytes())  # kept for `govmon digest --flush`
            result.failed += 1
            result.paths.append(path)
            logs.append(_log(run_id, d, "failed", now, path=path, error=error))
        if error:
            result.errors.append(error)
        if smtp is not None:
            _quit(smtp)
    with sessions.begin() as s:
        s.add_all(logs)
    return result


def _log(run_id: int, d: Any, status: str, now: datetime, *, path: Path | None = None,
         sent: datetime | None = None, error: str | None = None) -> MailLog:
    return MailLog(run_id=run_id, kind=d.kind, recipient=d.recipient, sites=d.sites,
                   subject=str(d.message["Subject"]), status=status, error=error,
                   message_id=str(d.message["Message-ID"]), path=str(path) if path else None,
                   created_at=now, sent_at=sent)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def flush(sessions: Any, mail: Any, *, now: datetime | None = None) -> MailResult:
    """Send the outbox: messages held for the quiet hours or left by a failed attempt."""
    now = now or datetime.now()
    result = MailResult()
    if mail.quiet(now):
        return result
    with sessions() as s:
        waiting = [(r.id, r.path) for r in s.scalars(select(MailLog).where(
            MailLog.status.in_(("held", "failed")), MailLog.path.is_not(None))
            .order_by(MailLog.id))]
    waiting = [(i, Path(p)) for i, p in waiting if Path(p).is_file()]
    if not waiting:
        return result
    smtp = connect(mail)
    done: dict[int, str | None] = {}
    try:
        for log_id, path in waiting:
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            try:
                smtp.send_message(msg)
            except (OSError, smtplib.SMTPException) as exc:
                result.failed += 1
                result.errors.append(f"{path.name}: {_reason(exc)}")
                continue
            done[log_id] = str(path)
            path.unlink()
            result.sent += 1
    finally:
        _quit(smtp)
    with sessions.begin() as s:
        for log_id in done:
            row = s.get(MailLog, log_id)
            row.status, row.sent_at, row.error = "sent", datetime.now(), None
    return result


def as_message(path: Path) -> EmailMessage:
    """A written ``.eml`` read back (tests, and people checking a dry run)."""
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
