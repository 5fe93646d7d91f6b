"""Headless Chromium (Debian's ``chromium`` package) driven over the DevTools protocol on a
pipe: PDF printing of our own documents and screenshots of stored page snapshots.

Why a pipe (``--remote-debugging-pipe``) and not a debugging port: nothing listens on the
machine, and no library beyond the standard one is needed (the protocol is JSON messages
separated by NUL bytes on file descriptors 3 and 4).

The browser fetches nothing from the network. Every request a page makes is paused by the
``Fetch`` domain and answered by the caller (from the store) or failed; as a second and
third line of defence the browser runs with a proxy that does not exist and a host
resolver that resolves nothing, so a request that escaped interception still goes nowhere.
No request therefore needs the crawler's address guard: none leaves the browser.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Flags every start uses: headless, no sandbox (containers, root), nothing phoning home
# (this machine's closed network refuses Google's hosts and a start would stall on them).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
         "--mute-audio", "--no-default-browser-check", "--disable-features=Translate,"
         "MediaRouter,OptimizationHints,AutofillServerCommunication",
         # second line of defence: a dead proxy and no name resolution at all
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--host-resolver-rules=MAP * ~NOTFOUND")
INSTALL_HINT = "apt-get install -y --no-install-recommends chromium fonts-noto-cjk"


class BrowserUnavailable(RuntimeError):
    """Chromium is missing or would not start; the message is one line for the user."""


def find_chromium() -> str | None:
    """``$GOVMON_CHROMIUM``, else Debian's /usr/bin/chromium, else one on PATH."""
    env = os.environ.get("GOVMON_CHROMIUM")
    if env is not None:  # set (even empty): the operator decides; "" disables the browser
        return env if env and os.access(env, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable_line() -> str:
    return f"未找到 Chromium，生成的文件不含 PDF 和截图 (安装: {INSTALL_HINT})"


@dataclass
class Answer:
    """What the store answers for one request of a page: status, headers, body."""

    status: int
    body: bytes
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[str], Answer | None]  # URL -> answer, or None: refused


