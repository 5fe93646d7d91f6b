"""The rule IDs of the rule catalogue (docs: shared reference ``rules.md``).

Indicator files may only name rules listed here, so a typo in a province's copy is refused
instead of silently never matching a finding. ``needs_complete`` says whether the *absence*
of the rule's findings only means "no problem" after a complete crawl (a broken link found
on a partial crawl is real, but a partial crawl that found none proves nothing).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str  # Chinese, for tables and messages
    feeds: tuple[str, ...]  # indicators of the 2019 national system (rules.md "feeds")
    detail: tuple[str, ...]  # detail keys a finding of this rule carries
    needs_complete: bool = True


_RULES = (
    RuleInfo("site.unreachable", "站点无法访问", ("V2",), ("failures", "probes", "ratio"),
             needs_complete=False),
    RuleInfo("home.stale", "首页不更新", ("V3",), ("newest", "days")),
    RuleInfo("column.stale", "栏目不更新", ("V4", "D4", "D5", "D6", "D9"),
             ("column", "class", "newest", "days", "limit_days", "level")),
    RuleInfo("column.stale_many", "不更新栏目过多", ("V4",),
             ("news_notice_count", "should_update_count")),
    RuleInfo("column.blank", "空白栏目", ("V4", "D9"), ("column",)),
    RuleInfo("column.blank_many", "空白栏目过多", ("V4",), ("count",)),
    RuleInfo("column.missing", "缺少必设栏目", ("D1", "D2", "D3", "D4", "D5", "D6"), ("class",)),
    RuleInfo("link.broken", "链接不可用", ("F3",),
             ("kind", "status", "on_homepage", "anchor")),
    RuleInfo("link.hijacked", "外链被劫持/变异", ("V1",), ("target", "final_url", "evidence")),
    RuleInfo("content.hidden_link", "暗链", ("V1",), ("target", "how")),
    RuleInfo("mailbox.missing", "无可用的政务咨询渠道", ("V5",), ()),
    RuleInfo("mailbox.unanswered", "留言超期未答复", ("V5",), ("submitted", "status", "days")),
    RuleInfo("mailbox.slow_reply", "留言答复超时", ("I4",),
             ("submitted", "replied", "working_days", "limit")),
    RuleInfo("mailbox.fields_missing", "留言公开要素缺失", ("I3",), ("missing",)),
    RuleInfo("mailbox.board_stale", "留言公开不更新", ("I3",), ("newest",)),
    RuleInfo("survey.inactive", "调查征集不活跃", ("B7",), ("newest", "count")),
    RuleInfo("identity.site_code_missing", "缺少网站标识码", ("F2",), ("pages",)),
    RuleInfo("identity.site_code_mismatch", "网站标识码不符", ("F2",), ("found", "expected")),
    RuleInfo("identity.icp_missing", "缺少ICP备案编号", ("F2",), ("pages",)),
    RuleInfo("identity.psb_missing", "缺少公安机关备案标识", ("F2",), ("pages",)),
    RuleInfo("identity.conac_missing", "缺少党政机关网站标识", ("F2",), ("pages",)),
    RuleInfo("identity.sponsor_missing", "缺少主办单位", ("F2",), ("pages",)),
    RuleInfo("identity.contact_missing", "缺少联系方式", ("F2",), ("pages",)),
    RuleInfo("identity.jiucuo_missing", "缺少找错入口", ("F4",), ("on_homepage", "pages")),
    RuleInfo("identity.pages_missing", "部分页面缺少标识", ("F2", "F4"),
             ("item", "pages", "share", "sample", "on_homepage")),
    RuleInfo("meta.tags_missing", "页面元数据标签缺失", ("F8",), ("missing",)),
    RuleInfo("search.missing", "无可用的站内搜索", ("F6",), ()),
    RuleInfo("content.serious_typo", "严重错别字", ("V1",), ("wrong", "right", "context")),
    RuleInfo("content.secret_marking", "涉密标志", ("V1",), ("marking", "context")),
    RuleInfo("guide.incomplete", "办事指南要素缺失", ("V6", "S4"), ("missing", "missing_count")),
    RuleInfo("guide.incomplete_many", "办事指南要素缺失过多", ("V6",), ("count",)),
    RuleInfo("robots.disallowed", "robots.txt 禁止抓取", (), ("count",), needs_complete=False),
    # Disclosure and cluster duties (rules.md "added in turn 2"; 条例, 国办函〔2018〕12号)
    RuleInfo("disclosure.annual_report_missing", "未发布政府信息公开工作年度报告", (),
             ("year", "deadline", "column")),
    RuleInfo("disclosure.annual_report_late", "政府信息公开工作年度报告发布超期", (),
             ("year", "published", "deadline"), needs_complete=False),
    RuleInfo("disclosure.annual_report_incomplete", "政府信息公开工作年度报告内容不全", (),
             ("year", "missing"), needs_complete=False),
    RuleInfo("report.yearly_statement_missing", "首页未公开网站工作年度报表", (), ("year",),
             needs_complete=False),
    RuleInfo("site.closed_still_online", "已关停网站仍可访问", (), ("status", "final_url"),
             needs_complete=False),
    RuleInfo("cluster.site_unlinked", "门户网站未链接该网站", (), ("portal",),
             needs_complete=False),
    RuleInfo("cluster.wrong_target", "门户网站链接指向的网站标识码不符", (),
             ("found", "expected"), needs_complete=False),
    RuleInfo("media.mobile_broken", "手机版无法访问", (), ("target", "kind", "status"),
             needs_complete=False),
    RuleInfo("media.entry_broken", "政务新媒体入口无法访问", (), ("target", "kind", "status"),
             needs_complete=False),
    RuleInfo("disclosure.late", "政府信息公开不及时", (), ("written", "published", "working_days"),
             needs_complete=False),
    RuleInfo("disclosure.fields_missing", "信息公开目录要素缺失", (), ("missing",),
             needs_complete=False),
    RuleInfo("disclosure.request_channel_missing", "无依申请公开渠道", (), ()),
    # Early warnings (预警): severity warn, never scored; each announces the veto it names
    *(RuleInfo(f"warn.{rule}", f"{title}（预警）", (), ("threshold", "veto_at", "value"),
               needs_complete=False)
      for rule, title in (("home.stale", "首页即将超期未更新"), ("column.stale", "栏目即将超期未更新"),
                          ("column.stale_many", "不更新栏目数接近否决线"),
                          ("column.blank_many", "空白栏目数接近否决线"),
                          ("mailbox.unanswered", "留言即将超期未答复"),
                          ("site.unreachable", "首页探测失败比例接近否决线"))),
    # issue 17: content safety and security posture (informational unless an indicator
    # file maps them; the national file maps IPv6 to F10 and shows the V1 kinds as evidence)
    RuleInfo("privacy.personal_data", "泄露个人信息", ("V1",),
             ("kind", "masked", "where", "location", "count", "samples")),
    RuleInfo("content.recycled_post", "旧稿重发", ("V1",),
             ("original", "original_date", "date", "title", "original_title", "retitled")),
    RuleInfo("content.backdated_post", "倒填发稿日期", ("V1",),
             ("date", "first_seen", "previous_check", "column", "class", "limit_days",
              "title"), needs_complete=False),
    RuleInfo("security.https_missing", "未启用 HTTPS", (), ("https_url", "https_error", "status"),
             needs_complete=False),
    RuleInfo("security.cert_invalid", "HTTPS 证书无效", (),
             ("cert_error", "expires", "issuer", "names"), needs_complete=False),
    RuleInfo("security.cert_expiring", "HTTPS 证书即将到期", (),
             ("days_left", "expires", "issuer", "names"), needs_complete=False),
    RuleInfo("security.mixed_content", "HTTPS 页面加载不安全资源", (),
             ("target", "resource", "pages")),
    RuleInfo("security.headers_missing", "缺少安全响应头", (), ("missing",),
             needs_complete=False),
    RuleInfo("security.vulnerable_library", "使用存在漏洞的脚本库", (),
             ("library", "version", "fixed", "advisories", "scripts")),
    RuleInfo("security.private_address_leak", "泄露内网地址", (), ("address", "where")),
    RuleInfo("network.ipv6_missing", "不支持 IPv6", ("F10",),
             ("share", "ipv6_reason", "links_checked", "names", "sample"),
             needs_complete=False),
    RuleInfo("access.care_mode_missing", "缺少适老化/无障碍入口", (), (), needs_complete=False),
)

RULES: dict[str, RuleInfo] = {r.id: r for r in _RULES}


def rule_title(rule_id: str) -> str:
    info = RULES.get(rule_id)
    return info.title if info else rule_id
