"""Finding identity survives ports, schemes and host aliases (issue 13, item 3), and the
0006b migration carries stored findings over where they prove their subject."""

from __future__ import annotations

import hashlib
from pathlib import Path

from alembic import command
from sqlalchemy import select

from store.db import alembic_config, make_engine, open_store
from store.fingerprints import SubjectKeys, fingerprint
from store.models import Finding, Site


def _site(code: str, url: str, **scope: list[str]) -> Site:
    return Site(code=code, name=code, url=url, kind="portal", scope=scope)


def test_subjects_of_a_moved_site_keep_their_fingerprint() -> None:
    before = SubjectKeys([_site("5101000001", "http://127.0.0.2:41234/"),
                          _site("5101000002", "http://127.0.0.2:41234/jyj/"),
                          _site("5101000011", "http://127.0.0.5:50001/")])
    after = SubjectKeys([_site("5101000001", "https://www.sl.gov.cn/", hosts=["sl.gov.cn"]),
                         _site("5101000002", "https://www.sl.gov.cn/jyj/"),
                         _site("5101000011", "http://127.0.0.5:50999/")])

    def fp(keys: SubjectKeys, subject: str) -> str:
        return fingerprint("5101000001", "link.broken", keys.key("5101000001", subject))

    assert fp(before, "http://127.0.0.2:41234/zwgk/a.html?id=3") == \
        fp(after, "https://www.sl.gov.cn/zwgk/a.html?id=3") == \
        fp(after, "http://sl.gov.cn:8080/zwgk/a.html?id=3")  # alias, other port
    # a URL of another registered site is named by that site's code
    assert before.key("5101000001", "http://127.0.0.2:41234/jyj/x/") == "site[5101000002]:x/"
    assert fp(before, "http://127.0.0.5:50001/") == fp(after, "http://127.0.0.5:50999/")
    # external URLs and words stay what they are
    assert after.key("5101000001", "http://www.xpj-yl.com/") == "http://www.xpj-yl.com/"
    assert after.key("5101000001", "homepage") == "homepage"
    assert fp(before, "http://127.0.0.2:41234/a") != fp(before, "http://127.0.0.2:41234/b")


def test_migration_rewrites_what_a_finding_proves(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005_links_run_site")
    old = lambda code, rule, subject: hashlib.sha1(  # noqa: E731 - the pre-0006b hash
        f"{code}\x1f{rule}\x1f{subject}".encode()).hexdigest()
    code, home = "5101000001", "http://127.0.0.2:41234/"
    rows = [("link.broken", home + "gone.html", old(code, "link.broken", home + "gone.html")),
            ("column.stale", home + "tzgg/index.html", old(code, "column.stale", home + "tzgg/")),
            ("mailbox.unanswered", home + "hdjl/", old(code, "mailbox.unanswered", "other")),
            ("search.missing", home, old(code, "search.missing", "search"))]
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO sites (id, code, name, url, kind, status, scope, "
                             "hints, has_services, in_registry, updated_at) VALUES "
                             f"(1, '{code}', 'x', '{home}', 'portal', '运行', '{{}}', '{{}}', 1, "
                             "1, '2026-12-01 00:00:00')")
        conn.exec_driver_sql("INSERT INTO runs (id, started_at, status, options) VALUES "
                             "(1, '2026-12-01 02:00:00', 'complete', '{}')")
        for i, (rule, where, fp) in enumerate(rows, start=1):
            conn.exec_driver_sql(
                "INSERT INTO findings (id, run_id, site_id, rule, url, severity, message, "
                "detail, fingerprint, state, first_seen, last_seen) VALUES "
                f"({i}, 1, 1, '{rule}', '{where}', 'deduct', 'm', '{{}}', '{fp}', 'new', "
                "'2026-12-01 02:00:00', '2026-12-01 02:00:00')")
    sessions = open_store(url)  # upgrades to head: 0006b rewrites what it can prove
    with sessions() as s:
        got = {f.rule: f.fingerprint for f in s.scalars(select(Finding))}
    assert got["link.broken"] == fingerprint(code, "link.broken", "site:gone.html")
    assert got["column.stale"] == fingerprint(code, "column.stale", "site:tzgg/")
    assert got["mailbox.unanswered"] == rows[2][2]  # subject unprovable: kept (one-time)
    assert got["search.missing"] == rows[3][2]  # not a URL subject: unchanged
