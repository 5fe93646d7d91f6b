"""What every report shares: reading stored scorecards and findings, formatting evidence,
and making text that came from crawled pages harmless (problems grouped by indicator and
verdict texts: :mod:`reports.verdicts`).

Reports never recompute a score: they read ``Scorecard`` rows (their ``detail`` explains
every indicator) and ``Finding`` rows. Anything that came from a crawled page (titles,
anchor texts, evidence, URLs) is untrusted: HTML output goes through Jinja2 with autoescape
on, links are only made for http(s) URLs, spreadsheet cells that a spreadsheet would run as
a formula are prefixed with a quote (as ``govmon export --format csv`` does), and control
characters that XML (DOCX / XLSX) cannot hold are dropped.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.rules_catalogue import rule_title
from store.models import CheckRun, Finding, Run, RunSite, Scorecard, Site

TEMPLATES = Path(__file__).resolve().parent / "templates"

KIND_NAMES = {"portal": "门户网站", "subsite": "子站", "department": "部门网站"}
KIND_ORDER = ("portal", "subsite", "department")
STATE_LABELS = {"new": "新发现", "persisting": "持续存在", "regressed": "整改后复现"}
SEVERITY_LABELS = {"veto": "单项否决", "deduct": "扣分", "info": "提示", "warn": "预警"}
KIND_LABELS = {"veto": "单项否决", "deduct": "扣分指标", "bonus": "加分指标",
               "other": "其他"}
VERDICTS = ("合格", "不合格", "待定")
VERDICT_CSS = {"合格": "pass", "不合格": "fail", "待定": "open"}
QUARTER_CN = {1: "一", 2: "二", 3: "三", 4: "四"}
QUARTER_RE = re.compile(r"^\d{4}Q[1-4]$")

# Same cells as govmon/commands/export.py:to_csv neutralises, plus tab and carriage
# return, which some spreadsheets also treat as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

# Chinese labels of the detail keys of rules.md (and of the extra keys checks add).
EVIDENCE_LABELS = {
    "column": "栏目", "parent": "上级栏目", "class": "栏目类别", "level": "栏目级别",
    "newest": "最近更新", "days": "未更新天数", "limit_days": "期限(天)",
    "items": "信息条数", "dated": "带日期条数",
    "news_notice_count": "动态要闻/通知公告类不更新栏目数",
    "should_update_count": "应更新未更新栏目数", "count": "数量",
    "kind": "类型", "status": "状态", "on_homepage": "位于首页", "anchor": "链接文字",
    "target": "链接目标", "final_url": "最终地址", "evidence": "证据", "how": "隐藏方式",
    "submitted": "留言日期", "replied": "答复日期", "working_days": "用时(工作日)",
    "limit": "时限(工作日)", "missing": "缺少", "missing_count": "缺少要素数",
    "found": "发现", "expected": "应为", "pages": "涉及页面数", "checked": "检查页面数",
    "sample": "示例页面", "wrong": "错误用词", "right": "正确用词", "context": "上下文",
    "marking": "密级标志", "failures": "失败次数", "probes": "探测次数", "ratio": "失败比例",
    "title": "页面标题", "name": "名称", "where": "位置", "reason": "原因",
    "crawl_error": "抓取错误", "note": "备注", "ratio_share": "失败比例",
    "also_missing": "另缺", "links": "链接", "probe_note": "可用性探测",
    "elapsed_ms": "响应用时(毫秒)", "item": "标识项", "share": "缺少页面占比",
    "columns": "栏目", "guides": "办事指南数", "many": "缺少要素门槛",
    "news_notice_limit": "动态要闻/通知公告类否决线", "should_update_limit": "应更新栏目否决线",
    # disclosure and cluster duties, early warnings (issue 16)
    "year": "年度", "deadline": "截止日期", "published": "发布日期", "days_late": "超期天数",
    "written": "成文日期", "portal": "门户网站", "portal_url": "门户网站首页",
    "misdirected": "以本网站名称命名但指向他处的链接", "latest": "最近一份年度", "shown": "首页所链年度",
    "threshold": "预警线", "veto_at": "否决线", "value": "当前值",
    # issue 17
    "masked": "号码（已遮盖）", "location": "所在位置", "samples": "示例",
    "original": "原文章", "original_date": "原发布日期", "date": "标注日期",
    "original_title": "原标题", "retitled": "标题已改", "first_seen": "首次发现",
    "previous_check": "上次检查", "https_url": "加密访问地址", "https_error": "加密访问错误",
    "cert_error": "证书问题", "expires": "证书到期日", "issuer": "证书颁发者",
    "names": "域名", "days_left": "剩余天数", "resource": "资源类型",
    "library": "脚本库", "version": "版本", "fixed": "修复版本", "advisories": "漏洞编号",
    "scripts": "引用文件数", "address": "内网地址", "ipv6_reason": "原因",
    "links_checked": "抽查页面数",
}
# A key whose meaning depends on the rule: (key, a key only that rule's detail has) → label
CONTEXT_LABELS = {("share", "links_checked"): "IPv6 可访问页面占比"}
# Values whose meaning depends on the rule, keyed the same way: a personal number's ``kind``
# ("mobile": 手机号码) is not a homepage entry's ``kind`` ("mobile": 手机版).
CONTEXT_VALUES = {("kind", "masked"): {"id_card": "身份证号码", "mobile": "手机号码",
                                       "bank_card": "银行卡号"}}
# Keys that only help the checks (vocabulary, internal bookkeeping): not evidence.
EVIDENCE_SKIP = {"keywords", "present", "uncrawlable_columns", "category", "newest_source",
                 "error", "redirects", "all_found", "crawl_failed", "date_source"}
LINK_KINDS = {"internal": "站内链接", "external": "外部链接", "image": "图片",
              "attachment": "附件", "soft404": "软404", "dns": "域名解析失败",
              "refused": "连接被拒绝", "timeout": "超时", "tls": "证书错误",
              "redirect_loop": "循环跳转", "article": "内容页", "column": "栏目页",
              # entries a homepage announces (media.*)
              "mobile": "手机版", "weibo": "政务微博", "weixin": "政务微信", "app": "客户端"}
UPDATE_CLASSES = {"news": "动态要闻", "notice": "通知公告/政策文件", "personnel": "人事/规划计划"}
# Values of detail keys that checks write in English (report text is Chinese).
WHERE_NAMES = {"page": "页面正文", "title": "页面标题", "footer": "页脚", "meta": "元标签",
               "jiucuo": "找错入口", "attachment": "附件", "body": "页面正文"}
STATUS_NAMES = {"pending": "未答复", "answered": "已答复", "unknown": "状态不明"}
REASON_NAMES = {"absent": "未找到", "broken": "无法使用"}
# Connection errors the crawler notes in English, as a notice says them.
ERROR_NAMES = {"refused": "连接被拒绝", "timeout": "连接超时", "dns": "域名无法解析",
               "tls": "证书错误", "reset": "连接被重置", "redirect_loop": "循环跳转",
               "private": "地址不允许访问", "too_large": "响应过大",
               "http": "返回错误状态", "other": "无法访问"}
# issue 17: values that checks write as codes
CODE_NAMES = {
    "cert_error": {"expired": "证书已过期", "not_yet_valid": "证书尚未生效",
                   "hostname": "证书与域名不符", "self_signed": "自签名证书",
                   "untrusted": "颁发机构不受信任", "other": "证书无法验证"},
    "ipv6_reason": {"no_name": "仅以 IPv4 地址登记", "no_aaaa": "域名无 IPv6 解析记录",
                    "home_failed": "首页无法通过 IPv6 访问",
                    "content_differs": "IPv6 与 IPv4 首页内容不一致",
                    "links": "二、三级页面 IPv6 可访问比例不足"},
    "missing": {"content-security-policy": "内容安全策略", "x-content-type-options": "禁止类型嗅探",
                "x-frame-options": "防点击劫持", "strict-transport-security": "强制加密访问"},
    "resource": {"img": "图片", "script": "脚本", "link": "样式表", "iframe": "内嵌框架",
                 "frame": "框架", "embed": "嵌入对象", "source": "媒体"},
}
_ERROR_NOTE = re.compile(r"\s?\((" + "|".join(ERROR_NAMES) + r")\)")


def official(text: Any) -> str:
    """A finding's message for an official document: ``(refused)`` → （连接被拒绝）."""
    return _ERROR_NOTE.sub(lambda m: f"（{ERROR_NAMES[m.group(1)]}）", clean(text))


