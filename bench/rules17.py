"""Cost of the issue-17 rules per 10,000 pages, measured as whole processes.

On a workspace kept by ``python bench/run.py --keep`` (a crawled synthetic cluster):

1. ``govmon -w WS check --workers 1`` runs as a whole process, ``--repeat`` times; each
   module's time comes from the ``check_runs`` rows of the last run (``elapsed_ms``,
   summed over sites) — the rules are pure reads of stored facts;
2. the derive step's share (the ``privacy`` / ``posture`` extractors inside the one page
   scan, and ``derive_posture`` storing their facts) is measured as a pair of whole
   processes that scan every site of the run: with the base extractors only, and with
   issue 17's added (alternating, ``--repeat`` times each, medians);

and everything is scaled to 10,000 stored HTML pages. The crawl side (HTTPS / IPv6 probes,
attachments) is measured by running ``bench/run.py`` on this code and on the code before it
(``--code``) as a pair; see bench/README.md.

    python bench/rules17.py WS [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODULES = ("privacy", "recycled", "backdated", "https", "page_security", "ipv6", "care_mode")


def _scan_only(ws: Path, mode: str) -> None:
    """One whole process: scan (and in ``full`` mode derive) every site of the run."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from derive import scan as page_scan
    from derive.posture import derive_posture
    from derive.source import SiteSource
    from store.db import open_store
    from store.models import Run, RunSite, Site

    if mode == "base":
        for name in ("privacy", "posture"):
            page_scan.EXTRACTORS.pop(name, None)
    # the rules' own page extractors are left out: the same in both modes
    sessions = open_store(f"sqlite:///{ws / 'govmon.db'}", upgrade=False)
    t0 = time.perf_counter()
    with sessions() as s:
        run = s.scalars(select(Run).where(Run.status.in_(("complete", "partial")))
                        .order_by(Run.id.desc())).first()
        for rs in s.scalars(select(RunSite).where(RunSite.run_id == run.id,
                                                  RunSite.status == "complete")):
            src = SiteSource(s, run, s.get(Site, rs.site_id), run_site=rs)
            scan = page_scan.scan_pages(src, {})
            if mode == "full":
                derive_posture(s, run, src.site, scan)
        s.rollback()
    print(json.dumps({"seconds": time.perf_counter() - t0}))


def _pages(ws: Path) -> tuple[int, int]:
    import sqlite3

    db = sqlite3.connect(ws / "govmon.db")
    run = db.execute("select max(id) from runs where status in ('complete','partial')").fetchone()[0]
    pages = db.execute("select count(*) from pages where run_id=? and status between 200 and 299 "
                       "and content_type like '%html%'", (run,)).fetchone()[0]
    return run, pages


def _module_ms(ws: Path, run: int) -> dict[str, int]:
    import sqlite3

    db = sqlite3.connect(ws / "govmon.db")
    rows = db.execute("select module, sum(elapsed_ms) from check_runs where run_id=? "
                      "group by module", (run,)).fetchall()
    return dict(rows)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("ws", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--scan-only", choices=("base", "full"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.scan_only:
        _scan_only(args.ws, args.scan_only)
        return 0
    run, pages = _pages(args.ws)
    scale = 10_000 / max(1, pages)
    walls, modules = [], {}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "govmon.cli", "-w", str(args.ws), "check",
                        "--workers", "1"], check=True, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        for name, ms in _module_ms(args.ws, run).items():
            modules.setdefault(name, []).append(ms)
    scans: dict[str, list[float]] = {"base": [], "full": []}
    for _ in range(args.repeat):
        for mode in ("base", "full"):
            out = subprocess.run([sys.executable, __file__, str(args.ws), "--scan-only", mode],
                                 check=True, capture_output=True, text=True, cwd=ROOT)
            scans[mode].append(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
    derive = statistics.median(scans["full"]) - statistics.median(scans["base"])
    print(f"run {run}: {pages} HTML pages; govmon check (whole process, workers 1): "
          f"median {statistics.median(walls):.1f} s")
    print(f"{'what':<34}{'s per 10,000 pages':>20}")
    print(f"{'derive (scan extractors + store)':<34}{derive * scale:>20.2f}"
          f"   (scan base {statistics.median(scans['base']):.1f} s, "
          f"full {statistics.median(scans['full']):.1f} s)")
    total = derive
    for name in MODULES:
        ms = statistics.median(modules.get(name, [0]))
        total += ms / 1000
        print(f"{'rules: ' + name:<34}{ms / 1000 * scale:>20.2f}")
    print(f"{'issue 17 in total':<34}{total * scale:>20.2f}")
    others = sum(statistics.median(v) for k, v in modules.items() if k not in MODULES) / 1000
    print(f"{'(all other rule modules)':<34}{others * scale:>20.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
