"""Date forms of government pages (cms-patterns.md "Dates") and which date to trust."""

from __future__ import annotations

from datetime import date

import pytest

from parse import dates


@pytest.mark.parametrize("text, expected", [
    ("2024-10-14 10:17", date(2024, 10, 14)),
    ("2023-12-05 09:30:26", date(2023, 12, 5)),
    ("2024-08-14", date(2024, 8, 14)),
    ("2023-11-30  14:52", date(2023, 11, 30)),
    ("2023-08-19 10∶08", date(2023, 8, 19)),  # U+2236 instead of a colon
    ("2020年08月02日", date(2020, 8, 2)),
    ("2024年3月7日", date(2024, 3, 7)),
    ("2020年09月15日 09时32分", date(2020, 9, 15)),
    ("2024.09.30 09:24:36 GMT+08:00", date(2024, 9, 30)),
    ("2021.07.07", date(2021, 7, 7)),
    ("2024/6/19", date(2024, 6, 19)),
    ("[ 2026-09-03 ]", date(2026, 9, 3)),
    ("２０２６－１１－０３", date(2026, 11, 3)),  # full-width digits
    ("2026-11-03\u300010：08", date(2026, 11, 3)),  # U+3000 and a full-width colon
])
def test_full_date_forms(text: str, expected: date) -> None:
    hit = dates.find_date(text)
    assert hit is not None and hit.as_date() == expected
    assert dates.only_date(text) is not None


@pytest.mark.parametrize("text, md", [("03-16", (3, 16)), ("[02-26]", (2, 26)),
                                      ("【11-03】", (11, 3)), ("3月5日", (3, 5))])
def test_yearless_forms(text: str, md: tuple[int, int]) -> None:
    hit = dates.find_date(text)
    assert hit is not None and hit.year is None and (hit.month, hit.day) == md


@pytest.mark.parametrize("text", ["0571-88888888", "1.2.3", "v2024.1", "2024-13-01",
                                  "2023-02-29", "第3-4季度", "10:17"])
def test_not_dates(text: str) -> None:
    hit = dates.find_date(text)
    assert hit is None or hit.as_date() is None and hit.year is not None


def test_only_date_rejects_titles_with_dates() -> None:
    assert dates.only_date("关于2024年3月7日召开会议的通知") is None
    assert dates.only_date("2024-03-07") is not None


def test_year_from_crawl_date_and_list_order() -> None:
    as_of = date(2026, 1, 10)
    first = dates.resolve_year(1, 5, as_of)
    assert first == date(2026, 1, 5)
    # the next entry is later in the calendar: the list crossed into the previous year
    second = dates.resolve_year(12, 28, as_of, first)
    assert second == date(2025, 12, 28)
    assert dates.resolve_year(12, 1, as_of, second) == date(2025, 12, 1)
    # a first entry that would lie in the future belongs to the previous year
    assert dates.resolve_year(11, 3, date(2026, 11, 2)) == date(2025, 11, 3)
    assert dates.resolve_year(11, 3, date(2026, 11, 3)) == date(2026, 11, 3)
    # 02-29 in a non-leap year goes back to the last leap year
    assert dates.resolve_year(2, 29, date(2026, 3, 1)) == date(2024, 2, 29)


def test_byline_beats_url_beats_meta() -> None:
    html = ("<html><head><meta name='PubDate' content='2026-11-20 09:00'></head><body>"
            "<!-- 页面生成时间 2026-11-21 --><div class='top'>今天是2026年11月22日</div>"
            "<h1>标题</h1><div class='info'>成文日期：2026-01-02　发布时间：<span>2026-10-01"
            "</span> 来源：本网</div><div id='zoom'>正文 2025-01-01 活动</div></body></html>")
    url = "http://x/zwgk/202609/t20260915_123.html"
    assert dates.article_date(html, url) == (date(2026, 10, 1), "byline")
    no_byline = html.replace("发布时间：", "")
    assert dates.article_date(no_byline, url) == (date(2026, 9, 15), "url")
    assert dates.article_date(no_byline, "http://x/a/123.html") == (date(2026, 11, 20), "meta")
    assert dates.article_date(None, "http://x/art/2025/3/5/art_1_2.html") == (date(2025, 3, 5),
                                                                            "url")


def test_labels_that_are_not_publish_dates() -> None:
    text = dates.strip_html("<p>成文日期：2020-01-01</p><p>页面生成时间：2021-01-01</p>"
                            "<p>今天是：2024年3月7日</p><p>更新时间：2022-02-02</p>")
    assert dates.labelled_date(text) is None
    spaced = dates.strip_html("<th>发 布 日 期</th><td>2020-01-02</td>")
    assert dates.labelled_date(spaced) == date(2020, 1, 2)
    plain = dates.strip_html("<span>时间：2023-08-19 10∶08</span>")
    assert dates.labelled_date(plain) == date(2023, 8, 19)


@pytest.mark.parametrize("url, expected", [
    ("http://x/art/2025/3/15/art_85764_11514117.html", date(2025, 3, 15)),
    ("http://x/xxgk/202009/t20200903_2748784.html", date(2020, 9, 3)),
    ("http://x/10462/10464/2020/9/15/0a1b2c3d4e5f60718293a4b5c6d7e8f9.shtml", date(2020, 9, 15)),
    ("http://x/2022/08-11/2559082.html", date(2022, 8, 11)),
    ("http://x/zhengce/content/post_12345.html", None),
])
def test_url_dates(url: str, expected: date | None) -> None:
    assert dates.url_date(url) == expected


def test_meta_dates() -> None:
    assert dates.meta_date('<meta content="2024-03-07 10:00" name="PubDate">') == date(2024, 3, 7)
    assert dates.meta_date('<meta name="firstpublishedtime" content="2023-05-06-10:30:00">') \
        == date(2023, 5, 6)
    assert dates.meta_date('<meta name="PubDate" content="">') is None


@pytest.mark.parametrize("text, expected", [
    ("2024-3/5", date(2024, 3, 5)),  # the board parser read it, the list parser did not
    ("2024/3-5 10:00", date(2024, 3, 5)),
])
def test_dashes_and_slashes_mix(text: str, expected: date) -> None:
    from parse.messages import parse_dates

    hit = dates.find_date(text)
    assert hit is not None and hit.as_date() == expected
    assert parse_dates(text, date(2026, 1, 10)) == [expected]  # one parser: same answer


def test_dots_do_not_mix() -> None:
    assert dates.find_full("2024.3-5") == []


def test_entity_encoded_byline() -> None:
    html = ("<html><body><p>&#21457;&#24067;&#26102;&#38388;&#65306;2024-03-05</p>"
            "<div id='zoom'>正文</div></body></html>")
    assert dates.article_date(html, "http://x/a.html") == (date(2024, 3, 5), "byline")
    assert dates.page_date("发布时间：2024-03-05", "http://x/t20230101_1.html") == (
        date(2024, 3, 5), "byline")
