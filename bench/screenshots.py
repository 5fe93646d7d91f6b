"""What evidence screenshots cost, measured on whole processes.

Builds a workspace with ``govmon demo`` (or takes ``--ws``), then times the real
``govmon report notices`` for the quarter as a whole process, as a pair in one sitting:

  A  --format html --no-screenshots        (no browser at all)
  B  --format html                          (Chromium starts; every picture is rendered)
  C  --format html, again on B's store      (pictures reused: the nightly case for pages
                                             that did not change)

Before each A and B run the store is a fresh copy with no stored pictures. The cost per
finding is (B − A) ÷ pictures rendered; the browser's start-up is part of it (one start
per command). The crawl is not involved: pictures are taken in the report stage.

  python bench/screenshots.py [--ws DIR] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def govmon(*args: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVMON_")}
    env["COLUMNS"] = "200"
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "govmon.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT)
    spent = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"govmon {' '.join(args)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return spent


def fresh_copy(src: Path, dst: Path) -> None:
    """The workspace with every stored picture removed (so B renders all of them)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("reports", "logs", "*.lock"))
    with sqlite3.connect(dst / "govmon.db") as db:
        db.execute("DELETE FROM evidence_shots")
        db.execute("DELETE FROM issued_notices")


def pictures(ws: Path) -> tuple[int, int]:
    with sqlite3.connect(ws / "govmon.db") as db:
        rendered, = db.execute("SELECT COUNT(*) FROM evidence_shots WHERE status = 'ok' "
                               "AND elapsed_ms > 0").fetchone()
        total, = db.execute("SELECT COUNT(*) FROM evidence_shots").fetchone()
    return rendered, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ws", type=Path, help="a workspace with a scored quarter (default: a "
                                            "fresh govmon demo)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="govmon-shots-"))
    try:
        ws = args.ws
        if ws is None:
            ws = tmp / "demo"
            print("govmon demo (setup) …", flush=True)
            govmon("-w", str(ws), "demo")
        with sqlite3.connect(ws / "govmon.db") as db:
            quarter, = db.execute("SELECT MAX(period) FROM scorecards WHERE period NOT LIKE "
                                  "'run:%'").fetchone()
        results = []
        for i in range(args.rounds):
            a, b = tmp / f"a{i}", tmp / f"b{i}"
            fresh_copy(ws, a)
            fresh_copy(ws, b)
            base = ["report", "notices", "--period", quarter, "--format", "html"]
            t_a = govmon("-w", str(a), *base, "--no-screenshots")
            t_b = govmon("-w", str(b), *base)
            rendered, total = pictures(b)
            t_c = govmon("-w", str(b), *base)
            results.append({"without": t_a, "with": t_b, "cached": t_c, "rendered": rendered,
                            "pictures": total,
                            "per_finding_ms": (t_b - t_a) / rendered * 1000 if rendered else None})
            print(f"round {i + 1}: without {t_a:.2f}s, with {t_b:.2f}s ({rendered} rendered of "
                  f"{total}), again {t_c:.2f}s", flush=True)
        per = [r["per_finding_ms"] for r in results if r["per_finding_ms"]]
        summary = {"quarter": quarter, "rounds": results,
                   "median_per_finding_ms": statistics.median(per) if per else None,
                   "median_cached_overhead_s": statistics.median(
                       r["cached"] - r["without"] for r in results)}
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        (out / "screenshots.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        print(f"\nper finding (whole process, browser start included): "
              f"{summary['median_per_finding_ms']:.0f} ms (median of {len(per)} rounds); "
              f"a re-run that reuses every picture costs "
              f"{summary['median_cached_overhead_s']:+.2f} s over no pictures")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
