"""The registry: sites.yaml and the import of supervisors' CSV/XLSX lists.

Real files in every encoding Excel writes, real XLSX workbooks made with openpyxl (including
the number-typed code cells spreadsheets are full of), every class of bad row.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from settings.registry import Registry, RegistryError, SiteSpec, load
from settings.sitelist import import_file

HEADER = "网站标识码,网站名称,首页网址,类型,上级网站标识码"
ROWS = [
    "5101000001,示例市人民政府,https://www.example.gov.cn/,门户网站,",
    "5101000002,示例市教育局,https://www.example.gov.cn/jyj/,子站,5101000001",
    "bm01000003,示例市发展和改革委员会,http://fgw.example.gov.cn/,部门网站,",
]


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8", bom: bool = False) -> Path:
    data = "\r\n".join(lines).encode(encoding) + b"\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def problems(exc: pytest.ExceptionInfo[RegistryError]) -> list[str]:
    return exc.value.problems


def assert_three_sites(reg: Registry) -> None:
    assert [s.code for s in reg.sites] == ["5101000001", "5101000002", "bm01000003"]
    portal, sub, dept = reg.sites
    assert (portal.name, portal.kind, portal.parent, portal.status) == (
        "示例市人民政府", "portal", None, "运行")
    assert (sub.name, sub.kind, sub.parent) == ("示例市教育局", "subsite", "5101000001")
    assert (dept.name, dept.kind, dept.url) == (
        "示例市发展和改革委员会", "department", "http://fgw.example.gov.cn/")
    # The sub-site under the portal's host owns its directory; the rest is the portal's.
    assert reg.site_for("https://www.example.gov.cn/jyj/tzgg/1.html") is sub
    assert reg.site_for("https://www.example.gov.cn/zwgk/1.html") is portal


# -- encodings ---------------------------------------------------------------------------
def test_csv_utf8(tmp_path: Path) -> None:
    reg, added, updated = import_file(write_csv(tmp_path / "sites.csv", [HEADER, *ROWS]))
    assert (added, updated) == (3, 0)
    assert_three_sites(reg)


def test_csv_utf8_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [HEADER, *ROWS], bom=True)
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    reg, added, _ = import_file(path)
    assert added == 3
    assert_three_sites(reg)


def test_csv_gbk_as_excel_writes_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [HEADER, *ROWS], encoding="gbk")
    raw = path.read_bytes()
    assert "示例市人民政府".encode("gbk") in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really GBK bytes, not UTF-8
    reg, added, _ = import_file(path)
    assert added == 3
    assert_three_sites(reg)


def test_utf16_tab_separated_unicode_text(tmp_path: Path) -> None:
    """Excel's "Unicode 文本" export: UTF-16 with BOM, tab-separated."""
    lines = [line.replace(",", "\t") for line in [HEADER, *ROWS]]
    path = tmp_path / "sites.txt"
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    reg, added, _ = import_file(path)
    assert added == 3
    assert_three_sites(reg)


def test_english_kinds_status_column_and_extra_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [
        "序号,网站标识码,网站名称,首页网址,类型,上级网站标识码,状态,备注",
        "1,5101000001,市政府,https://www.a.gov.cn/,Portal,,运行,",
        "2,5101000002,教育局,https://www.a.gov.cn/jyj/,subsite,5101000001,关停,已整合",
        "3,5101000003,发改委,https://fgw.a.gov.cn/,DEPARTMENT,,,",
    ])
    reg, _, _ = import_file(path)
    assert [(s.kind, s.status) for s in reg.sites] == [
        ("portal", "运行"), ("subsite", "关停"), ("department", "运行")]
    assert [s.code for s in reg.running()] == ["5101000001", "5101000003"]


def test_title_row_above_header_and_line_numbers_count_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [
        "示例市政府网站名单（2026年）", "", HEADER, ROWS[0],
        "5101000002,教育局,https://www.example.gov.cn/jyj/,学校,5101000001",
    ])
    with pytest.raises(RegistryError) as exc:
        import_file(path)
    assert problems(exc) == [f"{path}:5: 类型: 未知类型 '学校' (应为 门户网站/子站/部门网站 或 "
                             "portal/subsite/department)"]


def test_quoted_newline_keeps_line_numbers_right(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [
        HEADER, '5101000001,"示例市人民政府\n（门户）",https://www.a.gov.cn/,门户网站,',
        "5101000002,教育局,not-a-url,子站,5101000001",
    ])
    with pytest.raises(RegistryError) as exc:
        import_file(path)
    assert problems(exc) == [f"{path}:4: 首页网址: 格式错误: 'not-a-url'"]


