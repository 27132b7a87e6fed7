"""The Approvals queue over HTTP: the four-eyes rule as the API has it, the queue saying why a
button is missing, a reason required to reject, scoping, CSRF and who may go there."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.console_helpers import signed_in
from tests.factories import World, make_campaign, upload_creative


@pytest.fixture
def pending(client: TestClient, world: World) -> dict[str, Any]:
    campaign = make_campaign(client, world, name="Walk Away")
    return upload_creative(client, world, campaign["id"], name="Walk Away poster")


def _status(client: TestClient, world: World, creative: dict[str, Any]) -> str:
    answer = client.get(f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor"))
    status: str = answer.json()["status"]
    return status


def test_the_queue_shows_pending_creatives_with_their_campaign(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_approver")
    page = client.get("/console/approvals")
    assert page.status_code == 200
    assert "Walk Away poster" in page.text
    assert "Walk Away · Leicestershire Police" in page.text
    assert "force.a.editor@example.org" in page.text  # who uploaded it
    assert f'action="/console/creatives/{pending["id"]}/approve"' in page.text
    assert "1 creative is waiting for a decision." in page.text


def test_approve_goes_on_air_and_leaves_the_queue(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_approver")
    answer = client.post(
        f"/console/creatives/{pending['id']}/approve",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert "You approved Walk Away poster. It can now go on air." in page.text
    assert "Nothing is waiting for approval." in page.text
    assert _status(client, world, pending) == "approved"


def test_reject_needs_a_reason_shown_in_the_error_summary(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_approver")
    answer = client.post(
        f"/console/creatives/{pending['id']}/reject",
        data={"csrf_token": token, "reason": "   "},
    )
    assert answer.status_code == 422
    assert "There is a problem" in answer.text
    assert f'href="#reason-{pending["id"]}"' in answer.text
    assert f'id="reason-{pending["id"]}"' in answer.text
    assert "Enter the reason for rejecting it" in answer.text
    assert _status(client, world, pending) == "pending"


def test_reject_with_a_reason_is_shown_to_the_uploader(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_approver")
    answer = client.post(
        f"/console/creatives/{pending['id']}/reject",
        data={"csrf_token": token, "reason": "The crest is the old one"},
    )
    assert answer.status_code == 200
    assert "You rejected Walk Away poster" in answer.text
    assert _status(client, world, pending) == "rejected"
    editor = TestClient(client.app)
    signed_in(editor, world, "force_a_editor")
    campaign = editor.get(f"/console/campaigns/{pending['campaign_id']}").text
    assert "The crest is the old one" in campaign


def test_a_reason_over_the_limit_is_refused_with_the_apis_words(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_approver")
    answer = client.post(
        f"/console/creatives/{pending['id']}/reject",
        data={"csrf_token": token, "reason": "x" * 1001},
    )
    assert answer.status_code == 422
    assert "reason: String should have at most 1000 characters" in answer.text


def test_own_upload_has_no_buttons_and_says_why(client: TestClient, world: World) -> None:
    campaign = make_campaign(client, world, "force_a_approver", name="Own")
    mine = upload_creative(client, world, campaign["id"], "force_a_approver", name="My poster")
    token = signed_in(client, world, "force_a_approver")
    page = client.get("/console/approvals").text
    assert "My poster" in page
    assert f"/console/creatives/{mine['id']}/approve" not in page
    assert "You uploaded this file, so another approver must approve or reject it." in page
    # The API's rule holds if the form is posted anyway, with the API's message.
    answer = client.post(f"/console/creatives/{mine['id']}/approve", data={"csrf_token": token})
    assert answer.status_code == 403
    assert "another approver must decide on it" in answer.text


def test_national_approver_sees_forces_creatives_but_may_not_decide(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    token = signed_in(client, world, "national_approver")
    page = client.get("/console/approvals").text
    assert "Walk Away poster" in page
    assert "Only an approver of Leicestershire Police can approve or reject this creative." in page
    # As in the API: seen (read-only), so refused rather than not found.
    answer = client.post(f"/console/creatives/{pending['id']}/approve", data={"csrf_token": token})
    assert answer.status_code == 403
    assert _status(client, world, pending) == "pending"


def test_another_forces_queue_is_not_shown(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    campaign = make_campaign(client, world, "force_b_editor", name="Scotland")
    theirs = upload_creative(client, world, campaign["id"], "force_b_editor", name="Scots poster")
    token = signed_in(client, world, "force_a_approver")
    page = client.get("/console/approvals").text
    assert "Scots poster" not in page
    answer = client.post(f"/console/creatives/{theirs['id']}/approve", data={"csrf_token": token})
    assert answer.status_code == 404
    # Nor does a done= banner name another force's creative.
    banner = client.get(f"/console/approvals?done=approved:{theirs['id']}").text
    assert "Scots poster" not in banner


def test_without_the_csrf_token_nothing_is_decided(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_approver")
    answer = client.post(f"/console/creatives/{pending['id']}/approve", data={})
    assert answer.status_code == 403
    assert _status(client, world, pending) == "pending"


@pytest.mark.parametrize("persona", ["force_a_editor", "partner_1", "force_a_admin"])
def test_only_approvers_go_there(client: TestClient, world: World, persona: str) -> None:
    signed_in(client, world, persona)
    assert client.get("/console/approvals").status_code == 403
    assert 'href="/console/approvals"' not in client.get("/console").text


def test_approvers_see_the_link(client: TestClient, world: World) -> None:
    signed_in(client, world, "force_a_approver")
    assert 'href="/console/approvals"' in client.get("/console").text


def test_deciding_twice_is_a_conflict_page_not_an_error(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_approver")
    client.post(f"/console/creatives/{pending['id']}/approve", data={"csrf_token": token})
    again = client.post(f"/console/creatives/{pending['id']}/approve", data={"csrf_token": token})
    assert again.status_code == 409
    assert "already approved" in again.text


def test_a_page_past_the_end_shows_the_last_page(
    client: TestClient, world: World, pending: dict[str, Any]
) -> None:
    # After decisions shorten the queue, a link to a later page still shows what is left.
    signed_in(client, world, "force_a_approver")
    page = client.get("/console/approvals?page=5")
    assert page.status_code == 200
    assert "Walk Away poster" in page.text
