"""Background loops stop for certain, even when a round swallows its cancellation."""

from __future__ import annotations

import asyncio

import pytest

from app.services.loops import Loop, was_cancelled


async def test_rounds_repeat_until_stopped() -> None:
    rounds = 0

    async def count() -> None:
        nonlocal rounds
        rounds += 1

    loop = Loop(count, 0.01).start()
    await asyncio.sleep(0.1)
    await loop.stop()
    seen = rounds
    await asyncio.sleep(0.05)
    assert seen >= 3
    assert rounds == seen


async def test_stop_returns_when_a_round_swallows_the_cancel() -> None:
    """What asyncio.wait_for does on Python 3.11 when a cancel meets a finished write."""
    entered = asyncio.Event()
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        entered.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            swallowed += 1

    loop = Loop(stubborn, 10).start()
    await entered.wait()
    async with asyncio.timeout(2):
        await loop.stop()
    assert swallowed == 1


async def test_stop_reraises_an_error_of_the_last_round() -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    loop = Loop(broken, 10).start()
    await asyncio.sleep(0.01)
    with pytest.raises(RuntimeError, match="boom"):
        await loop.stop()


async def test_stop_before_start_is_harmless() -> None:
    async def nothing() -> None:
        return None

    await Loop(nothing, 1).stop()


async def test_a_swallowed_cancel_is_still_seen() -> None:
    rounds_after_cancel = 0
    cancelled = asyncio.Event()

    async def stubborn_page() -> None:
        nonlocal rounds_after_cancel
        while not was_cancelled():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.set()  # swallowed, as asyncio.wait_for may on Python 3.11
            if cancelled.is_set():
                rounds_after_cancel += 1

    task = asyncio.create_task(stubborn_page())
    await asyncio.sleep(0.01)
    assert not task.done()
    task.cancel()
    async with asyncio.timeout(2):
        await asyncio.wait({task})
    assert rounds_after_cancel == 1