# -- XLSX --------------------------------------------------------------------------------
def make_xlsx(path: Path, rows: list[list[object]], formats: dict[str, str] | None = None
              ) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for cell, fmt in (formats or {}).items():
        ws[cell].number_format = fmt
    wb.save(path)
    return path


def test_xlsx_with_text_cells(tmp_path: Path) -> None:
    rows = [HEADER.split(",")] + [[c or None for c in r.split(",")] for r in ROWS]
    reg, added, _ = import_file(make_xlsx(tmp_path / "sites.xlsx", rows))
    assert added == 3
    assert_three_sites(reg)


def test_xlsx_codes_typed_as_numbers(tmp_path: Path) -> None:
    """Codes typed into General cells come back from openpyxl as int (and, from some
    writers, as float); leading zeros survive only as a number format."""
    path = make_xlsx(tmp_path / "sites.xlsx", [
        ["各地政府网站名单"],                                          # title row
        HEADER.split(","),
        [5101000001, "示例市人民政府", "https://www.example.gov.cn/", "门户网站", None],
        [5101000002, "示例市教育局", "https://www.example.gov.cn/jyj/", "子站", 5101000001],
        [1000003, "零开头网站", "https://zero.example.gov.cn/", "部门网站", None],
        [1000004, "格式补零网站", "https://fmt.example.gov.cn/", "部门网站", None],
    ], formats={"A6": "0000000000"})
    # A writer that stores 5101000002 as "5.101000002E9" (as WPS and some exporters do):
    # openpyxl then returns a float, whose str() is "5101000002.0".
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    assert xml.count("<v>5101000002</v>") == 1
    parts[sheet] = xml.replace("<v>5101000002</v>", "<v>5.101000002E9</v>").encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    values = [r[0] for r in load_workbook(path, read_only=True).active.iter_rows(
        min_row=3, values_only=True)]
    assert values == [5101000001, 5101000002.0, 1000003, 1000004]
    assert isinstance(values[1], float) and str(values[1]) == "5101000002.0"

    reg, added, _ = import_file(path)
    assert added == 4
    assert [s.code for s in reg.sites] == ["5101000001", "5101000002", "0001000003",
                                          "0001000004"]
    assert reg.by_code("5101000002").parent == "5101000001"


def test_xlsx_bad_rows_name_spreadsheet_rows(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "sites.xlsx", [
        HEADER.split(","),
        ["5101000001", "市政府", "https://www.a.gov.cn/", "门户网站", None],
        [None, None, None, None, None],
        ["5101000001", "重复", "https://b.gov.cn/", "部门网站", None],
    ])
    with pytest.raises(RegistryError) as exc:
        import_file(path)
    assert problems(exc) == [f"{path}:4: 网站标识码: '5101000001' 重复 (已见于 {path}:2)"]


def test_damaged_xlsx_and_old_xls(tmp_path: Path) -> None:
    bad = tmp_path / "sites.xlsx"
    bad.write_bytes(b"this is not a zip file")
    with pytest.raises(RegistryError) as exc:
        import_file(bad)
    assert problems(exc)[0].startswith(f"{bad}: 无法读取 Excel 文件")
    old = tmp_path / "sites.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(RegistryError, match="另存为 .xlsx"):
        import_file(old)