# -- untrusted text --------------------------------------------------------------------
def clean(value: Any) -> str:
    """Text for any output: ``None`` → "", XML-illegal control characters dropped."""
    if value is None:
        return ""
    return _XML_ILLEGAL.sub("", str(value))


def neutralise(value: Any) -> Any:
    """A spreadsheet cell value: numbers and dates stay, text is cleaned and a text that a
    spreadsheet would run as a formula (= + - @ …) gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, date, datetime)):
        return value
    text = clean(value)
    if text.startswith(FORMULA_PREFIXES):
        text = "'" + text
    return text


def safe_href(url: Any) -> str | None:
    """The URL when it may be a link target (http / https only), else None: a crawled
    ``javascript:`` or ``data:`` URL is shown as text, never made clickable."""
    text = clean(url).strip()
    low = text.lower()
    if low.startswith(("http://", "https://")) and not any(c in text for c in "\"'<> "):
        return text
    return None


# -- formatting ------------------------------------------------------------------------
def cn_date(d: date | datetime | None) -> str:
    if d is None:
        return "—"
    return f"{d.year}年{d.month}月{d.day}日"


def iso(d: date | datetime | None) -> str:
    if d is None:
        return "—"
    return (d.date() if isinstance(d, datetime) else d).isoformat()


def quarter_label(period: str) -> str:
    """``2026Q4`` → 2026年第四季度; other periods unchanged."""
    if QUARTER_RE.match(period or ""):
        return f"{period[:4]}年第{QUARTER_CN[int(period[5])]}季度"
    return period


def previous_quarter(period: str) -> str:
    year, q = int(period[:4]), int(period[5])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def fmt_num(x: Any) -> str:
    """Points as people write them: 87.5, 100, — for none."""
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{round(x, 2):g}"
    return str(x)


def fmt_rate(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def fmt_delta(x: float | None) -> str:
    if x is None:
        return "—"
    if abs(x) < 0.005:
        return "持平"
    return f"+{round(x, 2):g}" if x > 0 else f"{round(x, 2):g}"


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        keep = 2 if key == "sample" else 5  # sample pages: long URLs, two say enough
        names = CODE_NAMES.get(key, {})
        shown = [names.get(str(v), clean(v)) for v in value[:keep]]
        more = f" 等 {len(value)} 项" if len(value) > keep else ""
        return "、".join(shown) + more
    if isinstance(value, dict):
        return "；".join(f"{clean(k)}: {clean(v)}" for k, v in list(value.items())[:5])
    if key == "kind":
        return LINK_KINDS.get(str(value), clean(value))
    if key == "class":
        return UPDATE_CLASSES.get(str(value), clean(value))
    if key == "where":
        return WHERE_NAMES.get(str(value), clean(value))
    if key == "reason":
        return REASON_NAMES.get(str(value), clean(value))
    if key in CODE_NAMES and str(value) in CODE_NAMES[key]:
        return CODE_NAMES[key][str(value)]
    if key in ("crawl_error", "error_class", "https_error") and str(value) in ERROR_NAMES:
        return ERROR_NAMES[str(value)]
    if key == "status" and str(value) in STATUS_NAMES:
        return STATUS_NAMES[str(value)]
    if key == "how":
        from checks.hidden_links import HOW_NAMES

        return HOW_NAMES.get(str(value), clean(value))
    if key == "item":
        from checks.identity import NAMES as ITEM_NAMES

        return ITEM_NAMES.get(str(value), clean(value))
    if key in ("ratio", "share") and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%"
    if key == "level" and isinstance(value, int):
        return {0: "首页", 1: "一级栏目", 2: "二级栏目"}.get(value, f"{value}级栏目")
    return clean(value)


def evidence_items(detail: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(Chinese label, value) pairs of a finding's detail, noise left out."""
    out = []
    for key, value in (detail or {}).items():
        if key in EVIDENCE_SKIP or value is None or value == "" or value == []:
            continue
        label = next((text for (k, mark), text in CONTEXT_LABELS.items()
                      if k == key and mark in detail), None)
        names = next((names for (k, mark), names in CONTEXT_VALUES.items()
                      if k == key and mark in detail), {})
        text = names.get(str(value)) or _value_text(key, value)
        out.append((label or EVIDENCE_LABELS.get(key, clean(key)), text))
    return out


