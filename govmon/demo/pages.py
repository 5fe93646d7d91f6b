"""HTML builders for the demo's sample sites, one small function per page kind.
(Long on purpose: many small page builders of sample content, none of them logic.)

Three CMS families are imitated closely enough for the crawler and the rules to meet what
they meet on real sites (see ``cms-patterns.md``): TRS WCM (portal and the education
sub-site), Hanweb JCMS (the high-tech zone) and an old ASP-style site (the GBK department).
Builders return ``str``; encoding is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape

DATE = "{y}-{m:02d}-{d:02d}"  # str.format template over y, m, d (portable, unlike %-m)


def fd(day: date, fmt: str = DATE) -> str:
    """``day`` in one of the date forms real lists and bylines use."""
    return fmt.format(y=day.year, m=day.month, d=day.day)


# -- data ------------------------------------------------------------------------------
@dataclass
class Attachment:
    name: str  # as shown, e.g. "附件1：申报表.docx"
    href: str  # relative to the article, as TRS writes it (``./W0202611….docx``)


@dataclass
class Item:
    """One list entry and the article behind it."""

    title: str
    day: date
    path: str  # absolute path of the article on its site
    href: str | None = None  # how list pages link it (TRS: relative ``./202611/t….html``)
    time: str = "09:30"
    source: str = ""
    pinned: bool = False
    body: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    extra: str = ""  # raw HTML after the body: related links, photos
    info: dict[str, str] | None = None  # 信息公开 header (索引号, 发文字号, …)
    pubdate_meta: str | None = None  # PubDate meta when the CMS regenerated the page
    served: bool = True  # False: listed but deleted (the list links a 404)

    @property
    def link(self) -> str:
        return self.href or self.path


@dataclass
class Column:
    name: str
    path: str  # the column's directory ("/xwdt/ywdt/") or list page
    kind: str  # column class as ColumnType shows it (要闻动态, 通知公告, …)
    items: list[Item] = field(default_factory=list)
    parent: tuple[str, str] | None = None  # (name, path) of the channel above it
    per_page: int = 15

    def pages(self) -> list[list[Item]]:
        """Items split into list pages (pinned first, then newest first)."""
        ordered = sorted(self.items, key=lambda i: (not i.pinned, -i.day.toordinal()))
        if not ordered:
            return [[]]
        return [ordered[i:i + self.per_page] for i in range(0, len(ordered), self.per_page)]

    def newest(self, n: int) -> list[Item]:
        return sorted(self.items, key=lambda i: -i.day.toordinal())[:n]


@dataclass
class Footer:
    """The identifiers a footer carries; ``None`` leaves one out (a planted problem)."""

    sponsor: str | None
    site_code: str | None
    icp: str | None
    psb: str | None  # 14 digits
    conac_url: str | None
    conac_img: str | None
    jiucuo_script: str | None  # src of the 找错 script
    jiucuo_link: str | None = None  # older link form
    operator: str | None = None
    phone: str | None = None
    address: str | None = None
    email: str | None = None
    psb_url: str | None = None
    psb_img: str | None = None
    icp_url: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # 关于我们, 网站地图, …


@dataclass
class Look:
    """What every page of one site shares: name, code, meta, header, nav, footer, assets."""

    name: str
    code: str
    domain: str
    home: str  # href of the site's homepage
    nav: list[tuple[str, str]]
    footer: Footer
    css: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    logo: str | None = None
    meta_code: str | None = None  # SiteIDCode meta when it differs from ``code``
    charset: str = "utf-8"
    generator: str | None = None
    search_action: str | None = None
    banner: str = ""  # extra header HTML (frozen date widgets, slogans)


def e(text: str) -> str:
    return escape(text, quote=True)


# -- shared fragments ------------------------------------------------------------------
def footer_html(f: Footer, look: Look) -> str:
    rows = []
    if f.links:
        rows.append("<p class=\"foot-links\">" + " | ".join(
            f'<a href="{e(h)}">{e(t)}</a>' for t, h in f.links) + "</p>")
    line = []
    if f.sponsor:
        line.append(f"主办单位：{e(f.sponsor)}")
    if f.operator:
        line.append(f"承办单位：{e(f.operator)}")
    if line:
        rows.append("<p>" + "&nbsp;&nbsp;".join(line) + "</p>")
    line = []
    if f.address:
        line.append(f"地址：{e(f.address)}")
    if f.phone:
        line.append(f"联系电话：{e(f.phone)}")
    if f.email:
        line.append(f"电子邮箱：{e(f.email)}")
    if line:
        rows.append("<p>" + "&nbsp;&nbsp;".join(line) + "</p>")
    line = []
    if f.site_code:
        line.append(f"网站标识码：{e(f.site_code)}")
    if f.icp:
        icp = e(f.icp)
        line.append(f'<a href="{e(f.icp_url)}" target="_blank">{icp}</a>' if f.icp_url else icp)
    if f.psb:
        text = f"川公网安备 {f.psb}号"
        img = f'<img src="{e(f.psb_img)}" alt="{text}">' if f.psb_img else ""
        line.append(f'<a href="{e(f.psb_url)}" target="_blank">{img}{text}</a>'
                    if f.psb_url else text)
    if line:
        rows.append("<p>" + "&nbsp;&nbsp;".join(line) + "</p>")
    badges = []
    if f.conac_url:
        badges.append(
            f'<span id="_ideConac"><a href="{e(f.conac_url)}" target="_blank">'
            f'<img src="{e(f.conac_img or "")}" alt="党政机关" width="48" height="58"></a></span>')
    if f.jiucuo_script:
        badges.append(f'<span id="_span_jiucuo"><script id="_jiucuo_" sitecode="{e(look.code)}" '
                      f'src="{e(f.jiucuo_script)}"></script></span>')
    if f.jiucuo_link:
        badges.append(f'<a href="{e(f.jiucuo_link)}" target="_blank">我为政府网站找错</a>')
    if badges:
        rows.append('<div class="badges">' + "".join(badges) + "</div>")
    return '<div class="footer"><div class="w1200">' + "\n".join(rows) + "</div></div>"


def meta_tags(look: Look, column: Column | None = None, item: Item | None = None,
              column_meta: bool = True) -> str:
    tags = [("SiteName", look.name), ("SiteDomain", look.domain),
            ("SiteIDCode", look.meta_code or look.code)]
    if column is not None and column_meta:
        tags += [("ColumnName", column.name), ("ColumnDescription", f"{look.name}{column.name}"),
                 ("ColumnKeywords", column.name), ("ColumnType", column.kind)]
    if item is not None:
        tags += [("ArticleTitle", item.title),
                 ("PubDate", item.pubdate_meta or f"{fd(item.day)} {item.time}"),
                 ("ContentSource", item.source or look.name), ("Keywords", column.name if
                                                                 column else "")]
    out = "\n".join(f'<meta name="{k}" content="{e(v)}">' for k, v in tags)
    if look.generator:
        out += f'\n<meta name="Generator" content="{e(look.generator)}">'
    return out


def crumbs_html(crumbs: list[tuple[str, str | None]]) -> str:
    parts = [f'<a href="{e(h)}">{e(t)}</a>' if h else f"<span>{e(t)}</span>" for t, h in crumbs]
    return '<div class="crumbs">当前位置：' + " &gt; ".join(parts) + "</div>"


def attachments_html(item: Item) -> str:
    if not item.attachments:
        return ""
    rows = "".join(
        f'<p><a href="{e(a.href)}" OLDSRC="/protect/P0{e(a.href[4:])}">{e(a.name)}</a></p>'
        if a.href.startswith("./W0") else f'<p><a href="{e(a.href)}">{e(a.name)}</a></p>'
        for a in item.attachments)
    return f'<div class="fujian"><p>附件：</p>{rows}</div>'


def info_header(info: dict[str, str]) -> str:
    """The 信息公开 block of a policy document (labels spaced as real sites do)."""
    cells = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in info.items())
    return f'<table class="xxgk-table">{cells}</table>'


def body_html(item: Item) -> str:
    paras = "".join(f"<p>{e(p)}</p>" for p in item.body)
    return paras + item.extra + attachments_html(item)


# -- TRS WCM ---------------------------------------------------------------------------
TRS_PAGER_JS = """\
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0){ document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;"); }
  else {
    document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
    var prev = nCurrIndex == 1 ? _sPageName + "." + _sPageExt
                               : _sPageName + "_" + (nCurrIndex - 1) + "." + _sPageExt;
    document.write("<a href=\\"" + prev + "\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex + 1 < _nPageCount){
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex + 1) + "." + _sPageExt
                   + "\\">下一页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount - 1) + "." + _sPageExt
                   + "\\">尾页</a>");
  }
  document.write("&nbsp;共" + _nPageCount + "页");
}"""


def trs_document(look: Look, *, title: str, main: str, crumbs: list | None = None,
                 column: Column | None = None, item: Item | None = None,
                 full_title: bool = True) -> str:
    """A complete TRS-style page: head with meta, header, nav, breadcrumb, main, footer."""
    head_title = f"{title}_{look.name}" if full_title and title != look.name else title
    css = "".join(f'<link rel="stylesheet" type="text/css" href="{e(c)}">' for c in look.css)
    js = "".join(f'<script type="text/javascript" src="{e(s)}"></script>' for s in look.scripts)
    nav = "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in look.nav)
    logo = (f'<a href="{e(look.home)}" class="logo"><img src="{e(look.logo)}" alt="{e(look.name)}">'
            f"</a>" if look.logo else "")
    search = ""
    if look.search_action:
        search = (f'<form class="search" action="{e(look.search_action)}" method="get" '
                  'target="_blank"><input type="text" name="searchword" placeholder="请输入关键字">'
                  '<input type="hidden" name="channelid" value="200001">'
                  '<button type="submit">搜索</button></form>')
    crumb = crumbs_html(crumbs) if crumbs else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{look.charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(head_title)}</title>
{meta_tags(look, column, item)}
{css}{js}
</head>
<body>
<div class="topbar"><div class="w1200"><span>欢迎访问{e(look.name)}</span>
<span class="fr"><a href="javascript:void(0)" onclick="SetHome(this,window.location)">设为首页</a>
 | <a href="javascript:void(0)" onclick="AddFavorite()">加入收藏</a>
 | <a href="javascript:void(0)" id="cniil_wza">无障碍浏览</a></span></div></div>
<div class="header"><div class="w1200">{logo}<h1 class="site-name">{e(look.name)}</h1>{search}
{look.banner}</div></div>
<div class="nav"><ul class="w1200">{nav}</ul></div>
<div class="main w1200">
{crumb}
{main}
</div>
{footer_html(look.footer, look)}
</body>
</html>
"""


