"""The derive step for one site: which facts are built, in which order, and what failed.

Every site of a checked run gets its page scan and identity facts (``derive.facts``:
``page_facts``, ``identity_values``, ``site_facts``). The other steps run when a rule that
runs on the site needs them (``Rule.derived``), in this order:

=============  ==============================================================  ===========
step           builds (and stores)                                             needs
=============  ==============================================================  ===========
``columns``    columns and their dated items (``site_columns``, ``column_items``)
``boards``     interactive columns with their messages / survey items           —
``mailbox``    messages and reply statistics (``messages``, ``mailbox_stats``)  ``boards``
``governance`` announced links, annual reports, catalogue items (``site_entries``,
               ``annual_reports``, ``disclosure_items``)                        —
``posture``    personal numbers (masked), article fingerprints, scripts,        —
               private addresses, care mode (``personal_data``,
               ``article_texts``, ``site_posture``; ``derive/posture.py``)
=============  ==============================================================  ===========

plus the rules' own extractors: ``page_facts`` (in the one-parse page scan),
``script_facts`` (on the site's linked scripts the crawl stored) and ``attachment_facts``
(on readable stored attachments). A step that fails is recorded with its exception; a rule
reading that fact then fails with the same exception (``Facts.get``), the others run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from derive import boards, governance, mailbox, posture
from derive.columns import build as columns_build
from derive.facts import derive_site
from derive.objects import attachment_facts, script_facts
from derive.pool import ScanPool, scan
from derive.scan import PageExtractor, SiteScan
from derive.source import SiteSource
from indicators.thresholds import Thresholds

# Derived facts a rule may name in ``Rule.derived``, with the steps they need first.
STEPS: dict[str, tuple[str, ...]] = {
    "identity": (),  # stored for every site before any rule runs
    "columns": (),
    "boards": (),
    "mailbox": ("boards",),
    "governance": (),
    "posture": (),
}


class FactUnavailable(RuntimeError):
    """A derived fact no running rule asked for (a rule read a fact it did not declare)."""


@dataclass
class Facts:
    """What the derive step built for one site, by name; ``errors`` holds the exception of
    each step that failed."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        if name in self.errors:
            raise self.errors[name]
        if name not in self.values:
            raise FactUnavailable(f"派生数据 {name} 未生成 (规则未声明需要它)")
        return self.values[name]


@dataclass(frozen=True)
class Extractors:
    """The rules' extractors, by fact name (see ``checks.base.Rule``)."""

    pages: Mapping[str, PageExtractor] = field(default_factory=dict)
    scripts: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    attachments: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)


def scan_site(src: SiteSource, facts: Facts, extractors: Extractors,
              pool: ScanPool | None = None) -> SiteScan:
    """The page scan (``facts`` "pages") and the identity facts stored from it: every
    checked site, before any rule runs."""
    result = facts.values["pages"] = scan(src, extractors.pages, pool)
    derive_site(src.session, src.run, src.site, result)
    return result


def with_dependencies(needs: Iterable[str]) -> list[str]:
    """``needs`` and the steps they depend on, in the order the steps run."""
    wanted: set[str] = set()

    def add(name: str) -> None:
        for dep in STEPS[name]:
            add(dep)
        wanted.add(name)

    for name in needs:
        add(name)
    return [name for name in STEPS if name in wanted]


def derive_needed(src: SiteSource, facts: Facts, needs: Iterable[str], thresholds: Thresholds,
                  extractors: Extractors) -> Facts:
    """Build the steps ``needs`` names (and what they depend on) into ``facts``, then the
    script and attachment extractors asked for."""
    for name in with_dependencies(needs):
        if name == "identity":
            continue
        try:
            facts.values[name] = _build(name, src, facts, thresholds)
        except Exception as exc:  # noqa: BLE001 - the rules needing it report it
            facts.errors[name] = exc
    for name, found in script_facts(src, extractors.scripts).items():
        _put(facts, f"scripts:{name}", found)
    for name, found in attachment_facts(src, extractors.attachments).items():
        _put(facts, f"attachments:{name}", found)
    return facts


def _put(facts: Facts, name: str, found: Any) -> None:
    if isinstance(found, BaseException):
        facts.errors[name] = found
    else:
        facts.values[name] = found


def _build(name: str, src: SiteSource, facts: Facts, thresholds: Thresholds) -> Any:
    if name == "columns":
        return columns_build.build(src)
    if name == "boards":
        return boards.discover(src)
    if name == "mailbox":
        return mailbox.derive_mailbox(src, facts.get("boards"), thresholds)
    if name == "governance":
        return governance.derive_governance(src.session, src.run, src.site, facts.get("pages"))
    if name == "posture":
        return posture.derive_posture(src.session, src.run, src.site, facts.get("pages"))
    raise KeyError(name)
