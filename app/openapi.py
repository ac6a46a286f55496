"""The JSON API described as OpenAPI 3.0, served at /api/openapi.json (tests fuzz against it)."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _answer(
    description: str, schema: dict[str, Any] | None = None, errors: tuple[int, ...] = ()
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": description,
            "content": {"application/json": {"schema": schema or {"type": "object"}}},
        }
    }
    for status in errors:
        responses[str(status)] = {
            "description": "error",
            "content": {"application/json": {"schema": _ERROR}},
        }
    return responses


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _job_op(summary: str, errors: tuple[int, ...] = (404, 409, 503)) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [_JOB_ID],
        "responses": _answer(summary, errors=errors),
    }


PROCESS_REQUEST = {
    "type": "object",
    "required": ["upload_id", "table_type"],
    "properties": {
        "upload_id": {"type": "string"},
        "table_type": {"type": "string", "enum": ["company", "people"]},
        "webhook_url": {"type": "string"},
        "webhook_rate_limit": {"type": "number"},
        "mapping_overrides": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "string", "nullable": True},
            },
        },
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "CSV Merger API", "version": "1"},
    "paths": {
        "/health": {"get": {"summary": "health", "responses": _answer("health", errors=(503,))}},
        "/api/session": {"get": {"summary": "session", "responses": _answer("session")}},
        "/api/upload": {
            "post": {
                "summary": "upload CSV files",
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "files": {
                                        "type": "array",
                                        "items": {"type": "string", "format": "binary"},
                                    },
                                    "table_type": {"type": "string", "enum": ["company", "people"]},
                                    "upload_id": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": _answer("uploaded", errors=(400, 404, 413, 415, 422, 429, 507)),
            }
        },
        "/api/process": {
            "post": {
                "summary": "start a job",
                "requestBody": _json_body(PROCESS_REQUEST),
                "responses": {
                    "202": {"description": "queued"},
                    **_answer("unused", errors=(400, 404, 409, 413, 422, 429, 503)),
                },
            }
        },
        "/api/webhook/test": {
            "post": {
                "summary": "send a sample record",
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "properties": {
                            "webhook_url": {"type": "string"},
                            "table_type": {"type": "string", "enum": ["company", "people"]},
                        },
                    }
                ),
                "responses": _answer("sent", errors=(400, 422, 502)),
            }
        },
        "/api/jobs": {"get": {"summary": "jobs", "responses": _answer("jobs")}},
        "/api/jobs/{job_id}/status": {"get": _job_op("status")},
        "/api/jobs/{job_id}/cancel": {"post": _job_op("cancel")},
        "/api/jobs/{job_id}/failed": {"get": _job_op("failed deliveries")},
        "/api/jobs/{job_id}/retry-failed": {"post": _job_op("retry failed deliveries")},
        "/api/jobs/{job_id}/report": {"get": _job_op("report")},
        "/api/jobs/{job_id}/download": {"get": _job_op("download")},
        "/api/jobs/{job_id}/preview": {
            "get": {
                "summary": "preview",
                "parameters": [
                    _JOB_ID,
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": _answer("preview", errors=(400, 404, 409)),
            }
        },
        "/api/jobs/{job_id}/rate": {
            "put": {
                "summary": "change the rate",
                "parameters": [_JOB_ID],
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["rate_limit"],
                        "properties": {"rate_limit": {"type": "number"}},
                    }
                ),
                "responses": _answer("rate", errors=(400, 404, 409, 422)),
            }
        },
        "/api/config/mappings": {
            "get": {"summary": "current mappings", "responses": _answer("mappings")},
            "put": {
                "summary": "new mappings version",
                "requestBody": _json_body({"type": "object"}),
                "responses": _answer("saved", errors=(400, 401, 422)),
            },
        },
        "/api/config/mappings/versions": {
            "get": {"summary": "versions", "responses": _answer("versions")}
        },
        "/api/config/mappings/preview": {
            "post": {
                "summary": "preview a header mapping",
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "properties": {
                            "table_type": {"type": "string", "enum": ["company", "people"]},
                            "headers": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                ),
                "responses": _answer("mapping", errors=(400, 422)),
            }
        },
        "/api/storage/status": {
            "get": {"summary": "storage", "responses": _answer("storage", errors=(401,))}
        },
        "/api/metrics": {
            "get": {"summary": "metrics", "responses": _answer("metrics", errors=(401,))}
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["status", "error"],
                "properties": {
                    "status": {"type": "string"},
                    "error": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            }
        }
    },
}
