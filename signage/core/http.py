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
