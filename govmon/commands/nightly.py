"""``govmon nightly``: crawl → checks → score → reports in one go, for cron / systemd.

- One at a time: the whole pipeline holds the workspace lock; a second start exits 5.
- Idempotent: a crawl interrupted within the last day is resumed; a crawl that already
  finished today is reused (``--force`` crawls again); checks replace the run's findings
  and scorecards replace the cards of the same period, so a re-run stores nothing twice.
- Each stage commits what it produced: a failing stage is reported (exit 1) and the later
  stages that need it are skipped, but nothing earlier stages stored is lost.
- Publishes what people read (``reports.publish``): the current quarter's notices for
  every site with problems, its scorecard and the dashboard, under
  ``reports/<quarter>/`` and the stable ``reports/latest/``, and prints where they are.
- Ends with a short summary: sites checked, vetoes, verdicts, new and fixed problems (read
  from the store, so it tells the same story as the notices).
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

RESUME_WITHIN = timedelta(hours=24)


def register(sub: argparse._SubParsersAction) -> None:
    from govmon.context import add_mode_options, add_redis_option, positive_int

    p = sub.add_parser("nightly", help="每晚运行: 抓取 → 检查 → 评分 → 报告 (供 cron / systemd 定时运行)")
    p.add_argument("--system", action="append", metavar="FILE|NAME",
                   help="指标体系 (可重复；第一个用于检查阈值；默认 national-2019)")
    p.add_argument("--max-pages", type=positive_int, help="每个网站的页面上限")
    p.add_argument("--workers", type=positive_int, help="抓取进程数")
    p.add_argument("--force", action="store_true", help="今天已抓取过也重新抓取")
    p.add_argument("--mail-dry-run", action="store_true",
                   help="邮件摘要不发送，写成 .eml 文件 (工作目录 mail/dry-run/)")
    add_mode_options(p, "默认每 full_crawl_every_days 天一次，其余为增量")
    add_redis_option(p, "分布式抓取: 任务经此 Redis 交给各机器上的 govmon worker "
                        "(默认 $GOVMON_REDIS 或 govmon.yaml 的 redis)")
    p.set_defaults(func=cmd_nightly)


class StageFailed(Exception):
    pass


class Pipeline:
    def __init__(self) -> None:
        self.stages: list[tuple[str, bool, str]] = []  # name, ok, what happened

    def stage(self, name: str, fn: Any, *args: Any) -> Any:
        """Run one stage; a failure is reported and stops the pipeline."""
        import os
        import traceback

        from govmon.context import CliError

        try:
            value, text = fn(*args)
        except (KeyboardInterrupt, CliError):
            raise
        except Exception as exc:  # noqa: BLE001 - reported as one line, pipeline stops
            if os.environ.get("GOVMON_DEBUG"):
                traceback.print_exc()
            msg = str(exc).splitlines()[0] if str(exc) else ""
            self.stages.append((name, False, f"{type(exc).__name__}: {msg}"))
            raise StageFailed(name) from None
        self.stages.append((name, True, text))
        return value


def cmd_nightly(ctx: Any, after_check: Any = None, before_check: Any = None) -> int:
    """The pipeline; ``after_check(sessions, run_id, systems)`` runs between the checks
    and the scores (the demo seeds its sample quarter there), ``before_check(sessions,
    run_id)`` between the crawl and the checks (the demo's sample column history)."""
    from checks.registry import all_rules
    from govmon.console import console
    from govmon.context import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, CliError
    from indicators.system import DEFAULT_SYSTEM, IndicatorFileError, load_system
    from settings.config import workspace_lock

    try:
        systems = [load_system(n) for n in (ctx.args.system or [DEFAULT_SYSTEM])]
    except IndicatorFileError as exc:
        raise CliError(str(exc)) from None
    rules = all_rules()  # a plugin that cannot be loaded is named before the crawl
    registry = ctx.registry()
    sessions = ctx.store()
    pipe = Pipeline()
    started = datetime.now()
    with workspace_lock(ctx.workspace):
        try:
            run_id = pipe.stage("抓取", _crawl, ctx, registry, sessions, console)
            if run_id is None:
                console.print(_summary(pipe, sessions, None, None, started))
                return EXIT_INTERRUPTED
            if before_check is not None:
                before_check(sessions, run_id)
            checked = pipe.stage("检查", _check, sessions, run_id, registry, systems[0],
                                 ctx.args.workers or ctx.settings.workers, rules)
            if after_check is not None:
                after_check(sessions, run_id, systems)
            pipe.stage("评分", _score, sessions, run_id, systems)
            published = pipe.stage("报告", _report, ctx, sessions, run_id, systems, console)
            if ctx.settings.mail is not None:
                pipe.stage("邮件", _mail, ctx, sessions, run_id, registry, systems[0], console)
            else:
                pipe.stages.append(("邮件", True, "未配置 (govmon.yaml mail)，不发送邮件摘要"))
        except StageFailed as exc:
            console.print(_summary(pipe, sessions, None, None, started))
            console.print(f"[red]阶段「{exc}」失败[/]；之前阶段的结果已保存，可修复后重新运行 "
                          "govmon nightly")
            return EXIT_INTERNAL
    console.print(_summary(pipe, sessions, run_id, checked, started, systems[0].id))
    _print_published(console, published)
    return EXIT_OK


# -- stages ----------------------------------------------------------------------------
def _crawl(ctx: Any, registry: Any, sessions: Any, console: Console) -> tuple[int | None, str]:
    from sqlalchemy import select

    from crawler.runner import Crawl
    from govmon import ui
    from scoring.engine import SCORED_RUN_STATUSES
    from store.models import Run
    from store.ops import mark_stale_runs

    now = datetime.now()
    with sessions.begin() as s:
        mark_stale_runs(s)
        interrupted = s.scalars(select(Run).where(Run.status == "interrupted")
                                .order_by(Run.id.desc())).first()
        today = s.scalars(select(Run).where(
            Run.status.in_(SCORED_RUN_STATUSES),
            Run.started_at >= datetime.combine(date.today(), datetime.min.time()))
            .order_by(Run.id.desc())).first()
        # resume only a recent interruption that nothing newer has superseded
        resume = interrupted.id if (interrupted and now - interrupted.started_at < RESUME_WITHIN
                                    and (today is None or interrupted.id > today.id)) else None
        reuse = today.id if today is not None and not ctx.args.force else None
    if resume is None and reuse is not None:
        return reuse, f"今天已抓取 (任务 {reuse})，沿用"
    settings = ctx.settings.merged(max_pages=ctx.args.max_pages, workers=ctx.args.workers)
    mode = getattr(ctx.args, "mode", None)
    if mode is None:
        from crawler.incremental import choose_mode

        with sessions() as s:
            mode = choose_mode(s, settings.full_crawl_every_days)
    from crawler.cluster import ClusterError
    from govmon.context import cluster_error

    with ui.CrawlDisplay(console, registry, None) as display:
        try:
            crawl = Crawl(registry, settings, ctx.db_url, progress=display.update,
                          log_dir=ctx.workspace / "logs", redis_url=ctx.redis_url)
            result = (crawl.resume(resume) if resume else
                      crawl.run(mode=mode, link_cache=not getattr(ctx.args, "no_cache", False)))
        except ClusterError as exc:
            raise cluster_error(exc) from None
    console.print(ui.summary_table(result))
    if result.status == "interrupted":
        return None, f"任务 {result.run_id} 被中断 (下次运行时续爬)"
    done = sum(1 for r in result.sites if r["status"] == "complete")
    kind = "增量" if result.mode == "incremental" else "全量"
    return result.run_id, (f"{'续爬' if resume else '新'}{kind}任务 {result.run_id}: "
                           f"{len(result.sites)} 个网站，完整 {done} 个")


def _check(sessions: Any, run_id: int, registry: Any, system: Any,
           workers: int, rules: Any = None) -> tuple[Any, str]:
    from checks.runner import run_checks
    from store.models import Run

    with sessions.begin() as s:
        summary = run_checks(s, s.get(Run, run_id), registry=registry,
                             system_path=system.path, severity=system.rule_severity,
                             rules=rules, workers=workers)
    text = f"{summary.findings} 条检查结果 (含不扣分的提示；变化见「问题变化」)"
    if summary.errors:
        text += f"；{len(summary.errors)} 项规则出错"
    return summary, text


def _score(sessions: Any, run_id: int, systems: list[Any]) -> tuple[None, str]:
    from scoring import engine

    today = date.today()
    quarter = engine.normalize_quarter(f"{today.year}Q{(today.month + 2) // 3}")
    with sessions.begin() as s:
        for system in systems:
            cards = engine.score_run(s, system, run_id)
            engine.score_quarter(s, system, quarter, as_of=today)
    return None, (f"{len(cards)} 个网站 × {len(systems)} 套指标体系 (任务 {run_id} 与 "
                  f"{quarter} 季度)")


def _report(ctx: Any, sessions: Any, run_id: int, systems: list[Any],
            console: Console) -> tuple[Any, str]:
    from sqlalchemy import select

    from checks.findings import export_records
    from govmon.context import warn_line
    from reports.publish import publish
    from reports.scorecard_terminal import scorecard_table
    from scoring import engine
    from scoring.engine import scorecard_records
    from store.models import Scorecard, Site

    out_dir = ctx.workspace / "reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    period = f"run:{run_id}"
    with sessions() as s:
        files = {
            out_dir / f"findings-run{run_id}.json": export_records(s, run_id),
            out_dir / f"scorecards-run{run_id}.json": scorecard_records(s, period=period),
        }
        for system in systems:
            rows = s.execute(select(Scorecard, Site).join(Site, Site.id == Scorecard.site_id)
                             .where(Scorecard.period == period, Scorecard.system == system.id)
                             .order_by(Site.code)).all()
            console.print(scorecard_table(list(rows), f"任务 {run_id} 评分 — {system.name}"))
    for path, records in files.items():
        path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    today = date.today()
    quarter = engine.normalize_quarter(f"{today.year}Q{(today.month + 2) // 3}")
    published = publish(sessions, out_dir, quarter, systems=systems,
                        deadline_days=ctx.settings.rectify_working_days, warn=warn_line)
    return published, (f"{len(published.notices)} 份整改通知、{quarter} 季度评分对比、监测看板 → "
                       f"{published.latest}")


def _mail(ctx: Any, sessions: Any, run_id: int, registry: Any, system: Any,
          console: Console) -> tuple[Any, str]:
    """The e-mail digests: contacts of each site with news, supervisors' summary."""
    from govmon.commands.digest import send_digests

    dry_run = bool(getattr(ctx.args, "mail_dry_run", False))
    result = send_digests(ctx, sessions, run_id, registry, system.id, dry_run=dry_run)
    text = result.text()
    if result.held:
        text += (f" (静默时段 {ctx.settings.mail.quiet_hours}，存于 mail/outbox/，"
                 "由 govmon digest --flush 发送)")
    if dry_run and result.paths:
        text += f" → {result.paths[0].parent}"
    if result.failed:  # kept in the outbox: the stage fails so cron sees it
        raise RuntimeError(f"{text}；{result.errors[0] if result.errors else ''}；"
                           "已存于 mail/outbox/，可运行 govmon digest --flush 重发")
    return result, text


def _print_published(console: Console, published: Any) -> None:
    """Where tonight's documents are (the stable ``latest/`` paths)."""
    def show(label: str, path: Any) -> None:
        console.print(f"  {label}: {escape(str(path))}", highlight=False, soft_wrap=True)

    console.print("[bold]报告[/] (每晚更新，固定路径):")
    show("监测看板", published.in_latest(published.dashboard))
    for path in published.scorecard_files:
        show(f"季度评分对比 ({path.suffix[1:].upper()})", published.in_latest(path))
    show(f"整改通知 ({len(published.notices)} 份)",
         published.latest / "notices")
    if not published.pdf:
        show("PDF 与截图", "未生成 (未找到 Chromium)")


# -- summary ---------------------------------------------------------------------------
def _summary(pipe: Pipeline, sessions: Any, run_id: int | None, checked: Any,
             started: datetime, system_id: str | None = None) -> Table:
    from sqlalchemy import select

    from store.models import RunSite, Scorecard, Site

    t = Table(title=f"govmon nightly — {started:%Y-%m-%d %H:%M}，用时 "
                    f"{(datetime.now() - started).total_seconds():.0f} 秒", show_header=False)
    t.add_column("项目")
    t.add_column("结果")
    for name, ok, text in pipe.stages:
        t.add_row(name, escape(text) if ok else f"[red]失败: {escape(text)}[/]")
    if run_id is not None:
        with sessions() as s:
            statuses = list(s.scalars(select(RunSite.status).where(
                RunSite.run_id == run_id, RunSite.status.not_in(("skipped", "pending")))))
            cards = s.execute(select(Scorecard, Site).join(Site, Site.id == Scorecard.site_id)
                              .where(Scorecard.period == f"run:{run_id}",
                                     Scorecard.system == system_id)).all()
        t.add_row("预警", escape(_warnings_text(sessions, run_id)))  # first: still preventable
        t.add_row("检查网站", f"{len(statuses)} 个 (完整 {statuses.count('complete')}，"
                            f"不完整 {len(statuses) - statuses.count('complete')})")
        vetoed = [f"{site.name}: {'、'.join(card.vetoes)}" for card, site in cards if card.vetoes]
        t.add_row("单项否决", escape("；".join(vetoed)) if vetoed else "无")
        verdicts = [card.verdict for card, _ in cards]
        t.add_row("结论", "，".join(f"{v} {verdicts.count(v)}" for v in ("合格", "不合格", "待定")))
        if checked is not None:
            new, regressed, fixed, persisting = _changes(sessions, run_id)
            t.add_row("问题变化", f"新增 {new}，复现 {regressed}，已整改 {fixed}，持续 {persisting}")
    t.add_row(*_calendar_row(started))
    return t


def _warnings_text(sessions: Any, run_id: int) -> str:
    """The run's early warnings (预警) per site: what is about to become a veto."""
    from sqlalchemy import select

    from indicators.rules_catalogue import rule_title
    from store.models import Finding, Site

    with sessions() as s:
        rows = s.execute(select(Site.name, Finding.rule).join(Site, Site.id == Finding.site_id)
                         .where(Finding.run_id == run_id, Finding.severity == "warn")
                         .order_by(Site.code, Finding.rule)).all()
    if not rows:
        return "无"
    by_site: dict[str, list[str]] = {}
    for name, rule in rows:
        by_site.setdefault(name, []).append(rule_title(rule).removesuffix("（预警）"))
    return f"{len(rows)} 项 — " + "；".join(
        f"{name}: {'、'.join(dict.fromkeys(titles))}" for name, titles in by_site.items())


def _changes(sessions: Any, run_id: int) -> tuple[int, int, int, int]:
    """(new, regressed, fixed, persisting) of the run, from the stored findings: the
    numbers the notices show (``fixed_findings`` is what their 已整改 section lists)."""
    from collections import Counter

    from sqlalchemy import select

    from checks.findings import fixed_findings
    from store.models import Finding

    with sessions() as s:
        states = Counter(s.scalars(select(Finding.state).where(Finding.run_id == run_id)))
        sites = set(s.scalars(select(Finding.site_id).where(Finding.run_id == run_id)))
        from store.models import CheckRun

        sites |= set(s.scalars(select(CheckRun.site_id).where(CheckRun.run_id == run_id)))
        fixed = sum(len(fixed_findings(s, run_id, site)) for site in sites)
    return states["new"], states["regressed"], fixed, states["persisting"]


def _calendar_row(started: datetime) -> tuple[str, str]:
    """Whether working days (reply limits, rectification deadlines within the next two
    months) use the official holiday schedule or fall back to Monday to Friday."""
    from datetime import timedelta

    from indicators.workdays import fallback_note

    note = fallback_note({started.year, (started + timedelta(days=60)).year})
    return "工作日计算", escape(note) if note else "按法定节假日安排"