class Browser:
    """One headless Chromium process; open pages with :meth:`page`. Use as a context
    manager: the process and its temporary profile are removed on exit."""

    def __init__(self, path: str | None = None, *, timeout: float = 30.0):
        self.path = path or find_chromium()
        if not self.path:
            raise BrowserUnavailable(unavailable_line())
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="govmon-chromium-")
        self._next_id = 0
        self._buffer = b""
        self._results: dict[int, dict[str, Any]] = {}
        self._handlers: dict[str, Page] = {}  # CDP session id -> page
        self.requests: list[str] = []  # every URL a page asked for (tests read it)
        ours_r, chrome_w = os.pipe()  # Chromium writes fd 4, we read
        chrome_r, ours_w = os.pipe()  # we write, Chromium reads fd 3

        def _fds() -> None:
            os.dup2(chrome_r, 3)
            os.dup2(chrome_w, 4)

        try:
            self.proc = subprocess.Popen(
                [self.path, *FLAGS, f"--user-data-dir={self.profile}",
                 "--remote-debugging-pipe", "about:blank"],
                pass_fds=(3, 4), preexec_fn=_fds, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise BrowserUnavailable(f"无法启动 Chromium ({self.path}): {exc.strerror}") from None
        finally:
            os.close(chrome_r)
            os.close(chrome_w)
        self._r, self._w = ours_r, ours_w
        try:
            self.call("Browser.getVersion", timeout=20)
        except BrowserUnavailable:
            self.close()
            raise

    # -- protocol ------------------------------------------------------------------
    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._w, data):]
        except OSError as exc:
            raise BrowserUnavailable(f"Chromium 已退出 ({exc.strerror})") from None
        return self._next_id

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, *, timeout: float | None = None) -> dict[str, Any]:
        """Send a command and wait for its result (events arriving meanwhile are handled)."""
        mid = self.send(method, params, session)
        self.pump(lambda: mid in self._results, timeout or self.timeout, method)
        reply = self._results.pop(mid)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def pump(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        """Read and dispatch messages until ``done()``; BrowserUnavailable on timeout."""
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserTimeout(f"Chromium 超时 ({what}，{timeout:g} 秒)")
            while b"\0" not in self._buffer:
                ready, _, _ = select.select([self._r], [], [], max(left, 0.01))
                if not ready:
                    break
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise BrowserUnavailable("Chromium 意外退出")
                self._buffer += chunk
            if b"\0" not in self._buffer:
                continue
            raw, self._buffer = self._buffer.split(b"\0", 1)
            self._dispatch(json.loads(raw))

    def _dispatch(self, msg: dict[str, Any]) -> None:
        if "id" in msg:
            self._results[msg["id"]] = msg
            return
        page = self._handlers.get(msg.get("sessionId", ""))
        if page is not None:
            page.event(msg.get("method", ""), msg.get("params", {}))

    # -- pages ---------------------------------------------------------------------
    def page(self, *, width: int = 1280, height: int = 900, scripts: bool = False) -> Page:
        """A new tab whose every network request goes to the page's responder."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        page = Page(self, target, session)
        self._handlers[session] = page
        self.call("Page.enable", session=session)
        self.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session)
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session)
        if not scripts:  # crawled pages' own scripts never run (our evaluate() still does)
            self.call("Emulation.setScriptExecutionDisabled", {"value": True},
                      session=session)
        return page

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    self.send("Browser.close")
                    self.proc.wait(5)
                except (BrowserUnavailable, subprocess.TimeoutExpired):
                    self.proc.kill()
                    self.proc.wait(5)
        finally:
            for fd in (self._r, self._w):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BrowserError(RuntimeError):
    """A protocol command failed (bad page, unprintable document)."""


class BrowserTimeout(BrowserUnavailable):
    pass


class Page:
    """One tab. ``responder`` answers its requests; without one every request fails
    except ``file:`` documents, which the browser reads itself."""

    def __init__(self, browser: Browser, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session
        self.responder: Responder | None = None
        self.files: str | None = None  # file: URLs under this prefix are read from disk
        self.loaded = False

    def event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Page.loadEventFired":
            self.loaded = True
        elif method == "Fetch.requestPaused":
            url = params["request"]["url"]
            self.browser.requests.append(url)
            if self.files and url.startswith(self.files):
                self.browser.send("Fetch.continueRequest", {"requestId": params["requestId"]},
                                  self.session)
                return
            answer = self.responder(url) if self.responder else None
            if answer is None:
                self.browser.send("Fetch.failRequest", {"requestId": params["requestId"],
                                                        "errorReason": "BlockedByClient"},
                                  self.session)
                return
            headers = [{"name": "Content-Type", "value": answer.content_type}]
            headers += [{"name": k, "value": v} for k, v in answer.headers.items()]
            self.browser.send("Fetch.fulfillRequest", {
                "requestId": params["requestId"], "responseCode": answer.status,
                "responseHeaders": headers,
                "body": base64.b64encode(answer.body).decode("ascii")}, self.session)

    def call(self, method: str, params: dict[str, Any] | None = None, *,
             timeout: float | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, self.session, timeout=timeout)

    def goto(self, url: str, responder: Responder | None = None, *,
             timeout: float = 20.0) -> None:
        """Load ``url`` and wait for its load event."""
        self.responder, self.loaded = responder, False
        result = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText") and not result.get("loaderId"):
            raise BrowserError(f"{url}: {result['errorText']}")
        self.browser.pump(lambda: self.loaded, timeout, f"加载 {url}")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(result["exceptionDetails"].get("text", "evaluate"))
        return result.get("result", {}).get("value")

    def screenshot(self, clip: dict[str, float] | None = None) -> bytes:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def pdf(self, *, footer: str = "", timeout: float = 60.0) -> bytes:
        """Print to PDF with the document's own @page size and margins; ``footer`` is
        HTML for the bottom margin (``<span class=pageNumber>`` is the page number)."""
        params: dict[str, Any] = {"printBackground": True, "preferCSSPageSize": True,
                                  "displayHeaderFooter": bool(footer),
                                  "headerTemplate": "<span></span>",
                                  "footerTemplate": footer or "<span></span>"}
        return base64.b64decode(self.call("Page.printToPDF", params, timeout=timeout)["data"])

    def close(self) -> None:
        self.browser._handlers.pop(self.session, None)
        try:
            self.browser.call("Target.closeTarget", {"targetId": self.target}, timeout=10)
        except BrowserError:
            pass


# GB/T 9704: page numbers in 4号 (14pt) half-width digits with a dash each side, under
# the text block.
PAGE_FOOTER = ("<div style=\"width:100%;text-align:center;font-size:14pt;"
               "font-family:'AR PL UMing CN','Noto Serif CJK SC',serif;color:#000\">— "
               "<span class=\"pageNumber\"></span> —</div>")


def print_pdf(browser: Browser, html: Path, pdf: Path, *, footer: str = PAGE_FOOTER) -> Path:
    """Print the HTML file ``html`` (self-contained: it fetches nothing) to ``pdf``."""
    page = browser.page(scripts=False)
    page.files = html.resolve().parent.as_uri() + "/"
    try:
        page.goto(html.resolve().as_uri())
        data = page.pdf(footer=footer)
    finally:
        page.close()
    pdf.write_bytes(data)
    return pdf


class optional_browser:  # noqa: N801 - used as a context manager, like open()
    """``with optional_browser(warn) as browser:`` — a Browser, or None (after one line
    through ``warn``) when Chromium is missing or does not start: documents are then
    written without PDF and pictures, never failed. ``wanted=False`` skips the start."""

    def __init__(self, warn: Callable[[str], None], *, wanted: bool = True):
        self.warn, self.wanted = warn, wanted
        self.browser: Browser | None = None

    def __enter__(self) -> Browser | None:
        if not self.wanted:
            return None
        try:
            self.browser = Browser()
        except BrowserUnavailable as exc:
            self.warn(str(exc) if "Chromium" in str(exc) else unavailable_line())
            return None
        return self.browser

    def __exit__(self, *exc: object) -> None:
        if self.browser is not None:
            self.browser.close()
