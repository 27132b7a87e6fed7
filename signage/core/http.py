"""Small HTTP helpers shared by the routes that serve cacheable bytes."""


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
