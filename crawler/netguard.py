"""Which addresses govmon may contact, and which server a host name lands on.

A monitored page can point anywhere, including at ``http://10.0.0.1/admin`` or at the
Redis port of the server a monitored site runs on. Every outgoing request — crawl,
redirects, meta refresh, link verification, robots.txt and its redirects, probes, and
whatever fetches screenshots or attachments — is judged by (scheme, address, port):

* only http and https;
* a public address: any port;
* an internal address (private, loopback, link-local, shared, multicast, unspecified,
  reserved; IPv4 in any spelling and IPv6, including IPv4-mapped, 6to4, NAT64, Teredo and
  IPv4-compatible forms of those) only when a registered site lives there, and then only on
  that site's ports (its URL's and ``hosts``' ports; a URL without a port admits 80 and
  443, the pair a site upgrading http to https uses), or when the operator trusts the
  network (``trusted_networks``, any port).

The verdict is taken on the address actually connected to: the aiohttp resolvers below
hand the connector only addresses the guard admitted, so a name that resolved to a public
address when a request was planned and to a private one when it connects (DNS rebinding)
is refused at connect time. aiohttp connects to hosts written as addresses without its
resolver: :meth:`Guard.check_literal` judges those (no DNS, so nothing can change). :meth:`Guard.allows` is the same judgement for callers that
cannot plug a resolver in (a headless browser): it requires every address of the name to
be admitted.

The resolved address is also the politeness key: many department sites share one server.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver

DEFAULT_PORTS = {"http": 80, "https": 443}
WEB_PORTS = frozenset(DEFAULT_PORTS.values())
VERDICTS_KEPT = 65_536
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_V4_COMPATIBLE = ipaddress.ip_network("::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):  # noqa: N818 - the name says what happened
    """A request the guard refused; ``verdict`` says why. Deliberately not an OSError:
    aiohttp would turn that into a DNS error and retry other addresses."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.reason)
        self.verdict = verdict


@dataclass(frozen=True)
class Verdict:
    """The guard's answer: truthy when allowed; ``reason`` (Chinese, for people) when not;
    ``address`` is the address judged (None when the name did not resolve)."""

    allowed: bool
    reason: str = ""
    address: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


@lru_cache(maxsize=4096)
def resolve(host: str) -> str | None:
    """First IPv4 (else IPv6) address of ``host``; None when it does not resolve. Cached
    for the process: this is the planning answer (politeness keys, pre-checks), never the
    one a connection trusts."""
    addresses = resolve_all(host)
    v4 = [a for a in addresses if ":" not in a]
    return (v4 or addresses or [None])[0]


def resolve_all(host: str) -> list[str]:
    """Every address of ``host`` (decimal, octal and hex IPv4 spellings included, as the
    system resolver reads them), normalised; [] when it does not resolve."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    out: list[str] = []
    for info in infos:
        ip = normalise(info[4][0])
        if ip not in out:
            out.append(ip)
    return out


def _literal(host: str) -> str | None:
    """The address of a host written as an address, in any spelling the system accepts
    (``2130706433``, ``0x7f.1``, ``127.1``, ``[::ffff:127.0.0.1]``); None for a name.
    aiohttp connects to such hosts without asking its resolver, so they are judged here."""
    host = host.strip("[]")
    if not host:
        return None
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP,
                                   flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, OSError, ValueError):
        return None
    return normalise(infos[0][4][0]) if infos else None


def normalise(ip: str) -> str:
    """An address in its canonical text; an IPv4-mapped IPv6 address as the IPv4 address
    it is (``::ffff:127.0.0.1`` connects to 127.0.0.1). A zone (``fe80::1%eth0``) is
    dropped. ValueError for text that is no address."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)


