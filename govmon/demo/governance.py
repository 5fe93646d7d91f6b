"""Demo additions for issue 16: cluster governance, disclosure duties and early warnings.

Kept apart from ``sites.py`` (other issues add demo pages too). What it plants, dated
relative to the demo's ``today`` like everything else:

* the portal announces its 手机版, 政务微博 and 依申请公开 entries and links the 网站工作年度
  报表 due (``add_portal_entries``, called from ``build_portal``); its 机构概况 page links
  the 文化广电旅游局 site; its annual report of the year due lacks the section 存在的主要
  问题及改进情况 (``disclosure.annual_report_incomplete``);
* 示例市文化广电旅游局 (department, ``/wlj/`` on the portal's server): linked from the
  portal, but its footer was copied from the 发展和改革委员会 site and shows that site's
  网站标识码 (``cluster.wrong_target``); a broken 手机版 and 政务微博 entry; a catalogue
  document published 50 days after it was written and one without its 发文字号; last
  year's 政府信息公开工作年度报告 published after 31 January; no 依申请公开 channel and no
  网站工作年度报表 on the homepage;
* 示例市退役军人事务局 (department, ``/tyjrj/``): not linked from the portal, no annual
  report, and close to four veto lines at once — homepage and 工作动态 12 days old, four
  stale 动态 / 通知公告 / 政策文件 columns, three blank columns, a letter 80 days
  unanswered, and a homepage that failed the first of the demo's availability probes: a
  warning (预警) on every axis;
* 示例市旅游局 (关停, still serving its pages) and 示例市物价局 (关停, redirected to the
  portal), on the "external" server;
* ``probe_demo``: the demo probes every running homepage a few times before its nightly
  run, as ``govmon probe`` from cron would (real requests on loopback).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from checks._governance import due_year
from govmon.demo import pages as p
from govmon.demo.pages import Column, Look, e
from indicators.durations import MonthDay
from settings.site import Contact, SiteSpec

CULTURE_CODE = "5199000013"
VETERANS_CODE = "5199000014"
TOURISM_CODE = "5199000015"
PRICE_CODE = "5199000016"
CULTURE_NAME = "示例市文化广电旅游局"
VETERANS_NAME = "示例市退役军人事务局"
JANUARY_31 = MonthDay(1, 31)  # the demo's reports are dated against the bundled deadlines
PROBES = 30  # homepage probes the demo makes before its nightly run
SECTIONS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


# -- the portal's announced entries -------------------------------------------------------
def add_portal_entries(t: Any, h: Any, look: Look, ndbg: Column) -> None:
    """Footer entries of every portal page: 依申请公开, 手机版, 政务微博 and the 网站工作年度
    报表 due (an article of the portal's 年度报告 column)."""
    year, _ = due_year(h.today, JANUARY_31)
    statement = next((it for it in ndbg.items if "工作年度报表" in it.title
                      and it.title.startswith(f"示例市人民政府门户网站{year}年")), None)
    look.footer.links += [("依申请公开", "/zwgk/ysqgk/"), ("手机版", "/m/"),
                          ("政务微博", h.x("weibo.com/shilishi"))]
    if statement is not None:
        look.footer.links.append((f"{year}年网站工作年度报表", statement.path))
    t.directory("/zwgk/ysqgk/", p.simple_page(
        look, "依申请公开", "<p>公民、法人或者其他组织可通过网上申请、信函申请、当面申请等方式提出"
        "政府信息公开申请。</p><p>受理机关：示例市人民政府办公室</p>",
        [("首页", "/"), ("政务公开", "/zwgk/"), ("依申请公开", None)]))
    t.directory("/m/", p.simple_page(look, "示例市人民政府手机版", "<p>手机版首页</p>",
                                     [("首页", "/"), ("手机版", None)]))


def external_routes(t: Any, h: Any) -> None:
    """The portal's 政务微博 (works), the closed 旅游局 still online, the 物价局 redirected."""
    t.page("/weibo.com/shilishi", "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
           "示例发布的微博</title></head><body><h1>示例发布</h1></body></html>")
    look = Look(name="示例市旅游局", code=TOURISM_CODE, domain="lyj.shili.gov.cn",
                home=h.x("lyj.shili.gov.cn/"), nav=[("首页", h.x("lyj.shili.gov.cn/"))],
                footer=p.Footer(sponsor="示例市旅游局", site_code=TOURISM_CODE, icp=None, psb=None,
                                conac_url=None, conac_img=None, jiucuo_script=None))
    t.page("/lyj.shili.gov.cn/", p.trs_document(look, title="示例市旅游局", main=(
        '<div class="home"><h2>旅游资讯</h2><ul class="list"><li>示例市十大旅游景区推介</li>'
        "<li>节假日旅游安全提示</li><li>旅行社服务质量公示</li></ul><p>欢迎访问示例市旅游局网站，"
        "本站提供旅游资讯、景区介绍、行业管理和游客服务等信息。</p></div>")))
    t.plant("closed_still_online", "/lyj.shili.gov.cn/")
    t.redirect("/wjj.shili.gov.cn/", 301, h.portal + "/")
    t.plant("closed_redirected", "/wjj.shili.gov.cn/")


def registry_entries(h: Any, culture: str, veterans: str,
                     external: str) -> list[SiteSpec]:
    """The four registry entries, with contacts for the e-mail digests."""
    return [
        SiteSpec(code=CULTURE_CODE, name=CULTURE_NAME, url=culture, kind="department",
                 contacts=[Contact(name="赵敏", email="zhaomin@wlj.shili.gov.cn", role="负责人")]),
        SiteSpec(code=VETERANS_CODE, name=VETERANS_NAME, url=veterans, kind="department",
                 contacts=[Contact(name="钱进", email="qianjin@tyjrj.shili.gov.cn", role="负责人"),
                           Contact(name="孙莉", email="sunli@tyjrj.shili.gov.cn")]),
        SiteSpec(code=TOURISM_CODE, name="示例市旅游局", url=external + "/lyj.shili.gov.cn/",
                 kind="department", status="关停"),
        SiteSpec(code=PRICE_CODE, name="示例市物价局", url=external + "/wjj.shili.gov.cn/",
                 kind="department", status="关停", successor=h.portal + "/"),
    ]


# -- 文化广电旅游局: disclosure problems and a footer copied from another site --------------
def _look(name: str, code: str, shown_code: str, home: str, nav: list,
          h: Any) -> Look:
    from govmon.demo.sites import gov_footer

    footer = gov_footer(h, sponsor=name, code=shown_code, icp_suffix=6, phone="0899-12345677",
                        address="示例市青山区文化路8号")
    # the footer (copied with the template) shows ``shown_code``; the SiteIDCode meta and
    # the 找错 widget come from the site's own settings
    return Look(name=name, code=code, domain=f"{home.strip('/')}.shili.gov.cn",
                home=home, nav=nav, footer=footer, css=["/images/common.css"])


def build_culture(h: Any) -> Any:
    from govmon.demo.sites import DRC_CODE, RouteTable, home_box, publish_trs, trs_item

    t = RouteTable()
    base = "/wlj/"
    nav = [("首页", base), ("工作动态", base + "gzdt/"), ("信息公开目录", base + "xxgk/"),
           ("年度报告", base + "ndbg/"), ("政务咨询", "/hdjl/zwzx/"), ("市政府门户", "/")]
    # the template was copied from the 发展和改革委员会 site: its 网站标识码 came along
    look = _look(CULTURE_NAME, CULTURE_CODE, DRC_CODE, base, nav, h)
    home = ("首页", base)
    gzdt = Column("工作动态", base + "gzdt/", "要闻动态")
    for i, off in enumerate([1, 4, 9, 15, 22]):
        day = h.ago(off)
        gzdt.items.append(trs_item(gzdt.path, day, 5710000 + 1000 - off,
                                   f"示例市{['文化惠民', '非遗展演', '广电安全播出', '旅游市场整治', '全民阅读'][i]}"
                                   "工作稳步推进", source=CULTURE_NAME,
                                   body=[f"{day.year}年{day.month}月{day.day}日，相关工作稳步推进。"]))
    xxgk = Column("信息公开目录", base + "xxgk/", "政策文件")
    docs = [("关于印发示例市公共文化服务体系建设实施方案的通知", 80, 30, "示文旅发〔{y}〕12号"),
            ("关于做好假日文化和旅游市场安全工作的通知", 20, 18, ""),
            ("关于公布第三批市级非物质文化遗产代表性项目名录的通知", 10, 9, "示文旅发〔{y}〕15号")]
    for i, (title, written_off, pub_off, number) in enumerate(docs):
        written, day = h.ago(written_off), h.ago(pub_off)
        it = trs_item(xxgk.path, day, 5720000 + 1000 - pub_off, title, source=CULTURE_NAME,
                      body=["各区（县）文化和旅游主管部门：现将有关事项通知如下。", "特此通知。"])
        it.info = {"索 引 号": f"11519900MB0000013R/{day.year}-{i + 1:05d}", "主题分类": "文化",
                   "发文机关": CULTURE_NAME, "成文日期": p.fd(written, "{y}年{m:02d}月{d:02d}日"),
                   "发文字号": number.format(y=written.year),
                   "发布日期": p.fd(day, "{y}年{m:02d}月{d:02d}日"), "有 效 性": "有效"}
        xxgk.items.append(it)
    t.plant("disclosure_late", xxgk.items[0].path)
    t.plant("fields_missing", xxgk.items[1].path)
    ndbg = Column("年度报告", base + "ndbg/", "年度报告")
    year, due = due_year(h.today, JANUARY_31)
    late = due + timedelta(days=max(1, min(20, (h.today - due).days - 1)))
    for y, day in ((year, late), (year - 1, JANUARY_31.of(year) - timedelta(days=5))):
        ndbg.items.append(trs_item(ndbg.path, day, 5730000 + y, f"{CULTURE_NAME}{y}年政府信息公开工作"
                                   "年度报告", source=CULTURE_NAME, body=list(SECTIONS)))
    t.plant("annual_report_late", ndbg.items[0].path)
    for col in (gzdt, xxgk, ndbg):
        publish_trs(t, look, col, home)
    top = (f'<div class="entries"><a href="{base}m/">手机版</a> '
           f'<a href="{e(h.x("weibo.com/shiliwlj"))}" target="_blank">政务微博</a> '
           f'<img src="{base}images/wx.png" alt="政务微信"></div>')
    t.file(base + "images/wx.png", _png(), "image/png")
    t.plant("mobile_broken", base + "m/")
    main = top + "".join(home_box(col.name, col.path, col.newest(5)) for col in (gzdt, xxgk))
    t.page(base, p.trs_document(look, title=CULTURE_NAME, main=f'<div class="home">{main}</div>'))
    return t


def _png() -> bytes:
    from govmon.demo.sites import PNG

    return PNG


# -- 退役军人事务局: unlinked, no annual report, near every veto line ------------------------
# (name, sub-path, ColumnType, newest item's age in days or None for a blank column)
VETERANS_COLUMNS = [("工作动态", "gzdt/", "要闻动态", 12), ("基层动态", "jcdt/", "要闻动态", 30),
                    ("媒体关注", "mtgz/", "要闻动态", 40), ("通知公告", "tzgg/", "通知公告", 200),
                    ("政策文件", "zcwj/", "政策文件", 250), ("规划计划", "ghjh/", "规划计划", None),
                    ("人事信息", "rsxx/", "人事信息", None), ("财政资金", "czzj/", "财政资金", None)]


def build_veterans(h: Any) -> Any:
    from govmon.demo.sites import RouteTable, _mailbox, home_box, publish_trs, trs_item

    t = RouteTable()
    base = "/tyjrj/"
    nav = ([("首页", base)] + [(n, base + sub) for n, sub, _, _ in VETERANS_COLUMNS]
           + [("局长信箱", base + "jzxx/"), ("依申请公开", "/zwgk/ysqgk/")])
    look = _look(VETERANS_NAME, VETERANS_CODE, VETERANS_CODE, base, nav, h)
    home = ("首页", base)
    cols = []
    for k, (name, sub, kind, age) in enumerate(VETERANS_COLUMNS):
        col = Column(name, base + sub, kind)
        for i in range(3 if age is not None else 0):
            day = h.ago(age + 7 * i)
            col.items.append(trs_item(col.path, day, 5740000 + 100 * k + i,
                                      f"示例市退役军人事务局{name}（{day.month}月第{i + 1}期）",
                                      source=VETERANS_NAME, body=[f"{name}相关内容。"]))
        publish_trs(t, look, col, home)
        cols.append(col)
    t.plant("near_stale_column", cols[0].path)
    t.plant("blank_columns", cols[5].path)
    letters = [("关于退役士兵安置政策的咨询", "示例市退役军人事务局", "请问退役士兵安置有哪些政策？",
                None, 80, None, "未回复"),
               ("关于优待证办理进度的咨询", "示例市退役军人事务局", "优待证办理需要多长时间？",
                "一般在20个工作日内办结。", 20, 2, "已回复")]
    paths = _mailbox(t, look, h, "局长信箱", base + "jzxx/", letters, "TY", [home])
    t.plant("mailbox_near_limit", paths[letters[0][0]])
    main = home_box(cols[0].name, cols[0].path, cols[0].newest(3))
    t.page(base, p.trs_document(look, title=VETERANS_NAME, main=f'<div class="home">{main}</div>'))
    # the homepage failed the first availability probe of the demo (1 of 30: 3.3 %)
    t.routes[base].before = [(503, {"Retry-After": "0"})]
    t.plant("probe_failed_once", base)
    return t


# -- availability probes -------------------------------------------------------------------
def probe_demo(sessions: Any, registry: Any, settings: Any, times: int = PROBES) -> int:
    """Probe every running homepage ``times`` times, as cron runs ``govmon probe``; the
    probes are real requests to the demo's servers and are stored like any other."""
    from crawler.netguard import Guard
    from crawler.probe import probe_all
    from store.models import Probe
    from store.ops import sync_registry

    sites = registry.running()
    results = probe_all(sites * times, settings.probe_timeout, settings.user_agent,
                        Guard.from_registry(registry))
    with sessions.begin() as s:
        ids = sync_registry(s, registry)
        s.add_all(Probe(site_id=ids[r.code], at=r.at, ok=r.ok, status=r.status,
                        elapsed_ms=r.elapsed_ms, error=r.error) for r in results)
    return len(results)