def trs_rows(items: list[Item], date_fmt: str = DATE, brackets: bool = False,
             absolute: bool = False) -> str:
    """List rows; ``absolute`` links by path (for pages outside the column's directory)."""
    rows = []
    for it in items:
        href = it.path if absolute else it.link
        flag = '<span class="zd">[置顶]</span>' if it.pinned else ""
        day = fd(it.day, date_fmt)
        day = f"[ {day} ]" if brackets else day
        rows.append(f'<li>{flag}<a href="{e(href)}" target="_blank" title="{e(it.title)}">'
                    f'{e(it.title)}</a><span class="date">{day}</span></li>')
    return "\n".join(rows)


def trs_list_page(look: Look, col: Column, page_no: int, crumbs: list,
                  date_fmt: str = DATE, brackets: bool = False) -> str:
    """Page ``page_no`` (0-based) of a column; later pages exist only in the pager script."""
    pages = col.pages()
    items = pages[page_no]
    if items:
        rows = f'<ul class="list">\n{trs_rows(items, date_fmt, brackets)}\n</ul>'
    else:
        rows = '<ul class="list"><li class="nodata">暂无信息</li></ul>'
    pager = (f'<div class="page"><script type="text/javascript">\n{TRS_PAGER_JS}\n'
             f"var countPage = {len(pages)};//共多少页\nvar currentPage = {page_no};//当前页\n"
             f'createPageHTML({len(pages)}, {page_no}, "index", "html");\n</script></div>')
    main = (f'<div class="column-box"><div class="column-title"><h2>{e(col.name)}</h2></div>'
            f"{rows}{pager}</div>")
    return trs_document(look, title=col.name, main=main, crumbs=crumbs, column=col)


