"""The main navigation: each area of the console, and who may go there.

A link is shown only where the caller's role may go (the same role rules as the API's, from
signage.core.roles and the campaign rules) and only once its page exists, so nobody follows a
link to a page that is not there yet. An area whose page is added later appears by itself.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

from signage.campaigns.models import CAMPAIGN_ORGANISATION_KINDS, CAMPAIGN_ROLES
from signage.console.i18n import N_
from signage.core.roles import Role
from signage.core.tenancy import Caller
from signage.takeovers.service import TAKES_OVER


@dataclass(frozen=True)
class Link:
    label: str  # English; translated where it is shown
    path: str


def _police_staff(caller: Caller) -> bool:
    """Campaigns, creatives and schedules are police business (national and forces)."""
    return caller.organisation_kind in CAMPAIGN_ORGANISATION_KINDS and caller.role in CAMPAIGN_ROLES


def _approver(caller: Caller) -> bool:
    return caller.organisation_kind in CAMPAIGN_ORGANISATION_KINDS and caller.role is Role.approver


def _takes_over(caller: Caller) -> bool:
    """Takeovers are for editors and approvers of a force or the national unit (the
    takeovers service's rule): not partners, and not admins."""
    return caller.organisation_kind in CAMPAIGN_ORGANISATION_KINDS and caller.role in TAKES_OVER


def _anyone(_caller: Caller) -> bool:
    return True


def _admin(caller: Caller) -> bool:
    return caller.role is Role.admin


AREAS: tuple[tuple[Link, Callable[[Caller], bool]], ...] = (
    (Link(N_("Tonight"), "/console"), _anyone),
    (Link(N_("Campaigns"), "/console/campaigns"), _police_staff),
    (Link(N_("Approvals"), "/console/approvals"), _approver),
    (Link(N_("Schedules"), "/console/schedules"), _police_staff),
    (Link(N_("Takeovers"), "/console/takeovers"), _takes_over),
    (Link(N_("Screens"), "/console/screens"), _anyone),
    (Link(N_("Venues"), "/console/venues"), _anyone),
    (Link(N_("Reports"), "/console/reports"), _anyone),
    # Each organisation's own log (national staff: everyone's), as GET /v1/audit gives it.
    (Link(N_("Audit log"), "/console/audit"), _anyone),
    (Link(N_("Users"), "/console/users"), _admin),
)


def may_visit(caller: Caller, path: str) -> bool:
    """Whether the caller's role may go to the area at ``path`` (any role for other paths)."""
    for link, allowed in AREAS:
        if link.path == path:
            return allowed(caller)
    return True


def navigation_for(caller: Caller, existing: Collection[str]) -> tuple[Link, ...]:
    """The links the caller sees, in order: allowed for their role and with a page in
    ``existing`` (the app's GET paths)."""
    return tuple(link for link, allowed in AREAS if allowed(caller) and link.path in existing)
