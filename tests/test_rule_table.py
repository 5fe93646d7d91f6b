"""The documented rule table, the scoring catalogue and the rule modules agree."""

from pathlib import Path

from checks.registry import builtin_rules
from indicators.rules_catalogue import _RULES

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_every_emitted_rule_is_catalogued_and_documented():
    emitted = {rule for r in builtin_rules() for rule in r.ids}
    catalogued = {r.id for r in _RULES}
    assert emitted <= catalogued
    documented = DOC.read_text(encoding="utf-8")
    for rule in catalogued:
        assert f"| `{rule}` |" in documented, rule


def test_rules_that_judge_absence_are_skipped_on_incomplete_crawls():
    """A rule that may skip incomplete crawls must also make scoring distrust its silence."""
    info = {r.id: r for r in _RULES}
    for registered in builtin_rules():
        if registered.needs_complete:
            for rule in registered.ids:
                assert info[rule].needs_complete, rule