# -- bad rows ----------------------------------------------------------------------------
def test_every_bad_row_reported_with_file_and_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [
        HEADER,
        "5101000001,市政府,https://www.a.gov.cn/,门户网站,",           # 2 ok
        "5101000001,市政府二,https://b.a.gov.cn/,门户网站,",           # 3 duplicate code
        "5101000003,网址坏,htp:/broken,部门网站,",                      # 4 malformed URL
        "5101000004,无协议,www.d.gov.cn,部门网站,",                     # 5 URL without scheme
        "5101000005,上级不存在,https://e.gov.cn/,子站,5109999999",      # 6 unknown parent
        "5101000006,类型未知,https://f.gov.cn/,网站群,",                # 7 unknown kind
        "51010007,码太短,https://g.gov.cn/,部门网站,",                  # 8 malformed code
        "5101000008,,https://h.gov.cn/,部门网站,",                      # 9 empty name
        "5101000009,子站无上级,https://www.a.gov.cn/i/,子站,",          # 10 subsite w/o parent
        "5101000010,同一首页,https://www.a.gov.cn/,部门网站,",          # 11 same homepage
        "5101000011,端口坏,http://k.gov.cn:99999/,部门网站,",           # 12 bad port
        "5101000012,少了斜杠,https://www.a.gov.cn/jyj,子站,5101000001",  # 13 scope is "/"
    ])
    with pytest.raises(RegistryError) as exc:
        import_file(path)
    got = problems(exc)
    assert got == [
        f"{path}:3: 网站标识码: '5101000001' 重复 (已见于 {path}:2)",
        f"{path}:4: 首页网址: 格式错误: 'htp:/broken'",
        f"{path}:5: 首页网址: 缺少 http:// 或 https://: 'www.d.gov.cn'",
        f"{path}:6: 上级网站标识码: '5109999999' 不存在",
        f"{path}:7: 类型: 未知类型 '网站群' (应为 门户网站/子站/部门网站 或 portal/subsite/department)",
        f"{path}:8: 网站标识码: '51010007' 格式错误 (应为10位数字或 bm+8位数字) "
        "(可能被当作数字去掉了前导零，请把该列设为文本格式)",
        f"{path}:9: 网站名称: 不能为空",
        f"{path}:10: 上级网站标识码: 子站缺少上级网站标识码",
        f"{path}:11: 首页网址: 与网站 5101000001 ({path}:2) 相同",
        f"{path}:12: 首页网址: 端口错误: 'http://k.gov.cn:99999/'",
        f"{path}:13: 首页网址: 与网站 5101000001 ({path}:2) 属于同一主机和目录 '/' "
        "(子站网址请以 / 结尾，或在 sites.yaml 中设置 prefixes)",
    ]
    assert all(re.match(rf"^{re.escape(str(path))}:\d+: \S+: ", p) for p in got)


def test_scientific_notation_code_gets_a_hint(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [HEADER, "5.101E+09,市政府,https://a.gov.cn/,门户网站,"])
    with pytest.raises(RegistryError, match="科学计数法"):
        import_file(path)


def test_unknown_status_missing_header_empty_and_missing_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [HEADER + ",状态", ROWS[0] + ",暂停"])
    with pytest.raises(RegistryError) as exc:
        import_file(path)
    assert problems(exc) == [f"{path}:2: 状态: 未知状态 '暂停' (应为 运行 或 关停)"]

    path = write_csv(tmp_path / "b.csv", ["网站标识码,网站名称,网址,类型", ROWS[0]])
    with pytest.raises(RegistryError) as exc:
        import_file(path)
    assert problems(exc)[0].startswith(f"{path}:1: 缺少表头 首页网址, 上级网站标识码")

    empty = tmp_path / "c.csv"
    empty.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(RegistryError, match="文件为空"):
        import_file(empty)
    with pytest.raises(RegistryError, match="文件不存在"):
        import_file(tmp_path / "nope.csv")


# -- merging into an existing registry ---------------------------------------------------
def existing_registry(tmp_path: Path) -> Registry:
    reg = Registry(sites=[
        SiteSpec("5101000001", "示例市人民政府", "https://www.example.gov.cn/", "portal",
                 hints={"mailbox": "https://www.example.gov.cn/hdjl/"}),
        SiteSpec("5101000002", "示例市教育局", "https://www.example.gov.cn/jyj/", "subsite",
                 parent="5101000001", status="关停", prefixes=["/jyj/", "/jiaoyu/"]),
        SiteSpec("5101000009", "旧网站", "https://old.example.gov.cn/", "department"),
    ], trusted_networks=["10.0.0.0/8"])
    path = tmp_path / "sites.yaml"
    reg.save(path)
    return load(path)


def test_merge_updates_adds_and_keeps_what_the_file_cannot_say(tmp_path: Path) -> None:
    existing = existing_registry(tmp_path)
    path = write_csv(tmp_path / "new.csv", [
        HEADER,
        "5101000001,示例市人民政府,https://www.example.gov.cn/,门户网站,",  # unchanged
        "5101000002,示例市教育体育局,https://www.example.gov.cn/jyj/,子站,5101000001",  # renamed
        "5101000020,示例市卫生健康委员会,https://wjw.example.gov.cn/,部门网站,5101000001",  # new
    ])
    reg, added, updated = import_file(path, existing)
    assert (added, updated) == (1, 1)
    assert [s.code for s in reg.sites] == ["5101000001", "5101000002", "5101000009",
                                          "5101000020"]
    sub = reg.by_code("5101000002")
    assert sub.name == "示例市教育体育局"
    assert sub.status == "关停"  # the file has no 状态 column: the registry's status stays
    assert sub.prefixes == ["/jyj/", "/jiaoyu/"]
    assert reg.by_code("5101000001").hints == {"mailbox": "https://www.example.gov.cn/hdjl/"}
    assert reg.by_code("5101000009").name == "旧网站"  # not in the file: kept
    assert reg.trusted_networks == ["10.0.0.0/8"]
    # Round trip through sites.yaml.
    reg.save(tmp_path / "sites.yaml")
    again = load(tmp_path / "sites.yaml")
    assert [s.to_yaml() for s in again.sites] == [s.to_yaml() for s in reg.sites]


