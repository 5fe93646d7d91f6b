"""A supervisor's manual results (``govmon score --manual FILE``).

Indicators a crawler cannot decide (check P or H) stay "需人工核查" until a person supplies
the result. The file is YAML (a list of mappings, or ``results:`` holding one) or CSV with
a header row; one row per site and indicator:

    site        网站标识码
    indicator   indicator ID of the system (V1, D7, B1 ...)
    points      points lost (deduction indicators) or gained (bonus indicators)
    veto        true/false (是/否) for single-veto indicators
    note        what the person found (kept in the scorecard)
    system      optional: only for this indicator system (e.g. national-2019)
    period      optional: only for this period (run:12 or 2026Q4)

A manual result replaces the automatic result of that indicator, also for A indicators
(e.g. to overrule a false positive): the scorecard records the note and the file line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from govmon.schema import InputError
from scoring.system import IndicatorSystem


class ManualFileError(InputError):
    """A manual-results file that cannot be used (one line naming file and line)."""


ALIASES = {
    "site": "site", "code": "site", "网站标识码": "site", "网站": "site",
    "indicator": "indicator", "指标": "indicator", "指标id": "indicator", "指标ID": "indicator",
    "points": "points", "lost": "points", "扣分": "points", "得分": "points", "分值": "points",
    "veto": "veto", "否决": "veto", "单项否决": "veto",
    "note": "note", "说明": "note", "备注": "note",
    "system": "system", "指标体系": "system",
    "period": "period", "周期": "period",
}
TRUE = {"true", "yes", "y", "1", "是", "否决"}
FALSE = {"false", "no", "n", "0", "否", "不否决"}


@dataclass(frozen=True)
class ManualResult:
    site: str
    indicator: str
    points: Fraction | None
    veto: bool | None
    note: str
    where: str  # file:line, for messages and for the scorecard's record
    system: str | None = None
    period: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "points": None if self.points is None
                else float(self.points), "veto": self.veto, "note": self.note,
                "where": self.where}


@dataclass
class ManualResults:
    entries: list[ManualResult]
    source: str

    def validate(self, systems: list[IndicatorSystem], site_codes: set[str]) -> None:
        """Refuse rows naming unknown sites or indicators, or results an indicator cannot
        take (a veto for a deduction item, more points than its cap)."""
        seen: dict[tuple, str] = {}
        for e in self.entries:
            if e.site not in site_codes:
                raise ManualFileError(f"{e.where}: 网站标识码 '{e.site}' 不在数据库中")
            applicable = [s for s in systems if e.system in (None, s.id)]
            if not applicable:
                continue  # rows for a system not scored now
            hits = [s for s in applicable if s.indicator(e.indicator) is not None]
            if not hits:
                names = ", ".join(s.id for s in applicable)
                raise ManualFileError(f"{e.where}: 未知指标 '{e.indicator}' (指标体系 {names})")
            for system in hits:
                ind = system.indicator(e.indicator)
                key = (e.site, e.indicator, system.id, e.period)
                if key in seen:
                    raise ManualFileError(f"{e.where}: 与 {seen[key]} 重复")
                seen[key] = e.where
                if ind.kind == "veto":
                    if e.veto is None:
                        raise ManualFileError(f"{e.where}: {e.indicator} 是单项否决指标，"
                                              "应填写 veto (是/否)")
                    if e.points is not None:
                        raise ManualFileError(f"{e.where}: {e.indicator} 是单项否决指标，"
                                              "不能填写分值")
                else:
                    if e.veto is not None:
                        raise ManualFileError(f"{e.where}: {e.indicator} 不是单项否决指标，"
                                              "不能填写 veto")
                    if e.points is None:
                        raise ManualFileError(f"{e.where}: {e.indicator} 应填写分值 points")
                    if e.points > ind.cap:
                        word = "加分" if ind.kind == "bonus" else "扣分"
                        raise ManualFileError(f"{e.where}: {e.indicator} {word} "
                                              f"{float(e.points):g} 超过上限 "
                                              f"{float(ind.cap):g}")

    def for_site(self, system: IndicatorSystem, site: str,
                 period: str) -> dict[str, ManualResult]:
        """Indicator ID -> result for one site, system and period; a row for a specific
        period wins over a row without one."""
        out: dict[str, ManualResult] = {}
        for e in self.entries:
            if (e.site != site or e.system not in (None, system.id)
                    or e.period not in (None, period)
                    or system.indicator(e.indicator) is None):
                continue
            if e.indicator not in out or e.period is not None:
                out[e.indicator] = e
        return out


def load_manual(path: str | Path) -> ManualResults:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ManualFileError(f"{path}: 文件不存在") from None
    except OSError as exc:
        raise ManualFileError(f"{path}: 无法读取 ({exc.strerror})") from None
    text = _decode(raw)
    if path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(path, text)
    elif path.suffix.lower() == ".csv":
        rows = _csv_rows(path, text)
    else:
        raise ManualFileError(f"{path}: 只支持 .yaml / .yml / .csv 文件")
    return ManualResults([_entry(path, line, row) for line, row in rows], str(path))


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _yaml_rows(path: Path, text: str) -> list[tuple[int, dict]]:
    try:
        nodes = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ManualFileError(f"{path}{f':{mark.line + 1}' if mark else ''}: YAML 格式错误") \
            from None
    if isinstance(data, dict) and "results" in data:
        data = data["results"]
        nodes = next(v for k, v in nodes.value if k.value == "results")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ManualFileError(f"{path}: 应为人工核查结果列表")
    out = []
    for node, row in zip(nodes.value, data, strict=True):
        line = node.start_mark.line + 1
        if not isinstance(row, dict):
            raise ManualFileError(f"{path}:{line}: 每条结果应为键值映射")
        out.append((line, row))
    return out


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return []
    out = []
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        out.append((reader.line_num, dict(zip([h.strip() for h in header], row, strict=False))))
    return out


def _entry(path: Path, line: int, row: dict) -> ManualResult:
    where = f"{path}:{line}"
    data: dict[str, Any] = {}
    for key, value in row.items():
        name = ALIASES.get(str(key).strip()) or ALIASES.get(str(key).strip().lower())
        if name is None:
            raise ManualFileError(f"{where}: 未知列 '{key}' (应为 site, indicator, points, "
                                  "veto, note, system, period)")
        data[name] = value.strip() if isinstance(value, str) else value
    for key in ("site", "indicator"):
        if data.get(key) in (None, ""):
            raise ManualFileError(f"{where}: 缺少 {key}")
    points = data.get("points")
    if points in (None, ""):
        points = None
    else:
        try:
            points = Fraction(str(points))
        except (ValueError, ZeroDivisionError):
            raise ManualFileError(f"{where}: 分值 '{data['points']}' 不是数字") from None
        if points < 0:
            raise ManualFileError(f"{where}: 分值不能为负数")
    veto = data.get("veto")
    if veto in (None, ""):
        veto = None
    elif isinstance(veto, bool):
        pass
    elif str(veto).strip().lower() in TRUE:
        veto = True
    elif str(veto).strip().lower() in FALSE:
        veto = False
    else:
        raise ManualFileError(f"{where}: veto 应为 是/否 (true/false)，而不是 '{veto}'")
    if points is None and veto is None:
        raise ManualFileError(f"{where}: 应填写 points (扣分/加分) 或 veto (是/否)")
    return ManualResult(site=str(data["site"]), indicator=str(data["indicator"]), points=points,
                        veto=veto, note=str(data.get("note") or ""), where=where,
                        system=str(data["system"]) if data.get("system") else None,
                        period=str(data["period"]) if data.get("period") else None)
