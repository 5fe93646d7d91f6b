"""The thresholds contract: the limits rules and the derive step judge with.

Indicator files (``indicators/systems/*.yaml``) carry a ``thresholds:`` mapping (keys in
:data:`indicators.model.THRESHOLD_KEYS`, documented in docs/architecture.md). The rules
read it through ``CheckContext.threshold`` / ``duration``, the derive step through the same
:class:`Thresholds` (a mailbox's reply window), and scoring through the validated
:class:`~indicators.model.IndicatorSystem`. Read raw here: a check run takes the file it is
given without re-validating it (``govmon check --system`` already did).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from indicators.durations import Duration
from indicators.durations import parse as parse_duration
from indicators.model import THRESHOLD_DEFAULTS

SYSTEMS_DIR = Path(__file__).resolve().parent / "systems"
DEFAULT_SYSTEM_PATH = SYSTEMS_DIR / "national-2019.yaml"


class ThresholdError(KeyError):
    """The indicator file lacks a threshold a rule or derive step needs."""


def load_thresholds(path: Path = DEFAULT_SYSTEM_PATH) -> dict[str, Any]:
    """The ``thresholds`` mapping of an indicator file (see docs/architecture.md)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return data.get("thresholds") or {}


@dataclass(frozen=True)
class Thresholds:
    """A nested ``thresholds`` mapping read by dotted key (``mailbox.window``)."""

    raw: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        node: Any = self.raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if key in THRESHOLD_DEFAULTS:  # a file written before the key existed
                    return THRESHOLD_DEFAULTS[key]
                raise ThresholdError(f"指标文件缺少阈值 thresholds.{key}")
            node = node[part]
        return node

    def duration(self, key: str) -> Duration:
        return parse_duration(self.get(key))
