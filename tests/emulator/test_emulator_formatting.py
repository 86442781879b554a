"""parse_mode handling: plain text plus entities in UTF-16 units, Telegram's errors."""

from __future__ import annotations

import pytest

from emulator.errors import ApiError
from emulator.formatting import command_entities, parse_text


def test_html_entities_count_utf16_units() -> None:
    text, entities = parse_text("🙂 <b>Līderība</b> &amp; <a href='https://x.org'>link</a>", "HTML")
    assert text == "🙂 Līderība & link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 8},
        {"type": "text_link", "offset": 14, "length": 4, "url": "https://x.org"},
    ]


def test_html_nesting_pre_language_and_stripping() -> None:
    text, entities = parse_text(
        '  <pre><code class="language-python">x = 1</code></pre> <i><u>iu</u></i>\n', "html"
    )
    assert text == "x = 1 iu"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "italic", "offset": 6, "length": 2},
        {"type": "underline", "offset": 6, "length": 2},
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("a <div>b</div>", 'Unsupported start tag "div" at byte offset 2'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("ā <br", "Unclosed start tag at byte offset 3"),
    ],
)
def test_html_errors(source: str, error: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_text(source, "HTML")
    assert caught.value.status == 400
    assert caught.value.description == f"Bad Request: can't parse entities: {error}"


def test_markdown_v2_requires_escaping() -> None:
    text, entities = parse_text(
        r"*Score* 3\.5 of 5 \- _good_ [more](https://x.org/a\)b)", "MarkdownV2"
    )
    assert text == "Score 3.5 of 5 - good more"
    assert [e["type"] for e in entities] == ["bold", "italic", "text_link"]
    assert entities[2]["url"] == "https://x.org/a)b"
    with pytest.raises(ApiError, match=r"Character '\.' is reserved"):
        parse_text("Score 3.5", "MarkdownV2")
    with pytest.raises(ApiError, match="Can't find end of Bold entity"):
        parse_text("*open", "MarkdownV2")


def test_legacy_markdown_and_code() -> None:
    text, entities = parse_text("*bold* `x_y` 3.5", "Markdown")
    assert text == "bold x_y 3.5"
    assert [e["type"] for e in entities] == ["bold", "code"]


def test_command_entities_like_telegram() -> None:
    assert command_entities("/start abc") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("/help@selfie_bot now") == [
        {"type": "bot_command", "offset": 0, "length": 16}
    ]
    assert command_entities("see /help and a/b") == [
        {"type": "bot_command", "offset": 4, "length": 5}
    ]
    assert command_entities("no commands") == []