def trs_article(look: Look, col: Column, item: Item, crumbs: list,
                byline: str | None = None) -> str:
    """``byline`` overrides the default ``发布时间：YYYY-MM-DD HH:MM``."""
    info = info_header(item.info) if item.info else ""
    src = f"<span>来源：{e(item.source)}</span>" if item.source else ""
    byline = byline or f"发布时间：{fd(item.day)} {item.time}"
    main = f"""<div class="article">
{info}
<h1 class="article-title">{e(item.title)}</h1>
<div class="article-info"><span>{e(byline)}</span>{src}
<span>字号：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a>
<a href="javascript:doZoom(14)">小</a></span></div>
<div class="TRS_Editor" id="zoom">{body_html(item)}</div>
<div class="article-tools"><a href="javascript:window.print()">打印本页</a>
<a href="javascript:window.close()">关闭窗口</a></div>
</div>"""
    return trs_document(look, title=item.title, main=main, crumbs=crumbs, column=col, item=item)


def trs_channel(look: Look, name: str, columns: list[tuple[Column, str]], crumbs: list) -> str:
    """A channel page: each sub-column's newest items with a 更多 link."""
    boxes = []
    for col, href in columns:
        rows = trs_rows(col.newest(6), absolute=True) or '<li class="nodata">暂无信息</li>'
        boxes.append(f'<div class="box"><div class="box-title"><h3>{e(col.name)}</h3>'
                     f'<a class="more" href="{e(href)}">更多&gt;&gt;</a></div>'
                     f'<ul class="list">{rows}</ul></div>')
    return trs_document(look, title=name, main="".join(boxes), crumbs=crumbs)


