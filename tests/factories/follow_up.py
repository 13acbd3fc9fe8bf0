"""Images for the follow-up's photos."""

from __future__ import annotations

import struct
import zlib

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
"""Bytes with a PNG signature: enough for the store, not a decodable image."""


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 60, 60)) -> bytes:
    """A small but valid PNG image (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
