"""What requests the web app answers: the configured hosts, sane sizes, UTF-8, GET only.

Every refusal is a 400 (404, 405) with a sentence in Vietnamese and English, never a 500:
Starlette's TrustedHostMiddleware refuses a foreign Host header (a page on another site whose
DNS name was rebound to 127.0.0.1 sends its own name), and the size and encoding checks run
before any route, so no parameter reaches the database that the app could not have produced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from pipeline import errors

# Content-Security-Policy: everything from this server, no inline script, no outside host.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; object-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Hosts served by default (`plans web --allowed-host` adds names, '*' allows any).
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost")
# Request sizes no page or link of the app produces; beyond them a request gets 400.
MAX_QUERY_BYTES = 16_384  # the whole query string, percent-encoded
MAX_PARAMETER_CHARS = 1_000  # one decoded parameter value (a file name, a locality)
MAX_PATH_BYTES = 4_096
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")
HTTP_MESSAGES = {  # status: (error code, Vietnamese, English)
    404: ("not_found", "Không có trang này; hãy bắt đầu lại từ danh sách tài liệu.",
          "No such page; start again from the list of documents."),
    405: ("method_not_allowed", "Ứng dụng chỉ cho đọc (GET); không thể gửi hay sửa dữ liệu.",
          "The app is read-only (GET); nothing can be sent or changed."),
}

ErrorResponse = Callable[[Request, errors.PlanError, int], Response]


def request_problem(scope: dict) -> str | None:
    """Why a request's path or query cannot be one of this app (None when it can be): too
    long, not UTF-8, or carrying control characters."""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string") or b""
    if len(raw_path) > MAX_PATH_BYTES:
        return f"path: {len(raw_path)} bytes > {MAX_PATH_BYTES}"
    if len(query) > MAX_QUERY_BYTES:
        return f"query string: {len(query)} bytes > {MAX_QUERY_BYTES}"
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
        pairs = [[unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
                  for part in field.partition(b"=")[::2]]
                 for field in query.split(b"&") if field]
    except UnicodeDecodeError:
        return "not UTF-8 / không phải UTF-8"
    if _CONTROL_CHARACTERS.search(path):
        return "path: control character"
    for name, value in pairs:
        if len(value) > MAX_PARAMETER_CHARS:
            return f"{name[:40]}: {len(value)} characters > {MAX_PARAMETER_CHARS}"
        if _CONTROL_CHARACTERS.search(name + value):
            return f"{name[:40]}: control character"
    return None


def protect(app: FastAPI, allowed_hosts: Sequence[str], error_response: ErrorResponse) -> None:
    """Install the host check, the request checks, the security headers and the messages of
    404, 405 and invalid parameters (rendered by `error_response`, as the app's own errors)."""

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> Response:
        code, vi, en = HTTP_MESSAGES.get(exc.status_code, ("error", str(exc.detail),
                                                           str(exc.detail)))
        error = errors.PlanError(str(exc.detail), vi=vi, en=en)
        error.code = code
        response = error_response(request, error, exc.status_code)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    def invalid_parameter(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(f"{'.'.join(str(part) for part in error['loc'][1:])}: {error['msg']}"
                           for error in exc.errors())
        return error_response(request, errors.BadParameter(detail), 400)

    @app.middleware("http")
    async def checked_and_headed(request: Request, call_next):
        problem = request_problem(request.scope)
        if problem:
            response = error_response(request, errors.BadParameter(problem), 400)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # added last, so it runs first: a foreign Host header gets 400 before anything else
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
