"""Browser harness: the real server in a subprocess, Debian's Chromium driven by Playwright.

Every test gets a fresh browser context (so a fresh anonymous session) whose console errors,
failed requests and Content-Security-Policy violations are collected in `page.problems`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis

from app.redis_server import EmbeddedRedis, free_port
from tests.support.receiver import Receiver

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
WIDTHS = {"desktop": 1280, "mobile": 360}
# Reported to the page's console by the init script below, so CSP violations count as errors.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + event.blockedURI
    + " at " + event.sourceFile + ":" + event.lineNumber + " " + event.sample);
});
"""
# Replaces WebSocket with one that fails at once, as a proxy that blocks sockets would.
BLOCK_WEBSOCKETS = """
window.WebSocket = class BlockedWebSocket extends EventTarget {
  constructor(url) {
    super();
    this.url = url; this.readyState = 3; this.binaryType = "blob";
    setTimeout(() => {
      const error = new Event("error");
      this.onerror && this.onerror(error); this.dispatchEvent(error);
      const close = new CloseEvent("close", {code: 1006});
      this.onclose && this.onclose(close); this.dispatchEvent(close);
    }, 0);
  }
  send() { throw new Error("blocked"); }
  close() {}
};
window.WebSocket.CONNECTING = 0; window.WebSocket.OPEN = 1;
window.WebSocket.CLOSING = 2; window.WebSocket.CLOSED = 3;
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is missing (CI installs it)"))


@dataclass
class Server:
    """The app under test, served by `csv-merger serve` (web plus an in-process worker)."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_healthy(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not become healthy:\n{server.log_tail()}")


@pytest.fixture(scope="package")
def server(
    redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One real server for the browser tests, stopped before any other package runs."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (CI installs it)")
    client = SyncRedis.from_url(redis_server.url)
    client.flushall()
    client.close()
    data = tmp_path_factory.mktemp("browser-server")
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(data),
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "browser-test-secret",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "WEBHOOK_RETRY_BACKOFF": "0.1,0.1,0.1",
        "LOG_LEVEL": "WARNING",
    }
    log = data / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    running = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_healthy(running)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@dataclass
class Watched:
    """Problems a page reported: console errors (including CSP violations), failed requests."""

    problems: list[str] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)


def open_page(browser: Any, server: Server, *, width: int = 1280, block_sockets: bool = False):
    """A page in a fresh context (a new session) that records what went wrong."""
    context = browser.new_context(
        base_url=server.url, viewport={"width": width, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH_CSP)
    if block_sockets:
        context.add_init_script(BLOCK_WEBSOCKETS)
    page = context.new_page()
    watched = Watched()
    page.on(
        "console", lambda m: m.type == "error" and watched.problems.append(f"console: {m.text}")
    )
    page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: _failed(watched, r))
    page.on("response", lambda response: watched.responses.append(response))
    page.watched = watched
    return page


def _failed(watched: Watched, request: Any) -> None:
    # Leaving a page aborts its open polls and downloads; that is not a failure of the app.
    if request.failure in ("net::ERR_ABORTED",) and request.resource_type in ("xhr", "fetch"):
        return
    watched.problems.append(f"request failed: {request.method} {request.url} {request.failure}")


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    page = open_page(browser, server)
    yield page
    page.context.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver.start() as running:
        yield running


def screenshot(page: Any, name: str) -> None:
    """Full-page screenshots at desktop and phone widths into test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}-{width}.png"), full_page=True)
    page.set_viewport_size(original)
