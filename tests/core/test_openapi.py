"""The OpenAPI document describes the errors the server really sends (signage/core/openapi.py)."""

import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.core.errors import PROBLEM_JSON
from signage.core.openapi import (
    ANY_SIGNED_IN_USER,
    CONFLICTS,
    NAMED_IN_BODY_OR_QUERY,
    SPECIAL_BODIES,
    THROTTLED,
    UNAUTHENTICATED_401,
)
from tests.factories import World, assert_problem, make_screen, make_venue, schedule_body

Operation = tuple[str, str, dict[str, Any]]
METHODS = {"get", "put", "post", "delete", "patch", "head"}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def schemes(operation: dict[str, Any]) -> set[str]:
    return {name for requirement in operation.get("security", []) for name in requirement}


def on_air_now(client: TestClient, world: World, creative_id: str) -> None:
    """A schedule on air around the clock, so the poll's first segment has items and media."""
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    windows = [{"days": every_day, "start": "00:00", "end": "00:00"}]
    response = client.post(
        "/v1/schedules",
        json=schedule_body([creative_id], windows=windows, start_date=None),
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 201, response.text


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def validator(document: dict[str, Any], name: str) -> Any:
    """A validator for one component schema, resolving its references within the document."""
    root = {**document, "$ref": f"#/components/schemas/{name}"}
    return jsonschema_rs.validator_for(root)


def test_every_error_response_is_problem_json(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert list(response.get("content", {})) == [PROBLEM_JSON], (method, path, status)


def test_fastapi_validation_error_schemas_are_gone(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert "HTTPValidationError" not in text
    assert "#/components/schemas/ValidationError" not in text


def test_input_is_validated_everywhere_a_body_or_parameter_is_read(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        if "requestBody" in operation or "{" in path:
            assert "422" in operation["responses"], (method, path)


def test_authenticated_operations_document_401_and_staff_ones_403(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        responses = operation["responses"]
        if schemes(operation):
            assert "401" in responses, (method, path)
            assert "WWW-Authenticate" in responses["401"]["headers"], (method, path)
        if "OAuth2PasswordBearer" in schemes(operation):
            assert ("403" in responses) != ((method, path) in ANY_SIGNED_IN_USER), (method, path)
        if schemes(operation) == {"DeviceToken"}:
            assert "403" not in responses, (method, path)  # a screen has no roles


def test_operations_naming_an_object_in_the_path_document_404(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if "{" in path:
            assert "404" in operation["responses"], (method, path)


def test_json_and_upload_bodies_document_413_and_415(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if "requestBody" in operation:
            assert {"413", "415"} <= operation["responses"].keys(), (method, path)


def test_tables_name_real_operations(document: dict[str, Any]) -> None:
    known = {(method, path) for method, path, _ in operations(document)}
    tables = [CONFLICTS, THROTTLED, NAMED_IN_BODY_OR_QUERY, UNAUTHENTICATED_401]
    for table in tables:
        assert table.keys() <= known, table.keys() - known
    assert known >= ANY_SIGNED_IN_USER
    assert {(method, path) for method, path, _ in SPECIAL_BODIES} <= known


def test_conflicts_and_throttles_are_documented(document: dict[str, Any]) -> None:
    for method, path in CONFLICTS:
        assert "409" in document["paths"][path][method]["responses"]
    for method, path in THROTTLED:
        throttled = document["paths"][path][method]["responses"]["429"]
        assert throttled["headers"]["Retry-After"]["required"] is True


def test_a_real_422_matches_the_problem_schema(
    client: TestClient, world: World, document: dict[str, Any]
) -> None:
    response = client.post(
        "/v1/campaigns", json={"name": ""}, headers=world.headers("force_a_editor")
    )
    body = assert_problem(response, 422)
    validator(document, "Problem").validate(body)
    assert isinstance(body["errors"], list)


def test_pair_poll_400_documents_the_rfc_8628_error(
    client: TestClient, document: dict[str, Any]
) -> None:
    pairing = client.post("/v1/player/pair", json={})
    assert pairing.status_code == 201, pairing.text
    pending = client.post(
        "/v1/player/pair/poll", json={"device_code": pairing.json()["device_code"]}
    )
    body = assert_problem(pending, 400)
    assert body["error"] == "authorization_pending"
    validator(document, "PairingProblem").validate(body)
    documented = document["paths"]["/v1/player/pair/poll"]["post"]["responses"]["400"]
    assert documented["content"][PROBLEM_JSON]["schema"]["$ref"].endswith("/PairingProblem")


def test_poll_and_preview_document_the_playlist_body(
    client: TestClient, world: World, approved_creative: dict[str, Any], document: dict[str, Any]
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    on_air_now(client, world, approved_creative["id"])
    poll = client.get(
        "/v1/player/playlist", headers={"Authorization": f"Bearer {screen['device_token']}"}
    )
    assert poll.status_code == 200, poll.text
    body = poll.json()
    assert body["media"], body  # the media part of the schema is exercised too
    validator(document, "Playlist").validate(body)
    for path in ("/v1/player/playlist", "/v1/screens/{screen_id}/playlist"):
        ok = document["paths"][path]["get"]["responses"]["200"]
        assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/Playlist"), path
    assert "503" in document["paths"]["/v1/player/playlist"]["get"]["responses"]


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    for reference in set(references(document)):
        assert reference.removeprefix("#/components/schemas/") in components, reference


def test_the_document_is_built_once_per_app(app: FastAPI) -> None:
    assert app.openapi() is app.openapi()


def test_a_schedules_target_and_windows_have_examples_that_work_as_they_stand(
    document: dict[str, Any],
) -> None:
    """Swagger fills a request from the examples: a target of ids shown as "string" names no
    real force, venue or screen, so their examples are empty lists (no narrowing)."""
    schemas = document["components"]["schemas"]
    target = schemas["TargetIn"]["properties"]
    for ids in ("force_ids", "venue_ids", "screen_ids", "tags"):
        assert target[ids]["examples"] == [[]], ids
    assert target["venue_kinds"]["examples"] == [["pub", "nightclub"]]
    window = schemas["WindowIn"]["properties"]
    assert (window["days"]["examples"], window["start"]["examples"], window["end"]["examples"]) == (
        [["fri", "sat"]],
        ["close-01:00"],
        ["close"],
    )
