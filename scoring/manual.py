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

Each row is checked by a pydantic model (points finite and at most 1000, veto 是/否, period
``run:N`` or ``YYYYQn``, no control characters); a ``system`` no bundled or scored system
has is refused by :meth:`ManualResults.validate`. YAML goes through settings.schema.load_yaml
(two ``results:`` keys, aliases that explode or loop are refused). Problems are
``file:line: column: problem``, the first 50 of them.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from indicators.system import IndicatorSystem, bundled_systems
from settings.schema import (
    CleanText,
    InputError,
    Problems,
    YamlProblem,
    error_text,
    load_yaml,
)


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
        known_systems = set(bundled_systems()) | {s.id for s in systems}
        for e in self.entries:
            if e.site not in site_codes:
                raise ManualFileError(f"{e.where}: 网站标识码 '{e.site}' 不在数据库中")
            if e.system is not None and e.system not in known_systems:
                raise ManualFileError(f"{e.where}: system: 未知指标体系 '{e.system}' (可用: "
                                      f"{', '.join(sorted(known_systems))})")
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
    except IsADirectoryError:
        raise ManualFileError(f"{path}: 是目录，不是文件") from None
    except OSError as exc:
        raise ManualFileError(f"{path}: 无法读取 ({exc.strerror})") from None
    if b"\x00" in raw[:8192]:
        raise ManualFileError(f"{path}: 不是文本文件 (含有 NUL 字节)；应为 YAML 或 CSV")
    text = _decode(raw)
    if path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(path, text)
    elif path.suffix.lower() == ".csv":
        rows = _csv_rows(path, text)
    else:
        raise ManualFileError(f"{path}: 只支持 .yaml / .yml / .csv 文件")
    problems = Problems()
    entries = []
    for line, row in rows:
        try:
            entries.append(_entry(path, line, row))
        except ManualFileError as exc:
            problems.add(line, str(exc))
    if problems:
        raise ManualFileError("\n".join(problems.lines()))
    return ManualResults(entries, str(path))


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _yaml_rows(path: Path, text: str) -> list[tuple[int, dict]]:
    try:
        doc = load_yaml(text)
    except YamlProblem as exc:
        raise ManualFileError(exc.render(str(path))) from None
    data, prefix = doc.data, ()
    if isinstance(data, dict) and set(data) == {"results"}:
        data, prefix = data["results"], ("results",)
    elif isinstance(data, dict):
        unknown = ", ".join(str(k) for k in data if k != "results")
        raise ManualFileError(f"{path}:{doc.line()}: {unknown}: 未知字段 (应为 results: 列表，"
                              "或直接写结果列表)")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ManualFileError(f"{path}:{doc.line(prefix)}: 应为人工核查结果列表")
    out = []
    for i, row in enumerate(data):
        line = doc.line((*prefix, i))
        if not isinstance(row, dict):
            raise ManualFileError(f"{path}:{line}: 每条结果应为键值映射")
        out.append((line, row))
    return out


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise ManualFileError(f"{path}:1: CSV 格式错误 ({exc})") from None
    out = []
    start = reader.line_num + 1
    try:
        for row in reader:
            if any(c.strip() for c in row):
                out.append((start, dict(zip([h.strip() for h in header], row,
                                            strict=False))))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ManualFileError(f"{path}:{reader.line_num}: CSV 格式错误 ({exc})") from None
    return out


MAX_POINTS = 1000  # no indicator is worth more; 1e400 is a typo, not a result
PERIOD = re.compile(r"^(?:run:(\d+)|(\d{4})[Qq]([1-4]))$")


def _points(value: Any) -> Fraction | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"分值应为数字，而不是 '{value}'")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("分值应为有限数字 (不能是 .inf 或 .nan)")
    try:
        points = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"分值 '{str(value)[:40]}' 不是数字") from None
    if points < 0:
        raise ValueError("分值不能为负数")
    if points > MAX_POINTS:
        raise ValueError(f"分值 '{str(value)[:40]}' 过大 (最多 {MAX_POINTS})")
    return points


def _veto(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"veto 应为 是/否 (true/false)，而不是 '{str(value)[:40]}'")


def _period(value: Any) -> str | None:
    if value is None or value == "":
        return None
    m = PERIOD.match(str(value).strip())
    if not m:
        raise ValueError(f"周期 '{str(value)[:40]}' 格式错误 (应如 run:12 或 2026Q4)")
    return f"run:{m.group(1)}" if m.group(1) else f"{m.group(2)}Q{m.group(3)}"


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


class _Row(BaseModel):
    """One manual result, whatever the file called its columns (see ALIASES)."""

    model_config = ConfigDict(extra="forbid")

    site: Annotated[CleanText, BeforeValidator(_text), Field(min_length=1)]
    indicator: Annotated[CleanText, BeforeValidator(_text), Field(min_length=1)]
    points: Annotated[Fraction | None, BeforeValidator(_points)] = None
    veto: Annotated[bool | None, BeforeValidator(_veto)] = None
    note: Annotated[str, BeforeValidator(_text)] = ""
    system: Annotated[CleanText, BeforeValidator(_text)] = ""
    period: Annotated[str | None, BeforeValidator(_period)] = None


def _entry(path: Path, line: int, row: dict) -> ManualResult:
    where = f"{path}:{line}"
    data: dict[str, Any] = {}
    column: dict[str, str] = {}
    for key, value in row.items():
        name = ALIASES.get(str(key).strip()) or ALIASES.get(str(key).strip().lower())
        if name is None:
            raise ManualFileError(f"{where}: {key}: 未知列 (应为 site, indicator, points, "
                                  "veto, note, system, period)")
        if name in data:
            raise ManualFileError(f"{where}: {key}: 与 {column[name]} 重复")
        data[name], column[name] = value, str(key)
    try:
        r = _Row.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field_name = str(err["loc"][0]) if err["loc"] else ""
        key = column.get(field_name, field_name)
        if err["type"] in ("missing", "string_too_short"):
            raise ManualFileError(f"{where}: 缺少 {key}") from None
        raise ManualFileError(f"{where}: {key}: {error_text(err)}") from None
    if r.points is None and r.veto is None:
        raise ManualFileError(f"{where}: 应填写 points (扣分/加分) 或 veto (是/否)")
    return ManualResult(site=r.site, indicator=r.indicator, points=r.points, veto=r.veto,
                        note=r.note, where=where, system=r.system or None, period=r.period)