def _embedded_v4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (6to4, Teredo client, NAT64,
    IPv4-compatible), if any."""
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if any(addr in net for net in _NAT64) or (addr in _V4_COMPATIBLE and int(addr) > 1):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def is_internal_address(ip: str) -> bool:
    """Anything not plainly on the public internet."""
    addr = ipaddress.ip_address(normalise(ip))
    if isinstance(addr, ipaddress.IPv6Address) and (v4 := _embedded_v4(addr)) is not None:
        if is_internal_address(str(v4)):
            return True
    return (not addr.is_global or addr.is_private or addr.is_loopback or addr.is_link_local
            or addr.is_multicast or addr.is_reserved or addr.is_unspecified)


class Guard:
    """The address guard of one registry (see the module docstring).

    ``check(ip, port)`` judges one connection; ``allows(url)`` a URL before it is fetched.
    """

    def __init__(self, sites: Iterable[Any], trusted_networks: Iterable[str] = ()):
        self.trusted = [ipaddress.ip_network(n, strict=False) for n in trusted_networks]
        # (address, port) pairs where a registered site lives: its homepage URL and its
        # extra hosts, resolved once (the registry vouches for the names it names)
        self.site_ports: dict[str, set[int]] = {}
        self._verdicts: dict[tuple[str, int], Verdict] = {}
        for site in sites:
            parts = urlsplit(site.url)
            scheme = (parts.scheme or "http").lower()
            for netloc in [parts.netloc, *getattr(site, "hosts", [])]:
                self._register(scheme, str(netloc))

    @classmethod
    def from_registry(cls, registry: Any) -> Guard:
        return cls(registry.sites, registry.trusted_networks)

    def _register(self, scheme: str, netloc: str) -> None:
        try:
            parts = urlsplit(f"{scheme}://{netloc}")
            host, port = parts.hostname or "", parts.port
        except ValueError:
            return
        ports = {port} if port is not None else set(WEB_PORTS)
        for ip in resolve_all(host):
            self.site_ports.setdefault(ip, set()).update(ports)

    def check(self, ip: str, port: int) -> Verdict:
        """May a connection go to ``ip``:``port``? (Answers are kept: the crawl asks for
        every request, and parsing an address costs ~17 µs.)"""
        key = (ip, port)
        verdict = self._verdicts.get(key)
        if verdict is None:
            if len(self._verdicts) >= VERDICTS_KEPT:
                self._verdicts.clear()
            verdict = self._verdicts[key] = self._judge(ip, port)
        return verdict

    def _judge(self, ip: str, port: int) -> Verdict:
        try:
            ip = normalise(ip)
        except ValueError:
            return Verdict(False, f"不是合法的地址 '{ip}'")
        if not is_internal_address(ip):
            return Verdict(True, address=ip)
        addr = ipaddress.ip_address(ip)
        if any(addr.version == net.version and addr in net for net in self.trusted):
            return Verdict(True, address=ip)
        ports = self.site_ports.get(ip)
        if ports is None:
            return Verdict(False, f"内网地址 {ip} (没有注册的网站，也不在 trusted_networks 中)",
                           ip)
        if port not in ports:
            return Verdict(False, f"{ip} 上注册的网站只用端口 "
                                  f"{', '.join(map(str, sorted(ports)))}，不含 {port}", ip)
        return Verdict(True, address=ip)

    def check_literal(self, url: str) -> Verdict:
        """What aiohttp's resolver cannot judge: the scheme, the port, and a host written
        as an address (aiohttp connects to those directly). Host names pass here; the
        GuardedResolver judges them when the connection is made."""
        target = _target(url)
        if isinstance(target, Verdict):
            return target
        host, port = target
        ip = _literal(host)
        return self.check(ip, port) if ip is not None else Verdict(True)

    def allows(self, url: str) -> Verdict:
        """May ``url`` be fetched? Every address its host resolves to must be admitted
        (for callers that cannot pin the address they connect to)."""
        target = _target(url)
        if isinstance(target, Verdict):
            return target
        host, port = target
        addresses = resolve_all(host)
        if not addresses:
            return Verdict(False, f"无法解析域名 {host}")
        for ip in addresses:
            verdict = self.check(ip, port)
            if not verdict:
                return verdict
        return Verdict(True, address=addresses[0])


def _target(url: str) -> tuple[str, int] | Verdict:
    """(host, port) of an http(s) URL, or the refusal of any other."""
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname or "", parts.port
    except ValueError:
        return Verdict(False, f"网址格式错误: {url[:200]}")
    if scheme not in DEFAULT_PORTS:
        return Verdict(False, f"不支持的协议 '{scheme}'")
    if not host:
        return Verdict(False, f"网址没有主机名: {url[:200]}")
    return host, port if port is not None else DEFAULT_PORTS[scheme]


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that resolves afresh and lets through only the addresses the
    guard admits for the port being connected to: what the connector connects to is what
    was judged. ``guard`` may be a callable returning the Guard (made after the
    session)."""

    def __init__(self, guard: Guard | Callable[[], Guard]):
        self._guard = guard

    @property
    def guard(self) -> Guard:
        return self._guard if isinstance(self._guard, Guard) else self._guard()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[dict[str, Any]]:
        literal = _literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                               family=family)
            except socket.gaierror as exc:
                raise OSError(exc.errno, f"DNS lookup failed: {host}") from exc
            addresses = list(dict.fromkeys(normalise(i[4][0]) for i in infos))
        return admitted(self.guard, host, addresses, port)

    async def close(self) -> None:
        return None


def admitted(guard: Guard, host: str, addresses: list[str], port: int) -> list[dict[str, Any]]:
    """aiohttp host records for the addresses ``guard`` admits; AddressRefused (with the
    first refusal) when it admits none."""
    out: list[dict[str, Any]] = []
    refused: Verdict | None = None
    for ip in addresses:
        verdict = guard.check(ip, port)
        if not verdict:
            if refused is None:  # (a refusal is falsy: test for None)
                refused = verdict
            continue
        out.append({"hostname": host, "host": ip, "port": port,
                    "family": socket.AF_INET6 if ":" in ip else socket.AF_INET,
                    "proto": 0, "flags": socket.AI_NUMERICHOST})
    if refused is not None and not out:
        raise AddressRefused(refused)
    if not out:
        raise OSError(f"DNS lookup failed: {host}")
    return out
