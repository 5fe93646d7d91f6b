"""Realistic sample sites of each CMS family for the column tests (served by SiteServer).

Dates are relative to the day the tests run, so every limit is tested on both sides:
``Expect`` records what each column must come out as.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from govmon.demo.server import Route
from indicators.durations import Duration

TODAY = date.today()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def months_ago(n: int) -> date:
    return Duration(n, "m").before(TODAY)


def years_ago(n: int) -> date:
    return Duration(n, "y").before(TODAY)


@dataclass
class Expect:
    """What discovery must find for one column."""

    name: str
    url: str  # path of the first list page as linked
    kind: str = "list"
    update_class: str = "none"
    level: int = 1
    items: int = 0
    newest: date | None = None
    stale: bool = False
    blank: bool = False
    paging: str | None = None


@dataclass
class Art:
    title: str
    day: date
    path: str
    href: str  # as written in the list
    pinned: bool = False


@dataclass
class Sample:
    routes: dict[str, Route] = field(default_factory=dict)
    dynamic: object = None
    expect: list[Expect] = field(default_factory=list)
    home_newest: date | None = None
    home_stale: bool = False


TOPICS = ["安全生产", "营商环境", "乡村振兴", "防汛减灾", "民生实事", "生态环境", "招商引资", "城市更新",
          "政务公开", "数字政府", "就业创业", "义务教育", "医疗保障", "养老服务", "食品安全", "森林防火"]


def title_of(col: str, i: int) -> str:
    return f"{col}：示例市召开{TOPICS[i % len(TOPICS)]}工作推进会（第{i + 1}期）"


def series(newest: date, n: int, step: int = 3) -> list[date]:
    return [newest - timedelta(days=i * step) for i in range(n)]


# -- TRS WCM (UTF-8) ---------------------------------------------------------------------
TRS_NAV = [("首页", "/"), ("新闻动态", "/xwdt/"), ("政务公开", "/zwgk/"), ("概况信息", "/gk/"),
           ("机构职能", "/jgzn/"), ("人事信息", "/rsxx/"), ("规划计划", "/ghjh/"),
           ("专题专栏", "/ztzl/"), ("统计数据", "/tjsj/"), ("数据开放", "/sjkf/")]
TRS_PAGER = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  document.write("<a href=\\"" + _sPageName + "_" + (_nCurrIndex + 1) + "." + _sPageExt + "\\">下一页</a>");
}"""


