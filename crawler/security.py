"""HTTPS, certificate, security headers and IPv6 of every crawled site, after the crawl.

Per site, a handful of guarded requests (``crawler/guarded.py``), stored as one
``SiteSecurity`` row for the rules to judge (a rule never fetches):

* **HTTPS**: the homepage over https — the registered URL when it is https, else where the
  http homepage redirected, else ``hints.https`` of the registry, else the same host on
  port 443. Certificates are verified as a browser would (the system's trust store, plus
  ``tls_ca_file`` when set); an invalid one is read again without verification, so its
  issuer, names and dates are known and the rule can say what is wrong (expired,
  hostname, self-signed, untrusted).
* **headers**: the security headers of the homepage as users get it (over HTTPS when that
  works): CSP (or a ``<meta>`` CSP), X-Content-Type-Options, X-Frame-Options, HSTS.
* **IPv6**: AAAA answers of the site's host names (through ``resolver``: the system's by
  default; tests inject their own and never touch the network), or IPv6 addresses the
  registry names as hosts; the homepage fetched over IPv6 and over IPv4 and compared
  (``parse.posture.similarity`` of their visible text); a sample of the crawled second-
  and third-level pages fetched over IPv6.

(Just over 400 lines: one probe per site whose three parts share its fetcher, its
homepage answer and its stored row; the fetching itself is ``crawler/guarded.py``.)
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, select

from crawler.guarded import Answer, Fetcher, FetchFailed, session
from crawler.netguard import Guard
from parse import charset, posture
from parse.page import PageView
from store.models import Page, SiteSecurity

log = logging.getLogger(__name__)

HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options",
           "strict-transport-security", "referrer-policy", "permissions-policy")
HOME_MAX = 2 * 1024 * 1024
LINK_SAMPLE = 20  # second- and third-level pages fetched over IPv6 per site
SAME_CONTENT = 0.8  # share of visible text lines a v6 answer must share with the v4 one
SITES_AT_ONCE = 8
# OpenSSL verify codes -> what the rule says
VERIFY_CODES = {10: "expired", 9: "not_yet_valid", 18: "self_signed", 19: "untrusted",
                20: "untrusted", 21: "untrusted", 2: "untrusted", 62: "hostname",
                64: "hostname"}


class NameResolver(Protocol):
    async def addresses(self, host: str, family: int) -> list[str]: ...


class SystemResolver:
    """A and AAAA answers as the system resolver gives them."""

    async def addresses(self, host: str, family: int) -> list[str]:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, family=family, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            return []
        return list(dict.fromkeys(i[4][0].split("%", 1)[0] for i in infos))


class StaticResolver:
    """Answers from a table: {name: [addresses]} (IPv4 and IPv6 mixed); for tests and for
    callers that resolved names elsewhere."""

    def __init__(self, table: dict[str, list[str]]):
        self.table = table

    async def addresses(self, host: str, family: int) -> list[str]:
        want6 = family == socket.AF_INET6
        return [a for a in self.table.get(host, []) if (":" in a) == want6]


@dataclass
class Options:
    user_agent: str
    timeout: float = 15.0
    ca_file: str | None = None
    per_ip: int = 2
    link_sample: int = LINK_SAMPLE


def verifying_context(ca_file: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def _unverified() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def certificate_facts(der: bytes) -> dict[str, Any]:
    """Subject, issuer, names and validity of a DER certificate (``cryptography``)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)

    def name(n: x509.Name) -> str:
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
            attrs = n.get_attributes_for_oid(oid)
            if attrs:
                return str(attrs[0].value)[:300]
        return n.rfc4514_string()[:300]

    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(v) for v in san.get_values_for_type(x509.DNSName)]
        names += [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    return {"subject": name(cert.subject), "issuer": name(cert.issuer), "names": names[:50],
            "not_before": cert.not_valid_before_utc.replace(tzinfo=None),
            "not_after": cert.not_valid_after_utc.replace(tzinfo=None),
            "self_signed": cert.issuer == cert.subject}


async def peer_certificate(url: str, guard: Guard, timeout: float) -> bytes | None:
    """The certificate (DER) the server of an https URL presents, read in a handshake of
    its own (unverified: its faults are what we want to know), to an address the guard
    admits; None when it cannot be had."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    if parts.scheme != "https" or not host:
        return None
    literal = _literal(host)
    try:
        addresses = [literal] if literal else [i[4][0] for i in await asyncio.get_running_loop(
        ).getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    except (socket.gaierror, UnicodeError, OSError):
        return None
    ip = next((a for a in addresses if guard.check(a, port)), None)
    if ip is None:
        return None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(
            ip, port, ssl=_unverified(), server_hostname=None if literal else host), timeout)
    except (OSError, asyncio.TimeoutError, TimeoutError, ssl.SSLError):
        return None
    try:
        tls = writer.get_extra_info("ssl_object")
        return tls.getpeercert(binary_form=True) if tls is not None else None
    finally:
        writer.close()


def https_candidate(url: str, final_url: str | None, hint: Any) -> str:
    """Where the site's homepage should answer over https (see the module docstring)."""
    if url.startswith("https://"):
        return url
    if final_url and final_url.startswith("https://"):
        return final_url
    if isinstance(hint, str) and hint.startswith("https://"):
        return hint
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    return urlunsplit(("https", netloc, parts.path or "/", parts.query, ""))


def _literal(host: str) -> str | None:
    """The address a host written as an address is (``[::1]``, ``127.0.0.5``), or None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def _header_facts(answer: Answer) -> dict[str, str]:
    return {k: answer.headers[k][:500] for k in HEADERS if k in answer.headers}


class SiteProbe:
    """The security facts of one site (one ``SiteSecurity`` row as a dict)."""

    def __init__(self, spec: Any, guard: Guard, opts: Options, fetcher: Fetcher,
                 resolver: NameResolver):
        self.spec, self.guard, self.opts = spec, guard, opts
        self.fetcher, self.resolver = fetcher, resolver

    async def run(self, home_final: str | None, deeper: list[str]) -> dict[str, Any]:
        row: dict[str, Any] = {"checked_at": datetime.now(), "cert_names": [],
                               "meta_csp": False, "mixed": []}
        async with session(self.guard, self.opts.user_agent) as http:
            https_answer = await self._https(http, row, home_final)
            plain = None
            if https_answer is None:
                # the crawl fetched this page already: its headers only (the rule reads a
                # <meta> CSP from the stored page)
                plain = await self._head(http, self.spec.url)
            if https_answer is not None:
                view = PageView(url=https_answer.url, html=_decode(https_answer))
                row["mixed"] = [{"target": u[:2048], "tag": tag}
                                for u, tag in posture.http_resources(view)[:50]]
            users = https_answer or plain
            if users is not None:
                row["headers_url"] = users.url[:2048]
                row["headers"] = _header_facts(users)
                row["meta_csp"] = posture.meta_csp(_decode(users))
        # over IPv6 the homepage users are given: the registered one (or where it led)
        row["ipv6"] = await self._ipv6(home_final or self.spec.url, deeper)
        return row

    async def _head(self, http: Any, url: str) -> Answer | None:
        for method in ("HEAD", "GET"):  # GET when the server refuses HEAD
            try:
                answer = await self.fetcher.get(http, url, max_body=HOME_MAX, ssl_ctx=False,
                                                method=method)
            except FetchFailed:
                return None
            if answer.status not in (405, 501):
                return answer
        return None

    async def _https(self, http: Any, row: dict[str, Any], home_final: str | None
                     ) -> Answer | None:
        url = https_candidate(self.spec.url, home_final, (self.spec.hints or {}).get("https"))
        row["https_url"] = url[:2048]
        upgrade = home_final.startswith("https://") if home_final else None
        row["http_upgrades"] = True if self.spec.url.startswith("https://") else upgrade
        ctx = verifying_context(self.opts.ca_file)
        try:
            answer = await self.fetcher.get(http, url, max_body=HOME_MAX, ssl_ctx=ctx)
        except FetchFailed as f:
            if f.error != "cert":
                row["https_ok"] = None if f.error == "private" else False
                row["https_error"] = f.error
                return None
            code = getattr(f.cert, "verify_code", None)
            row["cert_error"] = VERIFY_CODES.get(code, "other")
            row["cert_detail"] = (getattr(f.cert, "verify_message", None) or str(f.cert)
                                  or f.detail)[:300]
            try:  # read it again without verification: what is wrong with it?
                answer = await self.fetcher.get(http, url, max_body=HOME_MAX,
                                                ssl_ctx=_unverified())
            except FetchFailed as again:
                row["https_ok"], row["https_error"] = False, again.error
                return None
        row["https_ok"] = answer.status < 400
        row["https_status"] = answer.status
        if answer.status >= 400:
            row["https_error"] = "http"
        der = await peer_certificate(answer.url, self.guard, self.opts.timeout)
        if der:
            facts = certificate_facts(der)
            row.update(cert_subject=facts["subject"], cert_issuer=facts["issuer"],
                       cert_names=facts["names"], cert_not_before=facts["not_before"],
                       cert_not_after=facts["not_after"])
            if row.get("cert_error") == "untrusted" and facts["self_signed"]:
                row["cert_error"] = "self_signed"
        return answer if answer.status < 400 else None

    # -- IPv6 ------------------------------------------------------------------------
    def _hosts(self) -> tuple[list[str], list[str], list[str]]:
        """(names, literal IPv4 netlocs, literal IPv6 netlocs) of the site's hosts."""
        names, v4, v6 = [], [], []
        for netloc in [urlsplit(self.spec.url).netloc, *(self.spec.hosts or [])]:
            host = urlsplit(f"//{netloc}").hostname or ""
            literal = _literal(host)
            if literal is None:
                names.append(host)
            elif ":" in literal:
                v6.append(netloc)
            else:
                v4.append(netloc)
        return list(dict.fromkeys(names)), v4, v6

    async def _ipv6(self, base: str, deeper: list[str]) -> dict[str, Any]:
        names, v4_literal, v6_literal = self._hosts()
        a = {n: await self.resolver.addresses(n, socket.AF_INET) for n in names}
        aaaa = {n: await self.resolver.addresses(n, socket.AF_INET6) for n in names}
        out: dict[str, Any] = {
            "names": names, "aaaa": {n: v for n, v in aaaa.items() if v},
            "v6_hosts": v6_literal, "home_ok": None, "home_status": 0, "home_error": None,
            "same_content": None, "similarity": None, "links_checked": 0, "links_ok": 0,
            "link_failures": []}
        if not out["aaaa"] and not v6_literal:
            out["home_error"] = "no_aaaa"
            return out
        host = urlsplit(base).hostname or ""

        def over(url: str, family6: bool) -> tuple[str, dict[str, list[str]] | None]:
            """``url`` as fetched over one address family: pinned to the name's answers of
            that family, or with a literal host swapped for the literal of the family."""
            h = urlsplit(url).hostname or ""
            if h in a or h in aaaa:
                return url, {h: (aaaa if family6 else a).get(h) or []}
            literals = v6_literal if family6 else v4_literal
            if literals and _literal(h) is not None:
                parts = urlsplit(url)
                return urlunsplit((parts.scheme, literals[0], parts.path, parts.query, "")), None
            return url, None

        v6_url, v6_pin = over(base, True)
        v4_url, v4_pin = over(base, False)
        v6 = await self._fetch_pinned(v6_url, v6_pin, out)
        if v6 is None:
            return out
        out["home_ok"] = v6.status < 400
        out["home_status"] = v6.status
        v4 = await self._fetch_pinned(v4_url, v4_pin, None)
        if v4 is not None:
            if hashlib.sha1(v4.body).digest() == hashlib.sha1(v6.body).digest():
                score = 1.0
            else:
                score = posture.similarity(_decode(v4), _decode(v6))
            out["similarity"] = round(score, 3)
            out["same_content"] = score >= SAME_CONTENT
        if host and deeper:
            results = await asyncio.gather(*(self._fetch_pinned(*over(u, True), None)
                                             for u in deeper))
            out["links_checked"] = len(deeper)
            out["links_ok"] = sum(1 for r in results if r is not None and r.status < 400)
            out["link_failures"] = [u for u, r in zip(deeper, results, strict=True)
                                    if r is None or r.status >= 400][:5]
        return out

    async def _fetch_pinned(self, url: str, pin: dict[str, list[str]] | None,
                            record: dict[str, Any] | None) -> Answer | None:
        if pin is not None and not any(pin.values()):
            if record is not None:
                record["home_error"] = "no_address"
            return None
        async with session(self.guard, self.opts.user_agent, pinned=pin) as http:
            try:
                return await self.fetcher.get(http, url, max_body=HOME_MAX, ssl_ctx=False)
            except FetchFailed as f:
                if record is not None:
                    record["home_ok"], record["home_error"] = False, f.error
                return None


def _decode(answer: Answer) -> str:
    return charset.decode_html(answer.body, answer.headers.get("content-type"))[1]


async def probe_sites(specs: list[Any], guard: Guard, opts: Options,
                      pages: dict[str, tuple[str | None, list[str]]],
                      resolver: NameResolver | None = None) -> dict[str, dict[str, Any]]:
    """site code -> its ``SiteSecurity`` values; ``pages``: code -> (homepage's final URL,
    the crawled deeper pages to try over IPv6)."""
    resolver = resolver or SystemResolver()
    fetcher = Fetcher(guard, opts.user_agent, opts.timeout, per_ip=opts.per_ip,
                      obey_robots=False)
    gate = asyncio.Semaphore(SITES_AT_ONCE)

    async def one(spec: Any) -> tuple[str, dict[str, Any] | None]:
        home, deeper = pages.get(spec.code, (None, []))
        async with gate:
            try:
                return spec.code, await SiteProbe(spec, guard, opts, fetcher, resolver).run(
                    home, deeper)
            except Exception as exc:  # noqa: BLE001 - one hostile site must not stop the rest
                log.warning("%s: 安全检测失败 (%s: %s)", spec.code, type(exc).__name__,
                            str(exc)[:200])
                return spec.code, None  # no row: the rules say "not checked", never "passed"

    return {code: row for code, row in await asyncio.gather(*(one(s) for s in specs))
            if row is not None}


def _pages_of(s: Any, run_id: int, site_id: int, sample: int) -> tuple[str | None, list[str]]:
    home = s.execute(select(Page.url, Page.final_url).where(
        Page.run_id == run_id, Page.site_id == site_id, Page.depth == 0)
        .order_by(Page.id)).first()
    urls = list(s.scalars(select(Page.url).where(
        Page.run_id == run_id, Page.site_id == site_id, Page.depth.in_((1, 2)),
        Page.status >= 200, Page.status < 300, Page.content_type.ilike("%html%"))))
    # the same pages run after run (a stable pseudo-random order), as the page sample does
    urls.sort(key=lambda u: hashlib.sha1(urlsplit(u).path.encode()).hexdigest())
    return (home.final_url or home.url) if home else None, urls[:sample]


def collect(registry: Any, settings: Any, sessions: Any, run_id: int, codes: list[str],
            resolver: NameResolver | None = None) -> int:
    """Probe the crawled sites and store a ``SiteSecurity`` row for each; returns how
    many were stored. Called by the crawl after link verification."""
    from store.models import RunSite, Site

    with sessions() as s:
        ids = dict(s.execute(select(Site.code, Site.id)).all())
        specs = [registry.by_code(c) for c in codes]
        pages = {spec.code: _pages_of(s, run_id, ids[spec.code], LINK_SAMPLE)
                 for spec in specs}
        # A homepage robots.txt kept the crawl from (no page at depth 0, a robots refusal
        # counted) is not asked by the probe either: that site's security rules then say
        # "not checked", as for any site without a probe row.
        refused = set(s.scalars(select(RunSite.site_id).where(
            RunSite.run_id == run_id, RunSite.robots_disallowed > 0)))
    if getattr(settings, "obey_robots", True):
        specs = [spec for spec in specs
                 if getattr(spec, "ignore_robots", False) or pages[spec.code][0] is not None
                 or ids[spec.code] not in refused]
    opts = Options(user_agent=settings.user_agent, timeout=min(settings.timeout, 15.0),
                   ca_file=getattr(settings, "tls_ca_file", None),
                   per_ip=settings.per_ip_concurrency)
    rows = asyncio.run(probe_sites(specs, Guard.from_registry(registry), opts, pages,
                                   resolver))
    with sessions.begin() as s:
        for code, row in rows.items():
            site_id = ids[code]
            s.execute(delete(SiteSecurity).where(SiteSecurity.run_id == run_id,
                                                 SiteSecurity.site_id == site_id))
            s.add(SiteSecurity(run_id=run_id, site_id=site_id, **row))
    return len(rows)


__all__ = ["Options", "StaticResolver", "SystemResolver", "certificate_facts", "collect",
           "https_candidate", "probe_sites"]
