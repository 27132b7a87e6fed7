"""How a takeover is shown in the console: its state tag, why it ended, its times on the UK
clock, and who may go to its pages (the list and a takeover's own pages share these)."""

from datetime import datetime

from signage.console.i18n import N_, Translator
from signage.console.navigation import may_visit
from signage.core.errors import Forbidden
from signage.core.tenancy import Caller
from signage.takeovers.models import EndReason, TakeoverState

AREA = "/console/takeovers"
NOT_A_TAKER = N_("Takeovers are for editors and approvers of a force or the national unit.")
STATE_TAGS: dict[TakeoverState, tuple[str, str]] = {
    TakeoverState.pending: (N_("Pending"), "govuk-tag--yellow"),
    TakeoverState.active: (N_("Active"), "govuk-tag--green"),
    TakeoverState.ended: (N_("Ended"), "govuk-tag--grey"),
}
END_REASONS: dict[EndReason, str] = {
    EndReason.ended_early: N_("Stopped early"),
    EndReason.expired: N_("Reached its end"),
    EndReason.not_confirmed: N_("Not confirmed in time"),
}


def require_taker(caller: Caller) -> None:
    """Partners and admins never see these pages (the navigation hides them too)."""
    if not may_visit(caller, AREA):
        raise Forbidden(NOT_A_TAKER)


def instant(t: Translator, at: datetime) -> str:
    """``Friday, 4 December 2026 21:05``: the console's wall clock (UK time)."""
    return f"{t.date(at)} {t.time(at)}"


def state_tag(t: Translator, state: TakeoverState) -> tuple[str, str]:
    """The state's words and GOV.UK tag colour."""
    text, tag = STATE_TAGS[state]
    return t.gettext(text), tag
