"""The OpenAPI document's error responses, as the server really sends them.

FastAPI documents a 422 ``application/json`` body with an array ``detail`` and little else,
while every error here leaves as RFC 9457 ``application/problem+json`` with a string
``detail`` (signage/core/errors.py). :func:`document_errors` rewrites the generated document
so that each operation lists the error statuses it can answer and their body:

- 401 and 403 on authenticated operations (a device token is never a 403: it has no roles,
  nor is an operation open to every signed-in user);
- 404 where the path names an object, or the body or query names one that is looked up;
- 409, 429 and the like where a service raises them (the tables below);
- 413, 415 and 422 wherever a request body or a validated parameter is read.

A route's own ``responses=`` description is kept; only a missing description or body is filled.
"""

import json
from typing import Any

from signage.core.errors import PROBLEM_JSON

PROBLEM = "Problem"
PAIRING_PROBLEM = "PairingProblem"
_REF = "#/components/schemas/"

# Bearer schemes by the name FastAPI gives them (signage/core/deps.py, signage/player/auth.py).
STAFF_SCHEME = "OAuth2PasswordBearer"
DEVICE_SCHEME = "DeviceToken"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM,
    "description": (
        "RFC 9457 problem details: the body of every error, sent as `application/problem+json`."
    ),
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["about:blank"]},
        "title": {"type": "string", "description": "the status's name", "examples": ["Conflict"]},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "what went wrong, written for a person"},
        "errors": {
            "type": "array",
            "description": "on a 422 from input validation: each invalid field and its message",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}

# RFC 8628 section 3.5: the device acts on `error`, so it is a field of its own.
PAIRING_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PAIRING_PROBLEM,
    "description": "A pairing poll that has no token to give (yet), with the RFC 8628 `error`.",
    "allOf": [
        {"$ref": _REF + PROBLEM},
        {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "string",
                    "enum": ["authorization_pending", "slow_down", "expired_token"],
                }
            },
        },
    ],
}

DEFAULT_DESCRIPTIONS: dict[str, str] = {
    "400": "Bad request",
    "401": "No credentials, or they are invalid, expired or revoked",
    "403": "Authenticated, but your role or organisation may not do this",
    "404": "Not found, or it belongs to another organisation",
    "409": "Conflicts with the current state",
    "413": "The request body is too large (JSON bodies: 1 MiB)",
    "415": "The request body is not of a type this operation reads (JSON: `application/json`)",
    "416": "Range not satisfiable",
    "422": "Invalid input: `detail` says what is wrong, `errors` lists each invalid field",
    "429": "Too many attempts: wait `Retry-After` seconds",
}

_HEADERS: dict[str, dict[str, Any]] = {
    "401": {
        "WWW-Authenticate": {
            "description": "`Bearer`: send a bearer token",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "seconds to wait before trying again",
            "required": True,
            "schema": {"type": "string"},
        }
    },
}

Operation = tuple[str, str]  # (method in lower case, path)

# Operations that look up an object named in the body or query rather than the path.
NAMED_IN_BODY_OR_QUERY: dict[Operation, str] = {
    ("post", "/v1/users"): "No such organisation, or not one you may add users to",
    ("post", "/v1/screens"): "No such venue, or not yours",
    ("post", "/v1/screens/claim"): "No screen waits with this pairing code, or no such venue",
    ("post", "/v1/creatives"): "No such campaign, or not yours",
    ("get", "/v1/schedules.ics"): "No such venue, or not one you may see",
}

# Where a service raises Conflict (grep the domains for `Conflict(`).
CONFLICTS: dict[Operation, str] = {
    ("post", "/v1/organisations"): "An organisation with this name exists",
    ("post", "/v1/users"): "A user with this email exists",
    ("delete", "/v1/venues/{venue_id}"): "The venue still has screens; remove them first",
    ("delete", "/v1/campaigns/{campaign_id}"): "The campaign still has creatives; delete them",
    ("post", "/v1/creatives/{creative_id}/approve"): "The creative is already approved",
    ("post", "/v1/creatives/{creative_id}/reject"): "The creative is already rejected",
    ("post", "/v1/player/pair"): "No free pairing code could be drawn; try again",
    ("post", "/v1/screens/claim"): "This pairing code has already been claimed",
    ("patch", "/v1/screens/{screen_id}"): "This frameid is another screen's",
    ("get", "/v1/reports/plays.csv"): (
        "Mandatory SPACE ids are missing (each in `missing`); ask with allow_incomplete=true"
    ),
}

