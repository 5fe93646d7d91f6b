"""Crawl benchmark: generate a synthetic government-site cluster, serve it with nginx on
loopback, run the real ``govmon -w WS crawl`` on it as a whole process, and report pages/s,
link targets verified/s, wall time, peak RSS of the process tree, coverage and correctness.

    python bench/run.py [--pages 50000] [--sites 24] [--workers 2] [--keep] [--profile]

Results go to ``bench/out/results.json``; see ``bench/README.md`` for measured figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repo, when govmon is not installed

from nginx import Nginx, ensure_nginx  # noqa: E402
from proctree import TreeSampler  # noqa: E402
from sitegen import generate  # noqa: E402

from settings.registry import Registry, SiteSpec  # noqa: E402

MB = 1024 * 1024


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="govmon 抓取性能基准 (本机 nginx 合成网站群)")
    p.add_argument("--pages", type=int, default=50_000, help="生成的 HTML 页面总数")
    p.add_argument("--sites", type=int, default=24, help="网站数 (每站一个 127.0.0.x 地址)")
    p.add_argument("--workers", type=int, default=2, help="govmon 抓取进程数")
    p.add_argument("--per-ip", type=int, default=8, help="per_ip_concurrency")
    p.add_argument("--concurrency", type=int, default=None, help="每个抓取进程的总并发")
    p.add_argument("--port", type=int, default=18480)
    p.add_argument("--seed", type=int, default=20250630)
    p.add_argument("--hidden-paging", action="store_true",
                   help="TRS 站点用脚本翻页、大汉站点用 datastore 列表 (测覆盖率；默认全部 <a> 翻页)")
    p.add_argument("--keep", action="store_true", help="保留生成的网站、工作目录和数据库")
    p.add_argument("--profile", action="store_true",
                   help="用 py-spy 采样整个进程树 (结果写到 bench/out/)")
    p.add_argument("--code", help="用这个源码目录里的 govmon 运行 (对比改动前后)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="写入工作区 govmon.yaml 的额外设置 (可多次)，如 recheck_delay=5")
    p.add_argument("--out", default=str(HERE / "out" / "results.json"))
    return p.parse_args(argv)


def write_workspace(ws: Path, cluster, args: argparse.Namespace) -> None:  # noqa: ANN001
    ws.mkdir(parents=True, exist_ok=True)
    sites = [SiteSpec(code=s.code, name=s.name, url=cluster.url(s.ip, "/"),
                      kind="portal" if s.index == 0 else "department")
             for s in cluster.sites]
    Registry(sites=sites, trusted_networks=[f"{cluster.external_ip}/32"]).save(ws / "sites.yaml")
    most = len(cluster.pages)  # a per-site budget no site can reach
    lines = [f"max_pages: {most}", "max_depth: 40", f"per_ip_concurrency: {args.per_ip}",
             f"workers: {args.workers}", "obey_robots: true", "recheck_delay: 2.0",
             "timeout: 20.0"]
    if args.concurrency:
        lines.append(f"concurrency: {args.concurrency}")
    for item in args.set:
        key, _, value = item.partition("=")
        lines.append(f"{key.strip()}: {value.strip()}")
    (ws / "govmon.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def govmon_cmd(ws: Path, args: argparse.Namespace) -> list[str]:
    exe = shutil.which("govmon")
    base = [exe] if exe and not args.code else [sys.executable, "-m", "govmon.cli"]
    return base + ["-w", str(ws), "crawl", "--workers", str(args.workers)]


def cpu_busy() -> float:
    """Seconds of CPU time the whole machine has spent busy (all cores, /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and its live children (nginx master + worker)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            raw = Path(f"/proc/{name}/stat").read_bytes()
        except OSError:
            continue
        f = raw[raw.rfind(b")") + 2:].split()
        if int(name) == pid or int(f[1]) == pid:
            total += (int(f[11]) + int(f[12])) / tick
    return total


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def analyse(db: Path, cluster) -> dict:  # noqa: ANN001
    """Counts and correctness figures straight from the store."""
    con = sqlite3.connect(db)
    q = lambda sql, *a: con.execute(sql, a).fetchall()  # noqa: E731
    run_id, status, started, finished = q(
        "SELECT id, status, started_at, finished_at FROM runs ORDER BY id DESC LIMIT 1")[0]
    pages = q("SELECT count(*), sum(status = 200), sum(status >= 400), sum(status = 0) "
              "FROM pages WHERE run_id = ?", run_id)[0]
    fetched = {u for (u,) in q("SELECT url FROM pages WHERE run_id = ? AND status = 200", run_id)}
    reached = sum(1 for u in cluster.pages if u in fetched)
    links = q("SELECT count(*), count(DISTINCT target) FROM links WHERE run_id = ?", run_id)[0]
    checks = dict(q("SELECT method, count(*) FROM link_checks WHERE run_id = ? GROUP BY method",
                    run_id))
    outcomes = dict(q("SELECT outcome, count(*) FROM link_checks WHERE run_id = ? "
                      "GROUP BY outcome", run_id))
    unchecked = q("SELECT count(*) FROM (SELECT DISTINCT target FROM links WHERE run_id = ?) t "
                  "WHERE t.target NOT IN (SELECT target FROM link_checks WHERE run_id = ?)",
                  run_id, run_id)[0][0]
    verdict = dict(q("SELECT target, outcome FROM link_checks WHERE run_id = ?", run_id))
    linked_broken = [u for u in cluster.broken if u in verdict]
    found_broken = sum(1 for u in linked_broken if verdict[u] == "broken")
    expected = set(cluster.broken)
    unexpected = sorted(t for t, o in verdict.items() if o == "broken" and t not in expected)
    robots = [u for u in cluster.robots_blocked if u in verdict]
    robots_ok = sum(1 for u in robots if verdict[u] == "skipped")
    verify_times = q("SELECT min(checked_at), max(checked_at) FROM link_checks "
                     "WHERE run_id = ? AND method != 'crawl'", run_id)[0]
    db_bytes = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    con.close()
    return {
        "run_id": run_id, "run_status": status,
        "run_seconds": (_ts(finished) - _ts(started)).total_seconds() if finished else None,
        "pages_fetched": pages[0], "pages_200": pages[1] or 0, "pages_4xx_5xx": pages[2] or 0,
        "pages_failed": pages[3] or 0,
        "pages_generated": len(cluster.pages), "pages_link_reachable": cluster.link_reachable,
        "pages_reached": reached,
        "links_stored": links[0], "link_targets": links[1],
        "checks_total": sum(checks.values()), "checks_by_method": checks,
        "outcomes": outcomes, "targets_without_check": unchecked,
        "expected_broken_linked": len(linked_broken), "expected_broken_found": found_broken,
        "unexpected_broken": len(unexpected), "unexpected_broken_sample": unexpected[:5],
        "robots_targets": len(robots), "robots_skipped": robots_ok,
        "verify_span_seconds": ((_ts(verify_times[1]) - _ts(verify_times[0])).total_seconds()
                                if verify_times[0] else 0.0),
        "db_bytes": db_bytes,
    }


def summarise_profile(raw: Path, out: Path, top: int = 40) -> None:
    """Self and inclusive sample counts per function from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for f in set(frames):
            incl[f] = incl.get(f, 0) + n
    lines = [f"samples: {total}", "", "== self =="]
    lines += [f"{c / total:6.1%}  {f}" for f, c in sorted(own.items(), key=lambda x: -x[1])[:top]]
    lines += ["", "== inclusive =="]
    lines += [f"{c / total:6.1%}  {f}" for f, c in sorted(incl.items(), key=lambda x: -x[1])[:top]]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def table(r: dict) -> str:
    rows = [
        ("机器", f"{r['machine']['cpus']} 核, Python {r['machine']['python']}"),
        ("网站 / 生成页面", f"{r['sites']} 个 / {r['pages_generated']} 页 "
                         f"(纯链接可达 {r['pages_link_reachable']})"),
        ("抓取进程", f"{r['workers']} (per_ip_concurrency {r['per_ip_concurrency']})"),
        ("端到端用时", f"{r['wall_seconds']:.1f} s"),
        ("抓取页面", f"{r['pages_fetched']} 页 → {r['pages_per_second']:.0f} 页/秒 (端到端)"),
        ("抓取阶段", f"{r['crawl_phase_seconds']:.1f} s → {r['crawl_pages_per_second']:.0f} 页/秒"),
        ("链接目标校验", f"{r['checks_total']} 个 → {r['targets_per_second']:.0f} 个/秒 (端到端)"),
        ("校验阶段", f"{r['verify_phase_seconds']:.1f} s, 其中 HEAD/GET "
                     f"{r['checks_verified_by_request']} 个 → "
                     f"{r['verify_targets_per_second']:.0f} 个/秒"),
        ("覆盖率", f"{r['coverage']:.1%} ({r['pages_reached']}/{r['pages_generated']})；"
                   f"纯链接可达部分 {r['coverage_of_link_reachable']:.1%}"),
        ("峰值内存 (进程树合计)", f"{r['peak_rss_tree_mb']:.0f} MB"),
        ("峰值内存 (单个进程)", f"{r['peak_rss_single_mb']:.0f} MB"),
        ("CPU 时间", f"{r['cpu_seconds']:.0f} s ({r['cpu_ms_per_page']:.2f} ms/页)；nginx "
                    f"{r['nginx_cpu_seconds']:.1f} s；其他进程占 CPU {r['other_load_share']:.0%}"),
        ("抓取进程 CPU", f"{r['crawl_cpu_ms_per_page']:.2f} ms/页；校验进程 "
                        f"{r['verify_cpu_ms_per_target'] or 0:.2f} ms/个目标"),
        ("正确性", f"未校验目标 {r['targets_without_check']}；预期断链 {r['expected_broken_found']}"
                  f"/{r['expected_broken_linked']}；意外断链 {r['unexpected_broken']}；"
                  f"robots 跳过 {r['robots_skipped']}/{r['robots_targets']}"),
    ]
    width = max(len(k) for k, _ in rows) + 2
    return "\n".join(f"{k:<{width}}{v}" for k, v in rows)


def main(argv: list[str] | None = None) -> int:
    """Generate, serve, crawl, measure, report. (Long: one timed sequence, whose steps
    share the clock readings and the process tree being sampled.)"""
    args = parse_args(argv)
    if args.sites < 1 or args.pages < args.sites * 20:
        print("错误: 每个网站至少 20 页 (--pages >= 20 × --sites)", file=sys.stderr)
        return 2
    if args.sites < 20:
        print("注意: 少于 20 个网站时按地址的并发限制不够真实", file=sys.stderr)
    ensure_nginx()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="govmon-bench-"))
    # The generated sites go to RAM when there is a tmpfs: 140k small files write slowly.
    shm = Path("/dev/shm")
    site_dir = (Path(tempfile.mkdtemp(prefix="govmon-bench-site-", dir=shm))
                if shm.is_dir() and os.access(shm, os.W_OK) else tmp / "site")
    for d in (tmp, site_dir):
        d.mkdir(exist_ok=True)
        os.chmod(d, 0o755)
    try:
        t = time.monotonic()
        cluster = generate(site_dir, pages=args.pages, sites=args.sites, port=args.port,
                           seed=args.seed, hidden_paging=args.hidden_paging)
        gen_s = time.monotonic() - t
        print(f"生成 {len(cluster.pages)} 个页面 ({cluster.files} 个文件, "
              f"{cluster.bytes / MB:.0f} MB) 用时 {gen_s:.1f} s → {tmp}", flush=True)
        addresses = sorted({s.ip for s in cluster.sites} | {cluster.external_ip},
                           key=lambda a: tuple(int(x) for x in a.split(".")))
        ws = tmp / "ws"
        write_workspace(ws, cluster, args)
        with Nginx(site_dir / "www", tmp / "nginx", addresses, args.port) as server:
            nginx_cpu0 = tree_cpu(server.proc.pid)
            log = open(tmp / "crawl.log", "wb")  # noqa: SIM115
            env = dict(os.environ, PYTHONUNBUFFERED="1")
            if args.code:
                env["PYTHONPATH"] = str(Path(args.code).resolve())
            busy0 = cpu_busy()
            self0 = resource.getrusage(resource.RUSAGE_SELF)
            child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.monotonic()
            # With --code the command runs from that directory: "python -m" puts the current
            # directory first on sys.path, ahead of PYTHONPATH.
            proc = subprocess.Popen(govmon_cmd(ws, args), stdout=log, stderr=subprocess.STDOUT,
                                    env=env, cwd=Path(args.code).resolve() if args.code else None)
            sampler = TreeSampler(proc.pid).start()
            spy = None
            if args.profile:
                spy_bin = shutil.which("py-spy")
                if not spy_bin:
                    print("未找到 py-spy (pip install py-spy)，不做采样", file=sys.stderr)
                else:
                    spy = subprocess.Popen(
                        [spy_bin, "record", "--subprocesses", "--rate", "200", "--format", "raw",
                         "--nonblocking", "-o", str(out.parent / "profile.raw"),
                         "-p", str(proc.pid)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            code = proc.wait()
            wall = time.monotonic() - t0
            # read now: once nginx is stopped and reaped, its CPU would count here too
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            busy = cpu_busy() - busy0
            self1 = resource.getrusage(resource.RUSAGE_SELF)
            own = (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime)
            nginx_cpu = tree_cpu(server.proc.pid) - nginx_cpu0
            sampler.stop()
            log.close()
            if spy:
                spy.wait(timeout=60)
                summarise_profile(out.parent / "profile.raw", out.parent / "profile-top.txt")
        tail = (tmp / "crawl.log").read_text(errors="replace")[-3000:]
        if code != 0:
            print(tail)
            print(f"govmon crawl 退出码 {code}", file=sys.stderr)
            return 1
        stats = analyse(ws / "govmon.db", cluster)
        phases = sampler.worker_phases()
        crawl_s = phases[0][1] - phases[0][0] if phases else wall
        verify_s = phases[1][1] - phases[1][0] if len(phases) > 1 else 0.0
        by_request = stats["checks_total"] - stats["checks_by_method"].get("crawl", 0)
        cpu = (usage.ru_utime + usage.ru_stime) - (child0.ru_utime + child0.ru_stime)
        ncpu = os.cpu_count() or 1
        # CPU that neither govmon nor nginx used during the run: other jobs on the machine.
        others = max(0.0, busy - cpu - nginx_cpu - own)
        result = {
            "when": datetime.now().isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "command": "python bench/run.py " + " ".join(argv if argv is not None
                                                         else sys.argv[1:]),
            "sites": len(cluster.sites), "workers": args.workers,
            "per_ip_concurrency": args.per_ip, "hidden_paging": args.hidden_paging,
            "generate_seconds": round(gen_s, 1), "wall_seconds": round(wall, 2),
            "crawl_phase_seconds": round(crawl_s, 2), "verify_phase_seconds": round(verify_s, 2),
            "worker_phases": phases,
            # each worker's (start, end, CPU s): an early finisher leaves a core idle
            "worker_lives": [(round(w.first, 1), round(w.last, 1), round(w.cpu, 1))
                        for w in sorted(sampler.lives.values(), key=lambda v: v.first)
                        if "spawn_main" in w.cmd and "resource_tracker" not in w.cmd],
            "crawl_worker_cpu_seconds": phases[0][3] if phases else None,
            "verify_worker_cpu_seconds": phases[1][3] if len(phases) > 1 else 0.0,
            "crawl_cpu_ms_per_page": (1000 * phases[0][3] / max(1, stats["pages_fetched"])
                                      if phases else None),
            "verify_cpu_ms_per_target": (1000 * phases[1][3] / max(1, by_request)
                                         if len(phases) > 1 else None),
            **stats,
            "pages_per_second": stats["pages_fetched"] / wall,
            "crawl_pages_per_second": stats["pages_fetched"] / crawl_s if crawl_s else 0.0,
            "targets_per_second": stats["checks_total"] / wall,
            "checks_verified_by_request": by_request,
            "verify_targets_per_second": by_request / verify_s if verify_s else 0.0,
            "coverage": stats["pages_reached"] / stats["pages_generated"],
            "coverage_of_link_reachable": min(1.0, stats["pages_reached"]
                                              / max(1, stats["pages_link_reachable"])),
            "peak_rss_tree_mb": sampler.peak_total / MB,
            "peak_rss_single_mb": sampler.peak_single / MB,
            "peak_rss_single_process": sampler.peak_single_cmd,
            "rss_samples": sampler.samples,
            "cpu_seconds": cpu, "cpu_ms_per_page": 1000 * cpu / max(1, stats["pages_fetched"]),
            "nginx_cpu_seconds": nginx_cpu,
            "other_load_share": others / (wall * ncpu),
            "code": str(Path(args.code).resolve()) if args.code else str(HERE.parent),
            "workspace": str(ws) if args.keep else None,
        }
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        print(table(result))
        print(f"结果已写入 {out}")
        return 0
    finally:
        if args.keep:
            print(f"已保留: {tmp} {site_dir}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(site_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