def simple_page(look: Look, title: str, html: str, crumbs: list,
                column: Column | None = None) -> str:
    main = f'<div class="article"><h1 class="article-title">{e(title)}</h1>' \
           f'<div class="TRS_Editor" id="zoom">{html}</div></div>'
    return trs_document(look, title=title, main=main, crumbs=crumbs, column=column)


def soft404_page(site_name: str, home: str) -> str:
    """What many CMSs answer for a deleted page: status 200 and an apology."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>提示信息_{e(site_name)}</title></head>
<body><div class="err-box"><h3>抱歉，您访问的页面不存在或已被删除！</h3>
<p>请检查您输入的网址是否正确，或<a href="{e(home)}">返回首页</a>。</p></div></body></html>
"""


# -- interaction: mailboxes, surveys, guides -------------------------------------------
@dataclass
class Message:
    no: str
    title: str
    unit: str
    question: str
    answer: str | None
    submitted: date
    replied: date | None
    status: str
    path: str  # detail page (path?query)
    asker: str = "王**"


def mailbox_board(name: str, msgs: list[Message], pager: str = "", stats: str = "") -> str:
    head = "".join(f"<th>{h}</th>" for h in ("序号", "标题", "留言时间", "处理状态", "答复时间",
                                             "答复单位"))
    rows = []
    for i, m in enumerate(msgs, 1):
        reply = f"{fd(m.replied)}" if m.replied else ""
        unit = e(m.unit) if m.replied else ""
        rows.append(f'<tr class="tr_css"><td>{i}</td><td class="title"><a href="{e(m.path)}" '
                    f'target="_blank">{e(m.title)}</a></td><td>{fd(m.submitted)}</td>'
                    f"<td>{e(m.status)}</td><td>{reply}</td><td>{unit}</td></tr>")
    write = ('<div class="mail-write"><a href="javascript:void(0)" onclick="checkLogin()">'
             "我要写信</a><span>（需登录统一身份认证平台）</span></div>")
    return (f'<div class="mailbox"><div class="column-title"><h2>{e(name)}</h2></div>{write}'
            f'{stats}<table class="mail-list"><thead><tr>{head}</tr></thead><tbody>'
            + "\n".join(rows) + f"</tbody></table>{pager}</div>")


