"""Users (admins only): the users an admin may manage, "Add user", and a user's page with
"Disable account" / "Enable account" and "Reset password".

All of it is the API's ``users.service`` with the API's own input models (``UserCreate``,
``UserUpdate``): the same tenancy (a national admin sees every organisation's users, another
admin their own organisation's; anyone else's are 404), the same rules and messages. A password
an admin sets here, for a new account or a reset, is a temporary one: the user must choose
their own at their next sign-in (signage.console.password).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from signage.console.account_forms import account_errors
from signage.console.api_forms import (
    FieldError,
    PostedForm,
    blank_messages,
    problem_field,
    unit_of_work,
)
from signage.console.i18n import N_
from signage.console.navigation import may_visit
from signage.console.routing import ConsoleRoute, SignedInDep, VisitorDep, check_csrf, page_for
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.errors import Conflict, Forbidden, Invalid, NotFound
from signage.core.roles import ROLES_BY_KIND, OrganisationKind, Role
from signage.core.tenancy import Caller
from signage.organisations import service as organisations
from signage.organisations.models import Organisation
from signage.users import service
from signage.users.models import User, UserCreate, UserUpdate

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

AREA = "/console/users"
PAGE_SIZE = 50
UserId = Annotated[str, Path(max_length=64)]
NOT_ADMIN = N_("Only an admin manages users.")
OWN_PASSWORD = N_(
    "To change your own password, use Change password: it asks for your current password."
)

# In the order the form offers them.
ROLE_LABELS: dict[Role, str] = {
    Role.admin: N_("Admin"),
    Role.editor: N_("Editor"),
    Role.approver: N_("Approver"),
    Role.partner: N_("Partner"),
}
ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.admin: N_(
        "Adds the organisation’s users, disables them and resets their passwords. In a police "
        "organisation an admin also works on campaigns and schedules; in a partner "
        "organisation, on its venues and screens."
    ),
    Role.editor: N_(
        "Police staff: creates campaigns, uploads posters and videos, and builds schedules. "
        "Not in partner organisations."
    ),
    Role.approver: N_(
        "Police staff: does what an editor does, and approves or rejects other people’s "
        "uploads. Not in partner organisations."
    ),
    Role.partner: N_(
        "Venue staff: registers the organisation’s venues and adds, names and revokes their "
        "screens. Only in partner organisations."
    ),
}
KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.national: N_("National"),
    OrganisationKind.force: N_("Police force"),
    OrganisationKind.partner: N_("Partner"),
}
# The form's inputs by the API's field names (the error summary links to these ids), in the
# order the form shows them, which the error summary follows.
FIELDS = {
    "email": "email",
    "organisation_id": "organisation_id",
    "role": "role",
    "password": "password",
}
BLANK = {
    "email": N_("Enter the user’s email address"),
    "password": N_("Enter a temporary password"),
    "role": N_("Select a role"),
    "organisation_id": N_("Select an organisation"),
}
# What the user's page says after an action, by the redirect's ?done=.
DONE = {
    "added": N_("User added. Give them their temporary password in person or by phone."),
    "disabled": N_("Account disabled. They can no longer sign in, and are signed out."),
    "enabled": N_("Account enabled. They can sign in again."),
    "reset": N_(
        "Password reset. Give them the temporary password in person or by phone: they must "
        "choose a new password when they next sign in, and are signed out everywhere."
    ),
}


@dataclass(frozen=True)
class OrganisationChoice:
    id: str
    name: str
    kind: OrganisationKind


def _require_admin(caller: Caller) -> None:
    if not may_visit(caller, AREA):
        raise Forbidden(NOT_ADMIN)


def _field_for(loc: tuple[Any, ...]) -> str | None:
    return FIELDS.get(str(loc[0])) if loc else None


def _choices(found: Iterable[Organisation]) -> list[OrganisationChoice]:
    return [OrganisationChoice(o.id, o.name, OrganisationKind(o.kind)) for o in found]


def _roles_for(choices: list[OrganisationChoice]) -> list[Role]:
    """The roles some organisation on offer has, in the form's order."""
    kinds = {choice.kind for choice in choices}
    return [role for role in ROLE_LABELS if any(role in ROLES_BY_KIND[kind] for kind in kinds)]


def _names(session: Session, caller: Caller) -> dict[str, str]:
    return {o.id: o.name for o in organisations.list_for(session, caller=caller)}


# --- the list -----------------------------------------------------------------------------


