"""Incremental-crawl benchmark: nights on one cluster, each ``govmon crawl`` and ``govmon
check`` timed as whole processes, requests counted by the server (nginx's access log).

    python bench/nights.py [--pages 50000] [--sites 24] [--change 0.02]

1. a full crawl (and its check: an incremental run builds on a checked crawl);
2. an incremental crawl of the unchanged cluster;
3. ``--change`` of the articles retitled or added (``sitegen.mutate``), then an
   incremental crawl;
4. a full crawl of that same state with ``--no-cache``, the reference for night 3.

Reported per night: requests nginx answered (and how many 304), wall time and CPU of the
crawl process tree, the check's wall time, peak RSS, pages by how they were obtained; and
whether findings of night 2 equal night 1's and night 3's equal night 4's, and whether
every changed or new article was fetched and read on night 3. Nginx sends ETag and
Last-Modified for its files, as it does by default. Results go to
``bench/out/nights.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from nginx import Nginx, ensure_nginx  # noqa: E402
from proctree import TreeSampler  # noqa: E402
from run import write_workspace  # noqa: E402
from sitegen import generate, mutate  # noqa: E402

MB = 1024 * 1024


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="govmon 增量抓取基准 (本机 nginx 合成网站群)")
    p.add_argument("--pages", type=int, default=50_000)
    p.add_argument("--sites", type=int, default=24)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--per-ip", type=int, default=8)
    p.add_argument("--concurrency", type=int, default=None)
    p.add_argument("--port", type=int, default=18480)
    p.add_argument("--seed", type=int, default=20250630)
    p.add_argument("--change", type=float, default=0.02, help="第 3 晚前改动的文章比例")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--keep", action="store_true", help="保留生成的网站、工作目录和数据库")
    p.add_argument("--out", default=str(HERE / "out" / "nights.json"))
    args = p.parse_args(argv)
    args.hidden_paging = False
    return args


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return []


def _timed(cmd: list[str], log: Path) -> dict:
    """Run ``cmd`` to the end: wall time, CPU of its process tree, peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"))
        sampler = TreeSampler(proc.pid).start()
        code = proc.wait()
        sampler.stop()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        print(log.read_text(errors="replace")[-3000:])
        raise SystemExit(f"{' '.join(cmd[2:])}: 退出码 {code}")
    return {"wall": wall, "cpu": (after.ru_utime + after.ru_stime)
            - (before.ru_utime + before.ru_stime),
            "peak_rss_single_mb": sampler.peak_single / MB}


def night(ws: Path, args: argparse.Namespace, mode: str, access: Path, log: Path,
          *extra: str) -> dict:
    govmon = [sys.executable, "-m", "govmon.cli", "-w", str(ws)]
    seen = len(_lines(access))
    crawl = _timed([*govmon, "crawl", f"--{mode}", "--workers", str(args.workers), *extra],
                   log)
    answered = _lines(access)[seen:]
    check = _timed([*govmon, "check", "--workers", str(args.workers)], log)
    con = sqlite3.connect(ws / "govmon.db")
    run_id = con.execute("SELECT max(id) FROM runs").fetchone()[0]
    pages = dict(con.execute("SELECT coalesce(reused, 'read'), count(*) FROM pages "
                             "WHERE run_id = ? GROUP BY 1", (run_id,)).fetchall())
    cached = con.execute("SELECT count(*) FROM link_checks WHERE run_id = ? AND "
                         "cached_from IS NOT NULL", (run_id,)).fetchone()[0]
    con.close()
    statuses = Counter(line.split(" ", 1)[0] for line in answered)
    return {"mode": mode, "run_id": run_id, "requests": len(answered),
            "requests_304": statuses.get("304", 0), "crawl_wall_s": crawl["wall"],
            "crawl_cpu_s": crawl["cpu"], "check_wall_s": check["wall"],
            "check_cpu_s": check["cpu"], "peak_rss_single_mb": crawl["peak_rss_single_mb"],
            "pages": pages, "link_checks_from_cache": cached}


def findings(db: Path, run_id: int) -> set[tuple]:
    con = sqlite3.connect(db)
    rows = set(con.execute("SELECT site_id, rule, fingerprint, url, severity, message "
                           "FROM findings WHERE run_id = ?", (run_id,)).fetchall())
    con.close()
    return rows