def trs_doc(title: str, main: str, crumbs: list[tuple[str, str | None]] | None = None,
            column: str | None = None, article: Art | None = None,
            pubdate: date | None = None, nav: list[tuple[str, str]] | None = None) -> str:
    meta = ['<meta name="SiteName" content="示例市人民政府">']
    if column:
        meta.append(f'<meta name="ColumnName" content="{column}">')
    if article:
        meta.append(f'<meta name="ArticleTitle" content="{article.title}">')
        meta.append(f'<meta name="PubDate" content="{(pubdate or article.day):%Y-%m-%d} 09:30">')
    navhtml = "".join(f'<li><a href="{h}">{t}</a></li>' for t, h in
                      (TRS_NAV if nav is None else nav))
    footer = ('<p><a href="/lxwm/">联系我们</a> <a href="/wzdt/">网站地图</a></p>' if nav is None
              else "")
    crumb = ""
    if crumbs:
        parts = ['<a href="/">首页</a>'] + [f'<a href="{h}">{n}</a>' if h else n
                                             for n, h in crumbs]
        crumb = f'<div class="position">当前位置：{" &gt; ".join(parts)}</div>'
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_示例市人民政府</title>
{"".join(meta)}</head><body>
<!-- 页面生成时间 2016-01-01 12:00:00 -->
<div class="topbar">今天是：2019年3月5日 星期二</div>
<div class="nav"><ul>{navhtml}</ul></div>
<div class="main">{crumb}{main}</div>
<div class="footer"><p>主办单位：示例市人民政府办公室　网站标识码：5199000001</p>
{footer}</div>
</body></html>"""


def trs_rows(arts: list[Art], fmt: str) -> str:
    rows = []
    for a in arts:
        pin = '<span class="zd">[置顶]</span>' if a.pinned else ""
        rows.append(f'<li>{pin}<a href="{a.href}" target="_blank" title="{a.title}">{a.title}</a>'
                    f'<span class="date">{fmt_date(a.day, fmt)}</span></li>')
    return "\n".join(rows)


def fmt_date(d: date, fmt: str) -> str:
    return {"iso": f"{d:%Y-%m-%d}", "slash": f"{d:%Y/%m/%d}", "dot": f"{d:%Y.%m.%d}",
            "cn": f"{d.year}年{d.month}月{d.day}日", "bracket_md": f"[{d:%m-%d}]",
            "md": f"{d:%m-%d}", "ratio": f"{d:%Y-%m-%d}\u3000{10:02d}\u2236{8:02d}",
            "fullcolon": f"{d:%Y-%m-%d} 10：08", "cn0": f"{d:%Y年%m月%d日}"}[fmt]


def trs_column(s: Sample, base: str, name: str, days: list[date], *, fmt: str = "iso",
               per_page: int = 15, pager: str = "classic", crumbs: list | None = None,
               pinned_old: date | None = None, byline: bool = True,
               nav: list[tuple[str, str]] | None = None) -> list[Art]:
    """A TRS column under ``base`` (``/xwdt/gzdt/``) with articles; returns its articles."""
    arts = []
    for i, d in enumerate(days):
        aid = 1000 + len(s.routes) + i
        rel = f"{d:%Y%m}/t{d:%Y%m%d}_{aid}.html"
        arts.append(Art(title_of(name, i), d, base + rel, "./" + rel))
    if pinned_old is not None:
        aid = 900 + len(s.routes)
        rel = f"{pinned_old:%Y%m}/t{pinned_old:%Y%m%d}_{aid}.html"
        arts.insert(0, Art(f"{name}：关于进一步规范办事流程的公告（置顶）", pinned_old, base + rel,
                           "./" + rel, pinned=True))
    pages = [arts[i:i + per_page] for i in range(0, len(arts), per_page)] or [[]]
    n = len(pages)
    crumbs = crumbs if crumbs is not None else [(name, base)]
    for k, chunk in enumerate(pages):
        if pager == "classic":
            script = (f"<script>{TRS_PAGER}\nvar countPage = {n};//共多少页\n"
                      f"var currentPage = {k};\ncreatePageHTML({n}, {k}, \"index\", \"html\");</script>")
            path = base + ("index.html" if k == 0 else f"index_{k}.html")
        elif pager == "six":
            script = (f"<div id=\"page_div\"></div><script>createPageHTML('page_div', {n}, {k + 1},"
                      f" 'index', 'html', {len(arts)});</script>")
            path = base + ("index.html" if k == 0 else f"index_{k + 1}.html")
        else:  # a visible 尾页 link only
            script = (f'<div class="page"><a href="index_{n - 1}.html">尾页</a></div>' if n > 1
                      else "")
            path = base + ("index.html" if k == 0 else f"index_{k}.html")
        main = (f'<div class="column-box"><h2>{name}</h2><ul class="list">{trs_rows(chunk, fmt)}'
                f"</ul>{script}</div>")
        s.routes[path] = Route(trs_doc(name, main, crumbs, column=name, nav=nav))
    s.routes[base] = s.routes[base + "index.html"]
    for a in arts:
        info = f'<div class="info">发布时间：{a.day:%Y-%m-%d} 10:08</div>' if byline else ""
        s.routes[a.path] = Route(trs_doc(a.title, f'<h1>{a.title}</h1>{info}<div id="zoom" '
                                         f'class="TRS_Editor"><p>正文内容。{a.title}</p></div>',
                                         crumbs + [("正文", None)], column=name, article=a,
                                         nav=nav))
    return arts


def trs_site() -> Sample:
    s = Sample()
    # 工作动态: newest exactly 14 days old (not stale), an old pinned item on top, 3 pages.
    gzdt = trs_column(s, "/xwdt/gzdt/", "工作动态", series(ago(14), 40, 5),
                      crumbs=[("新闻动态", "/xwdt/"), ("工作动态", "/xwdt/gzdt/")],
                      pinned_old=ago(400))
    s.expect.append(Expect("工作动态", "/xwdt/gzdt/", update_class="news", level=2, items=41,
                           newest=ago(14), paging="trs"))
    # 部门动态: 15 days old (stale), the six-argument 1-based pager, 2026/11/03 dates.
    bmdt = trs_column(s, "/xwdt/bmdt/", "部门动态", series(ago(15), 20, 4), fmt="slash",
                      per_page=10, pager="six",
                      crumbs=[("新闻动态", "/xwdt/"), ("部门动态", "/xwdt/bmdt/")])
    s.expect.append(Expect("部门动态", "/xwdt/bmdt/", update_class="news", level=2, items=20,
                           newest=ago(15), stale=True, paging="trs6"))
    # 通知公告: exactly 6 calendar months old (not stale), 2026.11.03 dates, 尾页 link only.
    tzgg = trs_column(s, "/zwgk/tzgg/", "通知公告", series(months_ago(6), 25, 7), fmt="dot",
                      per_page=10, pager="tail", crumbs=[("通知公告", "/zwgk/tzgg/")])
    s.expect.append(Expect("通知公告", "/zwgk/tzgg/", update_class="notice", level=1, items=25,
                           newest=months_ago(6), paging="trs"))
    # 政策文件: an information-disclosure table; 发布日期 6 months + 1 day old (stale) while the
    # 成文日期 column is recent — the 发布日期 column must be read.
    zcwj_days = series(months_ago(6) - timedelta(days=1), 6, 30)
    rows = []
    for i, d in enumerate(zcwj_days):
        path = f"/zwgk/zcwj/{d:%Y%m}/t{d:%Y%m%d}_{500 + i}.html"
        title = f"示例市人民政府关于印发{TOPICS[i]}实施办法的通知"
        rows.append(f'<tr><td>{i + 1}</td><td>11510000MB0000{i:02d}/{d.year}-{i:05d}</td>'
                    f'<td><a href="{path}">{title}</a></td><td>示府发〔{d.year}〕{i + 1}号</td>'
                    f"<td>{ago(3 + i):%Y-%m-%d}</td><td>{d:%Y-%m-%d}</td></tr>")
        s.routes[path] = Route(trs_doc(title, f"<h1>{title}</h1>"
                                       f'<table class="xxgk"><tr><th>索 引 号</th><td>x</td></tr>'
                                       f"<tr><th>发布日期</th><td>{d:%Y-%m-%d}</td></tr></table>"
                                       '<div id="zoom"><p>正文。</p></div>',
                                       [("政策文件", "/zwgk/zcwj/")], column="政策文件",
                                       article=Art(title, d, path, path)))
    table = ('<table class="xxgk-list"><tr><th>序号</th><th>索引号</th><th>标题</th><th>文号</th>'
             f'<th>成文日期</th><th>发布日期</th></tr>{"".join(rows)}</table>')
    s.routes["/zwgk/zcwj/"] = Route(trs_doc("政策文件", f"<h2>政策文件</h2>{table}",
                                            [("政策文件", "/zwgk/zcwj/")], column="政策文件"))
    s.expect.append(Expect("政策文件", "/zwgk/zcwj/", update_class="notice", level=1, items=6,
                           newest=zcwj_days[0], stale=True))
    # 政策解读: the list shows no dates; the byline (30 days) beats the URL (40 days) and the
    # PubDate meta (yesterday: the page's regeneration time).
    zcjd = []
    for i in range(4):
        d_byline, d_url = ago(30 + i * 20), ago(40 + i * 20)
        path = f"/zwgk/zcjd/{d_url:%Y%m}/t{d_url:%Y%m%d}_{700 + i}.html"
        a = Art(f"图解：示例市{TOPICS[i]}政策要点解读", d_byline, path, path)
        zcjd.append(a)
        s.routes[path] = Route(trs_doc(
            a.title, f'<h1>{a.title}</h1><div class="info">发布时间：{d_byline:%Y-%m-%d} 09:00'
            f'</div><div id="zoom"><p>解读正文。</p></div>',
            [("政务公开", "/zwgk/"), ("政策解读", "/zwgk/zcjd/")], column="政策解读",
            article=a, pubdate=ago(1)))
    lst = "".join(f'<li><a href="{a.href}">{a.title}</a></li>' for a in zcjd)
    s.routes["/zwgk/zcjd/"] = Route(trs_doc("政策解读", f'<h2>政策解读</h2><ul class="list">{lst}</ul>',
                                            [("政务公开", "/zwgk/"), ("政策解读", "/zwgk/zcjd/")],
                                            column="政策解读"))
    s.expect.append(Expect("政策解读", "/zwgk/zcjd/", update_class="notice", level=2, items=4,
                           newest=ago(30)))
    # 人事信息 exactly one year old (not stale); 规划计划 one year and a day (stale).
    trs_column(s, "/rsxx/", "人事信息", series(years_ago(1), 5, 30), fmt="cn",
               crumbs=[("人事信息", "/rsxx/")])
    s.expect.append(Expect("人事信息", "/rsxx/", update_class="personnel", items=5,
                           newest=years_ago(1)))
    trs_column(s, "/ghjh/", "规划计划", series(years_ago(1) - timedelta(days=1), 3, 60),
               fmt="cn0", crumbs=[("规划计划", "/ghjh/")])
    s.expect.append(Expect("规划计划", "/ghjh/", update_class="personnel", items=3,
                           newest=years_ago(1) - timedelta(days=1), stale=True))
    # Channel pages: blocks with 更多 links.
    s.routes["/xwdt/"] = Route(trs_doc("新闻动态", _blocks([("工作动态", "/xwdt/gzdt/", gzdt[1:6]),
                                                          ("部门动态", "/xwdt/bmdt/", bmdt[:5])]),
                                       [("新闻动态", "/xwdt/")]))
    zcwj = [Art("示例市人民政府关于印发实施办法的通知", zcwj_days[0], "/zwgk/zcwj/", "/zwgk/zcwj/")]
    s.routes["/zwgk/"] = Route(trs_doc("政务公开", _blocks([("通知公告", "/zwgk/tzgg/", tzgg[:5]),
                                                          ("政策文件", "/zwgk/zcwj/", zcwj),
                                                          ("政策解读", "/zwgk/zcjd/", zcjd[:3])]),
                                       [("政务公开", "/zwgk/")]))
    # A single page, blank columns (placeholder, empty list), a script-rendered column.
    s.routes["/gk/"] = Route(trs_doc("概况信息", "<h2>概况信息</h2><div class='content'><p>示例市位于"
                                     "四川盆地西部，辖5个区、3个县，总面积1.2万平方公里，常住人口"
                                     "320万人。</p></div>", [("概况信息", "/gk/")], column="概况信息"))
    s.expect.append(Expect("概况信息", "/gk/", kind="single"))
    s.routes["/jgzn/"] = Route(trs_doc("机构职能", '<h2>机构职能</h2><ul class="list"><li class="nodata">'
                                       "暂无信息</li></ul>", [("机构职能", "/jgzn/")],
                                       column="机构职能"))
    s.expect.append(Expect("机构职能", "/jgzn/", kind="blank", blank=True))
    s.routes["/ztzl/"] = Route(trs_doc("专题专栏", "<h2>专题专栏</h2><div class='content'>"
                                       "<p>栏目正在建设中</p></div>", [("专题专栏", "/ztzl/")],
                                       column="专题专栏"))
    s.expect.append(Expect("专题专栏", "/ztzl/", kind="blank", blank=True))
    s.routes["/tjsj/"] = Route(trs_doc("统计数据", '<h2>统计数据</h2><ul class="list"></ul>',
                                       [("统计数据", "/tjsj/")], column="统计数据"))
    s.expect.append(Expect("统计数据", "/tjsj/", kind="blank", blank=True))
    s.routes["/sjkf/"] = Route(trs_doc(
        "数据开放", '<h2>数据开放</h2><div id="app"><ul><li v-for="d in list">{{ d.title }}</li>'
        "</ul></div><script>$.ajax({url: '/api/open/list', success: function(r){}});</script>",
        [("数据开放", "/sjkf/")], column="数据开放"))
    s.expect.append(Expect("数据开放", "/sjkf/", kind="spa"))
    s.routes["/lxwm/"] = Route(trs_doc("联系我们", "<p>联系电话：0899-12345678 地址：示例市政务路1号</p>"))
    s.routes["/wzdt/"] = Route(trs_doc("网站地图", "<ul class='sitemap'>" + "".join(
        f'<li><a href="{h}">{t}</a></li>' for t, h in TRS_NAV) + "</ul>"))
    # Homepage: dated blocks; newest item 14 days old (not stale).
    s.routes["/"] = Route(trs_doc("示例市人民政府", _blocks([
        ("工作动态", "/xwdt/gzdt/", gzdt[1:8]), ("通知公告", "/zwgk/tzgg/", tzgg[:6])])))
    s.home_newest = ago(14)
    return s


def _blocks(blocks: list[tuple[str, str, list[Art]]]) -> str:
    out = []
    for name, href, arts in blocks:
        rows = "".join(f'<li><a href="{a.path}" title="{a.title}">{a.title}</a>'
                       f"<span>{a.day:%m-%d}</span></li>" for a in arts)
        out.append(f'<div class="box"><div class="box-title"><h3>{name}</h3>'
                   f'<a class="more" href="{href}">更多&gt;&gt;</a></div><ul class="list">{rows}</ul>'
                   "</div>")
    return "".join(out)


# -- Hanweb JCMS (UTF-8): datastore lists, dataproxy.jsp paging in both forms -----------
HW_NAV = [("首页", "/index.html"), ("要闻动态", "/col/col101/index.html"),
          ("通知公告", "/col/col102/index.html"), ("政策文件", "/col/col103/index.html"),
          ("政策解读", "/col/col104/index.html"), ("市政府概况", "/col/col105/index.html"),
          ("机构职能", "/col/col106/index.html"), ("领导之窗", "/col/col107/index.html")]
PROXY = "/module/web/jpage/dataproxy.jsp"


def hw_doc(title: str, main: str, crumb: str | None = None, article: Art | None = None,
           bare: bool = False) -> str:
    """A Hanweb page; ``bare`` drops the menu, the vendor credit and the visit counter."""
    nav = "" if bare else "".join(f'<li><a href="{h}">{t}</a></li>' for t, h in HW_NAV)
    extra = "" if bare else (
        '<div style="display:none"><a href="/jcms/">Produced By 大汉网络 大汉版通发布系统</a></div>'
        '<iframe src="/module/visitcount/visit.jsp?type=1" width="0" height="0" '
        'style="display:none"></iframe>')
    meta = f'<meta name="ArticleTitle" content="{article.title}">' if article else ""
    pos = (f'<div class="bt-position">当前位置：<a href="/index.html">首页</a> &gt; '
           f'<a href="{crumb}">{title if not article else "栏目"}</a></div>' if crumb else "")
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "x">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>示例市人民政府 {title}</title><meta name="Generator" content="大汉版通" />{meta}
</head><body><div class="nav"><ul>{nav}</ul></div><div class="container">{pos}{main}</div>
{extra}
</body></html>"""


