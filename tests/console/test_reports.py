"""The Reports page: the API's totals per night, creative, kind of venue and force for a range
of nights (the same as the raw plays' report over those nights in UK time), each caller's
own plays only, the range's errors on their fields, and the Outsmart CSV through the API's
own download."""

import re
from html import unescape
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from tests.console.console_helpers import signed_in
from tests.factories import World, play_record
from tests.plays import conftest as plays

# The estate of known plays the API's report tests use (tests/plays/conftest.py).
estate = plays.estate
force_b_approver = plays.force_b_approver
Estate = plays.Estate

# Friday 27 to Sunday 29 November 2026: from 06:00 on Friday until 06:00 on Monday (GMT).
NIGHTS = {"from": "2026-11-27", "to": "2026-11-29"}
INSTANTS = {"from": "2026-11-27T06:00:00Z", "to": "2026-11-30T06:00:00Z"}
_ROW = re.compile(
    r'<tr class="govuk-table__row">\s*<th scope="row"[^>]*>(.*?)</th>\s*'
    r"<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>",
    re.S,
)


def table(html: str, section: str) -> list[tuple[str, str, str]]:
    """The rows of a section's table: (label, plays, hours) as shown."""
    found = re.search(rf'<table [^>]*id="{section}-table">(.*?)</table>', html, re.S)
    assert found, f"no table for {section}"
    return [(unescape(a.strip()), b.strip(), c.strip()) for a, b, c in _ROW.findall(found.group(1))]


def api_rows(client: TestClient, world: World, persona: str, group_by: str) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/reports/plays",
        params={**INSTANTS, "group_by": group_by},
        headers=world.headers(persona),
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def hours(seconds: float) -> str:
    return f"{seconds / 3600:,.2f}"


def test_the_page_shows_the_api_report_for_the_nights(
    client: TestClient, world: World, estate: Estate
) -> None:
    signed_in(client, world, "national_editor")
    page = client.get("/console/reports", params=NIGHTS)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'value="2026-11-27"' in html
    assert 'value="2026-11-29"' in html

    # Each grouping's table holds the API's rows for the same plays, in its order.
    creatives = api_rows(client, world, "national_editor", "creative")
    assert table(html, "creatives") == [
        (r["label"], str(r["plays"]), hours(r["seconds"])) for r in creatives
    ]
    assert table(html, "creatives") == [
        ("Walk Away poster", "3", "0.01"),
        ("Get Home Safe", "2", "0.01"),
    ]
    kinds = api_rows(client, world, "national_editor", "venue_kind")
    assert [r["label"] for r in kinds] == ["pub", "takeaway"]
    assert table(html, "venue-kinds") == [
        (label, str(r["plays"]), hours(r["seconds"]))
        for label, r in zip(["Pub", "Takeaway"], kinds, strict=True)
    ]
    forces = api_rows(client, world, "national_editor", "force")
    assert table(html, "forces") == [
        (r["label"], str(r["plays"]), hours(r["seconds"])) for r in forces
    ]
    assert [r[0] for r in table(html, "forces")] == ["Leicestershire Police", "Police Scotland"]
    nights = {r["night"]: r for r in api_rows(client, world, "national_editor", "night")}
    assert set(nights) == {"2026-11-27", "2026-11-28"}
    # Every night of the range is listed, one without plays too.
    assert table(html, "nights") == [
        ("Friday, 27 November 2026", "3", hours(nights["2026-11-27"]["seconds"])),
        ("Saturday, 28 November 2026", "2", hours(nights["2026-11-28"]["seconds"])),
        ("Sunday, 29 November 2026", "0", "0.00"),
    ]

    totals = re.search(r'id="totals".*?</dl>', html, re.S)
    assert totals
    assert re.search(r">\s*5\s*<", totals.group(0))
    # Each grouping's chart is there, named for a screen reader, one bar a group.
    for chart, bars in (("nights", 3), ("creatives", 2), ("venue-kinds", 2), ("forces", 2)):
        svg = re.search(rf'<svg [^>]*id="chart-{chart}".*?</svg>', html, re.S)
        assert svg, chart
        assert 'role="img"' in svg.group(0)
        assert f'aria-labelledby="chart-{chart}-title chart-{chart}-desc"' in svg.group(0)
        assert svg.group(0).count("<rect") == bars
    assert "3 plays, 0.01 hours" in html
    link = re.search(r'id="download-csv" href="([^"]+)"', html)
    assert link
    assert unescape(link.group(1)) == "/console/reports/plays.csv?from=2026-11-27&to=2026-11-29"


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("partner_1", "Walk Away poster", ["Get Home Safe", "Police Scotland", "Takeaway"]),
        ("partner_2", "Get Home Safe", ["Walk Away poster", "Leicestershire Police", "Pub"]),
        ("force_b_editor", "Get Home Safe", ["Walk Away poster", "Leicestershire Police"]),
        ("force_a_approver", "Walk Away poster", ["Get Home Safe", "Police Scotland"]),
    ],
)
def test_each_caller_sees_only_their_own_plays(
    client: TestClient,
    world: World,
    estate: Estate,
    persona: str,
    shown: str,
    hidden: list[str],
) -> None:
    signed_in(client, world, persona)
    html = client.get("/console/reports", params=NIGHTS).text
    expected = api_rows(client, world, persona, "creative")
    assert [r["label"] for r in expected] == [shown]
    assert table(html, "creatives") == [(shown, str(expected[0]["plays"]), "0.01")]
    for name in hidden:
        assert name not in html, name