# Error bodies with more than a Problem's fields.
SPECIAL_BODIES: dict[tuple[str, str, str], str] = {
    ("post", "/v1/player/pair/poll", "400"): PAIRING_PROBLEM,
}

# Throttled operations: sign-in, pairing and claiming (429 with Retry-After).
THROTTLED: dict[Operation, str] = {
    ("post", "/v1/auth/token"): "Too many failed sign-ins for this account or from this address",
    ("post", "/v1/player/pair"): "Too many pairing requests from this address",
    ("post", "/v1/screens/claim"): "Too many wrong pairing codes; wait before trying again",
}

# Staff operations open to every signed-in user, whatever the role: never a 403.
ANY_SIGNED_IN_USER: frozenset[Operation] = frozenset(
    {("get", "/v1/users/me"), ("post", "/v1/auth/logout")}
)

# Sign-in has no bearer token, but a wrong email or password is a 401.
UNAUTHENTICATED_401: dict[Operation, str] = {
    ("post", "/v1/auth/token"): "Wrong email or password",
}

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


ERRORS_NOTE = """

**Errors** are RFC 9457 problem details, `application/problem+json`, with a `detail` written
for a person (and, on a 422 from input validation, `errors`: each invalid field). Text fields
never accept NUL characters or unpaired surrogates (422).
"""


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every operation of ``schema`` the error responses it really sends; in place."""
    info = schema.setdefault("info", {})
    info["description"] = info.get("description", "").rstrip("\n") + ERRORS_NOTE
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas[PROBLEM] = PROBLEM_SCHEMA
    schemas[PAIRING_PROBLEM] = PAIRING_PROBLEM_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method in _METHODS:
                _document_operation((method, path), operation)
    _drop_unused_validation_schemas(schema)
    return schema


def _schemes(operation: dict[str, Any]) -> set[str]:
    return {name for requirement in operation.get("security", []) for name in requirement}


def _body_types(operation: dict[str, Any]) -> set[str]:
    return set(operation.get("requestBody", {}).get("content", {}))


def error_statuses(key: Operation, operation: dict[str, Any]) -> dict[str, str]:
    """The error statuses the operation can answer, each with a default description."""
    method, path = key
    schemes = _schemes(operation)
    bodies = _body_types(operation)
    statuses: dict[str, str] = {}
    if schemes:
        statuses["401"] = DEFAULT_DESCRIPTIONS["401"]
    if STAFF_SCHEME in schemes and key not in ANY_SIGNED_IN_USER:
        statuses["403"] = DEFAULT_DESCRIPTIONS["403"]
    if "{" in path:
        statuses["404"] = DEFAULT_DESCRIPTIONS["404"]
    if key in NAMED_IN_BODY_OR_QUERY:
        statuses["404"] = NAMED_IN_BODY_OR_QUERY[key]
    if key in CONFLICTS:
        statuses["409"] = CONFLICTS[key]
    if bodies:
        statuses["413"] = DEFAULT_DESCRIPTIONS["413"]
        statuses["415"] = DEFAULT_DESCRIPTIONS["415"]
    if bodies or "422" in operation.get("responses", {}):
        statuses["422"] = DEFAULT_DESCRIPTIONS["422"]
    if key in THROTTLED:
        statuses["429"] = THROTTLED[key]
    if key in UNAUTHENTICATED_401:
        statuses["401"] = UNAUTHENTICATED_401[key]
    return statuses


def _document_operation(key: Operation, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, description in error_statuses(key, operation).items():
        responses.setdefault(status, {"description": description})
    for status, response in responses.items():
        if not (status.isdigit() and status.startswith("4")):
            continue
        # FastAPI's own 422 entry describes a body this server never sends.
        if not response.get("description") or response["description"] == "Validation Error":
            response["description"] = DEFAULT_DESCRIPTIONS.get(status, "Error")
        body = SPECIAL_BODIES.get((*key, status), PROBLEM)
        response["content"] = {PROBLEM_JSON: {"schema": {"$ref": _REF + body}}}
        if status in _HEADERS:
            response.setdefault("headers", {}).update(_HEADERS[status])


def _drop_unused_validation_schemas(schema: dict[str, Any]) -> None:
    """Remove FastAPI's HTTPValidationError and ValidationError once nothing refers to them."""
    schemas = schema["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        if name in schemas and f'"{_REF}{name}"' not in json.dumps(schema):
            del schemas[name]
