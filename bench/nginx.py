"""A throw-away nginx serving the generated cluster: one config and pid file in a temp dir,
run as a non-daemon child process, listening on every site address plus the external one.

nginx comes from Debian's packages; :func:`ensure_nginx` installs it when it is missing, so a
fresh machine can run the benchmark.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

CONF = """\
worker_processes 1;
daemon off;
master_process on;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include {mime};
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html text/xml text/css application/javascript;
    log_format counted '$status $request_method $request_uri';
    access_log {access};
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
{listens}
        root {www}/$server_addr;
        index index.html;
        # Hanweb list pages after the first come from a data proxy: serve its XML by query.
        location = /module/web/jpage/dataproxy.jsp {{
            default_type text/xml;
            try_files /module/web/jpage/dp/$arg_columnid/$arg_page.xml =404;
        }}
    }}
}}
"""


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None)


def ensure_nginx() -> str:
    """Path of the nginx binary, installing Debian's package when it is missing."""
    found = find_nginx()
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("nginx 未安装，且当前用户不是 root：请先运行 apt-get install -y nginx")
    print("安装 nginx (apt-get) ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    found = find_nginx()
    if not found:
        raise SystemExit("nginx 安装失败")
    return found


class Nginx:
    """nginx on ``addresses`` (all loopback) and ``port``, serving ``www/<address>/``."""

    def __init__(self, www: Path, tmp: Path, addresses: list[str], port: int,
                 access_log: Path | None = None):
        for a in addresses:
            if not a.startswith("127."):
                raise ValueError(f"only loopback addresses are served: {a}")
        self.www, self.tmp, self.addresses, self.port = www, tmp, addresses, port
        self.proc: subprocess.Popen | None = None
        self.access_log = access_log  # one line per request ("status method uri"), or off

    def start(self, timeout: float = 15.0) -> Nginx:
        binary = ensure_nginx()
        self.tmp.mkdir(parents=True, exist_ok=True)
        for a in self.addresses:
            with socket.socket() as s:
                if s.connect_ex((a, self.port)) == 0:
                    raise SystemExit(f"端口已被占用: {a}:{self.port} (用 --port 换一个)")
        mime = "/etc/nginx/mime.types"
        conf = CONF.format(
            tmp=self.tmp, www=self.www,
            access=f"{self.access_log} counted" if self.access_log else "off",
            user="user root;" if os.geteuid() == 0 else "",
            mime=mime if Path(mime).exists() else f"{self.tmp}/mime.types",
            listens="\n".join(f"        listen {a}:{self.port};" for a in self.addresses))
        if not Path(mime).exists():
            (self.tmp / "mime.types").write_text(
                "types { text/html html; text/css css; application/javascript js; "
                "image/png png; image/jpeg jpg; application/pdf pdf; text/plain txt; }\n")
        (self.tmp / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf"),
             "-e", str(self.tmp / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        pending = list(self.addresses)
        while pending:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise SystemExit(f"nginx 启动失败: {err.strip()[:500]}")
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("nginx 未能在时限内开始监听")
            with socket.socket() as s:
                if s.connect_ex((pending[0], self.port)) == 0:
                    pending.pop(0)
                    continue
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful shutdown
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