def mailbox_detail(m: Message) -> str:
    rows = [("信件编号", m.no), ("信件标题", m.title), ("留言人", m.asker),
            ("留言时间", f"{fd(m.submitted)} 10:23:45"), ("留言内容", m.question),
            ("处理状态", m.status)]
    if m.replied:
        rows += [("答复单位", m.unit), ("答复时间", f"{fd(m.replied)} 16:20:11"),
                 ("答复内容", m.answer or "")]
    cells = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return f'<div class="mail-detail"><table class="mail-table">{cells}</table></div>'


@dataclass
class Survey:
    title: str
    start: date
    end: date
    path: str
    today: date
    result_path: str | None = None

    @property
    def state(self) -> str:
        return "进行中" if self.end >= self.today else "已结束"


def survey_list(name: str, surveys: list[Survey]) -> str:
    rows = "".join(
        f'<tr><td class="title"><a href="{e(s.path)}" target="_blank">{e(s.title)}</a></td>'
        f"<td>{fd(s.start)}</td><td>{fd(s.end)}</td><td>{s.state}</td>"
        + (f'<td><a href="{e(s.result_path)}">结果反馈</a></td>' if s.result_path else "<td></td>")
        + "</tr>" for s in surveys)
    return (f'<div class="column-box"><div class="column-title"><h2>{e(name)}</h2></div>'
            '<table class="dczj-list"><thead><tr><th>主题</th><th>开始时间</th><th>结束时间</th>'
            f"<th>状态</th><th>结果</th></tr></thead><tbody>{rows}</tbody></table></div>")


def survey_detail(s: Survey, sponsor: str) -> str:
    return (f'<div class="article"><h1 class="article-title">{e(s.title)}</h1>'
            f'<div class="article-info"><span>征集时间：{fd(s.start)} 至 {fd(s.end)}</span>'
            f"<span>征集单位：{e(sponsor)}</span><span>状态：{s.state}</span></div>"
            '<div class="TRS_Editor" id="zoom"><p>为充分听取社会公众意见，提高决策的科学性和透明度，'
            "现公开征求社会各界意见。欢迎有关单位和社会各界人士通过以下方式提出意见建议：</p>"
            "<p>一、通过本页面下方“我要留言”提交意见；</p><p>二、发送电子邮件至 yjzj@shili.gov.cn；</p>"
            "<p>三、邮寄至示例市青山区政务路1号，并在信封上注明“征求意见”字样。</p></div>"
            '<div class="survey-form"><textarea name="content"></textarea>'
            '<button type="button" onclick="submitOpinion()">我要留言</button></div></div>')


def survey_result(s: Survey, received: int, adopted: int) -> str:
    return (f'<div class="article"><h1 class="article-title">关于“{e(s.title)}”意见采纳情况的反馈'
            f'</h1><div class="article-info"><span>发布时间：{fd(s.end)}</span></div>'
            f'<div class="TRS_Editor" id="zoom"><p>征集期间共收到意见建议{received}条，经认真研究，'
            f"采纳{adopted}条，部分采纳{max(received - adopted - 3, 0)}条。未采纳的主要原因是所提意见"
            "不属于本次征集范围或已有相关规定。感谢社会各界的关心和支持。</p></div></div>")