def test_parent_may_come_from_the_registry_and_errors_leave_it_untouched(
        tmp_path: Path) -> None:
    existing = existing_registry(tmp_path)
    before = (tmp_path / "sites.yaml").read_bytes()
    ok = write_csv(tmp_path / "ok.csv", [
        HEADER, "5101000030,示例市教育局附属网站,https://www.example.gov.cn/fs/,子站,5101000001"])
    reg, added, _ = import_file(ok, existing)
    assert added == 1 and reg.by_code("5101000030").parent == "5101000001"
    bad = write_csv(tmp_path / "bad.csv", [
        HEADER, "5101000031,好的,https://ok.example.gov.cn/,部门网站,",
        "5101000032,坏的,https://old.example.gov.cn/,部门网站,"])
    with pytest.raises(RegistryError) as exc:
        import_file(bad, existing)
    assert problems(exc) == [
        f"{bad}:3: 首页网址: 与网站 5101000009 ({tmp_path / 'sites.yaml'} (5101000009)) 相同"]
    assert (tmp_path / "sites.yaml").read_bytes() == before
    assert len(existing.sites) == 3


# -- sites.yaml --------------------------------------------------------------------------
def test_sites_yaml_errors_name_lines(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - code: \"5101000001\"\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        load(path)
    assert re.fullmatch(rf"{re.escape(str(path))}:4: YAML 格式错误.*", problems(exc)[0])

    path.write_text(
        "trusted_networks: [127.0.0.0/8]\n"
        "sites:\n"
        "  - code: 5101000001\n"                  # unquoted: YAML makes it an int
        "    name: 市政府\n"
        "    url: https://www.a.gov.cn/\n"
        "    kind: 门户网站\n"
        "  - code: \"5101000002\"\n"              # line 7
        "    name: 教育局\n"
        "    url: https://www.a.gov.cn/jyj/\n"
        "    kind: subsite\n"
        "    parnet: \"5101000001\"\n"            # typo
        "    hints: [mailbox]\n"
        "  - {code: \"5101000003\", name: 发改委, url: \"ftp://x\", kind: department}\n"
        "colour: red\n", encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        load(path)
    got = problems(exc)
    assert got == [f"{path}:14: colour: 未知字段 (可用: sites, trusted_networks)"]
    path.write_text(path.read_text(encoding="utf-8").replace("colour: red\n", ""),
                    encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        load(path)
    got = problems(exc)
    assert got[0] == f"{path}:11: parnet: 未知字段 (是否应为 parent?)"
    assert got[1] == f"{path}:12: hints: 应为键值映射，而不是 '['mailbox']'"
    assert got[2] == f"{path}:13: url: 格式错误: 'ftp://x'"
    assert len(got) == 3


def test_sites_yaml_round_trip_and_aliases(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text(
        "sites:\n"
        "  - code: 5101000001\n"
        "    name: 市政府\n"
        "    url: https://www.a.gov.cn/\n"
        "    kind: 门户网站\n"
        "    status: 关停\n"
        "    hints: {mailbox: 'https://www.a.gov.cn/xx/', columns: {通知公告: /tzgg/}}\n",
        encoding="utf-8")
    reg = load(path)
    site = reg.sites[0]
    assert (site.code, site.kind, site.status, site.running) == (
        "5101000001", "portal", "关停", False)
    assert site.hints["columns"] == {"通知公告": "/tzgg/"}
    reg.save(path)
    text = path.read_text(encoding="utf-8")
    assert "code: '5101000001'" in text  # quoted: stays a string
    assert load(path).sites[0].to_yaml() == site.to_yaml()
    assert not list(tmp_path.glob(".sites-*"))  # the atomic save left no temp file


def test_bad_mailbox_hint_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - {code: '5101000001', name: a, url: 'https://a.gov.cn/', "
                    "kind: portal, hints: {mailbox: '/hdjl/'}}\n", encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        load(path)
    assert problems(exc) == [f"{path}:2: hints.mailbox: '/hdjl/' 不是合法网址"]
    path.write_text("sites:\n  - {code: '5101000001', name: a, url: 'https://a.gov.cn/', "
                    "kind: portal, status: closed}\n", encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        load(path)
    assert problems(exc) == [f"{path}:2: status: 应为 '运行' 或 '关停'，"
                             "而不是 'closed'"]
    with pytest.raises(RegistryError, match="文件不存在"):
        load(tmp_path / "missing.yaml")
