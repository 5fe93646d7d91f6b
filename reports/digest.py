"""E-mail digests of a night's run: one message per contact for their sites, one cluster
summary per supervisor (issue 16). Read from the store like every report — findings and
their states, problems fixed since the previous check, scorecards — and written in
Chinese as plain text, the site's notice attached or linked.

A contact's message carries, per site: new vetoes, new early warnings (预警), problems
fixed, warnings that ended (resolved, or escalated to the veto they announced), how many
other problems are new, and the open totals. A contact whose sites have nothing new gets
no message that night. Sending
is ``govmon/mail.py``'s business.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.findings import fixed_findings
from indicators.rules_catalogue import rule_title
from reports.common import clean, is_problem, is_warning, site_findings
from store.models import Finding, Run, RunSite, Scorecard, Site

NEW_STATES = ("new", "regressed")
MAX_LISTED = 20  # findings listed per section; the rest are counted


@dataclass
class SiteNews:
    """What changed on one site in the run."""

    site: Site
    new_vetoes: list[Finding] = field(default_factory=list)
    new_warnings: list[Finding] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)
    warnings_ended: list[tuple[Finding, bool]] = field(default_factory=list)  # escalated?
    new_other: int = 0
    open_vetoes: int = 0
    open_problems: int = 0
    open_warnings: int = 0
    notice: Path | None = None

    @property
    def anything(self) -> bool:
        return bool(self.new_vetoes or self.new_warnings or self.fixed or self.warnings_ended
                    or self.new_other)


@dataclass
class Digest:
    kind: str  # contact | supervisor
    recipient: str  # address
    name: str
    sites: list[str]  # codes
    message: EmailMessage


def site_news(session: Session, run_id: int, site: Site, notices: Path | None) -> SiteNews:
    found = site_findings(session, run_id, site.id)
    news = SiteNews(site=site)
    news.new_vetoes = [f for f in found if f.severity == "veto" and f.state in NEW_STATES]
    news.new_warnings = [f for f in found if is_warning(f) and f.state in NEW_STATES]
    news.new_other = sum(1 for f in found if f.state in NEW_STATES
                         and f.severity not in ("veto", "warn"))
    news.open_vetoes = sum(1 for f in found if f.severity == "veto")
    news.open_problems = sum(1 for f in found if is_problem(f))
    news.open_warnings = sum(1 for f in found if is_warning(f))
    now = {f.rule for f in found}
    for f in fixed_findings(session, run_id, site.id):
        if f.rule.startswith("warn."):
            news.warnings_ended.append((f, f.rule.removeprefix("warn.") in now))
        else:
            news.fixed.append(f)
    news.notice = _notice_file(notices, site.code)
    return news


def _notice_file(folder: Path | None, code: str) -> Path | None:
    """The site's newest published notice: its PDF, else its HTML."""
    if folder is None or not folder.is_dir():
        return None
    for suffix in (".pdf", ".html"):
        files = sorted(folder.glob(f"notice-{code}-*{suffix}"), key=lambda p: p.stat().st_mtime)
        if files:
            return files[-1]
    return None


def _lines(title: str, findings: list[Finding]) -> list[str]:
    if not findings:
        return []
    out = [f"  {title}（{len(findings)} 项）："]
    for i, f in enumerate(findings[:MAX_LISTED], start=1):
        out.append(f"    {i}. 【{rule_title(f.rule)}】{clean(f.message)}")
        out.append(f"       网址：{clean(f.url)}")
    if len(findings) > MAX_LISTED:
        out.append(f"    …… 另有 {len(findings) - MAX_LISTED} 项，详见整改通知")
    return out


def site_text(news: SiteNews, link: str | None) -> list[str]:
    s = news.site
    out = [f"■ {s.name}（网站标识码 {s.code}，{clean(s.url)}）"]
    out += _lines("新增单项否决问题", news.new_vetoes)
    out += _lines("新增预警（接近单项否决标准，尚未扣分，请优先处理）", news.new_warnings)
    out += _lines("已整改的问题", news.fixed)
    if news.warnings_ended:
        out.append(f"  已结束的预警（{len(news.warnings_ended)} 项）：")
        for f, escalated in news.warnings_ended[:MAX_LISTED]:
            state = "已升级为单项否决" if escalated else "已解除"
            out.append(f"    - 【{rule_title(f.rule)}】{state}：{clean(f.message)}")
    if news.new_other:
        out.append(f"  其他新发现的问题和提示 {news.new_other} 项，详见整改通知。")
    out.append(f"  当前共有单项否决问题 {news.open_vetoes} 项、待整改问题 {news.open_problems} 项、"
               f"预警 {news.open_warnings} 项。")
    if news.notice is not None:
        out.append(f"  整改通知：{link + news.notice.name if link else '见附件 ' + news.notice.name}")
    return out