def evidence_text(detail: dict[str, Any] | None) -> str:
    return "；".join(f"{k}：{v}" for k, v in evidence_items(detail))


def page_text(finding: Finding) -> str:
    """The text that names the problem on its page: anchor text, page title or column."""
    d = finding.detail or {}
    for key in ("anchor", "title", "column", "wrong", "marking"):
        if d.get(key):
            return clean(d[key])
    return ""


# -- the store -------------------------------------------------------------------------
def sample_runs(session: Session) -> dict[int, str]:
    """run id → note, for runs marked as sample data (the demo's seeded history)."""
    out = {}
    for run in session.scalars(select(Run)):
        if (run.options or {}).get("sample_history"):
            out[run.id] = run.note or "示例数据"
    return out


def period_cards(session: Session, period: str, system: str) -> list[tuple[Scorecard, Site]]:
    return list(session.execute(
        select(Scorecard, Site).join(Site, Site.id == Scorecard.site_id)
        .where(Scorecard.period == period, Scorecard.system == system)
        .order_by(Site.code)).all())


def run_periods(session: Session, system: str) -> list[str]:
    """``run:<id>`` periods with stored cards, oldest run first."""
    rows = session.execute(
        select(Scorecard.period, Run.started_at).join(Run, Run.id == Scorecard.run_id)
        .where(Scorecard.system == system, Scorecard.period.like("run:%")).distinct()).all()
    return [p for p, _ in sorted(rows, key=lambda r: (r[1], int(r[0][4:])))]


