"""Outsmart SPACE ids in the console: a screen's frame ID on its page, a campaign's buyer,
agency and brand IDs on its page; the API's rules and messages, shown on their fields."""

from fastapi.testclient import TestClient

from tests.console.console_helpers import signed_in
from tests.factories import World, make_campaign, make_screen, make_venue


def test_a_partner_sets_a_screens_frame_id(client: TestClient, world: World) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    other = make_screen(client, world, make_venue(client, world, name="The Anchor")["id"])
    token = signed_in(client, world, "partner_1")
    url = f"/console/screens/{screen['id']}"
    form = {"csrf_token": token, "name": screen["name"], "tags": ""}
    saved = client.post(url, data={**form, "frameid": "1234567890"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    api = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1")).json()
    assert api["frameid"] == "1234567890"
    assert "1234567890" in client.get(url).text
    wrong = client.post(url, data={**form, "frameid": "12345"})
    assert wrong.status_code == 422
    assert 'href="#frameid"' in wrong.text
    assert "Enter the frame ID as 10 digits" in wrong.text
    taken = client.post(
        f"/console/screens/{other['id']}",
        data={**form, "name": other["name"], "frameid": "1234567890"},
    )
    assert taken.status_code == 422
    assert 'href="#frameid"' in taken.text
    assert "already the frame id of another screen" in taken.text
    cleared = client.post(url, data={**form, "frameid": ""}, follow_redirects=False)
    assert cleared.status_code == 303
    api = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1")).json()
    assert api["frameid"] is None


def test_an_editor_sets_a_campaigns_space_ids(client: TestClient, world: World) -> None:
    campaign = make_campaign(client, world)
    token = signed_in(client, world, "force_a_editor")
    url = f"/console/campaigns/{campaign['id']}"
    page = client.get(url)
    assert 'id="space"' in page.text
    saved = client.post(
        f"{url}/space",
        data={
            "csrf_token": token,
            "spacebuyerid": "4401",
            "spaceagencyid": "",
            "spacebrandid": "77",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    api = client.get(f"/v1/campaigns/{campaign['id']}", headers=world.headers("force_a_editor"))
    ids = api.json()
    assert (ids["spacebuyerid"], ids["spaceagencyid"], ids["spacebrandid"]) == (4401, None, 77)
    assert 'value="4401"' in client.get(url).text
    wrong = client.post(
        f"{url}/space",
        data={"csrf_token": token, "spacebuyerid": "-3", "spacebrandid": "lots"},
    )
    assert wrong.status_code == 422
    assert 'href="#spacebuyerid"' in wrong.text
    assert 'href="#spacebrandid"' in wrong.text
    assert "Enter the brand ID as a whole number" in wrong.text


def test_the_space_ids_form_needs_its_csrf_token_and_the_campaigns_owner(
    client: TestClient, world: World
) -> None:
    campaign = make_campaign(client, world)
    token = signed_in(client, world, "force_b_editor")
    other = client.post(
        f"/console/campaigns/{campaign['id']}/space",
        data={"csrf_token": token, "spacebuyerid": "1"},
    )
    assert other.status_code == 404
    client.cookies.clear()
    signed_in(client, world, "force_a_editor")
    forged = client.post(f"/console/campaigns/{campaign['id']}/space", data={"spacebuyerid": "1"})
    assert forged.status_code == 403
