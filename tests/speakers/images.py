"""Test images made with Pillow (and one hand-built PNG header for a decompression bomb)."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

ORIENTATION = 0x0112
MAKE = 0x010F


def image_bytes(size: tuple[int, int] = (1200, 800), fmt: str = "JPEG", *,
                orientation: int | None = None, mode: str = "RGB") -> bytes:
    """An image whose left half is red and right half blue, with EXIF when asked."""
    image = Image.new(mode, size, (255, 0, 0) if mode == "RGB" else (255, 0, 0, 255))
    image.paste((0, 0, 255) if mode == "RGB" else (0, 0, 255, 128), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[MAKE] = "Test camera"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    output = io.BytesIO()
    image.save(output, fmt, exif=exif.tobytes())
    return output.getvalue()


def noisy_jpeg(size: tuple[int, int] = (400, 400)) -> bytes:
    """A JPEG that compresses badly, so its file is large for its pixels."""
    image = Image.frombytes("RGB", size, bytes((index * 7919) % 251 for index in range(size[0] * size[1] * 3)))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=100)
    return output.getvalue()


def huge_png(width: int, height: int) -> bytes:
    """A tiny PNG file that claims a huge size (its pixels would fill gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


HTML_AS_PNG = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
