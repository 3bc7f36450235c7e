"""Every error the API returns is RFC 9457 application/problem+json, from the one table below."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mcgraph.errors import (
    DataError,
    FeatureUnavailable,
    McGraphError,
    NonConformantData,
    QueryError,
    QueryTimeout,
    RDFSyntaxError,
    ServerBusy,
    UnknownResource,
    UnsafeInput,
    UsageError,
)
from mcgraph.guard import RefusedQuery
from mcgraph.report import to_dict as report_dict

PROBLEM_BASE = "https://w3id.org/mcgraph/problems/"
PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("mcgraph.api")


class HttpProblem(McGraphError):
    """An error that exists only over HTTP (authentication, media types, sizes)."""


class Unauthorized(HttpProblem):
    pass


class Forbidden(HttpProblem):
    pass


class PayloadTooLarge(HttpProblem):
    pass


class UnsupportedMediaType(HttpProblem):
    pass


class NotAcceptable(HttpProblem):
    pass


class MethodNotAllowed(HttpProblem):
    def __init__(self, message: str, allow: str) -> None:
        super().__init__(message)
        self.allow = allow


# exception class -> (status, slug, title); the most specific class wins (looked up along the MRO)
PROBLEMS: dict[type[Exception], tuple[int, str, str]] = {
    NonConformantData: (422, "non-conformant", "The data does not conform to the shapes"),
    RDFSyntaxError: (400, "rdf-syntax", "The RDF could not be parsed"),
    UnsafeInput: (400, "unsafe-input", "The input was refused for safety"),
    RefusedQuery: (400, "refused-query", "The query was refused before evaluation"),
    QueryError: (400, "malformed-query", "The query is malformed or failed"),
    DataError: (409, "invalid-stored-data", "The stored data breaks a rule that validation enforces"),
    UnknownResource: (404, "not-found", "Not found"),
    UsageError: (400, "bad-request", "The request cannot be served as asked"),
    QueryTimeout: (503, "query-timeout", "The query took too long and was stopped"),
    ServerBusy: (503, "busy", "Every query worker is busy"),
    FeatureUnavailable: (501, "unavailable", "This server lacks a feature the request needs"),
    Unauthorized: (401, "unauthorized", "A valid bearer token is required"),
    Forbidden: (403, "forbidden", "Not allowed"),
    PayloadTooLarge: (413, "too-large", "The request body is too large"),
    UnsupportedMediaType: (415, "unsupported-media-type", "The body's media type is not supported"),
    NotAcceptable: (406, "not-acceptable", "No acceptable representation"),
    MethodNotAllowed: (405, "method-not-allowed", "Method not allowed"),
    McGraphError: (400, "bad-request", "The request cannot be served as asked"),
}
# statuses raised by the framework itself (unknown route, wrong method...)
HTTP_STATUS_PROBLEMS: dict[int, tuple[str, str]] = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    400: ("bad-request", "Bad request"),
    500: ("internal", "Internal server error"),
}


def problem_for(err: Exception) -> tuple[int, str, str]:
    for cls in type(err).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return 500, "internal", "Internal server error"


def problem_response(request: Request, status: int, slug: str, title: str, detail: str,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail,
            "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


async def _library_error(request: Request, err: Exception) -> JSONResponse:
    status, slug, title = problem_for(err)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(err, NonConformantData):
        extra["report"] = report_dict(err.report)
    if isinstance(err, RefusedQuery):
        extra["reason"] = err.reason
    if isinstance(err, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="mcgraph"'
    if isinstance(err, MethodNotAllowed):
        headers["Allow"] = err.allow
    if isinstance(err, ServerBusy | QueryTimeout):
        headers["Retry-After"] = "5"
    return problem_response(request, status, slug, title, str(err), headers, **extra)


async def _http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
    slug, title = HTTP_STATUS_PROBLEMS.get(err.status_code, ("http-error", "HTTP error"))
    return problem_response(request, err.status_code, slug, title, str(err.detail), dict(err.headers or {}))


async def _validation_error(request: Request, err: RequestValidationError) -> JSONResponse:
    errors = [{"location": list(e.get("loc", ())), "message": e.get("msg", "")} for e in err.errors()]
    detail = "; ".join(f"{'.'.join(map(str, e['location']))}: {e['message']}" for e in errors)
    return problem_response(request, 400, "invalid-parameter", "A parameter is missing or invalid", detail,
                            errors=errors)


async def _unexpected(request: Request, err: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path)
    return problem_response(request, 500, "internal", "Internal server error",
                            "the server failed unexpectedly; the error was logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(McGraphError, _library_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
