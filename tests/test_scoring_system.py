"""Indicator files: the bundled ones are consistent; a malformed copy is refused with one
line naming the file and the key path."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from checks.severity import severity_of
from indicators.durations import Duration
from indicators.rules_catalogue import RULES
from indicators.system import (
    SYSTEMS_DIR,
    THRESHOLD_KEYS,
    IndicatorFileError,
    bundled_systems,
    load_system,
)


def test_bundled_systems_load_with_the_official_numbers():
    assert bundled_systems() == ["census-2015", "national-2019"]
    n = load_system("national-2019")
    assert (n.total, n.pass_mark, n.bonus_total, n.bonus_above) == (100, 60, 30, 80)
    assert n.bonus_kinds == ("portal",)
    assert {c: float(x.points) for c, x in n.categories.items()} == {
        "发布解读": 31, "办事服务": 25, "互动交流": 23, "功能设计": 21}
    assert [v.id for v in n.vetoes] == ["V1", "V2", "V3", "V4", "V5", "V6"]
    assert len(n.deductions) == 29 and len(n.bonus) == 10
    assert n.indicator("F3").cap == 1
    assert [str(i.points) for i in n.indicator("F3").items] == ["1/5", "1/10"]
    assert n.threshold("column_stale.notice") == Duration(6, "m")
    assert n.threshold("probe.veto_share") == 0.05
    assert n.threshold("probe.min_per_day") == 20
    assert n.thresholds["column_stale"]["news"] == "2w"  # raw, as checks.base reads it
    assert "thresholds.column_stale.personnel" in n.unconfirmed
    c = load_system(SYSTEMS_DIR / "census-2015.yaml")
    assert c.id == "census-2015" and c.bonus == []
    assert "categories.信息更新情况" in c.unconfirmed
    assert c.threshold("column_stale.personnel") == Duration(1, "y")


def test_every_threshold_of_the_contract_is_in_every_bundled_file():
    for name in bundled_systems():
        system = load_system(name)
        for key in THRESHOLD_KEYS:
            assert system.threshold(key) is not None, (name, key)


def test_national_severities_match_the_checks_default_table():
    n = load_system("national-2019")
    assert {r: n.rule_severity(r) for r in RULES} == {r: severity_of(r) for r in RULES}
    assert n.rule_severity("robots.disallowed") == "info"
    census = load_system("census-2015")
    assert census.rule_severity("mailbox.missing") == "info"
    assert census.rule_severity("survey.inactive") == "deduct"


# -- malformed copies ----------------------------------------------------------------
NATIONAL_DATA = yaml.load((SYSTEMS_DIR / "national-2019.yaml").read_text(encoding="utf-8"),
                          Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _variant(tmp_path: Path, mutate: Callable[[dict], None]) -> Path:
    data = copy.deepcopy(NATIONAL_DATA)
    mutate(data)
    path = tmp_path / "province.yaml"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def _d4(data: dict) -> dict:
    return data["deductions"]["发布解读"]["D4"]


CASES = [
    ("unknown rule", lambda d: _d4(d)["items"][1].update(rule="column.nope"),
     "deductions.发布解读.D4.items[1].rule", "未知规则 'column.nope'"),
    ("unknown veto rule", lambda d: d["vetoes"]["V3"]["rules"].append("home.old"),
     "vetoes.V3.rules[1]", "未知规则 'home.old'"),
    ("negative cap", lambda d: _d4(d).update(cap=-5),
     "deductions.发布解读.D4.cap", "不能为负数"),
    ("negative points", lambda d: _d4(d)["items"][0].update(points=-1),
     "deductions.发布解读.D4.items[0].points", "不能为负数"),
    ("missing field", lambda d: _d4(d).pop("name"),
     "deductions.发布解读.D4.name", "缺少字段"),
    ("missing threshold", lambda d: d["thresholds"]["probe"].pop("min_per_day"),
     "thresholds.probe.min_per_day", "缺少阈值"),
    ("caps do not add up", lambda d: _d4(d).update(cap=4),
     "deductions.发布解读", "各指标分值上限合计 30，不等于类别分值 31"),
    ("categories do not add up", lambda d: d["categories"]["功能设计"].update(points=20),
     "categories", "各类别分值合计 99，应等于 scoring.total 100"),
    ("bonus does not add up", lambda d: d["bonus"]["B1"].update(points=5),
     "bonus", "加分指标分值合计 31"),
    ("bad duration", lambda d: d["thresholds"].update(home_stale="2x"),
     "thresholds.home_stale", "无法解析的期限 '2x'"),
    ("bad share", lambda d: d["thresholds"]["probe"].update(veto_share=5),
     "thresholds.probe.veto_share", "0 到 1 之间"),
    ("unknown threshold", lambda d: d["thresholds"].update(home_stail="2w"),
     "thresholds.home_stail", "未知阈值"),
    ("unknown key", lambda d: _d4(d).update(cpa=5),
     "deductions.发布解读.D4.cpa", "未知字段"),
    ("bad check level", lambda d: _d4(d).update(check="X"),
     "deductions.发布解读.D4.check", "应为 A、P 或 H"),
    ("bad per", lambda d: _d4(d)["items"][0].update(per="twice"),
     "deductions.发布解读.D4.items[0].per", "'twice'"),
    ("unknown category", lambda d: d["deductions"].update({"其他": {}}),
     "deductions.其他", "类别未在 categories 中定义"),
    ("duplicate id", lambda d: d["bonus"].update({"D4": d["bonus"].pop("B1")}),
     "D4", "指标 ID 重复"),
    ("unconfirmed points nowhere", lambda d: d["unconfirmed"].update({"thresholds.nope": "x"}),
     "unconfirmed.thresholds.nope", "指向不存在的键"),
    ("pass mark above total", lambda d: d["scoring"].update(pass_mark=120),
     "scoring.pass_mark", "不能大于总分 100"),
]


@pytest.mark.parametrize(("case", "mutate", "key", "problem"), CASES,
                         ids=[c[0] for c in CASES])
def test_malformed_file_is_refused_naming_file_and_key(tmp_path, case, mutate, key, problem):
    path = _variant(tmp_path, mutate)
    with pytest.raises(IndicatorFileError) as err:
        load_system(str(path))
    message = str(err.value)
    assert re.match(rf"{re.escape(str(path))}:\d+: {re.escape(key)}: ", message), message
    assert problem in message
    assert "\n" not in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nname: [unclosed\nscoring: {}\n", encoding="utf-8")
    with pytest.raises(IndicatorFileError, match=rf"^{path}:3: YAML 格式错误"):
        load_system(str(path))


def test_missing_bundled_name_lists_the_bundled_ones():
    with pytest.raises(IndicatorFileError) as err:
        load_system("national-2020")
    assert str(err.value) == ("national-2020.yaml: 指标体系文件不存在 "
                              "(内置: census-2015, national-2019)")


def test_a_province_copy_with_other_numbers_loads(tmp_path):
    def province(d: dict) -> None:
        d["id"] = "liaoning-2019"
        d["scoring"]["bonus"]["total"] = 20
        d["bonus"] = {"B1": {"name": "数据发布", "points": 10, "check": "P"},
                      "B2": {"name": "集约化", "points": 10, "check": "H"}}
        d["thresholds"]["probe"]["min_per_day"] = 96

    system = load_system(str(_variant(tmp_path, province)))
    assert system.id == "liaoning-2019" and system.bonus_total == 20
    assert system.threshold("probe.min_per_day") == 96
