"""The personal-number detectors and the attachment readers on their own (parse/)."""

from __future__ import annotations

from datetime import date

from parse import documents, posture, privacy
from parse.page import PageView
from tests.personal_files import (
    CARD_PAGE,
    ID_BAD,
    ID_DOCX,
    ID_PAGE,
    ID_PDF,
    ID_XLSX,
    MOBILE_PAGE,
    ORDER_NO,
    docx,
    pdf,
    xlsx,
)

TODAY = date(2026, 12, 7)


def kinds(text: str, header: str = "") -> list[tuple[str, str]]:
    return [(h.kind, h.masked) for h in privacy.find(text, header=header, today=TODAY)]


def test_resident_id_needs_check_digit_province_and_real_birth_date() -> None:
    assert kinds(f"张三 {ID_PAGE} 男") == [("id_card", "110***********" + ID_PAGE[-4:])]
    assert kinds(ID_PAGE.lower()) and kinds(ID_BAD) == []  # the check digit decides
    wrong_day = privacy.id_check_digit("11010519900230123")
    assert kinds("11010519900230123" + wrong_day) == []  # 30 February
    future = "1101052099010112" + "3"
    assert kinds(future + privacy.id_check_digit(future)) == []  # born after the check
    no_province = "99010519900307123"
    assert kinds(no_province + privacy.id_check_digit(no_province)) == []
    assert kinds("订单 9" + ID_PAGE) == []  # part of a longer run of digits


def test_fifteen_digit_ids_only_with_a_label_and_masked_numbers_never() -> None:
    old = "110105900307123"
    assert kinds(f"流水 {old}") == []
    assert kinds(f"身份证号：{old}") == [("id_card", "110********7123")]
    assert kinds("", header="") == []
    assert kinds(old, header="身份证号码") == [("id_card", "110********7123")]
    for masked in ("110***********1234", "138****5678", "1101051990****1234", "6222 **** 1234"):
        assert kinds(masked) == []


def test_mobiles_outside_longer_runs_and_not_an_office_contact() -> None:
    assert kinds(f"申请人电话 {MOBILE_PAGE}") == [("mobile", "138****5678")]
    assert kinds("138-1234-5678") == [("mobile", "138****5678")]
    assert kinds("+86 13812345678") == [("mobile", "138****5678")]
    assert kinds("编号 213812345678 与 1381234567890") == []
    assert kinds("联系人：李四，电话：13912345678") == []
    assert kinds("咨询热线 13912345678") == []


def test_bank_cards_need_luhn_a_card_label_and_not_an_order_label() -> None:
    assert kinds(f"银行卡号：{CARD_PAGE}") == [("bank_card", "622************" + CARD_PAGE[-4:])]
    assert kinds(f"订单号：{ORDER_NO}") == []  # passes Luhn, but it is an order number
    assert kinds(ORDER_NO) == []  # no label at all
    assert kinds(CARD_PAGE, header="银行卡号") != []
    assert kinds(CARD_PAGE, header="订单编号") == []
    broken = CARD_PAGE[:-1] + str((int(CARD_PAGE[-1]) + 1) % 10)
    assert kinds(f"卡号 {broken}") == []


def test_page_tables_use_their_headers_and_skip_the_footer() -> None:
    html = (f"<html><body><table><tr><th>姓名</th><th>银行卡号</th><th>手机</th></tr>"
            f"<tr><td>张三</td><td>{CARD_PAGE}</td><td>{MOBILE_PAGE}</td></tr></table>"
            f"<div class='footer'>联系我们 13900001111</div></body></html>")
    hits = privacy.page_hits(PageView(url="http://x/", html=html), today=TODAY)
    assert {(h.kind, h.location) for h in hits} == {("bank_card", "表格1第2行第2列"),
                                                   ("mobile", "表格1第2行第3列")}


def test_attachment_readers_locate_their_hits() -> None:
    found = documents.segments(pdf(["List of recipients", f"1 Zhang {ID_PDF}"]), ".pdf")
    assert found.status == "ok"
    hits = privacy.scan(found.segments, today=TODAY)
    assert [(h.kind, h.location) for h in hits] == [("id_card", "第1页第2行")]
    found = documents.segments(docx([["姓名", "身份证号"], ["王五", ID_DOCX]]), ".docx")
    assert [(h.kind, h.location) for h in privacy.scan(found.segments, today=TODAY)] == [
        ("id_card", "表格1第2行第2列")]
    sheet = xlsx([["序号", "姓名", "公民身份号码", "手机号码"],
                  [1, "赵六", ID_XLSX, 13812345678.0]])
    found = documents.segments(sheet, ".xlsx")
    assert {(h.kind, h.location) for h in privacy.scan(found.segments, today=TODAY)} == {
        ("id_card", "名单!C2"), ("mobile", "名单!D2")}
    assert documents.segments(b"\xd0\xcf\x11\xe0 old word", ".doc").status == "unsupported"
    assert documents.segments(b"%PDF-1.4 broken", ".pdf").status in ("failed", "empty")


def test_libraries_addresses_and_article_fingerprints() -> None:
    lib = posture.library_from_url("http://x/js/jquery-1.8.3.min.js")
    assert (lib.name, lib.version) == ("jquery", "1.8.3")
    assert posture.library_from_url("http://x/js/common.js") is None
    banner = "/*! jQuery v1.12.4 | (c) jQuery Foundation | jquery.org/license */\n!function(){}"
    assert posture.library_from_source(banner, "http://x/a.js").version == "1.12.4"
    assert posture.private_addresses(
        "内网 http://192.168.10.5/oa 版本 v10.0.0.1 服务器 172.15.0.1 10.20.30.40") == [
        "192.168.10.5", "10.20.30.40"]
    body = "正文" * 80
    a = PageView(url="http://x/a.html", html=f"<html><body><h1>标题一</h1><div id='zoom'>"
                 f"<p>发布时间：2024-03-01 09:00 浏览次数：12</p><p>{body}</p></div></body></html>")
    b = PageView(url="http://x/b.html", html=f"<html><body><h1>换了标题</h1><div id='zoom'>"
                 f"<p>发布时间：2026-12-01 10:00 浏览次数：3</p><p>{body}</p></div></body></html>")
    assert posture.article_fingerprint(a) == posture.article_fingerprint(b) is not None
    short = PageView(url="http://x/c.html", html="<html><body><div id='zoom'>详见附件</div></body></html>")
    assert posture.article_fingerprint(short) is None
