"""Schemathesis against a real server: whatever the input, the API never answers 5xx."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.config import Settings
from app.openapi import SPEC
from tests.support.processes import ProductProcess, start_server


def fuzzable_spec() -> dict[str, Any]:
    """The API minus what would make the server send HTTP to fuzzed addresses: this machine
    may only talk to 127.0.0.1, and webhook targets are covered by the delivery tests."""
    spec = copy.deepcopy(SPEC)
    del spec["paths"]["/api/webhook/test"]
    process = spec["paths"]["/api/process"]["post"]["requestBody"]["content"]
    request = process["application/json"]["schema"]
    del request["properties"]["webhook_url"]
    request["additionalProperties"] = False
    return spec


schema = schemathesis.openapi.from_dict(fuzzable_spec())


@pytest.fixture(scope="module")
def live_base(tmp_path_factory: pytest.TempPathFactory, redis_server) -> Iterator[str]:
    """One real server (web + worker) for the whole module."""
    data = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(
        DATA_DIR=data / "data", REDIS_URL=redis_server.url, SECRET_KEY="fuzz", _env_file=None
    )  # type: ignore[call-arg]
    server: ProductProcess
    server, base = start_server(settings_, data)
    yield base
    server.stop()


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_answers_a_server_error(case, live_base: str) -> None:
    response = case.call(base_url=live_base)
    assert response.status_code < 500 or response.status_code in (502, 503, 507), (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    )
