"""The console's takeover tests share these: the form's fields, posting it, reading the id of
the takeover it created."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.takeovers.helpers import Scene

LONDON = ZoneInfo("Europe/London")
REASON = "Serious assault in the city centre; de-escalation message tonight"


def end_fields(after: timedelta) -> dict[str, str]:
    """The form's end inputs for ``after`` from now, on the UK clock."""
    end = (datetime.now(UTC) + after).astimezone(LONDON)
    return {"end-date": end.date().isoformat(), "end-time": end.strftime("%H:%M")}


def form(here: Scene, token: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": token,
        "creative_ids": [here.urgent["id"]],
        "venue_kinds": ["pub"],
        **end_fields(timedelta(hours=3)),
        "reason": REASON,
        "break_glass": "no",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def create(client: TestClient, here: Scene, token: str, **changes: Any) -> str:
    """Post the form; returns the takeover's page (its URL, with the ?done= banner)."""
    answer = client.post("/console/takeovers/new", data=form(here, token, **changes))
    assert answer.history, answer.text
    assert answer.history[0].status_code == 303, answer.text
    assert answer.status_code == 200, answer.text
    return str(answer.url)


def takeover_id_of(url: str) -> str:
    return url.split("/console/takeovers/")[1].split("?")[0]