def _creative_plays(html: str) -> list[str]:
    return [row[1] for row in table(html, "creatives")]


def test_a_recorded_play_is_in_the_report_at_once(
    client: TestClient, world: World, estate: Estate
) -> None:
    signed_in(client, world, "national_editor")
    assert _creative_plays(client.get("/console/reports", params=NIGHTS).text) == ["3", "2"]
    late = play_record(estate.creative_a["id"], "2026-11-28T21:00:00Z")
    assert plays.post_at(client, estate.screen_1, [late], plays.POSTED_AT).status_code == 200
    # Added to its night's totals as it was recorded: no rollup, no waiting.
    assert _creative_plays(client.get("/console/reports", params=NIGHTS).text) == ["4", "2"]
    # The same play sent again is counted once.
    assert plays.post_at(client, estate.screen_1, [late], plays.POSTED_AT).status_code == 200
    assert _creative_plays(client.get("/console/reports", params=NIGHTS).text) == ["4", "2"]
    other = client.get("/console/reports", params={"from": "2026-11-28", "to": "2026-11-28"})
    assert _creative_plays(other.text) == ["2", "1"]  # p3 and the late one; p5
    client.cookies.clear()
    signed_in(client, world, "partner_2")
    assert table(client.get("/console/reports", params=NIGHTS).text, "creatives") == [
        ("Get Home Safe", "2", "0.01")
    ]


def test_a_caller_without_plays_sees_a_sentence_not_a_chart(
    client: TestClient, world: World, estate: Estate
) -> None:
    signed_in(client, world, "national_editor")
    html = client.get("/console/reports", params={"from": "2026-10-01", "to": "2026-10-07"}).text
    assert "<svg" not in html
    assert html.count("No plays in these nights.") == 4
    assert "-table" not in html  # no tables of zeros


def test_the_default_is_the_last_seven_nights(
    client: TestClient, world: World, estate: Estate
) -> None:
    # Monday 30 November, 12:00: the nights from Tuesday 24 to Monday 30 November.
    with time_machine.travel(plays.POSTED_AT, tick=False):
        signed_in(client, world, "national_editor")
        html = client.get("/console/reports").text
    assert 'value="2026-11-24"' in html
    assert 'value="2026-11-30"' in html
    assert [row[1] for row in table(html, "creatives")] == ["3", "2"]
    assert len(table(html, "nights")) == 7


