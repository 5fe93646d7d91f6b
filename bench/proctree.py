"""Samples /proc for a process tree: peak RSS of the whole tree and of its largest process,
and when each worker process lived (which tells the crawl phase from the verify phase).

``govmon crawl`` spawns worker processes, so the RSS of the parent alone says little. A
distributed crawl is several trees (the coordinator, each ``govmon worker``) plus the
servers it needs (PostgreSQL, Redis): the sampler follows them all in one pass.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

PAGE = os.sysconf("SC_PAGE_SIZE")


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, int, float] | None:
    """(ppid, rss bytes, CPU seconds) of ``pid``, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2:].split()
    return int(fields[1]), int(fields[21]) * PAGE, (int(fields[11]) + int(fields[12])) / TICK


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by ``root`` and its live descendants, each with the children
    it has already reaped (a finished job process counts in its parent's cutime/cstime).
    The difference of two readings is the tree's CPU in between: a descendant that ends and
    is reaped in the meantime moves from its own figure into its parent's."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue
        fields = raw[raw.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(name))
        cpu[int(name)] = sum(int(x) for x in fields[11:15]) / TICK
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@dataclass
class Lifetime:
    pid: int
    cmd: str
    first: float
    last: float
    peak_rss: int = 0
    cpu: float = 0.0  # CPU seconds at the last sample (a lower bound for short processes)
    # (seconds since the sampler started, RSS bytes), one point per second or so: when a
    # process grows, not only how far
    timeline: list[tuple[float, int]] = field(default_factory=list)


@dataclass
class TreeSampler:
    """Samples the tree rooted at ``root`` every ``interval`` seconds in a thread, with the
    trees of ``more_roots`` (``govmon worker`` processes: they count in ``peak_total`` and in
    the phases) and of ``servers`` (label -> pid, e.g. PostgreSQL: each has its own peak in
    ``peak_servers``, and they compete for ``peak_single``). Sampling ends with ``root``."""

    root: int
    interval: float = 0.2
    more_roots: list[int] = field(default_factory=list)
    servers: dict[str, int] = field(default_factory=dict)
    peak_total: int = 0
    peak_single: int = 0
    peak_single_cmd: str = ""
    samples: int = 0
    lives: dict[int, Lifetime] = field(default_factory=dict)
    peak_servers: dict[str, int] = field(default_factory=dict)
    t0: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        now = time.monotonic() - self.t0
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            st = _stat(int(name))
            if st is None:
                continue
            children.setdefault(st[0], []).append(int(name))
            rss[int(name)] = st[1]
            cpu[int(name)] = st[2]
        if self.root not in rss:
            return

        def tree_of(*roots: int) -> list[int]:
            tree, todo = [], list(roots)
            while todo:
                pid = todo.pop()
                tree.append(pid)
                todo.extend(children.get(pid, ()))
            return tree

        tree = tree_of(self.root, *self.more_roots)
        total = sum(rss.get(p, 0) for p in tree)
        self.samples += 1
        self.peak_total = max(self.peak_total, total)
        for label, server in self.servers.items():
            pids = tree_of(server)
            self.peak_servers[label] = max(self.peak_servers.get(label, 0),
                                           sum(rss.get(p, 0) for p in pids))
            for pid in pids:
                if rss.get(pid, 0) > self.peak_single:
                    self.peak_single = rss[pid]
                    self.peak_single_cmd = f"[{label}] {_cmdline(pid)[:100]}"
        for pid in tree:
            life = self.lives.get(pid)
            if life is None:
                life = self.lives[pid] = Lifetime(pid, _cmdline(pid), now, now)
            life.last = now
            life.peak_rss = max(life.peak_rss, rss.get(pid, 0))
            if not life.timeline or now - life.timeline[-1][0] >= 1.0:
                life.timeline.append((round(now, 1), rss.get(pid, 0)))
            life.cpu = max(life.cpu, cpu.get(pid, 0.0))
            if rss.get(pid, 0) > self.peak_single:
                self.peak_single = rss[pid]
                self.peak_single_cmd = life.cmd[:120]

    def worker_phases(self) -> list[tuple[float, float, int, float]]:
        """(start, end, worker count, worker CPU seconds) of each generation of spawned
        worker processes, times in seconds since the sampler started."""
        workers = sorted((v for v in self.lives.values()
                          if "spawn_main" in v.cmd and "resource_tracker" not in v.cmd),
                         key=lambda v: v.first)
        phases: list[list[float]] = []
        for w in workers:
            if phases and w.first <= phases[-1][1]:
                phases[-1][1] = max(phases[-1][1], w.last)
                phases[-1][2] += 1
                phases[-1][3] += w.cpu
            else:
                phases.append([w.first, w.last, 1, w.cpu])
        return [(a, b, int(n), c) for a, b, n, c in phases]
