"""The media route's pure helpers: Range and If-None-Match parsing (no server, no database)."""

import pytest

from signage.creatives.media_router import ByteRange, RangeNotSatisfiable, etag_matches, parse_range

ETAG = '"' + "a" * 64 + '"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=10-", ByteRange(10, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-500", ByteRange(0, 99)),
        ("bytes=50-5000", ByteRange(50, 99)),
        ("bytes=99-99", ByteRange(99, 99)),
        (" bytes = 0 - 9 ", ByteRange(0, 9)),
    ],
)
def test_single_ranges(header: str, expected: ByteRange) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize(
    "header",
    [None, "", "bytes=", "bytes=-", "bytes=9-0", "bytes=0-1,3-4", "items=0-9", "bytes=a-b"],
)
def test_ranges_that_mean_the_whole_file(header: str | None) -> None:
    assert parse_range(header, 100) is None


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)


@pytest.mark.parametrize("header", [ETAG, f"W/{ETAG}", f'"x", {ETAG}', f'"x",W/{ETAG}', "*"])
def test_if_none_match_matches(header: str) -> None:
    assert etag_matches(header, ETAG)


@pytest.mark.parametrize("header", [None, "", '"x"', "a" * 64, f'"{"b" * 64}"'])
def test_if_none_match_does_not_match(header: str | None) -> None:
    assert not etag_matches(header, ETAG)
