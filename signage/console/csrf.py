"""CSRF tokens: one in a hidden field of every console form, checked on every POST.

Signed in, the token is the session's own random CSRF secret (stored with the session).
Before sign-in there is no session, so the sign-in form carries an HMAC, under the app's
secret key, of a random value in a cookie of its own: a page on another site can neither read
that cookie nor compute the token, so it cannot sign a browser in to an account of its choosing
(login CSRF). Tokens are compared with ``hmac.compare_digest``.
"""

import hashlib
import hmac
import secrets
from typing import Final

FIELD: Final = "csrf_token"
# The cookie behind the sign-in form's token.
SIGN_IN_COOKIE: Final = "console_csrf"


def new_sign_in_cookie() -> str:
    return secrets.token_urlsafe(32)


def sign_in_token(cookie_value: str, *, secret_key: str) -> str:
    message = b"console-sign-in:" + cookie_value.encode("utf-8", "surrogatepass")
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def matches(sent: object, expected: str | None) -> bool:
    """Whether the token sent equals the expected one (in constant time)."""
    if not expected or not isinstance(sent, str) or not sent or not sent.isascii():
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())
