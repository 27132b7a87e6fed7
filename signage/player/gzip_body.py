"""A gzip body made of a small per-screen prefix and a shared tail compressed once.

Every screen with the same inputs gets the same playlist except for its `screen_id`, which
comes first. Compressing each body per poll would cost more than serving it, and a body of
several gzip members is not an answer either: Chromium decodes only the first member and
ignores the rest. So the body is one gzip member (RFC 1952) whose DEFLATE stream (RFC 1951)
is a stored block holding the prefix, followed by the tail's own stream, compressed once per
compiled playlist by a compressor that never saw the prefix (so it refers to nothing before
it). Only the trailer's CRC-32 covers both: CRC-32 is affine in its starting value, so the
tail's effect on any starting value is tabulated once and the per-screen CRC costs four
table lookups instead of a pass over the tail.
"""

import struct
import zlib

# ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=unknown: the same bytes for every body, so a
# body is a function of its content alone.
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_STORED_MAX = 0xFFFF
LEVEL = 6


def _stored_blocks(data: bytes) -> bytes:
    """``data`` as non-final stored DEFLATE blocks, each starting on a byte boundary."""
    out = bytearray()
    for start in range(0, max(len(data), 1), _STORED_MAX):
        chunk = data[start : start + _STORED_MAX]
        # BFINAL=0, BTYPE=00, padded to the byte; then LEN and its one's complement.
        out += b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
    return bytes(out)


class SplicedGzip:
    """``body(prefix)`` is ``gzip`` of ``prefix + tail`` at the cost of copying bytes."""

    __slots__ = ("_deflated", "_crc_of_zero", "_tables", "_tail_length")

    def __init__(self, tail: bytes, level: int = LEVEL) -> None:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._deflated = compressor.compress(tail) + compressor.flush()
        self._tail_length = len(tail)
        # g(c) = crc32(tail, c) is affine in c: g(c) = g(0) ^ L(c) with L linear, so L is
        # known from its value on each of the 32 bits, kept as four byte-indexed tables.
        base = zlib.crc32(tail, 0)
        columns = [zlib.crc32(tail, 1 << bit) ^ base for bit in range(32)]
        tables: list[list[int]] = []
        for byte in range(4):
            table = [0] * 256
            for value in range(1, 256):
                low = value & -value  # the lowest set bit: table[value] builds on a smaller one
                table[value] = table[value ^ low] ^ columns[byte * 8 + low.bit_length() - 1]
            tables.append(table)
        self._crc_of_zero = base
        self._tables = tuple(tables)

    @property
    def compressed_tail_bytes(self) -> int:
        return len(self._deflated)

    def crc32(self, prefix: bytes) -> int:
        """CRC-32 of ``prefix + tail``, without reading the tail."""
        c = zlib.crc32(prefix)
        t0, t1, t2, t3 = self._tables
        return (
            self._crc_of_zero
            ^ t0[c & 0xFF]
            ^ t1[(c >> 8) & 0xFF]
            ^ t2[(c >> 16) & 0xFF]
            ^ t3[c >> 24]
        )

    def body(self, prefix: bytes) -> bytes:
        trailer = struct.pack(
            "<II", self.crc32(prefix), (len(prefix) + self._tail_length) & 0xFFFFFFFF
        )
        return _HEADER + _stored_blocks(prefix) + self._deflated + trailer
