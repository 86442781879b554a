"""Typed access to Bot API request parameters, whatever encoding the client used.

Form and multipart clients (PTB among them) send every value as a string, with complex values
(reply_markup, allowed_updates ...) JSON-encoded; JSON clients send native values. Both end up
in one mapping here and are converted on access.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from emulator.errors import bad_request

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "entities",
        "caption_entities",
        "media",
        "message_ids",
    }
)
INT_FIELDS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections", "cache_time"}
)
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
    }
)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


class Params:
    """The parameters of one Bot API call plus the uploaded files, by part name."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile] | None = None):
        self._values = values
        self._files = files or {}

    def __contains__(self, name: object) -> bool:
        return name in self._values or name in self._files

    def get_str(self, name: str, *, required: bool = False) -> str | None:
        value = self._values.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        raise bad_request(f'field "{name}" must be of type String')

    def require_str(self, name: str) -> str:
        value = self.get_str(name, required=True)
        assert value is not None
        return value

    def get_int(self, name: str, *, required: bool = False) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def require_int(self, name: str) -> int:
        value = self.get_int(name, required=True)
        assert value is not None
        return value

    def get_float(self, name: str) -> float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in {"true", "1"}:
                return True
            if lowered in {"false", "0"}:
                return False
        raise bad_request(f"invalid {name} specified")

    def get_json(self, name: str) -> Any:
        """A complex value: decoded from a JSON string, or taken as is from a JSON body."""
        value = self._values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def get_object(self, name: str) -> dict[str, Any] | None:
        value = self.get_json(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {name} JSON object")
        return value

    def get_file(self, name: str) -> UploadedFile | str | None:
        """An input file: an uploaded part, or a string (a file_id or a URL)."""
        if name in self._files:
            return self._files[name]
        value = self.get_str(name)
        if value is not None and value.startswith("attach://"):
            attached = self._files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f'can\'t find attached file "{value}"')
            return attached
        return value

    def normalized(self) -> dict[str, Any]:
        """The parameters with JSON, integer and boolean fields decoded, for the request log."""
        result: dict[str, Any] = {}
        for name, value in self._values.items():
            result[name] = _decode(name, value)
        for name, upload in self._files.items():
            result[name] = upload
        return result


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if name in JSON_FIELDS:
            return json.loads(value)
        if name in INT_FIELDS:
            return int(value)
    except ValueError:
        return value
    if name in BOOL_FIELDS and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return value
