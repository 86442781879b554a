"""Formatted text as Telegram handles it: parse_mode markup becomes plain text plus entities.

Entity offsets and lengths count UTF-16 code units, as in the Bot API. Markup errors answer
400 "Bad Request: can't parse entities: ..." with wording close to Telegram's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ApiError, bad_request

Entity = dict[str, Any]

_COMMAND_RE = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[Entity]:
    """bot_command entities for every /command in a user's text, as Telegram marks them."""
    entities: list[Entity] = []
    for match in _COMMAND_RE.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return entities


def parse_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None = None
) -> tuple[str, list[Entity]]:
    """Apply parse_mode (or explicit entities) and strip surrounding whitespace like Telegram."""
    mode = (parse_mode or "").strip().lower()
    if entities:
        parsed_text, parsed = text, [dict(entity) for entity in entities]
    elif mode == "html":
        parsed_text, parsed = _HtmlParser(text).parse()
    elif mode == "markdownv2":
        parsed_text, parsed = _MarkdownParser(text, version=2).parse()
    elif mode == "markdown":
        parsed_text, parsed = _MarkdownParser(text, version=1).parse()
    elif mode == "":
        parsed_text, parsed = text, []
    else:
        raise bad_request(f'unsupported parse_mode "{parse_mode}"')
    return _strip(parsed_text, parsed)


