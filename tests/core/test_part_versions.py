"""The playlist version and its parts (signage.core.versioning): an edit moves the whole's
counter and its own part's, never the other part's."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from signage.core.versioning import Part, read_version
from tests.factories import World, make_campaign, make_venue


def versions(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return (
            read_version(connection),
            read_version(connection, Part.estate),
            read_version(connection, Part.programme),
        )


def moved(before: tuple[int, int, int], after: tuple[int, int, int]) -> tuple[bool, ...]:
    return tuple(b != a for b, a in zip(before, after, strict=True))


def test_an_edit_of_the_estate_moves_the_estate_and_the_whole(
    client: TestClient, engine: Engine, world: World
) -> None:
    before = versions(engine)
    venue: dict[str, Any] = make_venue(client, world)
    assert moved(before, versions(engine)) == (True, True, False)
    before = versions(engine)
    renamed = client.patch(
        f"/v1/venues/{venue['id']}", json={"name": "The Crown"}, headers=world.headers("partner_1")
    )
    assert renamed.status_code == 200, renamed.text
    assert moved(before, versions(engine)) == (True, True, False)


def test_an_edit_of_the_programme_moves_the_programme_and_the_whole(
    client: TestClient, engine: Engine, world: World
) -> None:
    before = versions(engine)
    campaign = make_campaign(client, world)
    assert moved(before, versions(engine)) == (True, False, True)
    before = versions(engine)
    renamed = client.patch(
        f"/v1/campaigns/{campaign['id']}",
        json={"name": "Walk Away, winter"},
        headers=world.headers("force_a_editor"),
    )
    assert renamed.status_code == 200, renamed.text
    assert moved(before, versions(engine)) == (True, False, True)
