"""Rectification notices (整改通知): one per site, as printable HTML, DOCX and an XLSX
problem list.

A notice reads one stored ``Scorecard`` (its verdict, score and the explanation of every
indicator) and the ``Finding`` rows of the run behind it; problems are grouped by the
indicator of the card's system, each with its rule, URL, the page it was seen on, the
evidence, since when it exists and the rectification deadline (N working days after the
notice date under the official holiday calendar, ``checks.workdays``). Problems open in the
site's previous checked run that this run no longer shows (``checks.runner.fixed_findings``)
are listed as 已整改.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.runner import fixed_findings
from checks.workdays import workday
from reports import docx_helpers as dx
from reports.common import (
    KIND_NAMES,
    QUARTER_RE,
    SEVERITY_LABELS,
    STATE_LABELS,
    Group,
    clean,
    cn_date,
    evidence_items,
    evidence_text,
    fmt_num,
    group_findings,
    indicator_names,
    is_problem,
    is_warning,
    iso,
    official,
    page_text,
    period_cards,
    quarter_label,
    render,
    run_periods,
    run_site,
    safe_href,
    sample_runs,
    site_findings,
    system_source,
    verdict_reason,
)
from reports.xlsx import add_table, new_workbook
from scoring.rules_catalogue import rule_title
from store.models import CheckRun, EvidenceShot, IssuedNotice, Run, Scorecard, Site

FORMATS = ("html", "docx", "xlsx", "pdf")
DEFAULT_FORMATS = ("html", "docx", "xlsx", "pdf")
DEFAULT_PREFIX = "网监整改"
EMPTY_TEXT = "—"


class ReportError(ValueError):
    """Bad report request (unknown site, no scorecards…); one line for the user."""


# -- working days ----------------------------------------------------------------------
def add_working_days(start: date, days: int) -> tuple[date, list[int]]:
    """The date ``days`` working days after ``start`` (法定节假日 and 调休 counted as the
    State Council declares them), and the years the calendar did not know (counted Monday
    to Friday, as ``checks.workdays`` does)."""
    day, counted, fallback = start, 0, set()
    while counted < days:
        day += timedelta(days=1)
        is_work, official = workday(day)
        if not official:
            fallback.add(day.year)
        if is_work:
            counted += 1
    return day, sorted(fallback)


# -- the notice ------------------------------------------------------------------------
@dataclass
class Problem:
    no: int
    indicator: str  # "V5 互动回应差"
    severity: str
    rule: str
    rule_label: str
    message: str
    url: str
    source: str
    page_text: str
    evidence: list[tuple[str, str]]
    evidence_text: str
    first_seen: date
    state: str
    deadline: date | None
    shot: EvidenceShot | None = None
    figure: int | None = None  # 图 N in the annex of screenshots

    @property
    def href(self) -> str | None:
        return safe_href(self.url)

    @property
    def source_href(self) -> str | None:
        return safe_href(self.source)

    @property
    def picture(self) -> bytes | None:
        return self.shot.png if self.shot is not None and self.shot.status == "ok" else None

    @property
    def picture_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.picture or b"").decode()

    @property
    def figure_caption(self) -> str:
        shot = self.shot
        where = clean(shot.page_url) if shot is not None and shot.page_url else self.url
        what = shot.caption if shot is not None and shot.caption else "无页面快照"
        return f"图{self.figure}　问题{self.no}（{self.rule_label}）：{what}。页面：{where}"


@dataclass
class ProblemGroup:
    heading: str
    kind: str
    problems: list[Problem]


@dataclass
class FixedProblem:
    rule_label: str
    message: str
    url: str
    first_seen: date
    last_seen: date

    @property
    def href(self) -> str | None:
        return safe_href(self.url)


@dataclass
class Notice:
    site: Site
    card: Scorecard
    run: Run | None
    system_name: str
    basis: str  # 《…》（文号）
    period_text: str
    check_date: date | None
    verdict: str
    reason: str
    groups: list[ProblemGroup]
    hints: list[Problem]
    fixed: list[FixedProblem]
    previous_run: Run | None
    notice_date: date
    deadline: date
    deadline_days: int
    calendar_note: str
    sender: str
    doc_no: str
    needs_person: list[str]  # P / H indicators nothing decided yet
    to_confirm: list[str]  # P indicators whose automatic result a person must confirm
    data_gaps: list[str]
    site_status: str | None
    crawl_complete: bool
    notes: list[str] = field(default_factory=list)
    shots_note: str = ""  # why a notice has no pictures (no Chromium), else ""
    warnings: list[Problem] = field(default_factory=list)  # 预警: shown before the problems
    media: list[str] = field(default_factory=list)  # 新媒体 entries a person must look at

    @property
    def figures(self) -> list[Problem]:
        return [p for p in self.problems if p.figure is not None]

    @property
    def rule_rows(self) -> list[tuple[str, str, str, str]]:
        """Annex: (problem no, problem type, rule ID, indicator) for every problem."""
        rows = [(f"预警{w.no}", w.rule_label, w.rule, "预警（不计分）") for w in self.warnings]
        rows += [(str(p.no), p.rule_label, p.rule, p.indicator) for p in self.problems]
        rows += [(f"提示{h.no}", h.rule_label, h.rule, h.indicator) for h in self.hints]
        return rows

    @property
    def title(self) -> str:
        name = self.site.name.removesuffix("网站")
        return f"关于{name}网站存在问题的整改通知"

    @property
    def addressee(self) -> str:
        if self.site.kind == "portal":
            return f"{self.site.name}门户网站运维单位"
        return self.site.name

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.site.kind, self.site.kind)

    @property
    def problems(self) -> list[Problem]:
        return [p for g in self.groups for p in g.problems]

    @property
    def score_text(self) -> str:
        if self.card.vetoes:
            return "单项否决"
        return f"{fmt_num(self.card.score)} 分" if self.card.score is not None else "未评分"

    @property
    def file_stem(self) -> str:
        return f"notice-{self.site.code}-{period_tag(self.card.period)}"


def period_tag(period: str) -> str:
    """A file-name friendly period: run:12 → run12."""
    return re.sub(r"[^0-9A-Za-z]+", "", period)


def _basis(system_name: str, source: str) -> str:
    name = re.sub(r"（\d{4}）$", "", system_name)
    text = f"《{name}》" + (f"（{source}）" if source else "")
    if "政府网站发展指引" not in text:
        text = "《政府网站发展指引》（国办发〔2017〕47号）和" + text
    return text


def default_sender(session: Session, site: Site) -> str:
    """The office that supervises the cluster: the government office of the portal the
    site belongs to (``示例市人民政府`` → ``示例市人民政府办公室``)."""
    portal = site
    seen = set()
    while portal.kind != "portal" and portal.parent_code and portal.parent_code not in seen:
        seen.add(portal.parent_code)
        parent = session.scalars(select(Site).where(Site.code == portal.parent_code)).first()
        if parent is None:
            break
        portal = parent
    if portal.kind != "portal":
        portals = list(session.scalars(select(Site).where(Site.kind == "portal",
                                                          Site.in_registry.is_(True))))
        if len(portals) != 1:
            return "政府网站主管单位"
        portal = portals[0]
    name = portal.name.removesuffix("门户网站").removesuffix("网站")
    return f"{name}办公室" if name.endswith("人民政府") else f"{name}网站主管单位"


def _previous_checked_run(session: Session, run_id: int, site_id: int) -> Run | None:
    prev = session.scalars(select(CheckRun.run_id).where(
        CheckRun.site_id == site_id, CheckRun.run_id < run_id)
        .order_by(CheckRun.run_id.desc()).limit(1)).first()
    return session.get(Run, prev) if prev is not None else None


def _period_text(card: Scorecard, run: Run | None) -> str:
    d = card.detail or {}
    avail = d.get("availability") or {}
    crawl = f"抓取检查日期：{cn_date(run.started_at)}" if run else "无抓取数据"
    window = ""
    if avail.get("start") and avail.get("end"):
        start = date.fromisoformat(avail["start"][:10]) + timedelta(days=1)
        end = date.fromisoformat(avail["end"][:10])
        window = f"；首页可用性监测期：{cn_date(start)}至{cn_date(end)}"
    if QUARTER_RE.match(card.period):
        return f"检查周期：{quarter_label(card.period)}（{crawl}{window}）"
    return crawl + window


def build_notice(session: Session, card: Scorecard, site: Site, *, notice_date: date,
                 deadline_days: int, sender: str | None = None, doc_no: str = "",
                 systems: dict[str, Any] | None = None,
                 shots: dict[str, EvidenceShot] | None = None) -> Notice:
    """Everything one notice says, read from the store (``shots``: the pictures of its
    findings, by fingerprint, see ``reports.evidence``)."""
    run = session.get(Run, card.run_id) if card.run_id else None
    findings = site_findings(session, card.run_id, site.id)
    d = card.detail or {}
    scored = {fid for ind in d.get("indicators") or [] for fid in ind.get("findings") or []}
    deadline, fallback = add_working_days(notice_date, deadline_days)
    calendar_note = ""
    if fallback:
        calendar_note = (f"{'、'.join(map(str, fallback))}年的法定节假日安排未收录，"
                         "整改期限按周一至周五计算工作日")

    groups: list[ProblemGroup] = []
    hints: list[Problem] = []
    warnings = [_problem(i, Group(id=None, name="预警", kind="other"), f, None)
                for i, f in enumerate((f for f in findings if is_warning(f)), start=1)]
    findings = [f for f in findings if not is_warning(f)]
    no = 0
    for g in group_findings(card, findings, systems):
        problems = [f for f in g.findings if is_problem(f) or f.id in scored]
        others = [f for f in g.findings if f not in problems]
        if problems:
            items = []
            for f in problems:
                no += 1
                items.append(_problem(no, g, f, deadline, (shots or {}).get(f.fingerprint)))
            groups.append(ProblemGroup(heading=g.heading, kind=g.kind, problems=items))
        hints += [_problem(0, g, f, None) for f in others]
    for i, h in enumerate(hints, start=1):
        h.no = i
    figure = 0
    for g in groups:
        for p in g.problems:
            if p.shot is not None:
                figure += 1
                p.figure = figure

    fixed: list[FixedProblem] = []
    previous = None
    if card.run_id is not None:
        previous = _previous_checked_run(session, card.run_id, site.id)
        for f in fixed_findings(session, card.run_id, site.id):
            fixed.append(FixedProblem(rule_label=rule_title(f.rule), message=official(f.message),
                                      url=clean(f.url), first_seen=f.first_seen.date(),
                                      last_seen=f.last_seen.date()))
    rs = run_site(session, card.run_id, site.id)
    notes = []
    samples = sample_runs(session)
    if previous is not None and previous.id in samples:
        notes.append(f"上次检查（{cn_date(previous.started_at)}）的数据为演示用样例数据："
                     f"{samples[previous.id]}")
    if run is not None and run.id in samples:
        notes.append(f"本次检查数据为演示用样例数据：{samples[run.id]}")
    system_name = d.get("system_name") or card.system
    status = {i["id"]: i.get("status") for i in d.get("indicators") or []}
    gaps = list(d.get("data_gaps") or [])
    person = list(d.get("needs_person") or [])
    confirm = [i for i in person if status.get(i) in ("vetoed", "deducted")]
    return Notice(
        site=site, card=card, run=run, system_name=system_name,
        basis=_basis(system_name, system_source(card, systems)),
        period_text=_period_text(card, run),
        check_date=run.started_at.date() if run else None, verdict=card.verdict,
        reason=verdict_reason(card), groups=groups, hints=hints, fixed=fixed,
        previous_run=previous, notice_date=notice_date, deadline=deadline,
        deadline_days=deadline_days, calendar_note=calendar_note,
        sender=sender or default_sender(session, site), doc_no=doc_no,
        needs_person=indicator_names(card, [i for i in person if i not in confirm
                                            and i not in gaps]),
        to_confirm=indicator_names(card, confirm),
        data_gaps=indicator_names(card, gaps),
        site_status=rs.status if rs else None, crawl_complete=bool(d.get("crawl_complete")),
        notes=notes, warnings=warnings, media=_media_entries(session, card.run_id, site.id))


def _media_entries(session: Session, run_id: int | None, site_id: int) -> list[str]:
    """The 政务新媒体 entries the homepage announces: their accounts' content is for a
    person to check (``checks/media.py`` only tests that the links work)."""
    from checks._governance import KIND_LABELS
    from store.models import SiteEntry

    if run_id is None:
        return []
    rows = session.scalars(select(SiteEntry).where(
        SiteEntry.run_id == run_id, SiteEntry.site_id == site_id, SiteEntry.on_home,
        SiteEntry.kind.in_(("weibo", "weixin", "app"))).order_by(SiteEntry.id))
    return [f"{KIND_LABELS[e.kind]}“{clean(e.label)}”（{clean(e.target)}）" for e in rows]


def _own(f: Any) -> dict[str, Any]:
    """The finding's detail without what its row already shows (its URL, the page it
    was found on, a sample that is that page, a count of one page)."""
    shown = {f.url, f.source}
    out: dict[str, Any] = {}
    if f.rule == "site.unreachable" and not (f.detail or {}).get("probes"):
        # no probe ran in the window: "失败 0 / 探测 0" would read as a clean record
        out["probe_note"] = "监测期内没有探测记录，尚无法按失败比例判定"
        return {**out, **{k: v for k, v in (f.detail or {}).items()
                          if k not in ("failures", "probes", "ratio")}}
    for key, value in (f.detail or {}).items():
        if key in ("target", "final_url") and value in shown:
            continue
        if key == "sample" and isinstance(value, list) and set(value) <= shown:
            continue
        if key == "pages" and value == 1:
            continue
        out[key] = value
    return out


def _problem(no: int, g: Group, f: Any, deadline: date | None,
             shot: EvidenceShot | None = None) -> Problem:
    """One row. The body names the problem type in Chinese (``rule_label``); the rule ID
    appears only in the annex that maps problems to rules."""
    return Problem(
        no=no, indicator=f"{g.id} {g.name}" if g.id else g.name,
        severity=SEVERITY_LABELS.get(f.severity, f.severity), rule=f.rule,
        rule_label=rule_title(f.rule), message=official(f.message), url=clean(f.url),
        source=clean(f.source), page_text=page_text(f), evidence=evidence_items(_own(f)),
        evidence_text=evidence_text(_own(f)), first_seen=f.first_seen.date(),
        state=STATE_LABELS.get(f.state, f.state), deadline=deadline, shot=shot)


# -- output ----------------------------------------------------------------------------
def write_html(notice: Notice, path: Path) -> Path:
    n = notice
    path.write_text(render("notice.html.j2", n=n, opening=_opening(n),
                           warning_line=_warning_lines(n),
                           status_lines=_status_lines(n), manual_lines=_manual_lines(n),
                           requirement_lines=_requirement_lines(n),
                           no_fixed=_no_fixed_text(n), cn_num=_cn_num), encoding="utf-8")
    return path


def write_docx(notice: Notice, path: Path) -> Path:
    n = notice
    doc = dx.new_document()
    dx.page_numbers(doc)
    dx.red_header(doc, n.sender, n.doc_no)
    doc.add_paragraph(n.title, style="Title")
    dx.para(doc, f"{n.addressee}：", indent=False)
    dx.para(doc, _opening(n))
    if n.warnings:
        doc.add_heading("预警事项", level=1)
        dx.para(doc, _warning_lines(n))
        dx.table(doc, ["序号", "预警内容", "网址", "预警依据"],
                 [[str(w.no), f"{w.message}\n【{w.rule_label}】", w.url,
                   w.evidence_text or EMPTY_TEXT] for w in n.warnings],
                 widths_mm=(10, 70, 46, 30))
    doc.add_heading("一、检查结论", level=1)
    dx.table(doc, ["网站名称", "网站标识码", "网站类型", "指标体系", "结论", "得分"],
             [[n.site.name, n.site.code, n.kind_name, n.system_name, n.verdict, n.score_text]],
             widths_mm=(34, 27, 20, 39, 16, 20), size=10.5)
    dx.para(doc, f"检查结论为{n.verdict}：{n.reason}。")
    for line in _status_lines(n):
        dx.para(doc, line)
    doc.add_heading("二、存在的问题", level=1)
    if not n.groups:
        dx.para(doc, "本次检查未发现需要整改的问题。")
    for i, g in enumerate(n.groups, start=1):
        doc.add_heading(f"（{_cn_num(i)}）{g.heading}", level=2)
        dx.table(doc, ["序号", "问题描述", "问题网址 / 发现页面", "证据", "存在时间 / 整改期限"],
                 [[str(p.no), f"{p.message}\n【{p.rule_label}】" + _figure_ref(p),
                   p.url + (f"\n发现页面：{p.source}" if p.source and p.source != p.url
                            else ""),
                   p.evidence_text or EMPTY_TEXT,
                   f"{iso(p.first_seen)} 起\n（{p.state}）\n整改期限：\n{iso(p.deadline)}"]
                  for p in g.problems],
                 widths_mm=(10, 46, 40, 34, 26))
    section = 3
    if n.hints:
        doc.add_heading(f"{_cn_num(section)}、其他提示事项（不扣分）", level=1)
        section += 1
        dx.table(doc, ["序号", "指标", "提示", "网址"],
                 [[str(h.no), h.indicator, f"{h.message}\n【{h.rule_label}】", h.url]
                  for h in n.hints], widths_mm=(10, 28, 68, 50))
    doc.add_heading(f"{_cn_num(section)}、上次检查以来已整改的问题", level=1)
    section += 1
    if n.fixed:
        dx.para(doc, f"与上次检查（{cn_date(n.previous_run.started_at)}）相比，"
                     f"以下 {len(n.fixed)} 个问题已整改：")
        dx.table(doc, ["序号", "问题描述", "网址", "首次发现", "最后发现", "状态"],
                 [[str(i), f"{f.message}\n【{f.rule_label}】", f.url, iso(f.first_seen),
                   iso(f.last_seen), "已整改"] for i, f in enumerate(n.fixed, start=1)],
                 widths_mm=(10, 50, 44, 19, 19, 14))
    else:
        dx.para(doc, _no_fixed_text(n))
    if n.needs_person or n.data_gaps or n.to_confirm:
        doc.add_heading(f"{_cn_num(section)}、需人工核查的事项", level=1)
        section += 1
        for line in _manual_lines(n):
            dx.para(doc, line)
    doc.add_heading(f"{_cn_num(section)}、整改要求", level=1)
    for line in _requirement_lines(n):
        dx.para(doc, line)
    dx.signature(doc, n.sender, cn_date(n.notice_date))
    for line in n.notes:
        dx.para(doc, f"注：{line}", size=12)
    _docx_annexes(doc, n)
    doc.core_properties.title = n.title
    doc.core_properties.author = n.sender
    doc.save(str(path))
    return path


def _figure_ref(p: Problem) -> str:
    return f"\n（截图见附件1图{p.figure}）" if p.figure is not None else ""


def _docx_annexes(doc: Any, n: Notice) -> None:
    """附件1 问题截图, 附件2 问题与检查规则对照 (the only place rule IDs appear)."""
    annex = 0
    if n.figures:
        annex += 1
        dx.annex_heading(doc, f"附件{annex}", "问题截图")
        for p in n.figures:
            if p.picture:
                dx.picture(doc, p.picture, width_mm=156)
            else:
                dx.para(doc, "（无页面快照）", indent=False, size=12)
            dx.para(doc, p.figure_caption, indent=False, size=10.5, align="center")
    if n.rule_rows:
        annex += 1
        dx.annex_heading(doc, f"附件{annex}", "问题与检查规则对照")
        dx.table(doc, ["问题序号", "问题类型", "检查规则编号", "对应指标"],
                 [list(r) for r in n.rule_rows], widths_mm=(18, 46, 52, 40))


PROBLEM_COLUMNS = (("序号", 6), ("网站标识码", 13), ("网站名称", 22), ("指标", 16),
                   ("类别", 9), ("问题类型", 18), ("检查规则编号", 22), ("问题描述", 48),
                   ("问题网址", 45), ("发现页面", 45), ("页面标题/链接文字", 28),
                   ("证据", 48), ("首次发现", 12), ("状态", 10), ("整改期限", 12),
                   ("文号", 22))
PROBLEM_WRAP = ("问题描述", "问题网址", "发现页面", "证据", "页面标题/链接文字")
URL_COLUMNS = ("问题网址", "发现页面", "网址")


def _problem_rows(notices: list[Notice]) -> list[list[Any]]:
    rows = []
    for n in notices:
        for p in n.problems:
            rows.append([p.no, n.site.code, n.site.name, p.indicator, p.severity,
                         p.rule_label, p.rule, p.message, p.url, p.source or None,
                         p.page_text, p.evidence_text, p.first_seen, p.state, p.deadline,
                         n.doc_no])
    return rows


def _fixed_rows(notices: list[Notice]) -> list[list[Any]]:
    return [[i, n.site.code, n.site.name, f.rule_label, f.message, f.url, f.first_seen,
             f.last_seen, "已整改"]
            for n in notices for i, f in enumerate(n.fixed, start=1)]


FIXED_COLUMNS = (("序号", 6), ("网站标识码", 13), ("网站名称", 22), ("问题类型", 24),
                 ("问题描述", 48), ("问题网址", 45), ("首次发现", 12), ("最后发现", 12),
                 ("状态", 9))


def write_xlsx(notices: list[Notice], path: Path) -> Path:
    """Problem list: one row per problem (and sheets of the problems fixed and hints)."""
    wb = new_workbook()
    warnings = [[w.no, n.site.code, n.site.name, w.rule_label, w.message, w.url,
                 w.evidence_text, w.first_seen] for n in notices for w in n.warnings]
    if warnings:  # 预警 first: what a site can still prevent
        add_table(wb, "预警", (("序号", 6), ("网站标识码", 13), ("网站名称", 22), ("预警类型", 24),
                             ("预警内容", 60), ("网址", 45), ("预警依据", 30), ("首次发现", 12)),
                  warnings, wrap=("预警内容", "网址", "预警依据"), links=URL_COLUMNS)
    add_table(wb, "问题清单", PROBLEM_COLUMNS, _problem_rows(notices), wrap=PROBLEM_WRAP,
              links=URL_COLUMNS)
    add_table(wb, "已整改", FIXED_COLUMNS, _fixed_rows(notices),
              wrap=("问题描述", "问题网址"), links=URL_COLUMNS)
    hints = [[h.no, n.site.code, n.site.name, h.indicator, h.rule_label, h.message, h.url]
             for n in notices for h in n.hints]
    add_table(wb, "其他提示", (("序号", 6), ("网站标识码", 13), ("网站名称", 22), ("指标", 16),
                           ("问题类型", 24), ("提示", 60), ("网址", 45)), hints,
              wrap=("提示", "网址"), links=URL_COLUMNS)
    wb.properties.title = "整改问题清单"
    wb.properties.creator = "govmon"
    wb.save(str(path))
    return path


# -- shared wording (HTML template and DOCX say the same) -------------------------------
def _cn_num(i: int) -> str:
    digits = "零一二三四五六七八九十"
    if i <= 10:
        return digits[i]
    return ("十" if i < 20 else digits[i // 10] + "十") + (digits[i % 10] if i % 10 else "")


def _opening(n: Notice) -> str:
    return (f"根据{n.basis}有关要求，{n.sender}对你单位的“{n.site.name}”网站（网站标识码："
            f"{n.site.code}，首页网址：{clean(n.site.url)}）进行了检查（{n.period_text}）。"
            f"按照《{n.system_name}》评分，检查结论为{n.verdict}。现将检查发现的问题通知如下，"
            "请认真整改。")


def _status_lines(n: Notice) -> list[str]:
    out = []
    if (n.card.detail or {}).get("unreachable"):
        return out  # the verdict's reasons already say so
    if n.site_status == "unreachable":
        out.append("检查时网站首页无法访问，页面内容未能检查，相关指标结果未知。")
    elif not n.crawl_complete:
        out.append("本次抓取未能覆盖全部页面（抓取不完整），部分指标结果未知，不视为没有问题。")
    return out


def _warning_lines(n: Notice) -> str:
    return (f"以下 {len(n.warnings)} 项已接近单项否决标准，尚未扣分，请优先处理，避免在下次检查时"
            "被单项否决：")


def _manual_lines(n: Notice) -> list[str]:
    out = []
    if n.data_gaps:
        out.append("以下指标因数据不完整（抓取不完整、探测次数不足或规则未运行）暂无法判定："
                   + "、".join(n.data_gaps) + "。")
    if n.to_confirm:
        out.append("以下指标的自动检查结果将由检查人员人工确认：" + "、".join(n.to_confirm) + "。")
    if n.needs_person:
        out.append("以下指标需由检查人员人工核查，本通知未作结论：" + "、".join(n.needs_person) + "。")
    if n.media:
        out.append("首页公布的政务新媒体账号的内容更新情况需人工核查（自动检查只核对入口能否打开）："
                   + "、".join(n.media) + "。")
    return out


def _requirement_lines(n: Notice) -> list[str]:
    count = len(n.problems)
    first = (f"请你单位对照上述 {count} 个问题逐项整改，并举一反三开展全面自查，于"
             f"{cn_date(n.deadline)}前（自本通知印发之日起 {n.deadline_days} 个工作日内，"
             f"按国家法定节假日安排计算）完成整改，将整改情况书面报送{n.sender}。"
             if count else
             f"请你单位继续做好网站日常运维，对需人工核查的事项开展自查，于{cn_date(n.deadline)}前"
             f"将自查情况书面报送{n.sender}。")
    out = [first, "逾期未整改或整改不到位的，将在全市政府网站检查情况通报中予以通报。"]
    if n.calendar_note:
        out.append(n.calendar_note + "。")
    return out


def _no_fixed_text(n: Notice) -> str:
    if n.previous_run is None:
        return "本次为首次检查，无已整改问题。"
    return f"与上次检查（{cn_date(n.previous_run.started_at)}）相比，暂无已整改的问题。"


# -- the command's work ----------------------------------------------------------------
def issue_number(session: Session, site: Site, period: str, system_id: str, *,
                 notice_date: date, prefix: str = DEFAULT_PREFIX) -> IssuedNotice:
    """The stored 文号 of the notice for (site, period, system): the one issued before, or
    the next free number of ``prefix`` in the notice date's year. A number is never given
    twice (unique in the store); a regenerated notice keeps its number and its date."""
    have = session.scalars(select(IssuedNotice).where(
        IssuedNotice.site_id == site.id, IssuedNotice.period == period,
        IssuedNotice.system == system_id)).first()
    if have is not None:
        return have
    year = notice_date.year
    last = session.scalars(select(IssuedNotice.number).where(
        IssuedNotice.prefix == prefix, IssuedNotice.year == year)
        .order_by(IssuedNotice.number.desc()).limit(1)).first()
    number = (last or 0) + 1
    now = datetime.now()
    row = IssuedNotice(site_id=site.id, period=period, system=system_id, prefix=prefix,
                       year=year, number=number, doc_no=f"{prefix}〔{year}〕{number}号",
                       notice_date=notice_date, issued_at=now, rendered_at=now, files={})
    session.add(row)
    session.flush()
    return row


def has_problems(session: Session, card: Scorecard, site: Site) -> bool:
    """A notice is due: the card failed, or its run shows a problem to rectify or an
    early warning (the site should hear of it before the veto)."""
    if card.verdict == "不合格":
        return True
    return any(is_problem(f) or is_warning(f)
               for f in site_findings(session, card.run_id, site.id))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def resolve_period(session: Session, period: str | None, system_id: str) -> str:
    """``run:12`` / ``12`` / ``2026q4`` → the stored period; default: the newest run with
    scorecards under the system."""
    from scoring.engine import normalize_quarter

    if period:
        text = period.strip()
        if text.isdigit():
            return f"run:{text}"
        if text.lower().startswith("run:"):
            return "run:" + text[4:].strip()
        try:
            return normalize_quarter(text)
        except ValueError as exc:
            raise ReportError(f"--period: {exc}；或写作 run:12") from None
    periods = run_periods(session, system_id)
    if not periods:
        raise ReportError(f"没有 {system_id} 指标体系的评分表：先运行 govmon score")
    return periods[-1]


def generate_notices(session: Session, out_dir: Path, *, system: Any, period: str | None = None,
                     codes: list[str] | None = None, formats: tuple[str, ...] = FORMATS,
                     deadline_days: int = 15, notice_date: date | None = None,
                     sender: str | None = None, doc_prefix: str = DEFAULT_PREFIX,
                     browser: Any = None, only_problems: bool = False,
                     shots: bool = True) -> tuple[list[Notice], list[Path]]:
    """Build and write the notices of ``period`` (one per site with a scorecard; with
    ``only_problems`` only for sites with something to rectify).

    The session must be writable: document numbers (``IssuedNotice``) and screenshots
    (``EvidenceShot``) are stored. ``browser`` (``reports.browser.Browser``) renders the
    screenshots and the PDF; without one, the notices carry no pictures and no PDF is
    written (the notice says so)."""
    from reports.browser import print_pdf
    from reports.evidence import shots_for

    period = resolve_period(session, period, system.id)
    cards = period_cards(session, period, system.id)
    if not cards:
        raise ReportError(f"没有周期 {period} 的评分表 ({system.id})：先运行 govmon score")
    if codes:
        have = {site.code for _, site in cards}
        missing = [c for c in codes if c not in have]
        if missing:
            raise ReportError(f"周期 {period} 没有网站 {', '.join(missing)} 的评分表")
        cards = [(c, s) for c, s in cards if s.code in codes]
    if only_problems:
        cards = [(c, s) for c, s in cards if has_problems(session, c, s)]
    notice_date = notice_date or date.today()
    out_dir.mkdir(parents=True, exist_ok=True)
    systems = {system.id: system}
    notices, paths = [], []
    for card, site in cards:
        issued = issue_number(session, site, period, system.id, notice_date=notice_date,
                              prefix=doc_prefix)
        pictures = {}
        if shots and browser is not None and card.run_id is not None:
            pictures = shots_for(session, browser, card.run_id,
                                 site_findings(session, card.run_id, site.id), site.url)
        n = build_notice(session, card, site, notice_date=issued.notice_date,
                         deadline_days=deadline_days, sender=sender, doc_no=issued.doc_no,
                         systems=systems, shots=pictures)
        if shots and browser is None:
            n.shots_note = "本通知未附问题截图（生成时未找到 Chromium 浏览器）。"
        notices.append(n)
        written: list[Path] = []
        if "html" in formats or "pdf" in formats:
            html = write_html(n, out_dir / f"{n.file_stem}.html")
            if "html" in formats:
                written.append(html)
            if "pdf" in formats and browser is not None:
                written.append(print_pdf(browser, html, out_dir / f"{n.file_stem}.pdf"))
            if "html" not in formats:
                html.unlink()
        if "docx" in formats:
            written.append(write_docx(n, out_dir / f"{n.file_stem}.docx"))
        if "xlsx" in formats:
            written.append(write_xlsx([n], out_dir / f"{n.file_stem}.xlsx"))
        issued.files = {p.name: sha256_file(p) for p in written}
        issued.rendered_at = datetime.now()
        paths += written
    session.flush()
    if "xlsx" in formats and len(notices) > 1:
        paths.append(write_xlsx(notices, out_dir / f"problems-{period_tag(period)}.xlsx"))
    return notices, paths
