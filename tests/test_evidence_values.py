"""Values of detail keys whose meaning depends on the rule (reports/common.py)."""

from __future__ import annotations

from reports.common import evidence_items


def test_kind_mobile_is_a_phone_number_in_privacy_and_a_mobile_site_in_media() -> None:
    """Issue 16's homepage entries and issue 17's personal numbers both write
    ``kind: mobile``; a notice must not call a leaked 手机号码 a 手机版 (or the reverse)."""
    privacy = dict(evidence_items({"kind": "mobile", "masked": "138****1234"}))
    media = dict(evidence_items({"kind": "mobile", "target": "http://example.gov.cn/m/"}))
    assert "手机号码" in privacy.values() and "手机版" not in privacy.values()
    assert "手机版" in media.values() and "手机号码" not in media.values()
    assert "身份证号码" in dict(evidence_items({"kind": "id_card", "masked": "110***"})).values()
