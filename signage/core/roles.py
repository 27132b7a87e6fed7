"""The authorisation vocabulary: kinds of organisation and the roles people hold in them."""

from enum import StrEnum


class OrganisationKind(StrEnum):
    national = "national"
    force = "force"
    partner = "partner"


class Role(StrEnum):
    admin = "admin"
    editor = "editor"
    approver = "approver"
    partner = "partner"


# Which roles make sense in which kind of organisation: police staff edit and approve
# campaigns; venue operators run venues and screens; every organisation has admins.
ROLES_BY_KIND: dict[OrganisationKind, frozenset[Role]] = {
    OrganisationKind.national: frozenset({Role.admin, Role.editor, Role.approver}),
    OrganisationKind.force: frozenset({Role.admin, Role.editor, Role.approver}),
    OrganisationKind.partner: frozenset({Role.admin, Role.partner}),
}