@router.get("/users")
def list_users(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    caller = signed_in.caller
    _require_admin(caller)
    with read_session(request.app.state.engine) as session:
        total = service.count_for(session, caller=caller)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        found = service.list_for(
            session, caller=caller, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        names = _names(session, caller)
    return render(
        request,
        "users.html",
        page_for(request, visitor, current=AREA),
        {
            "users": found,
            "organisations": names,
            "roles": ROLE_LABELS,
            "page_number": page,
            "pages": pages,
        },
    )


# --- Add user -----------------------------------------------------------------------------


def _add_page(
    request: Request,
    visitor: VisitorDep,
    *,
    choices: list[OrganisationChoice],
    values: dict[str, str],
    errors: tuple[FieldError, ...] | list[FieldError] = (),
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "user_add.html",
        page_for(request, visitor, current=AREA),
        {
            "organisations": choices,
            "roles": _roles_for(choices),
            "role_labels": ROLE_LABELS,
            "role_descriptions": ROLE_DESCRIPTIONS,
            "kinds": KIND_LABELS,
            "values": values,
            "errors": blank_messages(errors, values, BLANK),
        },
        status_code=status_code,
    )


def _organisation_choices(session: Session, caller: Caller) -> list[OrganisationChoice]:
    return _choices(service.organisations_for_new_users(session, caller=caller))


@router.get("/users/add")
def add_user_form(request: Request, visitor: VisitorDep, signed_in: SignedInDep) -> Response:
    _require_admin(signed_in.caller)
    with read_session(request.app.state.engine) as session:
        choices = _organisation_choices(session, signed_in.caller)
    only = {"organisation_id": choices[0].id} if len(choices) == 1 else {}
    return _add_page(request, visitor, choices=choices, values=only)


@router.post("/users/add")
def add_user(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, form: PostedForm
) -> Response:
    caller = signed_in.caller
    _require_admin(caller)
    body = {
        "email": form.get("email", "").strip(),
        "password": form.get("password", ""),
        "role": form.get("role", ""),
        "organisation_id": form.get("organisation_id", ""),
        # The admin knows this password: the user chooses their own when they first sign in.
        "must_change_password": True,
    }
    errors: list[FieldError] = []
    status = 422
    user_id: str | None = None
    with read_session(request.app.state.engine) as session:
        choices = _organisation_choices(session, caller)
    try:
        data = UserCreate.model_validate(body)
    except ValidationError as exc:
        errors = account_errors(exc, _field_for, "email")
    else:
        # The service hashes the password before its session's first query.
        with unit_of_work(request.app.state.engine, write=True) as session:
            try:
                user_id = service.create_for(session, caller=caller, data=data).id
            except Conflict as problem:
                errors, status = [FieldError("email", problem.detail)], problem.status
            except Invalid as problem:
                errors = [problem_field(problem.detail, FIELDS, "role")]
            except NotFound as problem:
                # An organisation out of the caller's sight: as if it were not on the list.
                errors = [FieldError("organisation_id", problem.detail)]
    if user_id is None:
        order = list(FIELDS.values())
        errors.sort(key=lambda e: order.index(e.field) if e.field in order else len(order))
        return _add_page(
            request, visitor, choices=choices, values=form, errors=errors, status_code=status
        )
    return RedirectResponse(f"{AREA}/{user_id}?done=added", status_code=303)


# --- a user's page ------------------------------------------------------------------------


def _user_page(
    request: Request,
    visitor: VisitorDep,
    caller: Caller,
    user_id: str,
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    errors: tuple[FieldError, ...] | list[FieldError] = (),
    status_code: int = 200,
) -> Response:
    with read_session(request.app.state.engine) as session:
        user = service.get_for(session, caller=caller, user_id=user_id)
        organisation = organisations.get_for(
            session, caller=caller, organisation_id=user.organisation_id
        )
    return render(
        request,
        "user.html",
        page_for(request, visitor, current=AREA),
        {
            "user": user,
            "organisation": organisation,
            "roles": ROLE_LABELS,
            "kinds": KIND_LABELS,
            "is_self": user.id == caller.user_id,
            "done": DONE.get(done),
            "errors": blank_messages(errors, values or {}, BLANK),
        },
        status_code=status_code,
    )


@router.get("/users/{user_id}")
def user_page(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    user_id: UserId,
    done: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    _require_admin(signed_in.caller)
    return _user_page(request, visitor, signed_in.caller, user_id, done=done)


def _update(request: Request, caller: Caller, user_id: str, data: UserUpdate) -> User:
    with unit_of_work(request.app.state.engine, write=True) as session:
        return service.update_for(session, caller=caller, user_id=user_id, data=data)


@router.post("/users/{user_id}/disable")
def disable_user(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, user_id: UserId
) -> Response:
    del visitor
    _require_admin(signed_in.caller)
    # The service refuses an admin disabling themselves, in its own words (a 403 page).
    _update(request, signed_in.caller, user_id, UserUpdate(is_active=False))
    return RedirectResponse(f"{AREA}/{user_id}?done=disabled", status_code=303)


@router.post("/users/{user_id}/enable")
def enable_user(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, user_id: UserId
) -> Response:
    del visitor
    _require_admin(signed_in.caller)
    _update(request, signed_in.caller, user_id, UserUpdate(is_active=True))
    return RedirectResponse(f"{AREA}/{user_id}?done=enabled", status_code=303)


@router.post("/users/{user_id}/password")
def reset_password(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    user_id: UserId,
    form: PostedForm,
) -> Response:
    caller = signed_in.caller
    _require_admin(caller)
    with read_session(request.app.state.engine) as session:
        # 404 out of sight before anything is validated (as the API does).
        user = service.get_for(session, caller=caller, user_id=user_id, write=True)
    if user.id == caller.user_id:
        # Setting one's own password without the current one would let anyone at an
        # unattended browser take the account.
        raise Forbidden(OWN_PASSWORD)
    try:
        data = UserUpdate.model_validate({"password": form.get("password", "")})
    except ValidationError as exc:
        errors = account_errors(exc, _field_for, "password")
        return _user_page(
            request, visitor, caller, user_id, values=form, errors=errors, status_code=422
        )
    _update(request, caller, user_id, data)
    return RedirectResponse(f"{AREA}/{user_id}?done=reset", status_code=303)
