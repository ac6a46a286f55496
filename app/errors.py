"""Errors the product reports to people, one class per HTTP status.

    AppError(code, message)
    ├── BadInput        400  bad_input
    ├── Unauthorized    401  unauthorized
    ├── NotFound        404  not_found  (also: another session's object)
    ├── Conflict        409  conflict
    ├── TooLarge        413  too_large
    ├── NotCsv          415  not_csv
    ├── Invalid         422  invalid
    ├── OverLimit       429  over_limit
    ├── UpstreamFailed  502  upstream_failed (the webhook answered badly)
    ├── StorageFull     507  storage_full
    └── DependencyDown  503  dependency_down

Services raise these; one handler renders the JSON envelope under /api and an error
fragment or page elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping


class AppError(Exception):
    """An error with a stable code and a message a person understands."""

    status = 500
    default_code = "internal_error"

    def __init__(
        self, message: str, *, code: str | None = None, details: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = dict(details or {})

    def to_json(self) -> dict[str, object]:
        """The contract's envelope; `details` add fields beside it, never replace them."""
        body: dict[str, object] = {**self.details}
        body.update(status="error", error={"code": self.code, "message": self.message})
        return body


class BadInput(AppError):
    status = 400
    default_code = "bad_input"


class Unauthorized(AppError):
    status = 401
    default_code = "unauthorized"


class NotFound(AppError):
    status = 404
    default_code = "not_found"


class Conflict(AppError):
    status = 409
    default_code = "conflict"


class TooLarge(AppError):
    status = 413
    default_code = "too_large"


class NotCsv(AppError):
    status = 415
    default_code = "not_csv"


class Invalid(AppError):
    status = 422
    default_code = "invalid"


class OverLimit(AppError):
    status = 429
    default_code = "over_limit"


class DependencyDown(AppError):
    status = 503
    default_code = "dependency_down"


class UpstreamFailed(AppError):
    status = 502
    default_code = "upstream_failed"


class StorageFull(AppError):
    status = 507
    default_code = "storage_full"
