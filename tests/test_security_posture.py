"""Issue 17 end to end, as users run it: real loopback servers (http, https with
certificates made here, one on ::1), ``govmon crawl → check → score → report / export``
as subprocesses, then the findings, the documents, and a grep of the whole store, the
logs and every output for the full personal numbers the sites publish.

Traps: masked numbers, a number failing the check digit, the footer's own phone, an order
number that passes Luhn, an attachment on another host, a re-published article with a
changed title but the same text, a same-site http link on an http page, an http link
(not a resource) on an https page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from govmon.demo.certs import SampleCA
from govmon.demo.server import Route, SiteServer
from settings.registry import Registry
from store.db import open_store
from store.models import Attachment, CheckRun, Finding, Link, Page, Site, SiteSecurity
from tests.conftest import next_address, spec
from tests.personal_files import (
    CARD_PAGE,
    ID_BAD,
    ID_DOCX,
    ID_OTHER_HOST,
    ID_PAGE,
    ID_PDF,
    ID_TITLE,
    ID_XLSX,
    MOBILE_FOOTER,
    MOBILE_PAGE,
    ORDER_NO,
    PLANTED,
    docx,
    pdf,
    xlsx,
)

TODAY = date.today()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JQUERY = "/*! jQuery v1.8.3 jquery.com | jquery.org/license */\n(function(a,b){})(window);\n"
BODY = ("示例市召开全市安全生产工作会议，会议传达学习了上级有关文件精神，总结了前一阶段全市安全生产"
        "工作情况，分析了当前面临的形势和任务，部署了下一阶段重点工作。会议要求，各地各部门要进一步"
        "压实安全生产责任，深入开展隐患排查整治，坚决防范遏制重特大事故发生。会议强调，要坚持人民至上、"
        "生命至上，统筹发展和安全，以更加有力的举措抓好各项工作落实。")
OTHER_BODY = BODY.replace("安全生产", "防汛减灾")


def doc(title: str, main: str, head: str = "", footer: bool = True) -> str:
    foot = (f'<div class="footer">主办单位：示例市人民政府办公室 联系电话：{MOBILE_FOOTER}</div>'
            if footer else "")
    return (f'<html><head><meta charset="utf-8"><title>{title}</title>{head}</head><body>'
            f'<div class="nav"><a href="/">首页</a> <a href="/gs/">公示公告</a></div>'
            f"<div class=\"main\">{main}</div>{foot}</body></html>")


def article(title: str, day: date, body: str) -> Route:
    return Route(doc(title, f'<h1>{title}</h1><div class="info">发布时间：{day:%Y-%m-%d} 09:00'
                            f'</div><div id="zoom" class="TRS_Editor"><p>{body}</p></div>'))


def leaky_routes(other: str) -> dict[str, Route]:
    old, new = date(2024, 3, 1), TODAY - timedelta(days=2)
    near = TODAY - timedelta(days=5)
    arts = [("/art/2024/3/1/art_1_1.html", "全市安全生产工作会议召开", old, BODY),
            (f"/art/{new:%Y/%-m/%-d}/art_1_2.html", "我市部署安全生产重点工作", new, BODY),
            (f"/art/{near:%Y/%-m/%-d}/art_1_3.html", "防汛减灾工作会议召开", near, OTHER_BODY),
            (f"/art/{new:%Y/%-m/%-d}/art_1_4.html", "防汛减灾工作会议召开（转载）", new,
             OTHER_BODY)]
    home = doc("示例泄露网站", "".join(f'<p><a href="{p}">{t}</a></p>' for p, t, _, _ in arts)
               + '<p><a href="http://192.168.10.5/oa/">内网办公系统</a></p>',
               head='<script src="/js/jquery-1.8.3.min.js"></script>')
    table = (f"<table><tr><th>序号</th><th>姓名</th><th>身份证号</th><th>手机号码</th>"
             f"<th>银行卡号</th></tr>"
             f"<tr><td>1</td><td>张三</td><td>{ID_PAGE}</td><td>{MOBILE_PAGE}</td>"
             f"<td>{CARD_PAGE}</td></tr>"
             f"<tr><td>2</td><td>李四</td><td>110***********1234</td><td>138****5678</td>"
             f"<td>6222 **** **** 1234</td></tr>"
             f"<tr><td>3</td><td>王五</td><td>{ID_BAD}</td><td>—</td><td>—</td></tr></table>"
             f"<p>订单号：{ORDER_NO}</p>"
             '<p><a href="/files/名单.xlsx">发放名单</a> <a href="/files/公示.pdf">公示</a> '
             '<a href="/files/附件.docx">附件</a> <a href="/files/old.doc">旧版名单</a> '
             f'<a href="{other}/files/other.xlsx">外站名单</a> '
             f'<a href="/gs/detail.html">张三（{ID_TITLE}）</a></p>')
    routes = {"/": Route(home), "/gs/": Route(doc("补贴发放公示", table)),
              "/gs/detail.html": Route(doc(f"关于张三（{ID_TITLE}）的公示", "<p>详见附件。</p>")),
              "/js/jquery-1.8.3.min.js": Route(JQUERY, content_type="application/javascript"),
              "/files/名单.xlsx": Route(xlsx([["序号", "姓名", "公民身份号码"], [1, "赵六", ID_XLSX]]),
                                      content_type=XLSX),
              "/files/公示.pdf": Route(pdf(["Recipients", f"1 Zhang {ID_PDF}"]),
                                     content_type="application/pdf"),
              "/files/附件.docx": Route(docx([["姓名", "身份证号"], ["钱七", ID_DOCX]]),
                                      content_type=DOCX),
              "/files/old.doc": Route(b"\xd0\xcf\x11\xe0 not really word",
                                      content_type="application/msword")}
    for path, title, day, body in arts:
        routes[path] = article(title, day, body)
    return routes


@dataclass
class World:
    ws: Path
    db: str
    codes: dict[str, str]
    outputs: list[str]  # stdout and stderr of every command
    other: SiteServer

    def findings(self, key: str, rule: str) -> list[Finding]:
        with open_store(self.db, upgrade=False)() as s:
            site = s.scalar(select(Site.id).where(Site.code == self.codes[key]))
            return list(s.scalars(select(Finding).where(Finding.site_id == site,
                                                        Finding.rule == rule)))


def govmon(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVMON_")}
    proc = subprocess.run([sys.executable, "-m", "govmon.cli", "-w", str(ws), *args],
                          capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("posture")
    ca = SampleCA()
    ca_file = ca.write(root / "ca.pem")
    servers: list[SiteServer] = []

    def start(routes: dict[str, Route], host: str | None = None, tls=None, port: int = 0
              ) -> SiteServer:  # noqa: ANN001
        server = SiteServer(host or next_address(), routes, tls=tls, port=port).start()
        servers.append(server)
        return server

    other = start({"/files/other.xlsx": Route(xlsx([["身份证号"], [ID_OTHER_HOST]]),
                                              content_type=XLSX)})
    leaky = start(leaky_routes(other.base))
    hosts = {k: next_address() for k in ("soon", "expired", "wrong", "self")}
    https_home = doc("加密网站", f'<img src="{leaky.base}/logo.png"><a href="{leaky.base}/">'
                     "泄露网站</a><a href='/care/'>关怀版</a>")
    tls = {"soon": ca.issue([hosts["soon"]], days=10),
           "expired": ca.issue([hosts["expired"]], days=-3, start_days_ago=400),
           "wrong": ca.issue(["www.other.gov.cn"]), "self": ca.self_signed([hosts["self"]])}
    secure = {k: start({"/": Route(https_home, headers={"X-Frame-Options": "DENY"})},
                       host=hosts[k], tls=tls[k].context()) for k in tls}
    good_headers = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'",
                    "X-Content-Type-Options": "nosniff"}
    v6_home = doc("IPv6 网站", '<a href="/a.html">信息公开</a><a href="/wza/">无障碍浏览</a>')
    v6_routes = {"/": Route(v6_home, headers=good_headers),
                 "/a.html": Route(doc("信息公开", "<p>内容</p>"))}
    v6ok = start(v6_routes)
    start(v6_routes, host="::1", port=v6ok.port)
    v6diff = start(v6_routes)
    start({"/": Route(doc("建设中", "<p>IPv6 站点建设中</p>"))}, host="::1", port=v6diff.port)
    sites = {"leaky": spec(leaky.url("/"), name="泄露网站"),
             "v6ok": spec(v6ok.url("/"), hosts=[f"[::1]:{v6ok.port}"]),
             "v6diff": spec(v6diff.url("/"), hosts=[f"[::1]:{v6diff.port}"])}
    for key, server in secure.items():
        sites[key] = spec(server.url("/"))
    ws = root / "ws"
    try:
        subprocess.run([sys.executable, "-m", "govmon.cli", "init", str(ws)],
                       capture_output=True, timeout=60, check=True)
        Registry(sites=list(sites.values()),
                 trusted_networks=["127.0.0.0/8", "::1/128"]).save(ws / "sites.yaml")
        (ws / "govmon.yaml").write_text(
            f"workers: 1\nrecheck_delay: 0.3\ntimeout: 5.0\nretries: 1\n"
            f"tls_ca_file: {ca_file}\n", encoding="utf-8")
        outputs = []
        for args in (["crawl"], ["check"], ["score"],
                     ["report", "notices", "--format", "html,docx,xlsx", "--no-screenshots"],
                     ["export", "findings", "--format", "json", "-o", str(ws / "f.json")],
                     ["export", "findings", "--format", "csv", "-o", str(ws / "f.csv")],
                     ["export", "pages", "--format", "csv", "-o", str(ws / "p.csv")]):
            proc = govmon(ws, *args)
            outputs += [proc.stdout, proc.stderr]
        yield World(ws=ws, db=f"sqlite:///{ws / 'govmon.db'}",
                    codes={k: s.code for k, s in sites.items()}, outputs=outputs, other=other)
    finally:
        for server in servers:
            server.stop()


def test_personal_data_in_pages_and_attachments_masked_with_places(world: World) -> None:
    found = {(unquote(f.url.rsplit("/", 1)[-1]), f.detail["kind"]): f
             for f in world.findings("leaky", "privacy.personal_data")}
    assert set(found) == {("", "id_card"), ("", "mobile"), ("", "bank_card"),
                          ("detail.html", "id_card"),
                          ("名单.xlsx", "id_card"), ("公示.pdf", "id_card"),
                          ("附件.docx", "id_card")}, sorted(found)
    page_id = found[("", "id_card")]
    assert page_id.url.endswith("/gs/") and page_id.detail["where"] == "page"
    assert page_id.detail["masked"] == f"110***********{ID_PAGE[-4:]}"
    # the table's number and the anchor of the link to the detail page; the masked and the
    # bad-check-digit rows are not
    assert page_id.detail["count"] == 2
    assert page_id.detail["location"] == "表格1第2行第3列"
    assert found[("名单.xlsx", "id_card")].detail["location"] == "名单!C2"
    assert found[("名单.xlsx", "id_card")].detail["where"] == "attachment"
    assert found[("名单.xlsx", "id_card")].source.endswith("/gs/")
    assert found[("公示.pdf", "id_card")].detail["location"] == "第1页第2行"
    assert found[("", "mobile")].detail["masked"] == "138****5678"  # not the footer's 139
    assert found[("detail.html", "id_card")].detail["location"] == "标题"
    with open_store(world.db, upgrade=False)() as s:  # stored titles and anchors: masked
        title = s.scalar(select(Page.title).where(Page.url.like("%/gs/detail.html")))
        anchors = set(s.scalars(select(Link.anchor).where(Link.target.like("%/gs/detail.html"))))
    assert title == f"关于张三（230***********{ID_TITLE[-4:]}）的公示"
    assert anchors == {f"张三（230***********{ID_TITLE[-4:]}）"}
    with open_store(world.db, upgrade=False)() as s:
        files = {unquote(a.url.rsplit("/", 1)[-1]): a for a in s.scalars(select(Attachment))}
    assert "other.xlsx" not in files and world.other.hits("/files/other.xlsx", "GET") == 0
    assert "old.doc" not in files  # no reader for .doc: not fetched (the budget is for lists)
    assert files["名单.xlsx"].stored and files["名单.xlsx"].sha1


def test_no_full_number_anywhere_but_inside_compressed_snapshots(world: World) -> None:
    """The store file (every table; nothing decompressed), the logs, every command's output
    and every export and report: none holds a full planted number."""
    texts: list[tuple[str, bytes]] = []
    for path in world.ws.rglob("*"):
        if path.is_file() and path.suffix != ".lock":
            texts.append((str(path), path.read_bytes()))
    texts += [(f"output {i}", out.encode()) for i, out in enumerate(world.outputs)]
    assert any(name.endswith("govmon.db") for name, _ in texts)
    assert any("notice" in name for name, _ in texts)
    for number in [*PLANTED, ID_OTHER_HOST]:
        for name, data in texts:
            assert number.encode() not in data, (number[:3], name)
            assert number.encode("utf-16-le") not in data, (number[:3], name)
    # the XLSX / DOCX documents are zip files: look inside them too
    import zipfile

    for name, _data in texts:
        if name.endswith((".xlsx", ".docx")):
            with zipfile.ZipFile(Path(name)) as z:
                for member in z.namelist():
                    content = z.read(member)
                    assert not any(n.encode() in content for n in PLANTED), (name, member)


def test_recycled_post_found_under_a_changed_title(world: World) -> None:
    found = world.findings("leaky", "content.recycled_post")
    assert [f.url.rsplit("/", 1)[-1] for f in found] == ["art_1_2.html"]
    d = found[0].detail
    assert d["original"].endswith("/art/2024/3/1/art_1_1.html")
    assert d["original_date"] == "2024-03-01" and d["retitled"] is True
    # the same text re-posted three days later (a second column) is not a recycled post


def test_backdated_needs_history_and_says_so(world: World) -> None:
    with open_store(world.db, upgrade=False)() as s:
        runs = list(s.scalars(select(CheckRun).where(CheckRun.module == "backdated")))
    assert runs and all(r.status == "skipped" and "尚无历史数据" in r.reason for r in runs)


def test_https_and_certificates(world: World) -> None:
    missing = world.findings("leaky", "security.https_missing")
    assert len(missing) == 1 and missing[0].detail["https_error"] == "refused"
    soon = world.findings("soon", "security.cert_expiring")
    assert len(soon) == 1 and 8 <= soon[0].detail["days_left"] <= 10
    assert soon[0].detail["issuer"] == "govmon 示例证书颁发机构"
    assert not world.findings("soon", "security.cert_invalid")
    assert not world.findings("soon", "security.https_missing")
    for key, error in (("expired", "expired"), ("wrong", "hostname"), ("self", "self_signed")):
        found = world.findings(key, "security.cert_invalid")
        assert [f.detail["cert_error"] for f in found] == [error], key
        assert not world.findings(key, "security.cert_expiring")
    assert world.findings("wrong", "security.cert_invalid")[0].detail["names"] == [
        "www.other.gov.cn"]


def test_mixed_content_only_for_resources_of_https_pages(world: World) -> None:
    found = world.findings("soon", "security.mixed_content")
    assert [(f.url.rsplit("/", 1)[-1], f.detail["resource"]) for f in found] == [
        ("logo.png", "img")]  # the <a href="http://…"> on the same page is navigation
    assert not world.findings("leaky", "security.mixed_content")  # http links, http page


def test_headers_libraries_private_addresses_care_mode(world: World) -> None:
    headers = world.findings("soon", "security.headers_missing")
    assert headers and headers[0].detail["missing"] == [
        "content-security-policy", "x-content-type-options", "strict-transport-security"]
    assert not world.findings("v6ok", "security.headers_missing")
    libs = world.findings("leaky", "security.vulnerable_library")
    assert [(f.detail["library"], f.detail["version"], f.detail["fixed"]) for f in libs] == [
        ("jQuery", "1.8.3", "3.5.0")]
    assert "CVE-2020-11022" in libs[0].detail["advisories"]
    leak = world.findings("leaky", "security.private_address_leak")
    assert [f.detail["address"] for f in leak] == ["192.168.10.5"]
    assert world.findings("leaky", "access.care_mode_missing")
    assert not world.findings("v6ok", "access.care_mode_missing")
    assert not world.findings("soon", "access.care_mode_missing")  # 关怀版 text


def test_ipv6_over_a_server_on_loopback_v6(world: World) -> None:
    assert not world.findings("v6ok", "network.ipv6_missing")
    diff = world.findings("v6diff", "network.ipv6_missing")
    assert [f.detail["ipv6_reason"] for f in diff] == ["content_differs"]
    leaky = world.findings("leaky", "network.ipv6_missing")
    assert [f.detail["ipv6_reason"] for f in leaky] == ["no_name"]
    with open_store(world.db, upgrade=False)() as s:
        row = s.scalars(select(SiteSecurity).join(Site).where(
            Site.code == world.codes["v6ok"])).one()
    assert row.ipv6["home_ok"] and row.ipv6["links_checked"] == 1 and row.ipv6["links_ok"] == 1
    # F10 costs the point the national file gives it; the other rules are informational
    assert diff[0].severity == "deduct"
    assert world.findings("leaky", "privacy.personal_data")[0].severity == "info"


def test_notices_show_the_new_rules_in_chinese(world: World) -> None:
    from bs4 import BeautifulSoup

    notice = next(p for p in (world.ws / "reports").rglob("notice-*.html")
                  if world.codes["leaky"] in p.name)
    soup = BeautifulSoup(notice.read_text(encoding="utf-8"), "lxml")
    text = soup.get_text(" ")
    assert "身份证号码" in text and f"110***********{ID_PAGE[-4:]}" in text
    assert "旧稿重发" in text and "不支持 IPv6" in text
    exported = json.loads((world.ws / "f.json").read_text(encoding="utf-8"))
    rules = {r["rule"] for r in exported}
    assert {"privacy.personal_data", "content.recycled_post", "security.https_missing",
            "network.ipv6_missing", "security.vulnerable_library"} <= rules