def _message(sender: str, to: str, name: str, subject: str, body: list[str],
             attachments: list[Path]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = formataddr((name, to)) if name else to
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "govmon"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content("\n".join(body) + "\n", charset="utf-8")
    for path in attachments:
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        main, sub = ctype.split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
    return msg


FOOTER = ["", "本邮件由政府网站监测系统（govmon）在每晚检查后自动发送，请勿直接回复。",
          "如需调整收件人，请联系网站主管单位修改网站注册表（sites.yaml 中的 contacts）。"]


def build(session: Session, run_id: int, registry: Any, mail: Any, *,
          notices: Path | None = None, system_id: str | None = None) -> list[Digest]:
    """The digests of ``run_id``: one per contact with news on their sites, one per
    supervisor (``mail.supervisors``)."""
    run = session.get(Run, run_id)
    day = run.started_at.date()
    sites = {s.code: s for s in session.scalars(select(Site))}
    checked = set(session.scalars(select(RunSite.site_id).where(RunSite.run_id == run_id)))
    link = mail.link_base.rstrip("/") + "/notices/" if mail.link_base else None
    cache: dict[str, SiteNews] = {}

    def news_of(code: str) -> SiteNews | None:
        site = sites.get(code)
        if site is None or site.id not in checked:
            return None
        if code not in cache:
            cache[code] = site_news(session, run_id, site, notices)
        return cache[code]

    people: dict[str, dict[str, Any]] = {}
    for spec in registry.sites:
        for c in spec.contacts:
            person = people.setdefault(c.email.lower(), {"email": c.email, "name": c.name,
                                                         "roles": [], "codes": []})
            person["codes"].append(spec.code)
            person["roles"].append(c.role)
    out = []
    for person in people.values():
        news = [n for code in person["codes"] if (n := news_of(code)) is not None and n.anything]
        if not news:
            continue
        vetoes = sum(len(n.new_vetoes) for n in news)
        warns = sum(len(n.new_warnings) for n in news)
        fixed = sum(len(n.fixed) for n in news)
        where = news[0].site.name if len(news) == 1 else f"{len(news)} 个网站"
        subject = (f"【政府网站监测】{day:%Y-%m-%d} {where}：新增单项否决 {vetoes} 项、预警 {warns} 项、"
                   f"已整改 {fixed} 项")
        role = "负责人" if "负责人" in person["roles"] else "联系人"
        body = [f"{person['name']}（{role}）：", "",
                f"{day:%Y年%m月%d日}的检查结果中，您负责的网站有以下变化：", ""]
        for n in news:
            body += site_text(n, link) + [""]
        attach = [n.notice for n in news if n.notice is not None] if mail.attach else []
        msg = _message(mail.sender, person["email"], person["name"], subject, body + FOOTER,
                       attach)
        out.append(Digest("contact", person["email"], person["name"],
                          [n.site.code for n in news], msg))
    if mail.supervisors:
        body, subject = _summary(session, run_id, day, sites, checked, news_of, system_id,
                                 mail.link_base)
        extra = []
        if notices is not None and mail.attach:
            extra = sorted(notices.glob("problems-*.xlsx"))[-1:]
        for address in mail.supervisors:
            msg = _message(mail.sender, _bare(address), "", subject, body + FOOTER, extra)
            out.append(Digest("supervisor", _bare(address), "", sorted(sites), msg))
    return out


def _bare(address: str) -> str:
    return address.rsplit("<", 1)[-1].strip(" >")


def _summary(session: Session, run_id: int, day: date, sites: dict[str, Site],
             checked: set[int], news_of: Any, system_id: str | None,
             link_base: str | None) -> tuple[list[str], str]:
    """The cluster summary for supervisors: warnings first, then vetoes and verdicts."""
    cards = {}
    if system_id:
        cards = {c.site_id: c for c in session.scalars(select(Scorecard).where(
            Scorecard.period == f"run:{run_id}", Scorecard.system == system_id))}
    running = [s for s in sites.values() if s.id in checked and s.status == "运行"]
    closed = [s for s in sites.values() if s.id in checked and s.status != "运行"]
    allnews = {s.code: news_of(s.code) for s in running + closed}
    verdicts = [c.verdict for c in cards.values()]
    warned = [(code, n) for code, n in allnews.items() if n and n.open_warnings]
    vetoed = [(code, n) for code, n in allnews.items() if n and n.open_vetoes]
    new_v = sum(len(n.new_vetoes) for n in allnews.values() if n)
    new_w = sum(len(n.new_warnings) for n in allnews.values() if n)
    fixed = sum(len(n.fixed) for n in allnews.values() if n)
    body = ["各位领导、同事：", "", f"{day:%Y年%m月%d日}网站群检查情况如下：", ""]
    body.append(f"一、预警：{len(warned)} 个网站共 {sum(n.open_warnings for _, n in warned)} 项"
                + ("" if warned else "（无）"))
    for _, n in warned:
        titles = "、".join(dict.fromkeys(rule_title(f.rule).removesuffix("（预警）") for f in
                                         site_findings(session, run_id, n.site.id)
                                         if is_warning(f)))
        body.append(f"  - {n.site.name}：{titles}")
    body.append(f"二、单项否决：{len(vetoed)} 个网站" + ("" if vetoed else "（无）"))
    for _, n in vetoed:
        body.append(f"  - {n.site.name}：{n.open_vetoes} 项" + (f"（新增 {len(n.new_vetoes)} 项）"
                                                              if n.new_vetoes else ""))
    body.append(f"三、检查网站 {len(running)} 个" + (
        "，结论：" + "，".join(f"{v} {verdicts.count(v)} 个" for v in ("合格", "不合格", "待定"))
        if verdicts else ""))
    body.append(f"四、问题变化：新增单项否决 {new_v} 项、新增预警 {new_w} 项、已整改 {fixed} 项")
    still = [s for s in closed if any(f.rule == "site.closed_still_online"
                                      for f in site_findings(session, run_id, s.id))]
    if closed:
        body.append(f"五、已关停网站 {len(closed)} 个，仍可访问 {len(still)} 个"
                    + ("：" + "、".join(s.name for s in still) if still else ""))
    if link_base:
        body += ["", f"监测看板：{link_base.rstrip('/')}/dashboard/index.html"]
    subject = (f"【政府网站监测】{day:%Y-%m-%d} 网站群检查情况：预警 {len(warned)} 个网站、"
               f"单项否决 {len(vetoed)} 个网站")
    return body, subject