def quarter_periods(session: Session, system: str) -> list[str]:
    periods = set(session.scalars(select(Scorecard.period).where(Scorecard.system == system)))
    return sorted(p for p in periods if QUARTER_RE.match(p))


def site_findings(session: Session, run_id: int | None, site_id: int) -> list[Finding]:
    if run_id is None:
        return []
    return list(session.scalars(select(Finding).where(
        Finding.run_id == run_id, Finding.site_id == site_id).order_by(Finding.id)))


def run_site(session: Session, run_id: int | None, site_id: int) -> RunSite | None:
    if run_id is None:
        return None
    return session.scalars(select(RunSite).where(RunSite.run_id == run_id,
                                                 RunSite.site_id == site_id)).first()


def was_checked(session: Session, run_id: int | None, site_id: int) -> bool:
    if run_id is None:
        return False
    return session.scalars(select(CheckRun.id).where(
        CheckRun.run_id == run_id, CheckRun.site_id == site_id).limit(1)).first() is not None


def is_problem(f: Finding) -> bool:
    """A problem to rectify (veto / deduct severity); ``info`` findings are hints and
    ``warn`` findings early warnings (shown first, never scored)."""
    return f.severity in ("veto", "deduct")


def is_warning(f: Finding) -> bool:
    """An early warning (预警, ``warn.<rule>``): shown before everything else."""
    return f.severity == "warn"


@lru_cache(maxsize=16)
def _bundled_system(system_id: str) -> Any:
    from indicators.system import IndicatorFileError, bundled_systems, load_system

    if system_id not in bundled_systems():
        return None
    try:
        return load_system(system_id)
    except IndicatorFileError:
        return None


def system_for(card: Scorecard, systems: dict[str, Any] | None = None) -> Any:
    """The indicator system a card was scored under, when it can be loaded (bundled, or
    passed in by the caller); None otherwise — reports then rely on ``card.detail``."""
    if systems and card.system in systems:
        return systems[card.system]
    return _bundled_system(card.system)


def system_source(card: Scorecard, systems: dict[str, Any] | None = None) -> str:
    system = system_for(card, systems)
    return system.source if system is not None else ""


def rule_label(rule: str) -> str:
    return f"{rule_title(rule)}（{rule}）" if rule_title(rule) != rule else rule


# -- templates -------------------------------------------------------------------------
def _href(url: Any) -> str:
    return safe_href(url) or ""


def _finalize(value: Any) -> Any:
    """Every printed value: control characters dropped (before autoescape), None empty."""
    if isinstance(value, Markup):
        return value
    if value is None or isinstance(value, str):
        return clean(value)
    return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Jinja2 with autoescape ON for every template (crawled text is untrusted); one per
    process, so each template is compiled once."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      finalize=_finalize)
    env.filters.update(cn_date=cn_date, iso=iso, num=fmt_num, rate=fmt_rate, delta=fmt_delta,
                       href=_href, clean=clean, quarter=quarter_label)
    env.globals.update(KIND_NAMES=KIND_NAMES, STATE_LABELS=STATE_LABELS,
                       SEVERITY_LABELS=SEVERITY_LABELS, VERDICT_CSS=VERDICT_CSS,
                       rule_label=rule_label, evidence_items=evidence_items,
                       page_text=page_text)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def svg(markup: str) -> Markup:
    """SVG built by reports/charts.py (which escapes every text it puts in)."""
    return Markup(markup)
