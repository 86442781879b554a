"""Uploaded files: storage by file_id, image dimensions, and the PhotoSize ladder."""

from __future__ import annotations

import hashlib
import itertools
import mimetypes
import struct
from dataclasses import dataclass
from typing import Any

from emulator.errors import bad_request

# Telegram stores a photo as several sizes whose longer side is at most these values.
PHOTO_SIDES = (90, 320, 800, 1280, 2560)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """A file the emulator holds: what the bot uploaded, addressable by file_id."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    filename: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def file_path(self) -> str:
        folder = "photos" if self.kind == "photo" else f"{self.kind}s"
        suffix = ""
        if self.filename and "." in self.filename:
            suffix = "." + self.filename.rsplit(".", 1)[1]
        elif self.kind == "photo":
            suffix = ".jpg"
        return f"{folder}/file_{self.file_unique_id}{suffix}"

    def photo_size(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width or 0,
            "height": self.height or 0,
            "file_size": self.size,
        }

    def document(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.filename:
            result["file_name"] = self.filename
        if self.mime_type:
            result["mime_type"] = self.mime_type
        return result

    def file_object(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


class FileStore:
    """All files of one emulated bot."""

    def __init__(self, bot_id: int) -> None:
        self._bot_id = bot_id
        self._counter = itertools.count(1)
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_ladders: dict[str, list[StoredFile]] = {}

    def add(
        self,
        kind: str,
        data: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        number = next(self._counter)
        digest = hashlib.sha256(f"{self._bot_id}:{kind}:{number}".encode()).hexdigest()
        stored = StoredFile(
            file_id=f"{kind[:2].upper()}{self._bot_id:x}_{number}_{digest[:24]}",
            file_unique_id=f"U{digest[24:36]}",
            kind=kind,
            data=data,
            filename=filename,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def add_photo(self, data: bytes) -> list[StoredFile]:
        """Store an uploaded image as Telegram does: a ladder of sizes, largest last."""
        if len(data) > MAX_PHOTO_BYTES:
            raise bad_request("file is too big")
        dimensions = image_size(data)
        if dimensions is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = dimensions
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        longest = max(width, height)
        sizes: list[StoredFile] = []
        for side in PHOTO_SIDES:
            scale = min(1.0, side / longest)
            scaled = (max(1, round(width * scale)), max(1, round(height * scale)))
            if sizes and (sizes[-1].width, sizes[-1].height) == scaled:
                break
            sizes.append(
                self.add("photo", data, mime_type="image/jpeg", width=scaled[0], height=scaled[1])
            )
            if scale == 1.0:
                break
        for size in sizes:
            self._photo_ladders[size.file_id] = sizes
        return sizes

    def photo_ladder(self, file_id: str) -> list[StoredFile] | None:
        """All sizes of the photo that one of its file_ids belongs to."""
        return self._photo_ladders.get(file_id)


def guess_mime_type(filename: str | None, declared: str | None) -> str:
    if declared and declared != "application/octet-stream":
        return declared
    if filename:
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    return declared or "application/octet-stream"


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image, or None if not recognised."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    return None
