"""parse/governance.py on page markup as real sites write it (pure, no server)."""

from __future__ import annotations

from datetime import date

import pytest

from parse.governance import (
    catalogue_fields,
    field_date,
    missing_sections,
    read,
    report_sections,
    report_title,
    statement_title,
)
from parse.page import PageView


def view(body: str, url: str = "http://www.x.gov.cn/a/t1.html", title: str = "页面") -> PageView:
    return PageView(url=url, html=f"<html><head><title>{title}</title></head><body>{body}"
                                  "</body></html>")


@pytest.mark.parametrize(("title", "year"), [
    ("示例市人民政府2025年政府信息公开工作年度报告", 2025),
    ("2024年度政府信息公开工作年度报告", 2024),
    ("示例市教育局 2023 年政府信息公开年度报告", 2023),
    ("政府信息公开工作年度报告（2022年）", 2022),
    ("示例县2016年政府信息公开年报", 2016),
    ("关于做好2025年政府信息公开工作年度报告编制工作的通知", None),
    ("图解：2025年政府信息公开工作年度报告", None),
    ("示例市人民政府门户网站2025年工作年度报表", None),
    ("2025年政务公开工作要点", None),
])
def test_report_titles(title: str, year: int | None) -> None:
    assert report_title(title) == year


def test_statement_titles() -> None:
    assert statement_title("示例市人民政府门户网站2025年工作年度报表") == 2025
    assert statement_title("政府网站工作年度报表") == 0
    assert statement_title("2025年政府信息公开工作年度报告") is None


def test_sections_of_both_templates() -> None:
    new = ["一、总体情况", "（一）主动公开情况", "本机关2025年主动公开政府信息……共计1000余条。",
           "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
           "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
           "六、其他需要报告的事项"]
    found = report_sections(new)
    assert missing_sections(2025, found) == []
    assert missing_sections(2025, [s for s in found if s != "其他需要报告的事项"]) == [
        "其他需要报告的事项"]
    old = ["一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况",
           "四、因政府信息公开申请行政复议、提起行政诉讼的情况", "五、主要问题和改进措施"]
    assert missing_sections(2016, report_sections(old)) == []
    # the old headings do not make a 2019-template report complete
    assert "收到和处理政府信息公开申请情况" in missing_sections(2025, report_sections(old))
    # a long body line quoting a heading is not a heading
    quoted = ["按照要求，本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等内容，"
              "所列数据的统计期限自2025年1月1日起至2025年12月31日止。"]
    assert report_sections(quoted) == []


def test_catalogue_header_in_cells_and_inline() -> None:
    cells = ["索 引 号", "11519900MB0000001R/2026-00012", "主题分类", "综合政务", "成文日期",
             "2026年03月02日", "发文字号", "", "发布日期", "2026年04月20日", "有 效 性", "有效"]
    got = catalogue_fields(cells)
    assert got["index_no"] == "11519900MB0000001R/2026-00012"
    assert got["doc_no"] == "" and field_date(got["written"]) == date(2026, 3, 2)
    assert field_date(got["published"]) == date(2026, 4, 20)
    inline = ["索引号：000014349/2025-00123 发文字号：示府发〔2025〕3号", "成文日期：2025-01-06 发布日期：2025-01-08"]
    got = catalogue_fields(inline)
    assert got["doc_no"] == "示府发〔2025〕3号" and got["written"] == "2025-01-06"
    assert catalogue_fields(["发布日期：2025-01-08", "正文"]) == {}  # one label: an article


def test_read_finds_entries_reports_and_the_request_channel() -> None:
    home = view('<div class="top"><a href="/m/">手机版</a> <a href="https://weibo.com/x">'
                '<img src="/wb.png" alt="政务微博"></a> <img src="/wx.png" alt="政务微信">'
                '<a href="/ysqgk/">依申请公开</a> <a href="/bb/2025.html">网站工作年度报表</a></div>'
                '<ul><li><a href="/ndbg/t1.pdf">示例市2025年政府信息公开工作年度报告</a>'
                '<span>2026-01-20</span></li></ul>', url="http://www.x.gov.cn/")
    page = read(home, is_home=True)
    kinds = {(link.kind, link.target) for link in page.links}
    assert kinds == {("mobile", "http://www.x.gov.cn/m/"), ("weibo", "https://weibo.com/x"),
                     ("weixin", "http://www.x.gov.cn/wx.png"),
                     ("request", "http://www.x.gov.cn/ysqgk/"),
                     ("statement", "http://www.x.gov.cn/bb/2025.html"),
                     ("report", "http://www.x.gov.cn/ndbg/t1.pdf")}
    report = next(link for link in page.links if link.kind == "report")
    assert (report.year, report.row_date, report.attachment) == (2025, date(2026, 1, 20), True)
    # entries are the homepage's: an article's share buttons are not announced entries
    assert [link.kind for link in read(home, is_home=False).links] == [
        "request", "statement", "report"]


def test_read_a_report_page() -> None:
    page = read(view("<h1>示例市2025年政府信息公开工作年度报告</h1><p>一、总体情况</p>"
                     "<p>二、主动公开政府信息情况</p><p>附件：<a href='a.pdf'>报告全文</a></p>"),
                is_home=False)
    assert page.report_year == 2025
    assert missing_sections(2025, page.sections) == [
        "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况",
        "其他需要报告的事项"]
    assert page.attachments == ["http://www.x.gov.cn/a/a.pdf"]
