"""Secrets: password hashes, signed access tokens, device tokens and pairing codes."""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_passwords = PasswordHash((Argon2Hasher(),))
# Verifying against this when the user does not exist keeps the timing of "no such user" and
# "wrong password" alike, so logins cannot probe which emails have accounts.
_DUMMY_HASH = _passwords.hash("not-a-real-password")

_ALGORITHM = "HS256"
_AUDIENCE = "signage:staff"

# RFC 8628 section 6.1: a user code from an alphabet without look-alikes (no 0/O, 1/I/L).
USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
USER_CODE_LENGTH = 8


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _passwords.verify(password, _DUMMY_HASH)
        return False
    return _passwords.verify(password, password_hash)


# Responses that carry a secret (an access token, a device token or code) are never cached,
# by a browser or by a proxy on the way (RFC 6749 section 5.1).
NO_STORE_HEADERS: Mapping[str, str] = MappingProxyType(
    {"Cache-Control": "no-store", "Pragma": "no-cache"}
)


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    # Random per token: what signing out records, so it ends this token and no other.
    token_id: str
    issued_at: datetime
    expires_at: datetime


def issue_access_token(*, user_id: str, secret: str, lifetime: timedelta) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": user_id,
        "aud": _AUDIENCE,
        # A fractional NumericDate (RFC 7519 section 2): a token issued a moment after a
        # password change must not look as old as one issued a moment before it.
        "iat": now.timestamp(),
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode(payload, secret, algorithm=_ALGORITHM)


def read_access_token(token: str, *, secret: str) -> AccessClaims | None:
    """The token's claims, or None when it is forged, malformed or expired."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["sub", "exp", "aud", "iat", "jti"]},
        )
    except jwt.PyJWTError:
        return None
    subject, token_id, issued = payload.get("sub"), payload.get("jti"), payload.get("iat")
    if not isinstance(subject, str) or not isinstance(token_id, str) or not token_id:
        return None
    if not isinstance(issued, int | float) or isinstance(issued, bool):
        return None
    try:
        issued_at = datetime.fromtimestamp(issued, UTC)
        expires_at = datetime.fromtimestamp(payload["exp"], UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return AccessClaims(
        user_id=subject, token_id=token_id, issued_at=issued_at, expires_at=expires_at
    )


def hash_secret(token: str) -> str:
    """Digest for high-entropy secrets (device tokens, device codes).

    They carry 256 random bits, so a fast digest is safe here and keeps the poll cheap; slow
    password hashing is for the low-entropy secrets people choose.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def new_device_token() -> str:
    return "sgd_" + secrets.token_urlsafe(32)


def new_device_code() -> str:
    return secrets.token_urlsafe(32)


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def format_user_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalise_user_code(typed: str) -> str:
    """What a person typed, reduced to the stored form: case, spaces and dashes do not matter."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())