def _strip(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    stripped_left = text.lstrip()
    shift = utf16_len(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip()
    limit = utf16_len(result)
    kept: list[Entity] = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(limit, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


@dataclass
class _Open:
    tag: str
    entity_type: str
    start: int
    source_index: int
    extra: dict[str, Any] = field(default_factory=dict)


class _Output:
    """Plain text being built, with its length in UTF-16 units tracked as it grows."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self._entities: list[tuple[int, Entity]] = []

    def append(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def add_entity(self, entity_type: str, start: int, opened_at: int, **extra: Any) -> None:
        if self.length > start:
            entity = {"type": entity_type, "offset": start, "length": self.length - start}
            self._entities.append((opened_at, {**entity, **extra}))

    @property
    def entities(self) -> list[Entity]:
        """Ordered by offset, longer first; equal spans outer (earlier opened) first."""
        ordered = sorted(self._entities, key=lambda e: (e[1]["offset"], -e[1]["length"], e[0]))
        return [entity for _, entity in ordered]

    def text(self) -> str:
        return "".join(self.parts)


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR_RE = re.compile(r"""([A-Za-z_:-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.out = _Output()
        self.stack: list[_Open] = []

    def parse(self) -> tuple[str, list[Entity]]:
        src = self.source
        i = 0
        while i < len(src):
            char = src[i]
            if char == "<":
                i = self._tag(i)
            elif char == "&":
                i = self._entity(i)
            else:
                nxt = min(
                    (pos for pos in (src.find("<", i), src.find("&", i)) if pos >= 0),
                    default=len(src),
                )
                self.out.append(src[i:nxt])
                i = nxt
        if self.stack:
            raise _parse_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        return self.out.text(), self.out.entities

    def _entity(self, i: int) -> int:
        src = self.source
        end = src.find(";", i)
        name = src[i + 1 : end] if 0 <= end - i <= 10 else ""
        replacement: str | None = None
        if name in _NAMED_ENTITIES:
            replacement = _NAMED_ENTITIES[name]
        elif re.fullmatch(r"#[0-9]{1,7}", name):
            replacement = chr(int(name[1:]))
        elif re.fullmatch(r"#[xX][0-9A-Fa-f]{1,6}", name):
            replacement = chr(int(name[2:], 16))
        if replacement is None:
            self.out.append("&")
            return i + 1
        self.out.append(replacement)
        return end + 1

    def _tag(self, i: int) -> int:
        src = self.source
        offset = _byte_offset(src, i)
        if src.startswith("/", i + 1):
            end = src.find(">", i)
            if end < 0:
                raise _parse_error(f"Unclosed end tag at byte offset {offset}")
            self._close(src[i + 2 : end].strip().lower(), offset)
            return end + 1
        # Like Telegram, the tag name runs to the first space or '>': "I <3 you" names "3".
        name_end = i + 1
        while name_end < len(src) and not src[name_end].isspace() and src[name_end] != ">":
            name_end += 1
        if name_end >= len(src):
            raise _parse_error(f"Unclosed start tag at byte offset {offset}")
        name = src[i + 1 : name_end].lower()
        if name not in _HTML_TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        end = src.find(">", name_end)
        if end < 0:
            raise _parse_error(f"Unclosed start tag at byte offset {offset}")
        body = src[name_end:end]
        attrs = {
            m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
            for m in _ATTR_RE.finditer(body)
        }
        entity_type = _HTML_TAGS[name]
        extra: dict[str, Any] = {}
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        if name == "a":
            href = attrs.get("href", "")
            if not href:
                entity_type = ""
            extra["url"] = href
        if name == "tg-emoji":
            extra["custom_emoji_id"] = attrs.get("emoji-id", "")
        if name == "blockquote" and "expandable" in attrs:
            entity_type = "expandable_blockquote"
        if name == "code" and self.stack and self.stack[-1].tag == "pre":
            language = attrs.get("class", "")
            if language.startswith("language-"):
                self.stack[-1].extra["language"] = language.removeprefix("language-")
                entity_type = ""
        self.stack.append(_Open(name, entity_type, self.out.length, i, extra))
        return end + 1

    def _close(self, name: str, offset: int) -> None:
        if not self.stack:
            raise _parse_error(f"Unexpected end tag at byte offset {offset}")
        top = self.stack[-1]
        if top.tag != name:
            raise _parse_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.tag}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        if top.entity_type:
            self.out.add_entity(top.entity_type, top.start, top.source_index, **top.extra)


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_MD1_MARKERS = {"*": "bold", "_": "italic"}


class _MarkdownParser:
    """MarkdownV2 (strict escaping) and legacy Markdown (version 1)."""

    def __init__(self, source: str, version: int) -> None:
        self.source = source
        self.version = version
        self.out = _Output()
        self.stack: list[_Open] = []

    def parse(self) -> tuple[str, list[Entity]]:
        src = self.source
        i = 0
        markers = _MD2_MARKERS if self.version == 2 else _MD1_MARKERS
        while i < len(src):
            char = src[i]
            if char == "\\" and i + 1 < len(src) and (self.version == 2 or src[i + 1] in "_*`["):
                self.out.append(src[i + 1])
                i += 2
            elif char == "`":
                i = self._code(i)
            elif char == "[":
                self.stack.append(_Open("[", "text_link", self.out.length, i))
                i += 1
            elif char == "]" and self.stack and self.stack[-1].tag == "[":
                i = self._link_end(i)
            elif src.startswith(("__", "||"), i) and self.version == 2:
                self._toggle(src[i : i + 2], markers[src[i : i + 2]], i)
                i += 2
            elif char in markers:
                self._toggle(char, markers[char], i)
                i += 1
            elif self.version == 2 and char in _MD2_RESERVED:
                raise _parse_error(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            else:
                self.out.append(char)
                i += 1
        if self.stack:
            top = self.stack[-1]
            name = top.entity_type.replace("_", " ").title().replace(" ", "")
            raise _parse_error(
                f"Can't find end of {name} entity at byte offset "
                f"{_byte_offset(src, top.source_index)}"
            )
        return self.out.text(), self.out.entities

    def _toggle(self, marker: str, entity_type: str, i: int) -> None:
        if self.stack and self.stack[-1].tag == marker:
            top = self.stack.pop()
            self.out.add_entity(entity_type, top.start, top.source_index)
        elif any(item.tag == marker for item in self.stack) and self.version == 2:
            raise _parse_error(
                f"Can't find end of {self.stack[-1].entity_type} entity at byte offset "
                f"{_byte_offset(self.source, self.stack[-1].source_index)}"
            )
        else:
            self.stack.append(_Open(marker, entity_type, self.out.length, i))

    def _code(self, i: int) -> int:
        src = self.source
        fence = "```" if src.startswith("```", i) else "`"
        j = i + len(fence)
        content: list[str] = []
        while j < len(src) and not src.startswith(fence, j):
            if src[j] == "\\" and self.version == 2 and j + 1 < len(src) and src[j + 1] in "`\\":
                content.append(src[j + 1])
                j += 2
            else:
                content.append(src[j])
                j += 1
        if j >= len(src):
            kind = "Pre" if fence == "```" else "Code"
            raise _parse_error(
                f"Can't find end of {kind} entity at byte offset {_byte_offset(src, i)}"
            )
        body = "".join(content)
        start = self.out.length
        if fence == "```":
            language = ""
            first, newline, rest = body.partition("\n")
            if newline and first and " " not in first:
                language, body = first, rest
            self.out.append(body)
            extra = {"language": language} if language else {}
            self.out.add_entity("pre", start, i, **extra)
        else:
            self.out.append(body)
            self.out.add_entity("code", start, i)
        return j + len(fence)

    def _link_end(self, i: int) -> int:
        src = self.source
        top = self.stack.pop()
        if not src.startswith("(", i + 1):
            if self.version == 2:
                raise _parse_error(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            self.out.append("]")
            return i + 1
        close = i + 2
        while close < len(src) and src[close] != ")":
            close += 2 if src[close] == "\\" else 1
        if close >= len(src):
            raise _parse_error(f"Can't find end of a url at byte offset {_byte_offset(src, i + 1)}")
        url = src[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
        self.out.add_entity("text_link", top.start, top.source_index, url=url)
        return close + 1
