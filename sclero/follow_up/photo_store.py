"""Photos on disk, content-addressed: the file's name is its SHA-256, so a copy is stored once."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
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
        _fsync_folder(target.parent)  # the new name survives a power cut, too
        return digest, True

    def discard(self, sha256: str) -> None:
        """Remove a file this request created when its row was not kept after all."""
        self.path_for(sha256).unlink(missing_ok=True)

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def files(self) -> Iterator[Path]:
        """Every file under the root: photos, thumbnails and leftovers of interrupted writes."""
        if self.root.is_dir():
            yield from (path for path in self.root.glob("*/*") if path.is_file())

    def sweep(self, kept: set[str], older_than_seconds: float) -> int:
        """Remove what no photo row names — a write killed before its commit leaves its file, or
        a half-written temporary one — once older than `older_than_seconds` (a younger one may
        be an upload another worker is committing right now). Returns how many were removed."""
        cutoff = time.time() - older_than_seconds  # system clock: compared with file mtimes
        removed = 0
        for path in self.files():
            if _is_digest(path.name) and path.name in kept:
                continue
            try:
                if path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # removed by another sweep meanwhile
        return removed


def _is_digest(name: str) -> bool:
    return _DIGEST.fullmatch(name) is not None


_DIGEST = re.compile(r"[0-9a-f]{64}")


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def digest_of(content: bytes) -> str:
    """The SHA-256 a photo is stored (and named) under."""
    return hashlib.sha256(content).hexdigest()


def sniff_type(content: bytes) -> str | None:
    """The image type the bytes really are (the upload's own claim is not trusted)."""
    for content_type, magic in ALLOWED_TYPES.items():
        if content.startswith(magic):
            return content_type
    return None
