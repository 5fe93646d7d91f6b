"""The rule registry: every rule govmon runs, from one place.

Built-in rules are the modules of this package that define ``RULE`` (one
:class:`~checks.base.Rule`); a province adds rules from its own package through the
``govmon.rules`` entry-point group, as Datasette and pytest load plugins::

    # the province's pyproject.toml
    [project.entry-points."govmon.rules"]
    sc = "govmon_sichuan.rules"          # a module with RULE (or RULES: a list of Rule)

An entry point may name a module (its ``RULE`` and/or ``RULES``), a ``Rule`` or a list of
them. Names and rule IDs must be unique across all rules; a plugin that cannot be loaded
or breaks that is refused with one line naming the entry point (exit 2), never skipped
silently.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import checks
from checks.base import Rule
from derive.steps import STEPS
from settings.schema import InputError

ENTRY_POINT_GROUP = "govmon.rules"
FRAMEWORK_MODULES = {"base", "registry", "runner", "severity", "fingerprints"}


class RuleRegistryError(InputError):
    """A rule that cannot be registered (bad plugin, duplicate name or ID)."""


def builtin_rules() -> list[Rule]:
    """The ``RULE`` of every module of the ``checks`` package."""
    found = []
    for info in pkgutil.iter_modules(checks.__path__):
        if info.name in FRAMEWORK_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"checks.{info.name}")
        found.extend(_rules_of(module, f"checks.{info.name}"))
    return found


def plugin_rules() -> list[Rule]:
    """Rules of the installed distributions' ``govmon.rules`` entry points."""
    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        where = _where(ep)
        try:
            loaded = ep.load()
        except Exception as exc:  # noqa: BLE001 - one line for the user, not a traceback
            raise RuleRegistryError(f"{where}: 无法加载 ({type(exc).__name__}: {exc})"
                                    ) from None
        found.extend(_rules_of(loaded, where))
    return found


def all_rules() -> list[Rule]:
    """Built-in and plugin rules, by name; refuses duplicates and unknown needs."""
    rules = sorted(builtin_rules() + plugin_rules(), key=lambda r: r.name)
    names: set[str] = set()
    ids: dict[str, str] = {}
    for rule in rules:
        if rule.name in names:
            raise RuleRegistryError(f"规则名 {rule.name} 重复")
        names.add(rule.name)
        for rule_id in rule.ids:
            if rule_id in ids:
                raise RuleRegistryError(f"规则 ID {rule_id} 同时由 {ids[rule_id]} 和 "
                                        f"{rule.name} 给出")
            ids[rule_id] = rule.name
        unknown = [n for n in rule.derived if n not in STEPS]
        if unknown:
            raise RuleRegistryError(f"规则 {rule.name}: 未知的派生数据 {', '.join(unknown)} "
                                    f"(可选: {', '.join(STEPS)})")
    return rules


def _rules_of(obj: Any, where: str) -> list[Rule]:
    if isinstance(obj, Rule):
        return [obj]
    if isinstance(obj, ModuleType):
        if _legacy(obj):
            raise RuleRegistryError(f"{where}: 旧式规则模块 (RULES 为规则 ID、NEEDS_COMPLETE、"
                                    "check)：改为 RULE = Rule(...)，见 docs/architecture.md")
        out = [obj.RULE] if hasattr(obj, "RULE") else []
        out += list(getattr(obj, "RULES", None) or [])
        if not out and where.startswith("checks."):
            return []  # a helper module of the package
        return _rules_of(out, where)
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(r, Rule) for r in obj):
        return list(obj)
    raise RuleRegistryError(f"{where}: 不是规则 (应为 Rule、Rule 列表，或含 RULE 的模块)")


def _legacy(module: ModuleType) -> bool:
    """A module in the old style (``RULES`` a tuple of rule IDs, ``check``): convert it
    to ``RULE = Rule(...)`` (docs/architecture.md, "How to write a rule")."""
    rules = getattr(module, "RULES", None)
    return isinstance(rules, (tuple, list)) and any(isinstance(r, str) for r in rules)


def _where(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    owner = f" (分发包 {dist.name})" if dist is not None else ""
    return f"入口点 {ENTRY_POINT_GROUP}:{ep.name} = {ep.value}{owner}"
