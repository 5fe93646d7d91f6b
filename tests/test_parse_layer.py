"""The page-understanding layer: pure, and the one parser of each fact."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

from derive.facts import trap_paths
from parse import charset

ROOT = Path(__file__).resolve().parent.parent


def test_parse_imports_no_other_layer() -> None:
    for path in (ROOT / "parse").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"crawler", "checks", "govmon", "store",
                                                  "derive", "reports", "scoring", "settings",
                                                  "indicators"}, (path, name)


def test_gb_labels_decode_as_gb18030() -> None:
    body = "主办：示例市镕城区人民政府".encode("gb18030")
    assert charset.script_encoding(body, "application/javascript; charset=gb2312") == "gb18030"
    assert "镕" in charset.decode(body, "gb2312") and "镕" in charset.decode(body, "GBK")
    page = b'<html><head><meta charset="gb2312"></head><body>' + body + b"</body></html>"
    assert charset.decode_html(page, "text/html")[0] == "gb18030"
    assert "镕" in charset.decode_html(page, "text/html; charset=gbk")[1]


def test_bom_beats_a_lying_label() -> None:
    body = "\ufeff<html><body>网站标识码：5101000001</body></html>".encode("utf-16-le")
    enc, text = charset.decode_html(body, "text/html; charset=gb2312")
    assert enc.startswith("utf-16") and "5101000001" in text


def _rec(url: str, depth: int, kind: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(url=url, depth=depth, kind=kind)


def test_trap_paths_query_explosion_and_calendar_chain() -> None:
    cal = [_rec(f"http://a/cal?month={i}", 1 + i) for i in range(8)]  # one level per month
    arts = [_rec(f"http://a/show.asp?id={i}", 2 + i % 3, "article") for i in range(40)]
    pager = [_rec(f"http://a/list.asp?page={i}", 1) for i in range(8)]  # a list's own depth
    boom = [_rec(f"http://a/search?q={i}", 2) for i in range(12)]
    chain = [_rec(f"http://a/view.asp?id={i}", 1 + i, "article") for i in range(8)]
    found = trap_paths(cal + arts + pager + boom + chain, cap=12, max_depth=8)
    assert found == {"a/cal", "a/search"}


def test_cms_family_from_strong_marks_not_copied_template_bits() -> None:
    from parse.pageinfo import cms_family

    visit = "<script>var c={counter:{url:'/module/visitcount/visit.jsp'}}</script>"
    body = f"<div id='zoom' class='TRS_Editor'>正文</div>{visit}"
    assert cms_family(body, "http://a/col/content/post_12.html") is None  # a tie: neither
    assert cms_family(body, "http://a/xwdt/202411/t20241103_55.html") == "trs"
    assert cms_family(body, "http://a/art/2024/11/3/art_12_55.html") == "hanweb"
    assert cms_family('<meta name="Generator" content="大汉版通">', "http://a/") == "hanweb"
    assert cms_family("<UCAPCONTENT>正文</UCAPCONTENT>", "http://a/x.html") == "ucap"
