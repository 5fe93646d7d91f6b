"""Crawl benchmark: generate a synthetic government-site cluster, serve it with nginx on
loopback, run the real ``govmon -w WS crawl`` on it as a whole process, and report pages/s,
link targets verified/s, wall time, peak RSS of the process tree, coverage and correctness.

    python bench/run.py [--pages 50000] [--sites 24] [--workers 2] [--keep] [--profile]
    python bench/run.py --store postgres        # the same crawl, PostgreSQL store
    python bench/run.py --distributed 2         # coordinator + 2 govmon workers over Redis
    python bench/run.py --compare               # the three above, one cluster, one sitting

PostgreSQL and Redis are the tests' throwaway servers (tests/localservers.py) on this
machine; their CPU and memory count in the figures.

Results go to ``bench/out/results.json``; see ``bench/README.md`` for measured figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repo, when govmon is not installed

from distributed import Servers, Workers, environment  # noqa: E402
from nginx import Nginx, ensure_nginx  # noqa: E402
from proctree import TreeSampler, tree_cpu  # noqa: E402
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
    p.add_argument("--store", choices=("sqlite", "postgres"), default=None,
                   help="存储: sqlite (默认) 或 postgresql (本机临时 PostgreSQL 服务器)")
    p.add_argument("--distributed", type=int, default=0, metavar="N",
                   help="分布式抓取: 协调进程 + N 个 govmon worker，经本机临时 Redis，"
                        "存储为 PostgreSQL (默认 0: 本机多进程抓取)")
    p.add_argument("--compare", action="store_true",
                   help="同一网站群上依次运行 sqlite、postgres、分布式 (N = --distributed 或 2)，"
                        "比较吞吐并核对三者结果相同")
    p.add_argument("--rounds", type=int, default=1, help="--compare 时轮流运行几轮")
    p.add_argument("--out", default=str(HERE / "out" / "results.json"))
    args = p.parse_args(argv)
    if args.distributed and args.store == "sqlite":
        p.error("--distributed 需要 PostgreSQL 存储 (所有 worker 写同一个数据库)")
    if args.distributed < 0 or args.rounds < 1:
        p.error("--distributed 不能为负数，--rounds 至少为 1")
    return args


@dataclass(frozen=True)
class Config:
    """One way of running the crawl: the store, and how many ``govmon worker``s (0: the
    local crawl, ``workers`` processes spawned by the command itself)."""

    store: str = "sqlite"
    distributed: int = 0

    @property
    def key(self) -> str:
        return f"redis-{self.distributed}" if self.distributed else self.store

    def describe(self, workers: int) -> str:
        if self.distributed:
            return f"协调进程 + {self.distributed} 个 govmon worker (Redis, PostgreSQL)"
        return f"本机 {workers} 个抓取进程, {'SQLite' if self.store == 'sqlite' else 'PostgreSQL'}"


def configs(args: argparse.Namespace) -> list[Config]:
    if args.compare:
        return [Config("sqlite"), Config("postgres"),
                Config("postgres", args.distributed or 2)] * args.rounds
    if args.distributed:
        return [Config("postgres", args.distributed)]
    return [Config(args.store or "sqlite")]


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


def govmon_base(args: argparse.Namespace) -> list[str]:
    exe = shutil.which("govmon")
    return [exe] if exe and not args.code else [sys.executable, "-m", "govmon.cli"]


def govmon_cmd(ws: Path, args: argparse.Namespace, db: str | None = None,
               redis_url: str | None = None) -> list[str]:
    """The crawl command: local (``--workers``), or the coordinator of a distributed crawl."""
    store = ["--db", db] if db else []
    if redis_url:
        return [*govmon_base(args), "-w", str(ws), *store, "crawl", "--redis", redis_url]
    return [*govmon_base(args), "-w", str(ws), *store, "crawl", "--workers", str(args.workers)]


def cpu_busy() -> float:
    """Seconds of CPU time the whole machine has spent busy (all cores, /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _ts(value: str | datetime | None) -> datetime | None:
    """A stored timestamp: SQLite gives text, PostgreSQL a datetime."""
    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _digest(rows: list) -> str:
    """A fingerprint of a set of rows, to tell two runs' results apart beyond counts."""
    h = hashlib.sha256()
    for row in sorted(tuple(r) for r in rows):
        h.update(repr(row).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def analyse(db_url: str, cluster) -> dict:  # noqa: ANN001
    """Counts and correctness figures straight from the store (SQLite or PostgreSQL: the
    same SQL through SQLAlchemy), and fingerprints of the pages and link checks stored."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as con:
            return _analyse(con, db_url, cluster)
    finally:
        engine.dispose()


def _analyse(con, db_url: str, cluster) -> dict:  # noqa: ANN001
    q = lambda sql, **a: con.execute(text(sql), a).all()  # noqa: E731
    run_id, status, started, finished = q(
        "SELECT id, status, started_at, finished_at FROM runs ORDER BY id DESC LIMIT 1")[0]
    r = {"r": run_id}
    pages = q("SELECT count(*), sum(CASE WHEN status = 200 THEN 1 ELSE 0 END), "
              "sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END), "
              "sum(CASE WHEN status = 0 THEN 1 ELSE 0 END) FROM pages WHERE run_id = :r", **r)[0]
    page_rows = q("SELECT url, status FROM pages WHERE run_id = :r", **r)
    fetched = {u for u, code in page_rows if code == 200}
    reached = sum(1 for u in cluster.pages if u in fetched)
    links = q("SELECT count(*), count(DISTINCT target) FROM links WHERE run_id = :r", **r)[0]
    checks = dict(q("SELECT method, count(*) FROM link_checks WHERE run_id = :r "
                    "GROUP BY method", **r))
    outcomes = dict(q("SELECT outcome, count(*) FROM link_checks WHERE run_id = :r "
                      "GROUP BY outcome", **r))
    unchecked = q("SELECT count(*) FROM (SELECT target FROM links WHERE run_id = :r EXCEPT "
                  "SELECT target FROM link_checks WHERE run_id = :r) t", **r)[0][0]
    check_rows = q("SELECT target, outcome, status, method FROM link_checks "
                   "WHERE run_id = :r", **r)
    verdict = {t: o for t, o, _, _ in check_rows}
    linked_broken = [u for u in cluster.broken if u in verdict]
    found_broken = sum(1 for u in linked_broken if verdict[u] == "broken")
    expected = set(cluster.broken)
    unexpected = sorted(t for t, o in verdict.items() if o == "broken" and t not in expected)
    robots = [u for u in cluster.robots_blocked if u in verdict]
    robots_ok = sum(1 for u in robots if verdict[u] == "skipped")
    verify_times = q("SELECT min(checked_at), max(checked_at) FROM link_checks "
                     "WHERE run_id = :r AND method != 'crawl'", **r)[0]
    if db_url.startswith("sqlite"):
        db = Path(db_url.split("///", 1)[1])
        db_bytes = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    else:
        db_bytes = q("SELECT pg_database_size(current_database())")[0][0]
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
        # (url, status) of every page and (target, outcome, status, method) of every link
        # check: equal fingerprints mean the same results, not only the same counts
        "pages_digest": _digest(page_rows), "checks_digest": _digest(check_rows),
    }


# What must be equal between two runs of one generated cluster, whatever the store or the
# way the crawl was run (--compare checks it).
SAME_RESULTS = ("pages_fetched", "pages_200", "pages_4xx_5xx", "pages_failed", "pages_reached",
                "links_stored", "link_targets", "checks_total", "checks_by_method", "outcomes",
                "targets_without_check", "expected_broken_found", "unexpected_broken",
                "robots_skipped", "pages_digest", "checks_digest")


def differences(results: list[dict]) -> list[str]:
    """One line per figure of SAME_RESULTS on which a run differs from the first."""
    first = results[0]
    return [f"{key}: {first['config']} {first[key]} ≠ {r['config']} {r[key]}"
            for r in results[1:] for key in SAME_RESULTS if r[key] != first[key]]


def summarise_profile(raws: list[Path], out: Path, top: int = 40) -> None:
    """Self and inclusive sample counts per function from py-spy's collapsed stacks (of the
    crawl command and, when distributed, of each worker)."""
    own: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    lines = [ln for raw in raws if raw.exists()
             for ln in raw.read_text(errors="replace").splitlines()]
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for f in set(frames):
            incl[f] = incl.get(f, 0) + n
    total = max(1, total)
    lines = [f"samples: {total}", "", "== self =="]
    lines += [f"{c / total:6.1%}  {f}" for f, c in sorted(own.items(), key=lambda x: -x[1])[:top]]
    lines += ["", "== inclusive =="]
    lines += [f"{c / total:6.1%}  {f}" for f, c in sorted(incl.items(), key=lambda x: -x[1])[:top]]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def table(r: dict) -> str:
    servers = "".join(f"；{name} {mb:.0f} MB" for name, mb in r["peak_rss_servers_mb"].items())
    cpu_parts = f"govmon {r['govmon_cpu_seconds']:.0f} s" + "".join(
        f"、{name} {sec:.1f} s" for name, sec in r["server_cpu_seconds"].items())
    rows = [
        ("机器", f"{r['machine']['cpus']} 核, Python {r['machine']['python']}"),
        ("网站 / 生成页面", f"{r['sites']} 个 / {r['pages_generated']} 页 "
                         f"(纯链接可达 {r['pages_link_reachable']})"),
        ("运行方式", f"{r['config_text']} (per_ip_concurrency {r['per_ip_concurrency']})"),
        ("端到端用时", f"{r['wall_seconds']:.1f} s"),
        ("抓取页面", f"{r['pages_fetched']} 页 → {r['pages_per_second']:.0f} 页/秒 (端到端)"),
        ("抓取阶段", f"{r['crawl_phase_seconds']:.1f} s → {r['crawl_pages_per_second']:.0f} 页/秒"),
        ("链接目标校验", f"{r['checks_total']} 个 → {r['targets_per_second']:.0f} 个/秒 (端到端)"),
        ("校验阶段", f"{r['verify_phase_seconds']:.1f} s, 其中 HEAD/GET "
                     f"{r['checks_verified_by_request']} 个 → "
                     f"{r['verify_targets_per_second']:.0f} 个/秒"),
        ("覆盖率", f"{r['coverage']:.1%} ({r['pages_reached']}/{r['pages_generated']})；"
                   f"纯链接可达部分 {r['coverage_of_link_reachable']:.1%}"),
        ("峰值内存 (govmon 进程合计)", f"{r['peak_rss_tree_mb']:.0f} MB{servers}"),
        ("峰值内存 (单个进程)", f"{r['peak_rss_single_mb']:.0f} MB"),
        ("CPU 时间", f"{r['cpu_seconds']:.0f} s ({r['cpu_ms_per_page']:.2f} ms/页: {cpu_parts})；"
                    f"nginx {r['nginx_cpu_seconds']:.1f} s；其他进程占 CPU {r['other_load_share']:.0%}"),
        ("抓取进程 CPU", f"{r['crawl_cpu_ms_per_page'] or 0:.2f} ms/页；校验进程 "
                        f"{r['verify_cpu_ms_per_target'] or 0:.2f} ms/个目标"),
        ("正确性", f"未校验目标 {r['targets_without_check']}；预期断链 {r['expected_broken_found']}"
                  f"/{r['expected_broken_linked']}；意外断链 {r['unexpected_broken']}；"
                  f"robots 跳过 {r['robots_skipped']}/{r['robots_targets']}"),
    ]
    width = max(len(k) for k, _ in rows) + 2
    return "\n".join(f"{k:<{width}}{v}" for k, v in rows)


def comparison(results: list[dict]) -> str:
    """The runs side by side (--compare), each against the first."""
    rows = [("", lambda r: r["config"]),
            ("端到端用时 s", lambda r: f"{r['wall_seconds']:.1f}"),
            ("页/秒 (端到端)", lambda r: f"{r['pages_per_second']:.0f}"),
            ("相对第一项", lambda r: f"{r['pages_per_second'] / results[0]['pages_per_second']:.2f}×"),
            ("抓取阶段 s", lambda r: f"{r['crawl_phase_seconds']:.1f}"),
            ("校验阶段 s", lambda r: f"{r['verify_phase_seconds']:.1f}"),
            ("CPU 合计 s", lambda r: f"{r['cpu_seconds']:.0f}"),
            ("  其中 PostgreSQL / Redis",
             lambda r: " / ".join(f"{r['server_cpu_seconds'].get(k, 0):.1f}"
                                  for k in ("postgres", "redis"))),
            ("CPU ms/页", lambda r: f"{r['cpu_ms_per_page']:.2f}"),
            ("峰值内存 单进程 MB", lambda r: f"{r['peak_rss_single_mb']:.0f}"),
            ("其他进程占 CPU", lambda r: f"{r['other_load_share']:.0%}"),
            ("页面 / 链接检查", lambda r: f"{r['pages_fetched']} / {r['checks_total']}"),
            ("结果指纹", lambda r: f"{r['pages_digest'][:6]}/{r['checks_digest'][:6]}")]
    cells = [[k] + [f(r) for r in results] for k, f in rows]
    widths = [max(len(c[i]) for c in cells) + 2 for i in range(len(cells[0]))]
    return "\n".join("".join(f"{c:<{w}}" for c, w in zip(row, widths, strict=True))
                     for row in cells)


@dataclass
class Bench:
    """What every run of one invocation shares: the generated cluster, nginx, the
    PostgreSQL and Redis servers, the temp directory."""

    args: argparse.Namespace
    cluster: object
    tmp: Path
    nginx: Nginx
    servers: Servers
    out: Path
    many: bool  # more than one run: workspaces, logs and profiles get the run's name

    def measure(self, index: int, cfg: Config) -> dict | None:
        """One crawl, timed as whole processes; its result, or None when it failed."""
        args = self.args
        name = f"{index + 1}-{cfg.key}" if self.many else ""
        ws = self.tmp / (f"ws-{name}" if name else "ws")
        write_workspace(ws, self.cluster, args)
        env, cwd = environment(args.code)
        db = self.servers.new_database() if cfg.store == "postgres" else None
        if db:  # migrated by govmon itself, untimed (workers starting together would race)
            subprocess.run([*govmon_base(args), "-w", str(ws), "--db", db, "status"],
                           check=True, env=env, cwd=cwd, capture_output=True)
        servers = {k: pid for k, pid in self.servers.pids.items()
                   if (k == "postgres" and db) or (k == "redis" and cfg.distributed)}
        workers = (Workers(govmon_base(args), ws, db, self.servers.redis_url, cfg.distributed,
                           env, cwd, self.tmp / f"logs{'-' + name if name else ''}")
                   if cfg.distributed else None)
        try:
            timed = self._timed(cfg, name, govmon_cmd(ws, args, db, self.servers.redis_url
                                                      if cfg.distributed else None),
                                env, cwd, workers, servers)
        finally:
            exits = workers.stop() if workers else []
        log = self.tmp / f"crawl{'-' + name if name else ''}.log"
        if timed["code"] != 0:
            print(log.read_text(errors="replace")[-3000:])
            print(f"govmon crawl 退出码 {timed['code']}", file=sys.stderr)
            return None
        if any(exits):
            print(f"注意: govmon worker 退出码 {exits} (日志 {self.tmp})", file=sys.stderr)
        stats = analyse(db or f"sqlite:///{(ws / 'govmon.db').resolve()}", self.cluster)
        return self._result(cfg, ws, timed, stats, exits)

    def _timed(self, cfg: Config, name: str, cmd: list[str], env: dict[str, str],
               cwd: Path | None, workers: Workers | None, servers: dict[str, int]) -> dict:
        """The crawl command from start to exit: wall, CPU of every process taking part
        (the command's tree, the workers' trees, PostgreSQL, Redis), the machine's CPU,
        memory samples, and py-spy profiles with --profile."""
        worker_pids = workers.pids if workers else []
        others = {**servers, **{f"worker{i}": pid for i, pid in enumerate(worker_pids)}}
        suffix = f"-{name}" if name else ""
        with open(self.tmp / f"crawl{suffix}.log", "wb") as log:
            nginx0 = tree_cpu(self.nginx.proc.pid)
            side0 = {k: tree_cpu(pid) for k, pid in others.items()}
            busy0 = cpu_busy()
            self0 = resource.getrusage(resource.RUSAGE_SELF)
            child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
            sampler = TreeSampler(proc.pid, more_roots=worker_pids, servers=servers).start()
            spies = self._spy([proc.pid, *worker_pids], suffix)
            code = proc.wait()
            wall = time.monotonic() - t0
            # read before anything else is reaped: the crawl command's tree only
            child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            side = {k: tree_cpu(pid) - side0[k] for k, pid in others.items()}
            busy = cpu_busy() - busy0
            self1 = resource.getrusage(resource.RUSAGE_SELF)
            nginx_cpu = tree_cpu(self.nginx.proc.pid) - nginx0
            sampler.stop()
        if spies:
            for i, spy in enumerate(spies):
                if i and spy.poll() is None:  # a worker lives on: py-spy writes on Ctrl-C
                    spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            summarise_profile([self.out.parent / f"profile{suffix}-{i}.raw"
                               for i in range(len(spies))],
                              self.out.parent / f"profile{suffix}-top.txt")
        command = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
        own = (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime)
        return {"code": code, "wall": wall, "busy": busy, "own": own, "nginx": nginx_cpu,
                "command_cpu": command, "side_cpu": side, "sampler": sampler}

    def _spy(self, pids: list[int], suffix: str) -> list[subprocess.Popen]:
        if not self.args.profile:
            return []
        spy_bin = shutil.which("py-spy")
        if not spy_bin:
            print("未找到 py-spy (pip install py-spy)，不做采样", file=sys.stderr)
            return []
        return [subprocess.Popen(
            [spy_bin, "record", "--subprocesses", "--rate", "200", "--format", "raw",
             "--nonblocking", "-o", str(self.out.parent / f"profile{suffix}-{i}.raw"),
             "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i, pid in enumerate(pids)]

    def _result(self, cfg: Config, ws: Path, timed: dict, stats: dict,
                exits: list[int | None]) -> dict:
        args, sampler, wall = self.args, timed["sampler"], timed["wall"]
        phases = sampler.worker_phases()
        crawl_s = phases[0][1] - phases[0][0] if phases else wall
        verify_s = phases[1][1] - phases[1][0] if len(phases) > 1 else 0.0
        by_request = stats["checks_total"] - stats["checks_by_method"].get("crawl", 0)
        side = timed["side_cpu"]
        govmon_cpu = timed["command_cpu"] + sum(v for k, v in side.items()
                                                if k.startswith("worker"))
        server_cpu = {k: v for k, v in side.items() if not k.startswith("worker")}
        cpu = govmon_cpu + sum(server_cpu.values())
        ncpu = os.cpu_count() or 1
        # CPU that neither govmon, its servers nor nginx used: other jobs on the machine
        others = max(0.0, timed["busy"] - cpu - timed["nginx"] - timed["own"])
        argv = sys.argv[1:] if args.argv is None else args.argv
        return {
            "when": datetime.now().isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "command": "python bench/run.py " + " ".join(argv),
            "config": cfg.key, "config_text": cfg.describe(args.workers), "store": cfg.store,
            "distributed_workers": cfg.distributed, "worker_exit_codes": exits,
            "sites": len(self.cluster.sites), "workers": args.workers,
            "per_ip_concurrency": args.per_ip, "hidden_paging": args.hidden_paging,
            "generate_seconds": args.generate_seconds, "wall_seconds": round(wall, 2),
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
            # the govmon processes (the crawl command's tree and the workers' trees)
            "peak_rss_tree_mb": sampler.peak_total / MB,
            # the largest single process, govmon or server
            "peak_rss_single_mb": sampler.peak_single / MB,
            "peak_rss_single_process": sampler.peak_single_cmd,
            # the govmon processes with the highest peaks: (peak MB, lived from, to, command)
            "peak_rss_processes": [(round(w.peak_rss / MB), round(w.first, 1), round(w.last, 1),
                                    w.cmd[:160])
                                   for w in sorted(sampler.lives.values(),
                                                   key=lambda v: -v.peak_rss)[:6]],
            # their RSS over time, MB once a second: [[seconds, MB], ...] by pid
            "rss_timeline": {str(w.pid): [[t, round(b / MB)] for t, b in w.timeline]
                             for w in sorted(sampler.lives.values(),
                                             key=lambda v: -v.peak_rss)[:6]},
            # each server's tree (PostgreSQL's shared buffers count in every backend's RSS)
            "peak_rss_servers_mb": {k: v / MB for k, v in sampler.peak_servers.items()},
            "rss_samples": sampler.samples,
            # every process taking part: govmon's and, when used, PostgreSQL's and Redis's
            "cpu_seconds": cpu, "cpu_ms_per_page": 1000 * cpu / max(1, stats["pages_fetched"]),
            "govmon_cpu_seconds": govmon_cpu, "server_cpu_seconds": server_cpu,
            "nginx_cpu_seconds": timed["nginx"],
            "other_load_share": others / (wall * ncpu),
            "code": str(Path(args.code).resolve()) if args.code else str(HERE.parent),
            "workspace": str(ws) if args.keep else None,
        }


def main(argv: list[str] | None = None) -> int:
    """Generate, serve, then crawl and measure once per configuration, report."""
    args = parse_args(argv)
    args.argv = argv
    if args.sites < 1 or args.pages < args.sites * 20:
        print("错误: 每个网站至少 20 页 (--pages >= 20 × --sites)", file=sys.stderr)
        return 2
    if args.sites < 20:
        print("注意: 少于 20 个网站时按地址的并发限制不够真实", file=sys.stderr)
    ensure_nginx()
    runs = configs(args)
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
        args.generate_seconds = round(time.monotonic() - t, 1)
        print(f"生成 {len(cluster.pages)} 个页面 ({cluster.files} 个文件, "
              f"{cluster.bytes / MB:.0f} MB) 用时 {args.generate_seconds:.1f} s → {tmp}",
              flush=True)
        addresses = sorted({s.ip for s in cluster.sites} | {cluster.external_ip},
                           key=lambda a: tuple(int(x) for x in a.split(".")))
        results = []
        with (Nginx(site_dir / "www", tmp / "nginx", addresses, args.port) as server,
              Servers(postgres=any(c.store == "postgres" for c in runs),
                      redis=any(c.distributed for c in runs)) as servers):
            bench = Bench(args, cluster, tmp, server, servers, out, many=len(runs) > 1)
            for i, cfg in enumerate(runs):
                if len(runs) > 1:
                    print(f"\n== {i + 1}/{len(runs)}: {cfg.describe(args.workers)}", flush=True)
                result = bench.measure(i, cfg)
                if result is None:
                    return 1
                print(table(result), flush=True)
                results.append(result)
        if len(results) == 1:
            out.write_text(json.dumps(results[0], ensure_ascii=False, indent=2), encoding="utf-8")
            print(f"结果已写入 {out}")
            return 0
        diffs = differences(results)
        out.write_text(json.dumps({"runs": results, "same_results": not diffs,
                                   "differences": diffs}, ensure_ascii=False, indent=2),
                       encoding="utf-8")
        print("\n" + comparison(results))
        print("\n".join(["结果不一致:", *diffs]) if diffs
              else "各次运行的页面、链接和校验结果完全相同 (数量与指纹)")
        print(f"结果已写入 {out}")
        return 3 if diffs else 0
    finally:
        if args.keep:
            print(f"已保留: {tmp} {site_dir} (PostgreSQL 数据库随服务器一起删除)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(site_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
