"""Every uploaded photo is decoded and re-encoded (Pillow): only the pixels are kept, so no
metadata (EXIF, GPS, camera, text chunks) leaves the clinic with it and nothing hidden after or
inside the image (a script in a PNG-magic polyglot) survives; a thumbnail serves the galleries."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from sclero.core.errors import InvalidInput
from sclero.follow_up.photo_store import digest_of

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; more is refused before decoding
THUMBNAIL_EDGE = 480
JPEG_QUALITY = 90
UNREADABLE = "Only JPEG or PNG photos can be kept; this file is not a readable image."


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded from its pixels, upright, without metadata, with its thumbnail."""

    content: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def clean(content: bytes) -> CleanPhoto:
    """Decode `content` as JPEG or PNG and encode it afresh; InvalidInput when it is not one."""
    image = _decode(content)
    fmt = str(image.format)
    upright = ImageOps.exif_transpose(image)  # turned as the camera was held, then EXIF goes
    thumbnail = upright.copy()
    thumbnail.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    return CleanPhoto(
        content=_encode(upright, fmt),
        content_type=FORMATS[fmt],
        width=upright.width,
        height=upright.height,
        thumbnail=_encode(thumbnail, fmt),
    )


def digest(content: bytes) -> str:
    """The SHA-256 a file is stored (and named) under."""
    return digest_of(content)


def _decode(content: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(content), formats=tuple(FORMATS)) as probe:
            probe.verify()  # checksums and structure, before any pixel is decoded
        image = Image.open(io.BytesIO(content), formats=tuple(FORMATS))
        if image.width * image.height > MAX_PIXELS:
            raise InvalidInput(
                f"The photo has more than {MAX_PIXELS // 1_000_000} megapixels.", field="file"
            )
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(UNREADABLE, field="file") from None
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    """The pixels alone in a new file: no info (EXIF, ICC, text) is handed to the encoder."""
    image.info = {}
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(out, "PNG")
    return out.getvalue()
