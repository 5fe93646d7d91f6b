"""Indicator systems as data: load and validate ``indicators/systems/*.yaml``.

(A little over 400 lines: one strict walk of one file format, a class whose methods are the
format's sections; the model it fills is :mod:`indicators.model`.)

Provinces copy a file and edit points, caps and windows, so the loader is strict: a file
that is malformed or inconsistent (unknown rule, unknown key, negative cap, missing field,
caps that do not add up to their category, a bad duration, a number that is not finite or
out of range, a duration over ten years) is refused with ONE line naming the file, the line
and the key path, e.g. ``national-2019.yaml:88: deductions.发布解读.D4.cap: 不能为负数``.
The YAML goes through settings.schema.load_yaml (aliases bounded, no cycles, no repeated
keys). Points are kept as exact fractions (0.1 + 0.2 must be 0.3 when a score sits at 60).
The model the file is read into is :mod:`indicators.model`.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from indicators.durations import Duration, DurationError, parse_month_day
from indicators.durations import parse as parse_duration
from indicators.model import (  # noqa: F401 - the model, importable with its loader
    OPTIONAL_THRESHOLDS,
    THRESHOLD_KEYS,
    WARNING_BELOW,
    Category,
    Indicator,
    IndicatorSystem,
    Item,
    points_text,
)
from indicators.rules_catalogue import RULES
from indicators.thresholds import SYSTEMS_DIR
from settings.schema import InputError, YamlDoc, YamlProblem, control_char, load_yaml

DEFAULT_SYSTEM = "national-2019"

CHECKS = ("A", "P", "H")
SITE_KINDS = ("portal", "subsite", "department")


class IndicatorFileError(InputError):
    """An indicator file that cannot be used; the message is one line for the user."""


# -- loading ---------------------------------------------------------------------------
def resolve(path_or_name: str | Path) -> Path:
    """A path, or the name of a bundled system (``national-2019``, ``census-2015``)."""
    p = Path(path_or_name)
    if p.suffix in (".yaml", ".yml") or p.exists() or len(p.parts) > 1:
        return p
    return SYSTEMS_DIR / f"{p.name}.yaml"


def bundled_systems() -> list[str]:
    return sorted(p.stem for p in SYSTEMS_DIR.glob("*.yaml"))


def load_system(path_or_name: str | Path = DEFAULT_SYSTEM) -> IndicatorSystem:
    """Load and validate an indicator file; raises :class:`IndicatorFileError`."""
    path = resolve(path_or_name)
    shown = path.name if path.parent == SYSTEMS_DIR else str(path_or_name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        hint = f" (内置: {', '.join(bundled_systems())})" if path.parent == SYSTEMS_DIR else ""
        raise IndicatorFileError(f"{shown}: 指标体系文件不存在{hint}") from None
    except UnicodeDecodeError:
        raise IndicatorFileError(f"{shown}: 不是 UTF-8 编码") from None
    except OSError as exc:
        raise IndicatorFileError(f"{shown}: 无法读取 ({exc.strerror})") from None
    try:
        doc = load_yaml(text)
    except YamlProblem as exc:
        raise IndicatorFileError(exc.render(shown)) from None
    return _Parser(shown, path, doc).system(doc.data)


def _key_path(key: str) -> tuple[str, ...]:
    """``deductions.发布解读.D4.items[1].rule`` → the YAML path, for line numbers."""
    return tuple(p for p in re.split(r"[.\[\]]+", key) if p)


class _Parser:
    """Walks the YAML tree; every problem raises with the key path it was found at."""

    TOP = {"id", "name", "source", "scoring", "thresholds", "unconfirmed", "categories",
           "vetoes", "deductions", "bonus"}
    MATCH_OPS = {"in", "not", "contains", "excludes"}

    MAX_POINTS = 10_000  # no system has more points than this; a typo like 1e9 is refused
    MAX_COUNT = 1_000_000
    MAX_SECONDS = 86_400

    def __init__(self, shown: str, path: Path, doc: YamlDoc | None = None):
        self.shown = shown
        self.path = path
        self.doc = doc or YamlDoc(None)

    def fail(self, key: str, problem: str) -> IndicatorFileError:
        line = self.doc.line(_key_path(key))
        return IndicatorFileError(f"{self.shown}:{line}: {key}: {problem}" if key
                                  else f"{self.shown}:{line}: {problem}")

    # -- primitives -------------------------------------------------------------------
    def mapping(self, value: Any, key: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, "应为键值映射")
        return value

    def keys(self, node: dict, key: str, required: set[str], optional: set[str]) -> None:
        for k in node:
            if k not in required | optional:
                raise self.fail(f"{key}.{k}" if key else str(k), "未知字段")
        for k in sorted(required):
            if k not in node or node[k] is None:
                raise self.fail(f"{key}.{k}" if key else k, "缺少字段")

    def text(self, node: dict, k: str, key: str) -> str:
        value = node[k]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key}.{k}" if key else k, "应为非空文本")
        if (bad := control_char(value)) is not None:
            raise self.fail(f"{key}.{k}" if key else k, f"含有控制字符 {bad}")
        return value.strip()

    def number(self, node: dict, k: str, key: str) -> Fraction:
        value = node[k]
        where = f"{key}.{k}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"应为数字，而不是 '{value}'")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(where, "应为有限数字 (不能是 .inf 或 .nan)")
        if value < 0:
            raise self.fail(where, "不能为负数")
        if value > self.MAX_POINTS:
            raise self.fail(where, f"不能大于 {self.MAX_POINTS}")
        return Fraction(str(value))

    def flag(self, node: dict, k: str, key: str, default: bool = False) -> bool:
        if k not in node:
            return default
        if not isinstance(node[k], bool):
            raise self.fail(f"{key}.{k}", "应为 true 或 false")
        return node[k]

    def rule_list(self, node: dict, k: str, key: str) -> tuple[str, ...]:
        value = node.get(k) or []
        if not isinstance(value, list):
            raise self.fail(f"{key}.{k}", "应为规则 ID 列表")
        for i, rule in enumerate(value):
            self.rule_id(rule, f"{key}.{k}[{i}]")
        return tuple(value)

    def rule_id(self, rule: Any, where: str) -> str:
        if rule not in RULES:
            raise self.fail(where, f"未知规则 '{rule}' (规则目录见 docs/rules.md)")
        if str(rule).startswith("warn."):
            raise self.fail(where, f"预警规则 '{rule}' 只作提醒，从不计分，不能用于指标")
        return rule

    def check_level(self, node: dict, key: str) -> str:
        value = node.get("check")
        if value not in CHECKS:
            raise self.fail(f"{key}.check", f"应为 A、P 或 H，而不是 '{value}'")
        return value

    def note(self, node: dict, key: str) -> str | None:
        if "note" in node and node["note"] is not None and not isinstance(node["note"], str):
            raise self.fail(f"{key}.note", "应为文本")
        return node.get("note")

    # -- sections ---------------------------------------------------------------------
    def system(self, data: Any) -> IndicatorSystem:
        if not isinstance(data, dict):
            raise self.fail("", "顶层应为键值映射")
        self.keys(data, "", {"id", "name", "scoring", "thresholds", "categories", "vetoes",
                             "deductions"}, self.TOP)
        sys_id = self.text(data, "id", "")
        if len(sys_id) > 64:
            raise self.fail("id", "不能超过 64 个字符")
        scoring = self.mapping(data["scoring"], "scoring")
        self.keys(scoring, "scoring", {"total", "pass_mark"}, {"bonus"})
        total = self.number(scoring, "total", "scoring")
        if total == 0:
            raise self.fail("scoring.total", "应大于 0")
        pass_mark = self.number(scoring, "pass_mark", "scoring")
        if pass_mark > total:
            raise self.fail("scoring.pass_mark", f"不能大于总分 {points_text(total)}")
        bonus_total, bonus_kinds, bonus_above = Fraction(0), ("portal",), Fraction(0)
        if scoring.get("bonus") is not None:
            b = self.mapping(scoring["bonus"], "scoring.bonus")
            self.keys(b, "scoring.bonus", {"total", "site_kinds", "above"}, set())
            bonus_total = self.number(b, "total", "scoring.bonus")
            bonus_above = self.number(b, "above", "scoring.bonus")
            kinds = b["site_kinds"]
            if not isinstance(kinds, list) or any(k not in SITE_KINDS for k in kinds):
                raise self.fail("scoring.bonus.site_kinds",
                                f"应为网站类型列表 ({', '.join(SITE_KINDS)})")
            bonus_kinds = tuple(kinds)
        thresholds = self.thresholds(data["thresholds"])
        categories = self.categories(data["categories"], total)
        vetoes = self.vetoes(data["vetoes"])
        deductions = self.deductions(data["deductions"], categories)
        bonus = self.bonus(data.get("bonus"), bonus_total)
        seen: dict[str, str] = {}
        for ind in [*vetoes, *deductions, *bonus]:
            if ind.id in seen:
                raise self.fail(ind.id, f"指标 ID 重复 (已用于 {seen[ind.id]})")
            seen[ind.id] = ind.name
        system = IndicatorSystem(
            id=sys_id, name=self.text(data, "name", ""),
            source=str(data.get("source") or ""), path=self.path, total=total,
            pass_mark=pass_mark, bonus_total=bonus_total, bonus_kinds=bonus_kinds,
            bonus_above=bonus_above, thresholds=thresholds, categories=categories,
            vetoes=vetoes, deductions=deductions, bonus=bonus, unconfirmed={})
        system.unconfirmed = self.unconfirmed(data.get("unconfirmed"), data, system)
        return system

    def thresholds(self, raw: Any) -> dict[str, Any]:
        node = self.mapping(raw, "thresholds")
        flat: dict[str, Any] = {}

        def walk(n: dict, prefix: str) -> None:
            for k, v in n.items():
                key = f"{prefix}{k}"
                if isinstance(v, dict):
                    walk(v, key + ".")
                else:
                    flat[key] = v

        walk(node, "")
        for key in flat:
            if key not in THRESHOLD_KEYS:
                raise self.fail(f"thresholds.{key}", "未知阈值")
        for key, kind in THRESHOLD_KEYS.items():
            where = f"thresholds.{key}"
            if key in OPTIONAL_THRESHOLDS and key not in flat:
                continue
            if key not in flat or flat[key] is None:
                raise self.fail(where, "缺少阈值")
            value = flat[key]
            if kind == "month_day":
                try:
                    parse_month_day(value)
                except DurationError as exc:
                    raise self.fail(where, str(exc)) from None
            elif kind == "duration":
                if isinstance(value, bool):
                    raise self.fail(where, f"无法解析的期限 '{value}'")
                try:
                    d = parse_duration(value)
                except DurationError as exc:
                    raise self.fail(where, str(exc)) from None
                if d.amount <= 0:
                    raise self.fail(where, "期限应大于 0")
            elif kind == "count":
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise self.fail(where, f"应为正整数，而不是 '{value}'")
                if value > self.MAX_COUNT:
                    raise self.fail(where, f"不能大于 {self.MAX_COUNT}")
            else:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise self.fail(where, f"应为数字，而不是 '{value}'")
                if not math.isfinite(value):
                    raise self.fail(where, "应为有限数字 (不能是 .inf 或 .nan)")
                if kind == "share" and not 0 < value <= 1:
                    raise self.fail(where, f"应为 0 到 1 之间的比例 (如 0.05)，而不是 {value}")
                if kind == "seconds" and not 0 < value <= self.MAX_SECONDS:
                    raise self.fail(where, f"应大于 0 且不超过 {self.MAX_SECONDS}")
        self.warnings_below(flat)
        return node

    def warnings_below(self, flat: dict[str, Any]) -> None:
        """A warning line must lie below the veto line it announces (a warning at or past
        the veto would never come first)."""
        from datetime import date

        day = date(2024, 12, 31)
        for key, veto in WARNING_BELOW.items():
            if key not in flat:
                continue
            mine, line = flat[key], flat[veto]
            if THRESHOLD_KEYS[key] == "duration":
                low = parse_duration(mine).before(day) > parse_duration(line).before(day)
            else:
                low = mine < line
            if not low:
                raise self.fail(f"thresholds.{key}",
                                f"预警线 {mine} 应低于否决线 thresholds.{veto} ({line})")

    def unconfirmed(self, raw: Any, data: dict, system: IndicatorSystem) -> dict[str, str]:
        out: dict[str, str] = {}
        if raw is not None:
            node = self.mapping(raw, "unconfirmed")
            for path, note in node.items():
                cur: Any = data
                for part in str(path).split("."):
                    if not isinstance(cur, dict) or part not in cur:
                        raise self.fail(f"unconfirmed.{path}", "指向不存在的键")
                    cur = cur[part]
                out[str(path)] = str(note or "未确认")
        for name, cat in system.categories.items():
            if not cat.confirmed:
                out[f"categories.{name}"] = cat.note or "分值未确认"
        for ind in system.indicators:
            base = {"veto": "vetoes", "bonus": "bonus"}.get(ind.kind) or \
                f"deductions.{ind.category}"
            if not ind.confirmed:
                out[f"{base}.{ind.id}"] = ind.note or "未确认"
            for n, item in enumerate(ind.items):
                if not item.confirmed:
                    out[f"{base}.{ind.id}.items[{n}]"] = item.note or "分值未确认"
        return out

    def categories(self, raw: Any, total: Fraction) -> dict[str, Category]:
        node = self.mapping(raw, "categories")
        if not node:
            raise self.fail("categories", "至少需要一个类别")
        out: dict[str, Category] = {}
        for name, spec in node.items():
            key = f"categories.{name}"
            spec = self.mapping(spec, key)
            self.keys(spec, key, {"points"}, {"services", "confirmed", "note"})
            out[str(name)] = Category(str(name), self.number(spec, "points", key),
                                      self.flag(spec, "services", key),
                                      self.flag(spec, "confirmed", key, True),
                                      self.note(spec, key))
        s = sum((c.points for c in out.values()), Fraction(0))
        if s != total:
            raise self.fail("categories", f"各类别分值合计 {points_text(s)}，应等于 scoring.total "
                                          f"{points_text(total)}")
        return out

    def vetoes(self, raw: Any) -> list[Indicator]:
        node = self.mapping(raw, "vetoes")
        out = []
        for vid, spec in node.items():
            key = f"vetoes.{vid}"
            spec = self.mapping(spec, key)
            self.keys(spec, key, {"name", "check"},
                      {"rules", "evidence", "probes", "services", "confirmed", "note"})
            out.append(Indicator(
                id=str(vid), name=self.text(spec, "name", key), kind="veto",
                check=self.check_level(spec, key), rules=self.rule_list(spec, "rules", key),
                evidence=self.rule_list(spec, "evidence", key),
                probes=self.flag(spec, "probes", key), services=self.flag(spec, "services", key),
                confirmed=self.flag(spec, "confirmed", key, True), note=self.note(spec, key)))
        return out

    def deductions(self, raw: Any, categories: dict[str, Category]) -> list[Indicator]:
        node = self.mapping(raw, "deductions")
        out: list[Indicator] = []
        for cat, indicators in node.items():
            ckey = f"deductions.{cat}"
            if cat not in categories:
                raise self.fail(ckey, f"类别未在 categories 中定义 (已定义: "
                                      f"{', '.join(categories)})")
            indicators = self.mapping(indicators, ckey)
            caps = Fraction(0)
            for iid, spec in indicators.items():
                key = f"{ckey}.{iid}"
                spec = self.mapping(spec, key)
                self.keys(spec, key, {"name", "cap", "check"},
                          {"items", "evidence", "confirmed", "note"})
                cap = self.number(spec, "cap", key)
                caps += cap
                items = self.items(spec.get("items"), f"{key}.items")
                out.append(Indicator(
                    id=str(iid), name=self.text(spec, "name", key), kind="deduct",
                    check=self.check_level(spec, key), cap=cap, category=str(cat),
                    items=items, evidence=self.rule_list(spec, "evidence", key),
                    services=categories[cat].services,
                    confirmed=self.flag(spec, "confirmed", key, True), note=self.note(spec, key)))
            if caps != categories[cat].points:
                raise self.fail(ckey, f"各指标分值上限合计 {points_text(caps)}，不等于类别分值 "
                                      f"{points_text(categories[cat].points)} (categories.{cat}.points)")
        for cat in categories:
            if cat not in node:
                raise self.fail(f"deductions.{cat}", "类别没有任何指标")
        return out

    def items(self, raw: Any, key: str) -> tuple[Item, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            raise self.fail(key, "应为扣分项列表")
        out = []
        for n, spec in enumerate(raw):
            ikey = f"{key}[{n}]"
            spec = self.mapping(spec, ikey)
            self.keys(spec, ikey, {"points"},
                      {"rule", "probes", "per", "match", "confirmed", "note"})
            points = self.number(spec, "points", ikey)
            per = spec.get("per", "finding")
            probes = "probes" in spec
            if probes:
                if "rule" in spec:
                    raise self.fail(ikey, "rule 与 probes 只能二选一")
                if spec["probes"] != "failure_percent":
                    raise self.fail(f"{ikey}.probes", "只支持 failure_percent")
                if spec.get("per", "percent") != "percent" or "match" in spec:
                    raise self.fail(f"{ikey}.per", "探测扣分项只能按 percent 计")
                per, rule = "percent", None
            else:
                if "rule" not in spec:
                    raise self.fail(f"{ikey}.rule", "缺少字段")
                rule = self.rule_id(spec["rule"], f"{ikey}.rule")
                if not isinstance(per, str) or not (
                        per in ("finding", "once")
                        or (per.startswith("detail.") and len(per) > 7)):
                    raise self.fail(f"{ikey}.per",
                                    f"应为 finding、once 或 detail.<键>，而不是 '{per}'")
            match = spec.get("match") or {}
            match = self.mapping(match, f"{ikey}.match")
            for mk, cond in match.items():
                if isinstance(cond, dict):
                    bad = set(cond) - self.MATCH_OPS
                    if bad or not cond or not all(isinstance(v, list) for v in cond.values()):
                        raise self.fail(f"{ikey}.match.{mk}",
                                        "条件应为值、值列表或 {in|not|contains|excludes: [...]}")
            out.append(Item(rule=rule, points=points, per=per, match=dict(match),
                            probes=probes, confirmed=self.flag(spec, "confirmed", ikey, True),
                            note=self.note(spec, ikey)))
        return tuple(out)

    def bonus(self, raw: Any, total: Fraction) -> list[Indicator]:
        if raw is None:
            if total:
                raise self.fail("bonus", f"缺少加分指标 (scoring.bonus.total 为 {points_text(total)})")
            return []
        node = self.mapping(raw, "bonus")
        out = []
        s = Fraction(0)
        for bid, spec in node.items():
            key = f"bonus.{bid}"
            spec = self.mapping(spec, key)
            self.keys(spec, key, {"name", "points", "check"}, {"evidence", "confirmed", "note"})
            points = self.number(spec, "points", key)
            s += points
            out.append(Indicator(
                id=str(bid), name=self.text(spec, "name", key), kind="bonus",
                check=self.check_level(spec, key), cap=points,
                evidence=self.rule_list(spec, "evidence", key),
                confirmed=self.flag(spec, "confirmed", key, True), note=self.note(spec, key)))
        if s != total:
            raise self.fail("bonus", f"加分指标分值合计 {points_text(s)}，不等于 scoring.bonus.total "
                                     f"{points_text(total)}")
        return out


__all__ = ["DEFAULT_SYSTEM", "Duration", "Indicator", "IndicatorFileError", "IndicatorSystem",
           "Item", "OPTIONAL_THRESHOLDS", "THRESHOLD_KEYS", "bundled_systems", "load_system", "resolve"]
