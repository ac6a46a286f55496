"""Webhook delivery: target guard, guarded client, rate limiter, signing and the engine."""

from app.delivery.client import build_client
from app.delivery.engine import DeliveryEngine, DeliveryOptions, DeliveryResult, StopReason
from app.delivery.guard import Resolver, TargetGuard, UnsafeTarget
from app.delivery.outcomes import RecordOutcome
from app.delivery.probe import TestResult, send_test_record

__all__ = [
    "DeliveryEngine",
    "DeliveryOptions",
    "DeliveryResult",
    "RecordOutcome",
    "Resolver",
    "StopReason",
    "TargetGuard",
    "TestResult",
    "UnsafeTarget",
    "build_client",
    "send_test_record",
]
