"""Photos on disk, content-addressed: the file's name is its SHA-256, so a copy is stored once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

ALLOWED_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
MAX_BYTES = 15 * 1024 * 1024


class PhotoStore:
    """Stores and reads photo bytes under a root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes, digest: str | None = None) -> str:
        """Write `content` (atomically) and return its SHA-256; `digest`, when the caller has
        already computed it with `digest_of`, saves hashing the bytes twice."""
        return self.put_new(content, digest)[0]

    def put_new(self, content: bytes, digest: str | None = None) -> tuple[str, bool]:
        """Like `put`, and whether this call created the file (so only it may `discard` it)."""
        digest = digest or digest_of(content)
        target = self.path_for(digest)
        if target.exists():
            return digest, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())  # on disk before the row that names it is committed
        os.replace(tmp, target)
        return digest, True

    def discard(self, sha256: str) -> None:
        """Remove a file this request created when its row was not kept after all."""
        self.path_for(sha256).unlink(missing_ok=True)

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


def digest_of(content: bytes) -> str:
    """The SHA-256 a photo is stored (and named) under."""
    return hashlib.sha256(content).hexdigest()


def sniff_type(content: bytes) -> str | None:
    """The image type the bytes really are (the upload's own claim is not trusted)."""
    for content_type, magic in ALLOWED_TYPES.items():
        if content.startswith(magic):
            return content_type
    return None
