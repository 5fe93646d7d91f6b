"""Which addresses the crawler may contact, and which server a host name lands on.

A monitored page can point anywhere, including at ``http://10.0.0.1/admin``: targets that
resolve to private, loopback or link-local addresses are refused unless the registry puts
a monitored site there or the operator trusts that network (``trusted_networks``).
The resolved address is also the politeness key: many department sites share one server.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache


@lru_cache(maxsize=4096)
def resolve(host: str) -> str | None:
    """First IPv4 (else IPv6) address of ``host``; None when it does not resolve."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return None
    v4 = [i[4][0] for i in infos if i[0] == socket.AF_INET]
    return (v4 or [i[4][0] for i in infos])[0] if infos else None


def is_internal_address(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    return (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved
            or addr.is_multicast or addr.is_unspecified)


class AddressPolicy:
    """Allows public addresses, plus internal ones the registry vouches for."""

    def __init__(self, site_hosts: list[str], trusted_networks: list[str]):
        self.allowed_ips = {ip for h in site_hosts if (ip := resolve(h))}
        self.trusted = [ipaddress.ip_network(n, strict=False) for n in trusted_networks]

    def allows(self, ip: str) -> bool:
        if not is_internal_address(ip) or ip in self.allowed_ips:
            return True
        addr = ipaddress.ip_address(ip)
        return any(addr in net for net in self.trusted)
