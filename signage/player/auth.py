"""Device-token authentication: a screen's token opens the player endpoints, and only those."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from signage.core.deps import SessionDep
from signage.core.errors import Unauthorized
from signage.screens import service as screens
from signage.screens.models import Screen

device_bearer = HTTPBearer(auto_error=False, scheme_name="DeviceToken")


def get_screen(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(device_bearer)],
) -> Screen:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send the screen's device token as a bearer token")
    screen = screens.screen_for_token(session, credentials.credentials)
    if screen is None:
        raise Unauthorized("Device token is invalid, rotated or revoked")
    return screen


CurrentScreen = Annotated[Screen, Depends(get_screen)]