def guide_detail(name: str, unit: str, text: dict[str, str], missing: tuple[str, ...],
                 elements: list[str], form_href: str | None = None) -> str:
    rows = []
    for el in elements:
        if el in missing:
            continue
        value = name if el == "事项名称" else unit if el == "办理机构" else text[el]
        rows.append(f"<tr><th>{e(el)}</th><td>{e(value)}</td></tr>")
    form = (f'<p class="download">表格下载：<a href="{e(form_href)}">申请表.docx</a></p>'
            if form_href else "")
    return (f'<div class="guide"><h1 class="article-title">{e(name)}办事指南</h1>'
            f'<table class="guide-table">{"".join(rows)}</table>{form}'
            '<div class="guide-btn"><a href="javascript:void(0)" onclick="applyOnline()">在线办理</a>'
            "</div></div>")


# -- Hanweb JCMS -----------------------------------------------------------------------
def hanweb_document(look: Look, *, title: str, main: str, crumbs: list | None = None,
                    column: Column | None = None, item: Item | None = None,
                    footer_script: str, visit_iframe: str, hanweb_url: str) -> str:
    """A Hanweb page: the footer comes from a separate script (``document.writeln``)."""
    css = "".join(f'<link rel="stylesheet" type="text/css" href="{e(c)}">' for c in look.css)
    js = "".join(f'<script type="text/javascript" src="{e(s)}"></script>' for s in look.scripts)
    nav = "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in look.nav)
    head_title = title if title == look.name else f"{look.name} {title}"
    crumb = crumbs_html(crumbs) if crumbs else ""
    jiucuo = (f'<script id="_jiucuo_" sitecode="{e(look.code)}" '
              f'src="{e(look.footer.jiucuo_script)}"></script>' if look.footer.jiucuo_script
              else "")
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{e(head_title)}</title>
{meta_tags(look, column, item)}
{css}{js}
</head>
<body>
<div class="top"><div class="w1200"><img src="{e(look.logo or "")}" alt="{e(look.name)}" />
<span class="sitename">{e(look.name)}</span></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="container">
{crumb}
{main}
</div>
<script type="text/javascript" src="{e(footer_script)}"></script>
<div class="jiucuo">{jiucuo}</div>
<div style="display:none"><a href="{e(hanweb_url)}">Produced By 大汉网络 大汉版通发布系统</a></div>
<iframe src="{e(visit_iframe)}" width="0" height="0" frameborder="0" style="display:none"></iframe>
</body>
</html>
"""


def hanweb_record(it: Item) -> str:
    return (f'<record><![CDATA[\n<li><a href="{e(it.link)}" target="_blank" title="{e(it.title)}">'
            f'{e(it.title)}</a><span class="bt-data-time">{fd(it.day)}</span></li>\n]]></record>')


def hanweb_datastore(items: list[Item], nextgroup: str, total: int, pages: int) -> str:
    records = "\n".join(hanweb_record(i) for i in items)
    return (f'<datastore>\n<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>\n'
            f"<recordset>\n{records}\n</recordset>\n<totalrecord>{total}</totalrecord>"
            f"<totalpage>{pages}</totalpage>\n</datastore>")


def hanweb_list_main(col: Column, column_id: int, unit_id: int, web_id: int,
                     webname: str) -> str:
    """The first list page: records hidden in ``<script type="text/xml">`` (no ``<a>``)."""
    pages = col.pages()
    # Raw "&": inside CDATA an entity would stay literal.
    proxy = (f"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid={web_id}&path=/"
             f"&columnid={column_id}&unitid={unit_id}&webname={webname}&permissiontype=0")
    store = hanweb_datastore(pages[0], proxy, len(col.items), len(pages))
    return f"""<div class="list-box"><div class="list-title"><h2>{e(col.name)}</h2></div>
<div id="{unit_id}"><script type="text/xml">
{store}
</script><script language="javascript" src="/module/jslib/jquery/jpage/dataproxy.js"></script>
<script type="text/javascript">var totalRecord = {len(col.items)}; var perpage = {col.per_page};
var proxyUrl = "/module/web/jpage/dataproxy.jsp";
var ajaxParam = {{col:1,appid:1,webid:{web_id},path:'/',columnid:{column_id},sourceContentType:1,unitid:{unit_id},webname:'{webname}',permissiontype:0}};
</script></div></div>"""


def hanweb_proxy_answer(items: list[Item], total: int, pages: int) -> str:
    records = "\n".join(hanweb_record(i) for i in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore><totalrecord>{total}</totalrecord>'
            f"<totalpage>{pages}</totalpage><recordset>\n{records}\n</recordset></datastore>")


def hanweb_article_main(item: Item, column_id: int, article_id: int) -> str:
    src = f"<span>来源：{e(item.source)}</span>" if item.source else ""
    hits = f"/module/visitcount/articlehits.jsp?colid={column_id}&amp;artid={article_id}"
    return f"""<div class="article">
