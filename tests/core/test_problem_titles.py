"""Problem titles are the statuses' names in RFC 9110, not RFC 7231's older ones."""

from fastapi.testclient import TestClient

from signage.core.errors import status_title
from tests.factories import World


def test_rfc_9110_names() -> None:
    assert status_title(413) == "Content Too Large"
    assert status_title(422) == "Unprocessable Content"
    assert status_title(416) == "Range Not Satisfiable"
    assert status_title(404) == "Not Found"
    assert status_title(599) == "Error"


def test_a_body_too_large_and_a_malformed_one_say_so(client: TestClient, world: World) -> None:
    headers = {**world.headers("partner_1"), "Content-Type": "application/json"}
    large = client.post("/v1/venues", content=b" " * (2 * 1024 * 1024), headers=headers)
    assert large.status_code == 413
    assert large.json()["title"] == "Content Too Large"
    malformed = client.post("/v1/venues", content=b"{", headers=headers)
    assert malformed.status_code == 422
    assert malformed.json()["title"] == "Unprocessable Content"
