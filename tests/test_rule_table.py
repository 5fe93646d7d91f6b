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



def _documented_rows() -> dict[str, list[str]]:
    """The rows of docs/rules.md's rule table, by rule ID: its cells, unquoted."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0].strip("`")] = cells
    return rows


def _names(cell: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("`") for part in cell.split(",") if part.strip() != "—")


def test_the_documented_rule_table_is_the_registrys():
    """Each row says what the registry and the catalogue say: the module that emits the
    rule, whether it runs on an incomplete crawl, what it feeds and which detail keys it
    carries — and no row names a rule nothing emits."""
    rows = _documented_rows()
    info = {r.id: r for r in _RULES}
    registered = {rule_id: r for r in builtin_rules() for rule_id in r.ids}
    assert set(rows) == set(registered)
    for rule_id, rule in registered.items():
        _, _, feeds, module, on_incomplete, needs_complete, detail = rows[rule_id]
        assert module == f"`{rule.check.__module__.replace('.', '/')}.py`", rule_id
        assert on_incomplete == ("no" if rule.needs_complete else "yes"), rule_id
        assert needs_complete == ("yes" if info[rule_id].needs_complete else "no"), rule_id
        assert _names(feeds) == info[rule_id].feeds, rule_id
        assert _names(detail) == info[rule_id].detail, rule_id