<h1 class="title">{e(item.title)}</h1>
<div class="info"><span>发布日期：{fd(item.day)} {item.time}:26</span>{src}
<span>浏览次数：<script language="javascript" src="{hits}"></script></span></div>
<div id="zoom">{body_html(item)}</div>
</div>"""


# -- legacy ASP-style department site (served in GBK) ----------------------------------
def legacy_document(look: Look, *, title: str, main: str, crumbs: list | None = None) -> str:
    """An old table-layout site: no meta tags, a frozen date widget, GBK declared."""
    nav = " | ".join(f'<a href="{e(h)}">{e(t)}</a>' for t, h in look.nav)
    css = "".join(f'<link href="{e(c)}" rel="stylesheet" type="text/css">' for c in look.css)
    head_title = title if title == look.name else f"{title}-{look.name}"
    crumb = crumbs_html(crumbs) if crumbs else ""
    return f"""<html>
<head>
<meta charset="{look.charset}">
<meta http-equiv="Content-Type" content="text/html; charset={look.charset}">
<title>{e(head_title)}</title>
{css}
</head>
<body topmargin="0" leftmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="top"><img src="{e(look.logo or "")}" width="1000" height="120" alt="{e(look.name)}"></td></tr>
<tr><td class="date">{look.banner}</td></tr>
<tr><td class="nav">{nav}</td></tr>
<tr><td class="main">{crumb}
{main}
</td></tr>
<tr><td>{footer_html(look.footer, look)}</td></tr>
</table>
</body>
</html>
"""


def legacy_rows(items: list[Item], year: bool) -> str:
    rows = []
    for it in items:
        day = fd(it.day, "{y}年{m:02d}月{d:02d}日") if year else fd(it.day, "[{m:02d}-{d:02d}]")
        rows.append(f'<tr><td class="dot">·</td><td><a href="{e(it.link)}" target="_blank">'
                    f'{e(it.title)}</a></td><td class="time">{day}</td></tr>')
    return "\n".join(rows)


def legacy_list_main(col: Column, page_no: int, href_of_page) -> str:  # noqa: ANN001
    """A visible pager with real links (下一页 / 尾页), 1-based ``page_no``."""
    pages = col.pages()
    items = pages[page_no - 1]
    links = [f"共{len(col.items)}条 第{page_no}/{len(pages)}页"]
    if page_no > 1:
        links.append(f'<a href="{e(href_of_page(1))}">首页</a>')
        links.append(f'<a href="{e(href_of_page(page_no - 1))}">上一页</a>')
    if page_no < len(pages):
        links.append(f'<a href="{e(href_of_page(page_no + 1))}">下一页</a>')
        links.append(f'<a href="{e(href_of_page(len(pages)))}">尾页</a>')
    return (f'<table width="100%" class="list"><tr><td colspan="3" class="ltitle">{e(col.name)}'
            f"</td></tr>\n{legacy_rows(items, year=True)}\n</table>"
            f'<div class="pager">{" ".join(links)}</div>')


def legacy_article_main(item: Item, hits: int) -> str:
    return (f'<table width="100%" class="art"><tr><td class="atitle">{e(item.title)}</td></tr>'
            f'<tr><td class="ainfo">时间：{fd(item.day)}  {item.time}&nbsp;&nbsp;'
            f"来源：{e(item.source)}&nbsp;&nbsp;点击数：{hits}</td></tr>"
            f'<tr><td class="acontent">{body_html(item)}</td></tr></table>')
