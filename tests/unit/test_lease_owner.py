"""A run's lease owner fits the 64-character column whatever the host is called."""

from __future__ import annotations

import socket

import pytest

from app.jobs import tasks


def test_owner_fits_the_column_with_a_pod_length_host_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "csv-merger-worker-" + "x" * 45)
    owners = {tasks._owner() for _ in range(100)}
    assert len(owners) == 100  # unique per run
    assert max(len(owner) for owner in owners) <= 64
