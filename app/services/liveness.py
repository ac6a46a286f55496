"""Which worker processes are alive: each one keeps a short-lived key in Redis.

A run's lease lasts LEASE_SECONDS so that a slow renewal never loses a healthy run; waiting
for it to run out after a crash made every restart take a minute or more before the job went
on. A lease whose owner's process has no live key is taken over at once instead. A process's
key names a token of its own, not just host and pid: a restarted container often gets the
same pid again.
"""

from __future__ import annotations

import os
import secrets
import socket

from redis.asyncio import Redis

# Refreshed every ALIVE_EVERY_SECONDS; gone ALIVE_SECONDS after the process stopped beating.
ALIVE_SECONDS = 20
ALIVE_EVERY_SECONDS = 5
_RUN_TOKEN_HEX = 6
_process: tuple[int, str] = (0, "")


def process_id() -> str:
    """This process as lease owners name it: host, pid and a token drawn once per process."""
    global _process
    pid = os.getpid()
    if _process[0] != pid:  # first call, or a forked child: a token of its own
        _process = (pid, secrets.token_hex(3))
    # Host names can be 64 characters on their own (a Kubernetes pod's); the column holds 64.
    return f"{socket.gethostname()[:40]}:{pid}:{_process[1]}"


def new_owner() -> str:
    """A lease owner for one run of this process: unique per run, and naming the process."""
    return process_id() + secrets.token_hex(_RUN_TOKEN_HEX // 2)


def owner_process(owner: str) -> str | None:
    """The process part of an owner new_owner made; None for other owners (older formats)."""
    host, _, rest = owner.rpartition(":")
    if not host or len(rest) != 6 + _RUN_TOKEN_HEX:
        return None
    return f"{host}:{rest[:6]}"


def _key(process: str) -> str:
    return f"csv-merger:alive:{process}"


async def mark_alive(redis: Redis, *names: str) -> None:
    """Say this process (and any other names it goes by, e.g. its SAQ worker id) is alive."""
    async with redis.pipeline(transaction=False) as pipe:
        for name in (process_id(), *names):
            pipe.set(_key(name), "1", ex=ALIVE_SECONDS)
        await pipe.execute()


async def mark_gone(redis: Redis, *names: str) -> None:
    """A clean stop: runs this process leaves behind need not wait for the key to expire."""
    await redis.delete(*(_key(name) for name in (process_id(), *names)))


async def alive(redis: Redis, names: list[str]) -> dict[str, bool]:
    """Whether each named process (or SAQ worker id) has a live key."""
    if not names:
        return {}
    values = await redis.mget([_key(name) for name in names])
    return {name: value is not None for name, value in zip(names, values, strict=True)}
