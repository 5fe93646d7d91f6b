"""What makes a link target suspicious: shared by content.hidden_link and link.hijacked.

The word and host lists are data (``parse/data/link_risk.yaml``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tldextract

from parse.datafile import load_yaml

DATA = Path(__file__).with_name("data") / "link_risk.yaml"
# The public suffix list bundled with tldextract: never fetched (a rule never goes online),
# never cached to disk. It knows *.sh.cn, *.gov.hk and the other suffixes a short table
# missed (www.a.sh.cn and www.b.sh.cn are two registrable domains, not one "sh.cn").
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@dataclass(frozen=True)
class LinkRisk:
    bad_keywords: tuple[str, ...]
    trusted: tuple[str, ...]
    vendor_anchors: tuple[str, ...]
    vendor_hosts: tuple[str, ...]
    counters: tuple[str, ...]


@lru_cache(maxsize=2)
def _load(path: str, mtime: float) -> LinkRisk:
    data = load_yaml(Path(path)) or {}

    def words(key: str, node: dict | None = None) -> tuple[str, ...]:
        value = (node if node is not None else data).get(key) or []
        if not isinstance(value, list):
            raise ValueError(f"{path}: {key} 应为列表")
        return tuple(str(v).lower() for v in value)

    vendor = data.get("vendor_credit") or {}
    return LinkRisk(words("bad_keywords"), words("trusted_suffixes"), words("anchors", vendor),
                    words("hosts", vendor), words("counters"))


def risk(path: Path = DATA) -> LinkRisk:
    return _load(str(path), path.stat().st_mtime)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _suffix_match(host: str, suffixes: tuple[str, ...]) -> bool:
    return any(host == s or host.endswith("." + s) for s in suffixes)


def is_trusted(host: str) -> bool:
    """Government, education, badge/filing services and official media."""
    return _suffix_match(host, risk().trusted)


def is_counter(url: str) -> bool:
    host = host_of(url)
    full = host + urlsplit(url).path
    return any(_suffix_match(host, (c,)) or full.startswith(c) for c in risk().counters)


def is_vendor_credit(anchor: str | None, url: str) -> bool:
    """A CMS vendor's own credit link (Hanweb "Produced By 大汉网络" ...)."""
    r = risk()
    text = (anchor or "").lower()
    return _suffix_match(host_of(url), r.vendor_hosts) or any(a in text for a in r.vendor_anchors)


def bad_words(*texts: str | None) -> list[str]:
    """Gambling / pornography keywords found in any of ``texts`` (URLs are unquoted)."""
    return words_in(risk(), *texts)


def words_in(r: LinkRisk, *texts: str | None) -> list[str]:
    """``bad_words`` with the lists already read (a caller judging many links of one page
    reads them once)."""
    joined = " ".join(unquote(t).lower() for t in texts if t)
    return [w for w in r.bad_keywords if w in joined]


@lru_cache(maxsize=4096)
def registrable(host: str) -> str:
    """The registrable domain under the public suffix list (``www.sc.gov.cn`` ->
    ``sc.gov.cn``, ``www.a.sh.cn`` -> ``a.sh.cn``); an IP stays whole, a name under no
    known suffix keeps its last two labels."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    found = _SUFFIXES(host).top_domain_under_public_suffix
    return found or ".".join(host.split(".")[-2:])