def hw_record(a: Art, fmt: str) -> str:
    return (f'<record><![CDATA[\n<li><a href="{a.href}" target="_blank" title="{a.title}">'
            f'{a.title}</a><span class="bt-data-time">{fmt_date(a.day, fmt)}</span></li>\n]]>'
            "</record>")


def hanweb_site() -> Sample:
    s = Sample()
    cols: dict[int, tuple[list[Art], str, int]] = {}

    def arts_for(cid: int, name: str, days: list[date]) -> list[Art]:
        out = []
        for i, d in enumerate(days):
            path = f"/art/{d.year}/{d.month}/{d.day}/art_{cid}_{cid * 1000 + i}.html"
            a = Art(title_of(name, i), d, path, path)
            out.append(a)
            body = (f'<h1 class="title">{a.title}</h1><div class="info"><span>发布日期：'
                    f'{d:%Y-%m-%d} 09:30:26</span></div><div id="zoom"><p>{a.title}。</p></div>')
            s.routes[path] = Route(hw_doc(a.title, body, f"/col/col{cid}/index.html", a))
        return out

    # 要闻动态: <datastore> with a nextgroup link (?page=N form), 40 records in 3 pages,
    # dates "2026-11-03　10∶08" (U+3000, U+2236).
    a101 = arts_for(101, "要闻动态", series(ago(3), 40, 2))
    cols[101] = (a101, "ratio", 15)
    nxt = (f"{PROXY}?page=1&amp;appid=1&amp;webid=1&amp;path=/&amp;columnid=101&amp;unitid=9001"
           "&amp;webname=示例市&amp;permissiontype=0")
    store = (f'<div id="9001"><script type="text/xml"><datastore>\n<nextgroup><![CDATA[<a href="'
             f'{nxt}"></a>]]></nextgroup>\n<recordset>\n'
             + "\n".join(hw_record(a, "ratio") for a in a101[:15])
             + "\n</recordset>\n<totalrecord>40</totalrecord><totalpage>3</totalpage>\n"
             "</datastore></script></div>")
    s.routes["/col/col101/index.html"] = Route(hw_doc("要闻动态", store, "/col/col101/index.html"))
    s.expect.append(Expect("要闻动态", "/col/col101/index.html", update_class="news", items=40,
                           newest=ago(3), paging="hanweb"))
    # 通知公告: records only in the page script (proxyUrl, totalRecord, perpage, ajaxParam):
    # the startrecord/endrecord form; 200 days old (stale).
    a102 = arts_for(102, "通知公告", series(ago(200), 50, 5))
    cols[102] = (a102, "fullcolon", 10)
    script = ('<script type="text/javascript">var totalRecord = 50; var perpage = 10;\n'
              f'var proxyUrl = "{PROXY}";\nvar ajaxParam = {{col:1,appid:1,webid:1,path:\'/\','
              "columnid:102,sourceContentType:1,unitid:9002,webname:'示例市',permissiontype:0};"
              "</script>")
    store = ('<div id="9002"><script type="text/xml"><datastore><recordset>\n'
             + "\n".join(hw_record(a, "fullcolon") for a in a102[:10])
             + "\n</recordset></datastore></script>" + script + "</div>")
    s.routes["/col/col102/index.html"] = Route(hw_doc("通知公告", store, "/col/col102/index.html"))
    s.expect.append(Expect("通知公告", "/col/col102/index.html", update_class="notice", items=50,
                           newest=ago(200), stale=True, paging="hanweb"))
    # 政策文件: an empty datastore (blank column).
    s.routes["/col/col103/index.html"] = Route(hw_doc(
        "政策文件", '<div id="9003"><script type="text/xml"><datastore><recordset></recordset>'
        "<totalrecord>0</totalrecord><totalpage>0</totalpage></datastore></script></div>",
        "/col/col103/index.html"))
    s.expect.append(Expect("政策文件", "/col/col103/index.html", kind="blank", blank=True))
    # 政策解读: five records, 10 days old.
    a104 = arts_for(104, "政策解读", series(ago(10), 5, 9))
    store = ('<div id="9004"><script type="text/xml"><datastore><recordset>\n'
             + "\n".join(hw_record(a, "iso") for a in a104)
             + "\n</recordset><totalrecord>5</totalrecord><totalpage>1</totalpage></datastore>"
             "</script></div>")
    s.routes["/col/col104/index.html"] = Route(hw_doc("政策解读", store, "/col/col104/index.html"))
    s.expect.append(Expect("政策解读", "/col/col104/index.html", update_class="notice", items=5,
                           newest=ago(10)))
    for cid, name, text in [(105, "市政府概况", "示例市位于四川盆地西部，历史悠久，物产丰富，交通便利。"),
                            (106, "机构职能", "市人民政府办公室主要职责：协助市政府领导同志处理日常工作。"),
                            (107, "领导之窗", "市长：张明远　副市长：李红梅、王建国、陈志强")]:
        s.routes[f"/col/col{cid}/index.html"] = Route(hw_doc(
            name, f'<div class="content"><p>{text}</p></div>', f"/col/col{cid}/index.html"))
    # Homepage: newest item 15 days old, one day over the limit (home.stale).
    home_items = [Art(title_of("首页", i), d, f"/art/{d.year}/{d.month}/{d.day}/art_1_{i}.html", "")
                  for i, d in enumerate(series(ago(15), 6, 1))]
    for a in home_items:
        s.routes[a.path] = Route(hw_doc(a.title, f"<h1>{a.title}</h1><div class='info'>发布日期："
                                        f"{a.day:%Y-%m-%d}</div><div id='zoom'><p>x</p></div>",
                                        "/col/col101/index.html", a))
    rows = "".join(f'<li><a href="{a.path}">{a.title}</a><span>{a.day:%Y-%m-%d}</span></li>'
                   for a in home_items)
    s.routes["/"] = Route(hw_doc("首页", f'<div class="ywdt"><h3>要闻动态</h3><a href="/col/col101/'
                                         f'index.html">更多</a><ul>{rows}</ul></div>'))
    s.routes["/jcms/"] = Route("<html><body>大汉版通</body></html>")
    s.routes["/module/visitcount/visit.jsp"] = Route("<html><body>1</body></html>")
    s.routes["/index.html"] = s.routes["/"]
    s.home_newest, s.home_stale = ago(15), True

    def dynamic(method: str, raw: str) -> Route | None:  # noqa: ARG001
        parts = urlsplit(raw)
        if parts.path != PROXY:
            return None
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        arts, fmt, per = cols[int(q["columnid"])]
        if "page" in q:
            k = int(q["page"])
            chunk = arts[(k - 1) * per:k * per]
        else:
            chunk = arts[int(q["startrecord"]) - 1:int(q["endrecord"])]
        pages = -(-len(arts) // per)
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore><totalrecord>{len(arts)}'
               f"</totalrecord><totalpage>{pages}</totalpage><recordset>\n"
               + "\n".join(hw_record(a, fmt) for a in chunk) + "\n</recordset></datastore>")
        return Route(xml, content_type="text/xml; charset=UTF-8")

    s.dynamic = dynamic
    return s


