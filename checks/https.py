"""security.https_missing, security.cert_invalid, security.cert_expiring,
security.headers_missing: the HTTPS state and security headers of a site's homepage.

Reads the ``site_security`` row ``crawler/security.py`` stored after the crawl (a rule
never fetches). Informational unless the indicator file maps them (the national system
names no HTTPS item). A site whose row is missing (an older crawl, the probe not run) is
skipped, not passed; an https address the guard would not let the probe contact is
unknown, not missing.

* https_missing — the homepage does not answer over https at all (refused, timeout, a
  TLS error, HTTP ≥ 400);
* cert_invalid — it answers with a certificate a browser refuses: expired, not yet
  valid, for another name, self-signed or from an untrusted issuer;
* cert_expiring — a valid certificate expiring within ``security.cert_expiring`` (30
  days by default);
* headers_missing — the homepage as users get it lacks a Content-Security-Policy (header
  or ``<meta>``), ``X-Content-Type-Options: nosniff``, clickjacking protection
  (X-Frame-Options or CSP ``frame-ancestors``) or, over https, Strict-Transport-Security.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from checks.base import CheckContext, FindingDraft, Rule
from parse.posture import meta_csp
from store.models import SiteSecurity

CERT_ERRORS = {"expired": "证书已过期", "not_yet_valid": "证书尚未生效",
               "hostname": "证书与网站域名不符", "self_signed": "自签名证书",
               "untrusted": "证书颁发机构不受信任", "other": "证书无法验证"}
HEADER_NAMES = {"content-security-policy": "内容安全策略",
                "x-content-type-options": "禁止类型嗅探",
                "x-frame-options": "防点击劫持",
                "strict-transport-security": "强制加密访问"}


def facts(ctx: CheckContext) -> SiteSecurity | None:
    return ctx.session.scalars(select(SiteSecurity).where(
        SiteSecurity.run_id == ctx.run.id, SiteSecurity.site_id == ctx.site.id)).first()


def skip_reason(ctx: CheckContext) -> str | None:
    if facts(ctx) is None:
        return "本次抓取未检测 HTTPS、证书与安全响应头"
    return None


def _cert_detail(row: SiteSecurity) -> dict:
    return {"issuer": row.cert_issuer, "names": list(row.cert_names or [])[:10],
            "expires": row.cert_not_after.date().isoformat() if row.cert_not_after else None}


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    row = facts(ctx)
    if row is None:
        return
    home = ctx.site.url
    if row.https_ok is False and row.cert_error is None:
        yield FindingDraft(
            rule="security.https_missing", url=home, source=home, subject="https",
            message=(f"网站首页无法通过 HTTPS 加密访问（{row.https_url}："
                     f"{_error_text(row.https_error, row.https_status)}）"),
            detail={"https_url": row.https_url, "https_error": row.https_error,
                    "status": row.https_status or None})
    if row.cert_error is not None:
        what = CERT_ERRORS.get(row.cert_error, CERT_ERRORS["other"])
        yield FindingDraft(
            rule="security.cert_invalid", url=row.https_url or home, source=home,
            subject="certificate",
            message=f"网站 HTTPS 证书无效：{what}，浏览器将提示不安全",
            detail={"cert_error": row.cert_error, **_cert_detail(row)})
    elif row.https_ok and row.cert_not_after is not None:
        window = ctx.duration("security.cert_expiring")  # 30d when the file leaves it out
        days_left = (row.cert_not_after.date() - ctx.as_of).days
        if row.cert_not_after.date() <= _after(window, ctx.as_of):
            yield FindingDraft(
                rule="security.cert_expiring", url=row.https_url or home, source=home,
                subject="certificate",
                message=(f"网站 HTTPS 证书将于 {row.cert_not_after.date().isoformat()} 到期"
                         f"（剩余 {days_left} 天），请及时更换"),
                detail={"days_left": days_left, **_cert_detail(row)})
    if row.headers is not None:
        missing = missing_headers(row, _stored_meta_csp(ctx, row))
        if missing:
            names = "、".join(HEADER_NAMES[h] for h in missing)
            yield FindingDraft(
                rule="security.headers_missing", url=row.headers_url or home, source=home,
                subject="headers",
                message=f"网站首页缺少安全响应头：{names}",
                detail={"missing": missing})


def _stored_meta_csp(ctx: CheckContext, row: SiteSecurity) -> bool:
    """A ``<meta>`` CSP in the stored homepage, when the headers are the http homepage's
    (the probe read only its headers: the crawl had its body)."""
    if row.meta_csp or (row.headers_url or "").startswith("https://"):
        return row.meta_csp
    home = ctx.homepage
    html = ctx.html(home) if home is not None else None
    return bool(html) and meta_csp(html)


def missing_headers(row: SiteSecurity, meta: bool = False) -> list[str]:
    headers = {k.lower(): v for k, v in (row.headers or {}).items()}
    csp = headers.get("content-security-policy", "")
    missing = []
    if not csp and not (row.meta_csp or meta):
        missing.append("content-security-policy")
    if headers.get("x-content-type-options", "").strip().lower() != "nosniff":
        missing.append("x-content-type-options")
    if "x-frame-options" not in headers and "frame-ancestors" not in csp.lower():
        missing.append("x-frame-options")
    if (row.headers_url or "").startswith("https://") and \
            "strict-transport-security" not in headers:
        missing.append("strict-transport-security")
    return missing


def _after(window, day):  # noqa: ANN001, ANN202 - Duration.before, the other way round
    back = window.before(day)
    return day + (day - back)


def _error_text(error: str | None, status: int | None) -> str:
    names = {"refused": "连接被拒绝", "timeout": "连接超时", "dns": "域名无法解析",
             "tls": "加密握手失败", "reset": "连接中断", "http": f"返回错误状态 {status}",
             "redirect_loop": "循环跳转", "too_large": "响应过大", "other": "无法访问"}
    return names.get(error or "", "无法访问")


RULE = Rule(name="https",
            ids=("security.https_missing", "security.cert_invalid", "security.cert_expiring",
                 "security.headers_missing"),
            check=check, unknown=skip_reason,
            needs_complete=False)  # facts of the homepage, not of the crawl's reach
