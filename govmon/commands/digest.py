"""``govmon digest``: the e-mail digests of a run, sent, written (``--dry-run``) or, with
``--flush``, the outbox sent after the quiet hours. ``govmon nightly`` does the same after
its report stage (``--mail-dry-run`` there writes instead of sending)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from rich.markup import escape


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("digest", help="发送每晚检查的邮件摘要 (联系人与主管单位)")
    p.add_argument("--run", type=int, help="抓取任务 (默认: 最近一次已检查的任务)")
    p.add_argument("--system", help="摘要中结论所依据的指标体系 (默认 national-2019)")
    p.add_argument("--dry-run", action="store_true",
                   help="不发送，把邮件写成 .eml 文件 (工作目录 mail/dry-run/)")
    p.add_argument("--flush", action="store_true",
                   help="发送静默时段暂存或发送失败后留在 mail/outbox/ 的邮件")
    p.set_defaults(func=cmd_digest)


def cmd_digest(ctx: Any) -> int:
    from govmon.console import console
    from govmon.context import EXIT_INTERNAL, EXIT_OK, CliError
    from govmon.mail import MailError, flush
    from store.models import Run

    mail = ctx.settings.mail
    if mail is None:
        raise CliError(f"{ctx.workspace / 'govmon.yaml'}: mail: 未配置邮件服务器 "
                       "(host、sender 等，见 govmon init 写入的示例)")
    sessions = ctx.store()
    try:
        if ctx.args.flush:
            if mail.quiet(datetime.now()):
                console.print(f"静默时段 ({mail.quiet_hours})，暂不发送")
                return EXIT_OK
            result = flush(sessions, mail)
            console.print(f"邮件发件箱：{result.text()}")
            for error in result.errors:
                console.print(f"[red]{escape(error)}[/]")
            return EXIT_OK if not result.failed else EXIT_INTERNAL
        with sessions() as s:
            run = s.get(Run, ctx.args.run) if ctx.args.run else _checked_run(s)
            if run is None:
                raise CliError("没有已检查的抓取任务: 先运行 govmon nightly 或 crawl + check")
            run_id = run.id
        result = send_digests(ctx, sessions, run_id, ctx.registry(), ctx.args.system,
                              dry_run=ctx.args.dry_run)
    except MailError as exc:
        raise CliError(str(exc), code=EXIT_INTERNAL) from None
    console.print(f"任务 {run_id} 的邮件摘要：{result.text()}")
    for path in result.paths:
        console.print(f"  {escape(str(path))}", highlight=False, soft_wrap=True)
    for error in result.errors:
        console.print(f"[red]{escape(error)}[/]")
    return EXIT_OK if not result.failed else EXIT_INTERNAL


def _checked_run(s: Any) -> Any:
    """The newest run the checks ran on."""
    from sqlalchemy import select

    from store.models import CheckRun, Run

    return s.scalars(select(Run).join(CheckRun, CheckRun.run_id == Run.id)
                     .order_by(Run.started_at.desc(), Run.id.desc())).first()


def send_digests(ctx: Any, sessions: Any, run_id: int, registry: Any, system: str | None,
                 *, dry_run: bool = False) -> Any:
    """Build the run's digests and deliver them (flushing the outbox first)."""
    from govmon.mail import deliver, flush
    from indicators.system import DEFAULT_SYSTEM, load_system
    from reports.digest import build

    mail = ctx.settings.mail
    system_id = load_system(system or DEFAULT_SYSTEM).id
    notices = ctx.workspace / "reports" / "latest" / "notices"
    if not dry_run:
        flush(sessions, mail)
    with sessions() as s:
        digests = build(s, run_id, registry, mail, notices=notices, system_id=system_id)
    return deliver(sessions, run_id, digests, mail, ctx.workspace, dry_run=dry_run)