# -- a legacy ASP site served in GBK: table rows, year-less dates, a 尾页-only pager ------
LEGACY_NAV = [("网站首页", "/"), ("工作动态", "/list.asp?id=1"), ("通知公告", "/list.asp?id=2"),
              ("部门动态", "/list.asp?id=3")]


def legacy_doc(title: str, main: str, crumb: str | None = None) -> bytes:
    nav = " | ".join(f'<a href="{h}">{t}</a>' for t, h in LEGACY_NAV)
    pos = (f'<div class="weizhi">您现在的位置：<a href="/">首页</a> &gt;&gt; {crumb}</div>'
           if crumb else "")
    html = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}-示例县农业农村局</title></head><body>
<table width="1000"><tr><td class="date">今天是：2019年3月5日 星期二</td></tr>
<tr><td class="nav">{nav}</td></tr><tr><td class="main">{pos}{main}</td></tr>
<tr><td class="foot">版权所有：示例县农业农村局 <!-- build 2015-06-01 10:00 --></td></tr></table>
</body></html>"""
    return html.encode("gbk")


GBK = "text/html; charset=gbk"


def legacy_site() -> Sample:
    s = Sample()
    lists: dict[int, tuple[str, list[Art], str]] = {}
    n = 0

    def column(cid: int, name: str, days: list[date], fmt: str) -> list[Art]:
        nonlocal n
        arts = []
        for d in days:
            n += 1
            a = Art(title_of(name, n), d, f"/show.asp?id={n}", f"show.asp?id={n}")
            arts.append(a)
            s.routes[a.path] = Route(legacy_doc(a.title, f'<table><tr><td class="atitle">{a.title}'
                                                f'</td></tr><tr><td class="ainfo">时间：{d:%Y-%m-%d}'
                                                "&nbsp;&nbsp;点击数：12</td></tr><tr><td>正文。</td>"
                                                "</tr></table>", name), content_type=GBK)
        lists[cid] = (name, arts, fmt)
        return arts

    # 工作动态: [MM-DD] dates every 12 days over 16 months: the year must come from the list order.
    column(1, "工作动态", series(ago(2), 40, 12), "bracket_md")
    s.expect.append(Expect("工作动态", "/list.asp?id=1", update_class="news", items=40,
                           newest=ago(2), paging="query"))
    column(2, "通知公告", series(ago(100), 8, 9), "cn0")
    s.expect.append(Expect("通知公告", "/list.asp?id=2", update_class="notice", items=8,
                           newest=ago(100)))
    column(3, "部门动态", series(ago(20), 12, 6), "md")
    s.expect.append(Expect("部门动态", "/list.asp?id=3", update_class="news", items=12,
                           newest=ago(20), stale=True))

    def list_page(cid: int, page: int) -> Route:
        name, arts, fmt = lists[cid]
        per = 15
        pages = max(1, -(-len(arts) // per))
        chunk = arts[(page - 1) * per:page * per]
        rows = "".join(f'<tr><td class="dot">·</td><td><a href="{a.href}" target="_blank">'
                       f'{a.title}</a></td><td class="time">{fmt_date(a.day, fmt)}</td></tr>'
                       for a in chunk)
        pager = (f'<div class="pager">共{len(arts)}条 第{page}/{pages}页 '
                 f'<a href="list.asp?id={cid}&page={pages}">尾页</a></div>' if pages > 1 else "")
        return Route(legacy_doc(name, f'<table width="100%" class="list">{rows}</table>{pager}',
                                name), content_type=GBK)

    def dynamic(method: str, raw: str) -> Route | None:  # noqa: ARG001
        parts = urlsplit(raw)
        if parts.path != "/list.asp":
            return None
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        return list_page(int(q["id"]), int(q.get("page", "1")))

    s.dynamic = dynamic
    # Homepage: items without any date (here or on their pages): home.stale, newest unknown.
    rows = []
    for i in range(4):
        path = f"/zt/{i + 1}.html"
        t = f"示例县{TOPICS[i]}专题工作情况介绍"
        rows.append(f'<li><a href="{path}">{t}</a></li>')
        s.routes[path] = Route(legacy_doc(t, f"<h1>{t}</h1><p>专题介绍正文，没有发布日期。</p>"),
                               content_type=GBK)
    s.routes["/"] = Route(legacy_doc("首页", f'<ul class="zt">{"".join(rows)}</ul>'),
                          content_type=GBK)
    s.home_stale = True
    return s


# -- a site with many stale and blank columns (V4 counts) -------------------------------
def many_site() -> Sample:
    s = Sample()
    news = ["乡镇动态", "部门动态", "图片新闻", "工作动态", "要闻"]
    notices = ["通知", "公示", "规范性文件", "公告", "通告"]
    blanks = [("专题一", "暂无数据"), ("专题二", "暂无记录"), ("专题三", "敬请期待"),
              ("专题四", "内容更新中"), ("专题五", "正在建设中"), ("专题六", "")]
    nav = ([(n, f"/n{i}/") for i, n in enumerate(news)] + [("信息公开", "/xxgk/")]
           + [(n, f"/b{i}/") for i, (n, _) in enumerate(blanks)])
    navhtml = "".join(f'<li><a href="{h}">{t}</a></li>' for t, h in nav)

    def doc(title: str, main: str, crumbs: str = "") -> str:
        return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
                f"<ul class='menu'>{navhtml}</ul><div class='crumb'>{crumbs}</div>"
                f"<div class='main'>{main}</div><p>示例镇人民政府 版权所有</p></body></html>")

    def lst(base: str, name: str, days: list[date], crumbs: str) -> None:
        rows = []
        for i, d in enumerate(days):
            path = f"{base}{i}.html"
            t = title_of(name, i)
            rows.append(f'<li><a href="{path}">{t}</a><span>{d:%Y-%m-%d}</span></li>')
            s.routes[path] = Route(doc(t, f"<h1>{t}</h1><p>发布时间：{d:%Y-%m-%d}</p>"
                                          "<div id='zoom'>正文</div>"))
        s.routes[base] = Route(doc(name, f"<h2>{name}</h2><ul class='list'>{''.join(rows)}</ul>",
                                   crumbs))

    for i, n in enumerate(news):
        lst(f"/n{i}/", n, series(ago(20 + i), 3, 10), f"当前位置：<a href='/'>首页</a> &gt; {n}")
        s.expect.append(Expect(n, f"/n{i}/", update_class="news", items=3, newest=ago(20 + i),
                               stale=True))
    for i, n in enumerate(notices):
        lst(f"/xxgk/c{i}/", n, series(months_ago(7), 2, 10),
            f"当前位置：<a href='/'>首页</a> &gt; <a href='/xxgk/'>信息公开</a> &gt; {n}")
        s.expect.append(Expect(n, f"/xxgk/c{i}/", update_class="notice", level=2, items=2,
                               newest=months_ago(7), stale=True))
    s.routes["/xxgk/"] = Route(doc("信息公开", "<ul class='sub'>" + "".join(
        f"<li><a href='/xxgk/c{i}/'>{n}</a></li>" for i, n in enumerate(notices)) + "</ul>",
        "当前位置：<a href='/'>首页</a> &gt; 信息公开"))
    for i, (n, text) in enumerate(blanks):
        body = f"<h2>{n}</h2><div class='list'>{text}</div>" if text else f"<h2>{n}</h2><table></table>"
        s.routes[f"/b{i}/"] = Route(doc(n, body, f"当前位置：<a href='/'>首页</a> &gt; {n}"))
        s.expect.append(Expect(n, f"/b{i}/", kind="blank", blank=True))
    # Homepage: an old pinned item above newer ones; the newest (5 days) counts.
    pinned = '<li><img src="/img/zhiding.gif" alt="置顶"><a href="/p/old.html">关于公布示例镇便民服务电话的公告</a><span>2019-01-01</span></li>'
    s.routes["/p/old.html"] = Route(doc("公告", "<h1>公告</h1><p>发布时间：2019-01-01</p>"))
    rows = "".join(f'<li><a href="/n0/{i}.html">{title_of("乡镇动态", i)}</a>'
                   f"<span>{d:%Y-%m-%d}</span></li>" for i, d in enumerate([ago(5), ago(9)]))
    s.routes["/"] = Route(doc("示例镇人民政府", f"<ul class='news'>{pinned}{rows}</ul>"))
    s.home_newest = ago(5)
    return s


# -- a homepage that is only navigation: its second-level pages stand in (V3) -----------
def nav_only_site() -> Sample:
    s = Sample()
    menu = '<ul class="menu"><li><a href="/xw/">新闻</a></li><li><a href="/gg/">公告</a></li></ul>'

    def doc(title: str, main: str) -> str:
        return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{menu}"
                f"<div class='main'>{main}</div></body></html>")

    for base, name, newest in [("/xw/", "新闻", ago(3)), ("/gg/", "公告", ago(40))]:
        rows = []
        for i, d in enumerate(series(newest, 3, 5)):
            path = f"{base}{i}.html"
            t = title_of(name, i)
            rows.append(f'<li><a href="{path}">{t}</a><span>{d:%Y-%m-%d}</span></li>')
            s.routes[path] = Route(doc(t, f"<h1>{t}</h1><p>发布时间：{d:%Y-%m-%d}</p>"))
        s.routes[base] = Route(doc(name, f"<ul class='list'>{''.join(rows)}</ul>"))
        s.expect.append(Expect(name, base, update_class="news" if name == "新闻" else "notice",
                               items=3, newest=newest))
    s.routes["/"] = Route(doc("示例乡人民政府", "<p>欢迎访问</p>"))
    s.home_newest = ago(3)
    return s