def seen_anew(db: Path, run_id: int, urls: list[str]) -> int:
    """How many of ``urls`` the run fetched and read (not copied, not carried)."""
    con = sqlite3.connect(db)
    n = 0
    for url in urls:
        row = con.execute("SELECT status, reused FROM pages WHERE run_id = ? AND url = ?",
                          (run_id, url)).fetchone()
        n += bool(row and row[0] == 200 and row[1] is None)
    con.close()
    return n


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_nginx()
    tmp = Path(tempfile.mkdtemp(prefix="govmon-bench-inc-"))
    shm = Path("/dev/shm")
    site_dir = (Path(tempfile.mkdtemp(prefix="govmon-bench-site-", dir=shm))
                if shm.is_dir() and os.access(shm, os.W_OK) else tmp / "site")
    for d in (tmp, site_dir):
        d.mkdir(exist_ok=True)
        os.chmod(d, 0o755)
    try:
        return _nights(args, tmp, site_dir)
    finally:
        if not args.keep:
            shutil.rmtree(site_dir, ignore_errors=True)
            shutil.rmtree(tmp, ignore_errors=True)


def _nights(args: argparse.Namespace, tmp: Path, site_dir: Path) -> int:
    cluster = generate(site_dir, pages=args.pages, sites=args.sites, port=args.port,
                       seed=args.seed)
    print(f"生成 {len(cluster.pages)} 个页面 → {tmp}", flush=True)
    addresses = sorted({s.ip for s in cluster.sites} | {cluster.external_ip},
                       key=lambda a: tuple(int(x) for x in a.split(".")))
    ws = tmp / "ws"
    write_workspace(ws, cluster, args)
    access, log = tmp / "access.log", tmp / "govmon.log"
    nights = []
    with Nginx(site_dir / "www", tmp / "nginx", addresses, args.port, access_log=access):
        for label, mode in (("1 full", "full"), ("2 incremental, unchanged", "incremental")):
            nights.append(night(ws, args, mode, access, log))
            print(label, json.dumps(nights[-1], ensure_ascii=False), flush=True)
        changes = mutate(site_dir, args.change, pages=args.pages, sites=args.sites,
                         port=args.port, seed=args.seed)
        print(f"改动 {len(changes['changed'])} 篇，新增 {len(changes['added'])} 篇", flush=True)
        # the reference is a crawl as tonight's code does it without any of this: full,
        # every link target verified
        for label, mode, extra in (("3 incremental, changed", "incremental", ()),
                                   ("4 full, changed", "full", ("--no-cache",))):
            nights.append(night(ws, args, mode, access, log, *extra))
            print(label, json.dumps(nights[-1], ensure_ascii=False), flush=True)
    db = ws / "govmon.db"
    f = [findings(db, n["run_id"]) for n in nights]
    changed = changes["changed"] + changes["added"]
    result = {
        "pages_generated": len(cluster.pages), "sites": args.sites, "workers": args.workers,
        "change": args.change, "changed_articles": len(changes["changed"]),
        "added_articles": len(changes["added"]), "nights": nights,
        "findings": [len(x) for x in f],
        "unchanged_findings_equal": f[1] == f[0],
        "changed_findings_equal": f[2] == f[3],
        "findings_diff_unchanged": sorted(map(str, f[0] ^ f[1]))[:10],
        "findings_diff_changed": sorted(map(str, f[2] ^ f[3]))[:10],
        "changed_seen_anew": seen_anew(db, nights[2]["run_id"], changed),
        "changed_total": len(changed),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(result))
    return 0


def table(r: dict) -> str:
    full, inc, inc2, full2 = r["nights"]
    lines = [f"{'':28}{'requests':>10}{'304':>8}{'crawl wall':>12}{'crawl CPU':>11}"
             f"{'check wall':>12}{'RSS max':>9}"]
    for name, n in (("1 full", full), ("2 incremental, unchanged", inc),
                    ("3 incremental, 2% changed", inc2), ("4 full, no cache, as 3", full2)):
        lines.append(f"{name:28}{n['requests']:>10}{n['requests_304']:>8}"
                     f"{n['crawl_wall_s']:>11.1f}s{n['crawl_cpu_s']:>10.1f}s"
                     f"{n['check_wall_s']:>11.1f}s{n['peak_rss_single_mb']:>8.0f}M")
    lines.append(f"night 2 vs 1: requests ÷{full['requests'] / max(1, inc['requests']):.1f}, "
                 f"wall ÷{full['crawl_wall_s'] / inc['crawl_wall_s']:.1f}, "
                 f"CPU ÷{full['crawl_cpu_s'] / inc['crawl_cpu_s']:.1f}; findings equal: "
                 f"{r['unchanged_findings_equal']}")
    lines.append(f"night 3 vs 4: requests ÷{full2['requests'] / max(1, inc2['requests']):.1f}, "
                 f"wall ÷{full2['crawl_wall_s'] / inc2['crawl_wall_s']:.1f}, "
                 f"CPU ÷{full2['crawl_cpu_s'] / inc2['crawl_cpu_s']:.1f}; findings equal: "
                 f"{r['changed_findings_equal']}; changed/new articles read anew: "
                 f"{r['changed_seen_anew']}/{r['changed_total']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
