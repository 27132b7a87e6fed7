"""The Campaigns pages over HTTP: who may see them, creating a campaign, uploading and
replacing creatives through the API's own upload path, and CSRF on every form."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.console_helpers import signed_in
from tests.factories import World, make_campaign, png_bytes, upload_creative


def _upload(
    client: TestClient,
    campaign_id: str,
    token: str | None,
    *,
    content: bytes | None = None,
    **fields: str,
) -> Any:
    form: dict[str, str] = {}
    if token is not None:
        form["csrf_token"] = token
    form.update({"name": "Walk Away poster", **fields})
    return client.post(
        f"/console/campaigns/{campaign_id}/creatives",
        data=form,
        files={
            "file": ("poster.png", content if content is not None else png_bytes(), "image/png")
        },
        follow_redirects=False,
    )


@pytest.fixture
def campaign(client: TestClient, world: World) -> dict[str, Any]:
    return make_campaign(client, world)


def test_partner_is_refused_and_sees_no_link(client: TestClient, world: World) -> None:
    signed_in(client, world, "partner_1")
    assert client.get("/console/campaigns").status_code == 403
    assert 'href="/console/campaigns"' not in client.get("/console").text


def test_police_staff_see_the_link(client: TestClient, world: World) -> None:
    signed_in(client, world, "force_a_editor")
    assert 'href="/console/campaigns"' in client.get("/console").text


def test_the_list_shows_the_callers_campaigns_only(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    make_campaign(client, world, "force_b_editor", name="Scotland only")
    signed_in(client, world, "force_a_editor")
    page = client.get("/console/campaigns")
    assert page.status_code == 200
    assert campaign["name"] in page.text
    assert "Scotland only" not in page.text


def test_another_forces_campaign_is_not_found(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    signed_in(client, world, "force_b_editor")
    assert client.get(f"/console/campaigns/{campaign['id']}").status_code == 404


def test_create_campaign_redirects_to_it(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "force_a_editor")
    response = client.post(
        "/console/campaigns",
        data={"csrf_token": token, "name": "Safer streets", "description": "Winter"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert '<h1 class="govuk-heading-l">Safer streets</h1>' in page.text
    assert "Upload creative" in page.text


def test_create_campaign_without_a_name_links_the_error_to_the_field(
    client: TestClient, world: World
) -> None:
    token = signed_in(client, world, "force_a_editor")
    response = client.post("/console/campaigns", data={"csrf_token": token, "name": " "})
    assert response.status_code == 422
    assert 'href="#name"' in response.text
    assert "govuk-error-summary" in response.text
    assert response.text.count("name: Value should have at least 1 item") == 2  # the API's words


def test_create_campaign_needs_the_token(client: TestClient, world: World) -> None:
    signed_in(client, world, "force_a_editor")
    response = client.post("/console/campaigns", data={"name": "Safer streets"})
    assert response.status_code == 403
    assert "Safer streets" not in client.get("/console/campaigns").text


def test_upload_through_the_plain_file_input(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    response = _upload(client, campaign["id"], token, duration="15", alt_text="A poster")
    assert response.status_code == 303, response.text
    page = client.get(f"/console/campaigns/{campaign['id']}")
    assert "Walk Away poster" in page.text
    assert "Waiting for approval" in page.text
    assert "64 × 48 (Landscape)" in page.text
    assert "15 seconds" in page.text
    created = client.get(
        "/v1/creatives",
        params={"campaign_id": campaign["id"]},
        headers=world.headers("force_a_editor"),
    ).json()
    assert [c["duration_ms"] for c in created] == [15000]


def test_upload_validity_is_uk_time(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    response = _upload(
        client, campaign["id"], token, valid_from="2027-07-01T20:00", valid_until="2027-07-02T04:00"
    )
    assert response.status_code == 303, response.text
    created = client.get(
        "/v1/creatives",
        params={"campaign_id": campaign["id"]},
        headers=world.headers("force_a_editor"),
    ).json()
    assert created[0]["valid_from"].startswith("2027-07-01T19:00:00")  # BST is UTC+1


def test_upload_needs_the_token_before_the_file(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_editor")
    assert _upload(client, campaign["id"], None).status_code == 403
    assert _upload(client, campaign["id"], "wrong").status_code == 403
    listed = client.get(
        "/v1/creatives",
        params={"campaign_id": campaign["id"]},
        headers=world.headers("force_a_editor"),
    ).json()
    assert listed == []


def test_upload_of_a_text_file_gives_the_apis_message_on_the_file_input(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    response = _upload(client, campaign["id"], token, content=b"hello, not an image")
    api = client.post(
        "/v1/creatives",
        data={"campaign_id": campaign["id"], "name": "x"},
        files={"file": ("a.png", b"hello, not an image", "image/png")},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == api.status_code == 415
    assert api.json()["detail"] in response.text
    assert 'href="#file"' in response.text
    assert 'value="Walk Away poster"' in response.text  # what was typed stays


def test_upload_with_a_bad_duration_links_to_it(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    response = _upload(client, campaign["id"], token, duration="0")
    assert response.status_code == 422
    assert 'href="#duration"' in response.text


def test_upload_to_another_forces_campaign_is_not_found(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_b_editor")
    assert _upload(client, campaign["id"], token).status_code == 404


def test_thumbnail_is_served_to_the_session(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(client, world, campaign["id"])
    signed_in(client, world, "force_a_editor")
    response = client.get(f"/console/creatives/{creative['id']}/thumbnail")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert (
        f'src="/console/creatives/{creative["id"]}/thumbnail"'
        in client.get(f"/console/campaigns/{campaign['id']}").text
    )


def test_thumbnail_of_another_forces_creative_is_not_found(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(client, world, campaign["id"])
    signed_in(client, world, "force_b_editor")
    assert client.get(f"/console/creatives/{creative['id']}/thumbnail").status_code == 404


def test_thumbnail_needs_a_session(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(client, world, campaign["id"])
    response = client.get(f"/console/creatives/{creative['id']}/thumbnail", follow_redirects=False)
    assert response.status_code == 303


def _rejected(client: TestClient, world: World, campaign: dict[str, Any]) -> dict[str, Any]:
    creative = upload_creative(client, world, campaign["id"])
    client.post(
        f"/v1/creatives/{creative['id']}/reject",
        json={"reason": "The helpline number is wrong"},
        headers=world.headers("force_a_approver"),
    ).raise_for_status()
    return creative


def test_a_rejected_creative_shows_its_reason_and_a_replace_form(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = _rejected(client, world, campaign)
    signed_in(client, world, "force_a_editor")
    page = client.get(f"/console/campaigns/{campaign['id']}").text
    assert "The helpline number is wrong" in page
    assert f'action="/console/creatives/{creative["id"]}/file"' in page
    assert "Replace file" in page


def test_replace_file_puts_it_back_to_pending(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = _rejected(client, world, campaign)
    token = signed_in(client, world, "force_a_editor")
    response = client.post(
        f"/console/creatives/{creative['id']}/file",
        data={"csrf_token": token},
        files={"file": ("new.png", png_bytes(48, 64, (1, 2, 3)), "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    now = client.get(f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor"))
    assert now.json()["status"] == "pending"
    assert now.json()["rejection_reason"] is None
    assert "48 × 64 (Portrait)" in client.get(response.headers["location"]).text


def test_replace_file_needs_the_token(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = _rejected(client, world, campaign)
    signed_in(client, world, "force_a_editor")
    response = client.post(
        f"/console/creatives/{creative['id']}/file",
        files={"file": ("new.png", png_bytes(48, 64), "image/png")},
    )
    assert response.status_code == 403
    now = client.get(f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor"))
    assert now.json()["status"] == "rejected"


def test_replace_file_with_a_bad_file_shows_the_error_at_its_form(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = _rejected(client, world, campaign)
    token = signed_in(client, world, "force_a_editor")
    response = client.post(
        f"/console/creatives/{creative['id']}/file",
        data={"csrf_token": token},
        files={"file": ("new.png", b"", "image/png")},
    )
    assert response.status_code == 422
    assert f'href="#replace-{creative["id"]}"' in response.text
    assert "The file is empty." in response.text


def test_the_campaign_page_in_welsh(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    upload_creative(client, world, campaign["id"])
    signed_in(client, world, "force_a_editor")
    client.get("/console/language?to=cy&next=/console")
    page = client.get(f"/console/campaigns/{campaign['id']}").text
    assert '<html lang="cy"' in page
    assert "Llwytho eitem greadigol i fyny" in page


def test_empty_text_areas_are_empty_not_none(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    # A browser posts a text area's content back: "None" in it became the creative's alt text.
    signed_in(client, world, "force_a_editor")
    for path in ("/console/campaigns", f"/console/campaigns/{campaign['id']}"):
        page = client.get(path).text
        assert ">None</textarea>" not in page
        assert "></textarea>" in page
