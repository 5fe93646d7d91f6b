"""Default severity per rule, used when no indicator system supplies one.

The indicator system in force decides severity (``indicators.system``); this table mirrors the
2019 national system so checks can run on their own.
"""

from __future__ import annotations

VETO = {"site.unreachable", "home.stale", "column.stale_many", "column.blank_many",
        "mailbox.missing", "mailbox.unanswered", "link.hijacked", "content.hidden_link",
        "content.serious_typo", "content.secret_marking", "guide.incomplete_many"}
INFO = {"robots.disallowed", "mailbox.slow_reply", "survey.inactive",
        # disclosure and cluster duties: no indicator of the 2019 system scores them
        "disclosure.annual_report_missing", "disclosure.annual_report_late",
        "disclosure.annual_report_incomplete", "report.yearly_statement_missing",
        "site.closed_still_online", "cluster.site_unlinked", "cluster.wrong_target",
        "media.mobile_broken", "media.entry_broken", "disclosure.late",
        "disclosure.fields_missing", "disclosure.request_channel_missing",
        # issue 17: evidence or informational in the national file (IPv6 costs F10 points)
        "privacy.personal_data", "content.recycled_post", "content.backdated_post",
        "security.https_missing", "security.cert_invalid", "security.cert_expiring",
        "security.mixed_content", "security.headers_missing", "security.vulnerable_library",
        "security.private_address_leak", "access.care_mode_missing"}


def severity_of(rule: str) -> str:
    if rule.startswith("warn."):
        return "warn"  # an early warning: shown first, never scored
    if rule in VETO:
        return "veto"
    if rule in INFO:
        return "info"
    return "deduct"