def test_welsh_numbers_dates_and_words(client: TestClient, world: World, estate: Estate) -> None:
    signed_in(client, world, "national_editor")
    client.cookies.set("lang", "cy")
    html = client.get("/console/reports", params=NIGHTS).text
    assert '<html lang="cy"' in html
    assert "Dydd Gwener, 27 Tachwedd 2026" in html
    assert "Gwen 27 Tach" in html  # under the night's column
    assert [row[0] for row in table(html, "venue-kinds")] == ["Tafarn", "Siop bwyd parod"]
    assert "Lawrlwytho CSV" in html


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-11-29", "to": "2026-11-27"}, "to", "last: must not be before first"),
        (
            {"from": "2025-01-01", "to": "2026-11-29"},
            "to",
            "last: the range may span at most 366 nights",
        ),
        ({"from": "27 November", "to": "2026-11-29"}, "from", "The first night must be a real"),
        ({"from": "2026-11-27", "to": "2026-02-30"}, "to", "The final night must be a real"),
        (
            {"from": "1999-12-31", "to": "2000-01-02"},
            "from",
            "from: the range must be between 2000-01-01 and 2100-12-31",
        ),
        ({"from": "2100-12-31"}, "to", "last: the range must be between 2000-01-01"),
    ],
)
def test_a_bad_range_is_shown_in_the_error_summary(
    client: TestClient, world: World, params: dict[str, str], field: str, message: str
) -> None:
    signed_in(client, world, "force_a_editor")
    answer = client.get("/console/reports", params=params)
    assert answer.status_code == 422, answer.text
    assert "govuk-error-summary" in answer.text
    assert f'href="#{field}"' in answer.text
    assert message in answer.text
    assert answer.text.count(message) == 2  # in the summary and on the field
    assert "<title>Error:" in answer.text
    assert "download-csv" not in answer.text
    for value in params.values():
        assert f'value="{value}"' in answer.text  # what was typed is kept

    csv = client.get("/console/reports/plays.csv", params=params)
    assert csv.status_code == 422
    assert csv.headers["content-type"].startswith("text/html")
    assert message in csv.text


def test_the_csv_is_the_api_playout_file(client: TestClient, world: World, estate: Estate) -> None:
    signed_in(client, world, "partner_1")
    download = client.get("/console/reports/plays.csv", params=NIGHTS)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith(
        'attachment; filename="plays-20261127T060000Z-20261130T060000Z-exported-'
    )
    # The console writes the file with SPACE ids missing, as the API does when asked to.
    incomplete = {**INSTANTS, "allow_incomplete": "true"}
    api = client.get("/v1/reports/plays.csv", params=incomplete, headers=world.headers("partner_1"))
    assert download.content == api.content
    lines = download.text.splitlines()
    # partner_1's screen showed p1, p2 and p3; partner_2's plays are not there.
    assert [line.split(",")[-1] for line in lines] == [
        estate.plays[p]["id"] for p in ("p1", "p2", "p3")
    ]
    assert {line.split(",")[17] for line in lines} == {estate.screen_1["id"]}
    assert all(len(line.split(",")) == 19 for line in lines)


@pytest.mark.parametrize("persona", ["national_admin", "force_a_approver", "partner_2_admin"])
def test_every_role_may_download_as_in_the_api(
    client: TestClient, world: World, estate: Estate, persona: str
) -> None:
    signed_in(client, world, persona)
    download = client.get("/console/reports/plays.csv", params=NIGHTS)
    incomplete = {**INSTANTS, "allow_incomplete": "true"}
    api = client.get("/v1/reports/plays.csv", params=incomplete, headers=world.headers(persona))
    assert download.status_code == api.status_code == 200
    assert download.content == api.content
    assert download.content  # each sees some plays


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    for path in ("/console/reports", "/console/reports/plays.csv"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/console/sign-in?next=")


def test_every_role_has_the_reports_link(client: TestClient, world: World) -> None:
    signed_in(client, world, "partner_2")
    html = client.get("/console").text
    assert 'href="/console/reports"' in html


def test_the_longest_range_is_366_nights(client: TestClient, world: World, estate: Estate) -> None:
    signed_in(client, world, "national_editor")
    answer = client.get("/console/reports", params={"from": "2025-12-01", "to": "2026-12-01"})
    assert answer.status_code == 200, answer.text
    assert len(table(answer.text, "nights")) == 366
    svg = re.search(r'<svg [^>]*id="chart-nights".*?</svg>', answer.text, re.S)
    assert svg
    assert svg.group(0).count("<rect") == 366
    assert _creative_plays(answer.text) == ["3", "2"]
    # One more night is refused by the service's own limit.
    longer = client.get("/console/reports", params={"from": "2025-11-30", "to": "2026-12-01"})
    assert longer.status_code == 422
    assert "last: the range may span at most 366 nights" in longer.text


def test_a_date_typed_day_first_is_read(client: TestClient, world: World, estate: Estate) -> None:
    # Where a browser has no date picker, people type dates as they write them.
    signed_in(client, world, "national_editor")
    answer = client.get("/console/reports", params={"from": "27/11/2026", "to": "29/11/2026"})
    assert answer.status_code == 200, answer.text
    assert 'value="2026-11-27"' in answer.text
    assert _creative_plays(answer.text) == ["3", "2"]
