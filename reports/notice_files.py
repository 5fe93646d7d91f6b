"""A rectification notice as files: printable HTML, DOCX, and the XLSX problem list
(one notice's, or all sites' of a period). The HTML template and the DOCX say the same
words (the wording helpers at the end)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports import docx_helpers as dx
from reports.common import clean, cn_date, iso, render
from reports.notice_model import Notice, Problem
from reports.xlsx import add_table, new_workbook

EMPTY_TEXT = "—"


# -- output ----------------------------------------------------------------------------
def write_html(notice: Notice, path: Path) -> Path:
    n = notice
    path.write_text(render("notice.html.j2", n=n, opening=_opening(n),
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
    _docx_problems(doc, n)
    section = _docx_other_sections(doc, n)
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


def _docx_problems(doc: Any, n: Notice) -> None:
    """Section 二: the problems, one table per indicator."""
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


def _docx_other_sections(doc: Any, n: Notice) -> int:
    """Sections 三 onwards before the requirements: hints, fixed problems, what a person
    must check; returns the next section's number."""
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
    return section


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


def _manual_lines(n: Notice) -> list[str]:
    out = []
    if n.data_gaps:
        out.append("以下指标因数据不完整（抓取不完整、探测次数不足或规则未运行）暂无法判定："
                   + "、".join(n.data_gaps) + "。")
    if n.to_confirm:
        out.append("以下指标的自动检查结果将由检查人员人工确认：" + "、".join(n.to_confirm) + "。")
    if n.needs_person:
        out.append("以下指标需由检查人员人工核查，本通知未作结论：" + "、".join(n.needs_person) + "。")
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
