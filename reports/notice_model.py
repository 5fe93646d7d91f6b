"""What a rectification notice (整改通知) says: :func:`build_notice` reads it from the store.

A notice reads one stored ``Scorecard`` (its verdict, score and the explanation of every
indicator) and the ``Finding`` rows of the run behind it; problems are grouped by the
indicator of the card's system, each with its rule, URL, the page it was seen on, the
evidence, since when it exists and the rectification deadline (N working days after the
notice date under the official holiday calendar, ``indicators.workdays``). Problems open in the
site's previous checked run that this run no longer shows (``checks.findings.fixed_findings``)
are listed as 已整改.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.findings import fixed_findings
from indicators.rules_catalogue import rule_title
from indicators.workdays import workday
from reports.common import (
    KIND_NAMES,
    QUARTER_RE,
    SEVERITY_LABELS,
    STATE_LABELS,
    clean,
    cn_date,
    evidence_items,
    evidence_text,
    fmt_num,
    is_problem,
    official,
    page_text,
    quarter_label,
    run_site,
    safe_href,
    sample_runs,
    site_findings,
    system_source,
)
from reports.verdicts import Group, group_findings, indicator_names, verdict_reason
from store.models import CheckRun, EvidenceShot, Run, Scorecard, Site


# -- working days ----------------------------------------------------------------------
def add_working_days(start: date, days: int) -> tuple[date, list[int]]:
    """The date ``days`` working days after ``start`` (法定节假日 and 调休 counted as the
    State Council declares them), and the years the calendar did not know (counted Monday
    to Friday, as ``indicators.workdays`` does)."""
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

    @property
    def figures(self) -> list[Problem]:
        return [p for p in self.problems if p.figure is not None]

    @property
    def rule_rows(self) -> list[tuple[str, str, str, str]]:
        """Annex: (problem no, problem type, rule ID, indicator) for every problem."""
        rows = [(str(p.no), p.rule_label, p.rule, p.indicator) for p in self.problems]
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

    groups, hints = _problem_groups(card, findings, systems, deadline, shots or {}, scored)
    fixed: list[FixedProblem] = []
    previous = None
    if card.run_id is not None:
        previous = _previous_checked_run(session, card.run_id, site.id)
        for f in fixed_findings(session, card.run_id, site.id):
            fixed.append(FixedProblem(rule_label=rule_title(f.rule), message=official(f.message),
                                      url=clean(f.url), first_seen=f.first_seen.date(),
                                      last_seen=f.last_seen.date()))
    rs = run_site(session, card.run_id, site.id)
    notes = _sample_notes(session, run, previous)
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
        notes=notes)


def _problem_groups(card: Scorecard, findings: list[Any], systems: dict[str, Any] | None,
                    deadline: date, shots: dict[str, EvidenceShot], scored: set[int]
                    ) -> tuple[list[ProblemGroup], list[Problem]]:
    """Problems by indicator (numbered, with their figure numbers) and the hints (findings
    that neither cost points nor count as problems)."""
    groups: list[ProblemGroup] = []
    hints: list[Problem] = []
    no = 0
    for g in group_findings(card, findings, systems):
        problems = [f for f in g.findings if is_problem(f) or f.id in scored]
        others = [f for f in g.findings if f not in problems]
        if problems:
            items = []
            for f in problems:
                no += 1
                items.append(_problem(no, g, f, deadline, shots.get(f.fingerprint)))
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
    return groups, hints


def _sample_notes(session: Session, run: Run | None, previous: Run | None) -> list[str]:
    """What the notice says when its data (or the previous run's) is the demo's sample."""
    notes = []
    samples = sample_runs(session)
    if previous is not None and previous.id in samples:
        notes.append(f"上次检查（{cn_date(previous.started_at)}）的数据为演示用样例数据："
                     f"{samples[previous.id]}")
    if run is not None and run.id in samples:
        notes.append(f"本次检查数据为演示用样例数据：{samples[run.id]}")
    return notes


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
