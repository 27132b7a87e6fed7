"""Small HTTP helpers shared by the routes that serve cacheable bytes."""

from functools import lru_cache


def etag_matches(header: str | None, etag: str) -> bool:
    """`If-None-Match` by weak comparison: `*`, a list, and `W/` prefixes all count."""
    if not header:
        return False
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def etag_matches_strongly(header: str | None, etag: str) -> bool:
    """`If-Match` (RFC 9110 13.1.1): `*`, or one of the listed tags by strong comparison, so
    a weak `W/` tag never matches. No header is no precondition."""
    if header is None:
        return True
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate == etag:
            return True
    return False


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether `Accept-Encoding` (RFC 9110 12.5.3) admits gzip: listed (or `x-gzip`), or
    `*`, with a non-zero weight, and not refused by name. Clients send the same few values
    over and over, so each distinct one is parsed once."""
    named: float | None = None
    anything: float | None = None
    for part in accept_encoding.decode("latin-1").lower().split(","):
        coding, _, params = part.partition(";")
        coding = coding.strip()
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if coding in ("gzip", "x-gzip"):
            named = weight
        elif coding == "*":
            anything = weight
    if named is not None:
        return named > 0
    return anything is not None and anything > 0
