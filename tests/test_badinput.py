"""The bad-input corpus (tests/badinput/*.case): every file is one thing a careless operator
or an attacker can hand govmon, with the exit code and the message it must produce.

Each case runs the real ``govmon`` command as a process of its own in a fresh workspace
(tests/badinput_driver.py forks it from a process that imported govmon once; a hang is a
failure at the timeout) and must end with the documented exit code, no traceback, no
"内部错误", and stderr holding exactly the expected number of lines (one, unless the case
says otherwise) containing every ``expect`` fragment. The format is in
tests/badinput/README.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from test_store_damage import damaged_store

CORPUS = Path(__file__).with_name("badinput")
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90  # seconds: the slowest case (a 10,000-row import) takes a few
NOBODY = 65534
DEFAULT_SITES = ("sites:\n  - {code: '5101000001', name: 示例市人民政府, "
                 "url: 'http://127.0.0.1:9/', kind: portal}\n")
DEFAULT_SETTINGS = "workers: 1\ntimeout: 2.0\nretries: 0\nrecheck_delay: 0.1\n"


@dataclass
class Case:
    name: str
    why: str
    command: list[str]
    exit: int
    expect: list[str]
    lines: int = 1
    setup: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)


def parse(path: Path) -> Case:
    """``# why`` line, ``key: value`` headers, then ``--- NAME [mode]`` file sections."""
    text = path.read_text(encoding="utf-8")
    head, *sections = text.split("\n--- ")
    why, headers = "", {}
    expect: list[str] = []
    for line in head.splitlines():
        if line.startswith("#"):
            why += line.lstrip("# ") + " "
        elif line.strip():
            key, _, value = line.partition(":")
            if key.strip() == "expect":
                expect.append(value.strip())
            else:
                headers[key.strip()] = value.strip()
    files: dict[str, bytes] = {}
    for section in sections:
        title, _, body = section.partition("\n")
        name, _, mode = title.strip().partition(" ")
        files[name] = _content(body, mode.strip("[] "), path)
    return Case(name=path.stem, why=why.strip(), command=headers["command"].split(),
                exit=int(headers["exit"]), expect=expect, lines=int(headers.get("lines", 1)),
                setup=headers.get("setup", "").split(), files=files)


def _content(body: str, mode: str, path: Path) -> bytes:
    """A file section: UTF-8 text; ``encoding=X``: the text in encoding X; ``python``:
    code that sets ``data`` (bytes or str), for what text cannot hold."""
    if mode == "python":
        scope: dict = {"ROOT": ROOT}
        exec(compile(body, str(path), "exec"), scope)  # noqa: S102 - the corpus is ours
        data = scope["data"]
        return data.encode("utf-8") if isinstance(data, str) else data
    if mode.startswith("encoding="):
        return body.encode(mode.split("=", 1)[1])
    assert not mode, f"{path}: unknown section mode {mode!r}"
    return body.encode("utf-8")


CASES = sorted(CORPUS.glob("*.case"))


# -- setups ------------------------------------------------------------------------------
def _store(ws: Path) -> None:
    """A migrated store that knows the registry's sites."""
    from settings.registry import load
    from store.db import open_store
    from store.ops import sync_registry

    sessions = open_store(f"sqlite:///{ws / 'govmon.db'}")
    with sessions.begin() as s:
        sync_registry(s, load(ws / "sites.yaml"))
    sessions.kw["bind"].dispose()


SETUPS = {"store": _store, "damaged-store": damaged_store}


@dataclass
class Result:
    returncode: int | None
    stdout: str
    stderr: str
    hung: bool


def prepare(case: Case, base: Path) -> dict:
    """The case's workspace under ``base``; the driver's job for it."""
    ws = base / "ws"
    ws.mkdir(parents=True)
    files = {"sites.yaml": DEFAULT_SITES.encode(), "govmon.yaml": DEFAULT_SETTINGS.encode(),
             **case.files}
    for name, data in files.items():
        (ws / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / name).write_bytes(data)
    for setup in case.setup:  # setups see the case's files (e.g. its sites.yaml)
        if setup in SETUPS:
            SETUPS[setup](ws)
    uid = _read_only(base, ws, [s.split("=", 1)[1] for s in case.setup
                                if s.startswith("readonly=")])
    return {"ws": str(ws), "args": case.command, "uid": uid}


def _read_only(base: Path, ws: Path, names: list[str]) -> int | None:
    """Make ``names`` read-only; the user to run as (root writes through any mode, so
    then the case runs as nobody, owning the workspace)."""
    if not names:
        return None
    uid = None
    if os.geteuid() == 0:
        uid = NOBODY
        base.chmod(0o755)
        for p in [ws, *ws.rglob("*")]:
            os.chown(p, NOBODY, NOBODY)
    for name in names:
        target = ws / name
        if not target.exists():
            target.mkdir(parents=True)
            if uid is not None:
                os.chown(target, NOBODY, NOBODY)
        target.chmod(0o555 if target.is_dir() else 0o444)
    return uid


def run_cases(cases: list[Case]) -> dict[str, Result]:
    """Every case through tests/badinput_driver.py (govmon imported once, one forked
    process per case)."""
    top = Path(tempfile.mkdtemp(prefix="govmon-badinput-"))
    top.chmod(0o755)  # cases run as nobody must reach their workspace
    try:
        jobs = [prepare(case, top / case.name) for case in cases]
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVMON_")}
        env.update(COLUMNS="200", PYTHONDONTWRITEBYTECODE="1",
                   PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
        proc = subprocess.run([sys.executable, str(Path(__file__).with_name(
            "badinput_driver.py")), json.dumps(jobs)], capture_output=True, text=True,
            env=env, cwd=ROOT, timeout=TIMEOUT * len(cases))
        assert proc.returncode == 0, proc.stderr[-3000:]
        out = json.loads(proc.stdout)
        return {c.name: Result(r["code"], r["stdout"], r["stderr"], r["hung"])
                for c, r in zip(cases, out, strict=True)}
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(top)], check=False)
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    return run_cases([parse(p) for p in CASES])


def test_corpus_is_there() -> None:
    assert len(CASES) >= 40, f"only {len(CASES)} cases in {CORPUS}"
    for path in CASES:
        case = parse(path)
        assert case.why and case.expect, f"{path}: needs a '# why' line and an expect:"
        assert case.exit in (0, 2, 3, 4, 5), f"{path}: exit {case.exit} is not documented"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, results: dict[str, Result]) -> None:
    case = parse(path)
    proc = results[case.name]
    assert not proc.hung, f"govmon {' '.join(case.command)} hung ({TIMEOUT} s)"
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    assert "内部错误" not in out, out
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert proc.returncode == case.exit, (proc.returncode, proc.stderr[-2000:])
    assert len(lines) == case.lines, proc.stderr[-3000:]
    for fragment in case.expect:
        assert fragment in proc.stderr, f"{fragment!r} not in {proc.stderr[-2000:]!r}"
